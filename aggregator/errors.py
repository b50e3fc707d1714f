"""Exception hierarchy.

    AggregatorError                 root: everything we raise on purpose
    ├── ConfigError                 bad YAML or bad values; carries file:line:col issues
    ├── StoreError                  the state database cannot be opened or written
    ├── FetchError                  a network fetch failed (wrapped httpx / OS errors)
    │   └── BlockedAddressError     the target resolves to a private/loopback address
    ├── ParseError                  a feed body could not be parsed at all
    ├── ExtractError                an article page could not be extracted
    ├── TemplateError               a digest template does not compile or render
    └── DeliveryError               the digest could not be delivered
        ├── TemporaryDeliveryError  retry later (connection refused, 4xx, disconnect)
        └── PermanentDeliveryError  5xx: retrying will not help without a change

Each subsystem wraps foreign exceptions at one boundary with ``raise ... from e``.
Per-feed errors are recorded in state and skipped; anything else propagates.
"""

from __future__ import annotations

from dataclasses import dataclass


class AggregatorError(Exception):
    """Root of every error aggregator raises on purpose."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a config file, located precisely."""

    file: str
    line: int  # 1-based
    col: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class ConfigError(AggregatorError):
    """The config is invalid. ``issues`` lists every problem found (at least one)."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class StoreError(AggregatorError):
    """The state database cannot be opened, migrated or written."""


class FetchError(AggregatorError):
    """A fetch failed."""


class BlockedAddressError(FetchError):
    """The target host resolves to an address we refuse (private, loopback, link-local)."""


class ParseError(AggregatorError):
    """A feed document could not be parsed at all."""


class ExtractError(AggregatorError):
    """An article page could not be turned into text."""


class TemplateError(AggregatorError):
    """A digest template (ours or the user's ``template_dir``) failed to compile or render.
    ``where`` is ``PATH:LINE`` of the template line, when known."""

    def __init__(self, message: str, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class DeliveryError(AggregatorError):
    """The digest could not be delivered."""


class TemporaryDeliveryError(DeliveryError):
    """Delivery failed in a way that may succeed later."""


class PermanentDeliveryError(DeliveryError):
    """Delivery was refused permanently (5xx)."""
