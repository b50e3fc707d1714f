"""When digests are due: pure functions of the clock, ``digest.send_at`` and the time zone
(DST-correct through zoneinfo). The daemon's cron job, its catch-up after a restart and
`status` all ask these."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# A digest missed while the daemon was down is still sent if we start within this long after
# send_at (a machine that was off over night sends the morning digest when it boots).
DIGEST_MISFIRE_GRACE = timedelta(hours=12)


def last_scheduled(now: datetime, send_at: str, timezone: str) -> datetime:
    """The most recent send_at moment at or before ``now`` (aware, in UTC)."""
    tz = ZoneInfo(timezone)
    hh, mm = (int(x) for x in send_at.split(":"))
    local_now = now.astimezone(tz)
    candidate = local_now.replace(hour=hh, minute=mm, second=0, microsecond=0)
    if candidate > local_now:
        candidate = (local_now - timedelta(days=1)).replace(
            hour=hh, minute=mm, second=0, microsecond=0
        )
    # re-anchor through UTC so a DST change between the two days is honoured
    naive = candidate.replace(tzinfo=None)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def digest_due(
    now: datetime,
    send_at: str,
    timezone: str,
    last_sent: datetime | None,
    grace: timedelta = DIGEST_MISFIRE_GRACE,
) -> bool:
    """Was the latest scheduled digest missed (not sent since, and still within grace)?"""
    scheduled = last_scheduled(now, send_at, timezone)
    if now - scheduled > grace:
        return False
    return last_sent is None or last_sent < scheduled


def next_scheduled(now: datetime, send_at: str, timezone: str) -> datetime:
    """The first send_at moment after ``now`` (aware, in UTC): today's if still ahead in the
    recipient's zone, else tomorrow's (on calendar days, so a DST change is honoured)."""
    tz = ZoneInfo(timezone)
    hh, mm = (int(x) for x in send_at.split(":"))
    local_now = now.astimezone(tz)
    day = local_now.date()
    for _ in range(3):
        at = datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz).astimezone(UTC)
        if at > now:
            return at
        day += timedelta(days=1)
    raise AssertionError("unreachable: a send_at moment exists within three days")


def retry_at(
    failed_at: datetime, attempt: int, retry: float, next_digest: datetime
) -> datetime | None:
    """When to try again after the ``attempt``-th failed send in a row: ``retry`` seconds
    after the first failure, doubling each time (capped at a day); None when that would not
    come before the next scheduled digest, which then takes over."""
    delay = retry * 2.0 ** min(max(attempt - 1, 0), 16)
    at = failed_at + timedelta(seconds=min(delay, 86400.0))
    return at if at < next_digest else None
