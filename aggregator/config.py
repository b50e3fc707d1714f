"""Configuration: YAML -> validated frozen objects.

The loader (``load_config``) is the only place that reads the YAML. Everything else gets a
``Config`` and never sees raw dicts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class FullText(enum.Enum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class SmtpSecurity(enum.Enum):
    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


@dataclass(frozen=True)
class FeedConfig:
    url: str
    name: str | None = None  # default: the feed's own title
    topic: str = "General"
    full_text: FullText = FullText.AUTO
    interval: float | None = None  # seconds; None = fetch.interval
    prefer: bool = False


@dataclass(frozen=True)
class FetchConfig:
    interval: float = 30 * 60.0  # seconds
    timeout: float = 20.0  # seconds
    max_bytes: int = 5 * 1000 * 1000
    concurrency: int = 16
    per_host: int = 2
    allow_private: bool = False


@dataclass(frozen=True)
class DigestConfig:
    send_at: str = "07:00"  # HH:MM
    timezone: str = "UTC"
    to: tuple[str, ...] = ()
    sender: str = "Aggregator <aggregator@localhost>"  # YAML key: from
    out_dir: Path = Path("digests")
    template_dir: Path | None = None
    send_empty: bool = False


@dataclass(frozen=True)
class DedupConfig:
    window: float = 7 * 86400.0  # seconds
    story_window: float = 3 * 86400.0  # seconds


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str | None = None
    password_env: str | None = None
    timeout: float = 30.0


@dataclass(frozen=True)
class Config:
    path: Path  # the main config file (absolute)
    database: Path  # absolute
    feeds: tuple[FeedConfig, ...] = ()
    fetch: FetchConfig = field(default_factory=FetchConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    retention: float = 30 * 86400.0  # seconds
    dedup: DedupConfig = field(default_factory=DedupConfig)
    smtp: SmtpConfig | None = None
    feeds_file: Path | None = None  # absolute, if used
    source_files: tuple[Path, ...] = ()  # every file read (for hot reload)

    def feed(self, url: str) -> FeedConfig | None:
        for f in self.feeds:
            if f.url == url:
                return f
        return None

    def topics(self) -> tuple[str, ...]:
        """Topics in order of first appearance, 'General' last."""
        seen: list[str] = []
        for f in self.feeds:
            if f.topic not in seen and f.topic != "General":
                seen.append(f.topic)
        return (*seen, "General")


def load_config(path: str | Path) -> Config:
    """Read and validate a config file. Raises ConfigError listing file:line:col issues."""
    raise NotImplementedError  # implemented by the config loader work
