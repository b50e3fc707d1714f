"""When digests are due: pure functions of the clock, a profile's ``send_at``, its time zone
and its days (DST-correct through zoneinfo). The daemon's cron jobs, its catch-up after a
restart and `status` all ask these.

``days`` are the short names of ``config.kinds.WEEKDAYS`` (mon..sun), on the calendar of the
profile's time zone; the default is every day. A send_at that does not exist on a day (the
hour skipped when clocks go forward) falls at the same wall-clock time read with the offset
before the change (02:30 becomes 03:30), as zoneinfo reads it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from aggregator.config.kinds import WEEKDAYS

# A digest missed while the daemon was down is still sent if we start within this long after
# send_at (a machine that was off over night sends the morning digest when it boots).
DIGEST_MISFIRE_GRACE = timedelta(hours=12)

# a week and a day: the longest gap between two send days, with room for a DST shift
_SEARCH_DAYS = 8


def _moment(day: date, send_at: str, tz: ZoneInfo) -> datetime:
    """``send_at`` on ``day`` in ``tz``, as an aware UTC datetime."""
    hh, mm = (int(x) for x in send_at.split(":"))
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz).astimezone(UTC)


def _send_days(days: Collection[str]) -> set[int]:
    chosen = {WEEKDAYS.index(d) for d in days}
    if not chosen:
        raise ValueError("a digest needs at least one day")
    return chosen


def last_scheduled(
    now: datetime, send_at: str, timezone: str, days: Collection[str] = WEEKDAYS
) -> datetime:
    """The most recent send_at moment on one of ``days`` at or before ``now`` (aware, UTC)."""
    tz = ZoneInfo(timezone)
    allowed = _send_days(days)
    day = now.astimezone(tz).date() + timedelta(days=1)
    for _ in range(_SEARCH_DAYS + 1):
        at = _moment(day, send_at, tz)
        if day.weekday() in allowed and at <= now:
            return at
        day -= timedelta(days=1)
    raise AssertionError("unreachable: a send day exists within eight days")


def digest_due(
    now: datetime,
    send_at: str,
    timezone: str,
    last_sent: datetime | None,
    grace: timedelta = DIGEST_MISFIRE_GRACE,
    days: Collection[str] = WEEKDAYS,
) -> bool:
    """Was the latest scheduled digest missed (not sent since, and still within grace)?"""
    scheduled = last_scheduled(now, send_at, timezone, days)
    if now - scheduled > grace:
        return False
    return last_sent is None or last_sent < scheduled


def next_scheduled(
    now: datetime, send_at: str, timezone: str, days: Collection[str] = WEEKDAYS
) -> datetime:
    """The first send_at moment on one of ``days`` after ``now`` (aware, in UTC): today's if
    still ahead in the profile's zone, else the next send day's (on calendar days, so a DST
    change is honoured)."""
    tz = ZoneInfo(timezone)
    allowed = _send_days(days)
    day = now.astimezone(tz).date() - timedelta(days=1)
    for _ in range(_SEARCH_DAYS + 1):
        at = _moment(day, send_at, tz)
        if day.weekday() in allowed and at > now:
            return at
        day += timedelta(days=1)
    raise AssertionError("unreachable: a send day exists within eight days")


def retry_at(
    failed_at: datetime, attempt: int, retry: float, next_digest: datetime
) -> datetime | None:
    """When to try again after the ``attempt``-th failed send in a row: ``retry`` seconds
    after the first failure, doubling each time (capped at a day); None when that would not
    come before the next scheduled digest, which then takes over."""
    delay = retry * 2.0 ** min(max(attempt - 1, 0), 16)
    at = failed_at + timedelta(seconds=min(delay, 86400.0))
    return at if at < next_digest else None
