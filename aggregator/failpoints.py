"""Failpoints: named places where a test can make the process die like a power cut.

Set ``AGGREGATOR_FAILPOINTS=name[,name...]`` in the environment of a real aggregator process
and it SIGKILLs itself when it reaches that place. ``name@N`` dies at the N-th hit. With the
variable unset (always, outside tests) ``hit`` is a dictionary lookup and nothing else.
This is how the crash-safety tests kill the daemon at exact points (after the SMTP server
accepted a digest, inside a feed's transaction, ...) without replacing any of our code.
"""

from __future__ import annotations

import os
import signal

_counts: dict[str, int] = {}


def _armed() -> dict[str, int]:
    raw = os.environ.get("AGGREGATOR_FAILPOINTS", "")
    out: dict[str, int] = {}
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, nth = part.partition("@")
        out[name] = int(nth) if nth.isdigit() else 1
    return out


def hit(name: str) -> None:
    """Die here (SIGKILL) if the failpoint ``name`` is armed for this hit."""
    if "AGGREGATOR_FAILPOINTS" not in os.environ:
        return
    armed = _armed()
    if name not in armed:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] >= armed[name]:
        os.kill(os.getpid(), signal.SIGKILL)
