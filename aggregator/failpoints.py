"""Failpoints: named places where a test can make the process die like a power cut, or make
one piece of work fail like a defect would.

Set ``AGGREGATOR_FAILPOINTS=spec[,spec...]`` in the environment of a real aggregator process;
each spec is ``name[~text][@N][=action]``:

- ``name``: the place (``hit(name)`` in the code);
- ``~text``: only hits whose ``subject`` contains ``text`` count (e.g. one article's title);
- ``@N``: act from the N-th counted hit on (default 1); ``kill`` acts once, at the N-th;
- ``=kill`` (default): SIGKILL itself there; ``=raise``: raise ``FailpointError`` there.

This is how the crash-safety tests kill the daemon at exact points (after the SMTP server
accepted a digest, inside a feed's transaction, ...) and how the isolation tests make one
article's dedup raise, without replacing any of our code. With the variable unset (always,
outside tests) ``hit`` is a dictionary lookup and nothing else.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass

_counts: dict[str, int] = {}


class FailpointError(RuntimeError):
    """Raised by a ``=raise`` failpoint: stands for a defect in the code at that place."""


@dataclass(frozen=True)
class _Spec:
    name: str
    match: str
    nth: int
    action: str


def _parse(part: str) -> _Spec:
    part, _, action = part.partition("=")
    part, _, nth = part.partition("@")
    name, _, match = part.partition("~")
    return _Spec(name.strip(), match, int(nth) if nth.isdigit() else 1, action or "kill")


def _armed() -> list[_Spec]:
    raw = os.environ.get("AGGREGATOR_FAILPOINTS", "")
    return [_parse(p) for p in raw.split(",") if p.strip()]


def hit(name: str, subject: str = "") -> None:
    """Act here if a failpoint armed for ``name`` (and ``subject``) says so."""
    if "AGGREGATOR_FAILPOINTS" not in os.environ:
        return
    for spec in _armed():
        if spec.name != name or spec.match not in subject:
            continue
        key = f"{spec.name}~{spec.match}"
        _counts[key] = _counts.get(key, 0) + 1
        if spec.action == "raise" and _counts[key] >= spec.nth:
            raise FailpointError(f"failpoint {name} ({subject[:60]})")
        if spec.action == "kill" and _counts[key] == spec.nth:
            os.kill(os.getpid(), signal.SIGKILL)
