"""The controllable clock the tests hand to the pipeline and the daemon (their only "now")."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    """A controllable clock: call it for the time, ``advance`` it, or set ``now``."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)
