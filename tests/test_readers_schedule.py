"""When a profile's digest is due: properties of ``next_scheduled`` / ``last_scheduled`` /
``digest_due`` across days of the week, time zones and DST changes (hypothesis), where the
calendar arithmetic could go wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.config.kinds import WEEKDAYS
from aggregator.digest.schedule import digest_due, last_scheduled, next_scheduled

ZONES = ["UTC", "Europe/Kyiv", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
         "America/Santiago", "Pacific/Chatham", "Europe/London"]  # fmt: skip

moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
send_ats = st.builds(
    lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 1, 15, 30, 59])
)
day_sets = st.sets(st.sampled_from(WEEKDAYS), min_size=1).map(
    lambda s: tuple(d for d in WEEKDAYS if d in s)
)


@settings(max_examples=400, deadline=None)
@given(now=moments, send_at=send_ats, tz=st.sampled_from(ZONES), days=day_sets)
def test_next_and_last_send_moments(
    now: datetime, send_at: str, tz: str, days: tuple[str, ...]
) -> None:
    nxt = next_scheduled(now, send_at, tz, days)
    last = last_scheduled(now, send_at, tz, days)
    assert last <= now < nxt
    assert nxt - now <= timedelta(days=7, hours=3)  # at most a week (and a DST shift) ahead
    assert now - last <= timedelta(days=7, hours=3)
    hh, mm = (int(x) for x in send_at.split(":"))
    for at in (nxt, last):
        local = at.astimezone(ZoneInfo(tz))
        # send_at on a send day; a send_at that fell in a DST gap reads up to 3 h later on
        # the wall clock (never earlier), still on that send day's calendar
        late = (local.hour * 60 + local.minute - (hh * 60 + mm)) % 1440
        assert late == 0 or (0 < late <= 180 and local.second == 0), (local, send_at)
        assert WEEKDAYS[(local - timedelta(minutes=late)).weekday()] in days
    # nothing scheduled between two consecutive moments: the next after ``last`` is ``nxt``
    assert next_scheduled(last, send_at, tz, days) == nxt
    assert last_scheduled(nxt - timedelta(microseconds=1), send_at, tz, days) == last


@settings(max_examples=200, deadline=None)
@given(now=moments, send_at=send_ats, tz=st.sampled_from(ZONES), days=day_sets)
def test_a_digest_sent_at_its_moment_is_not_due_again(
    now: datetime, send_at: str, tz: str, days: tuple[str, ...]
) -> None:
    last = last_scheduled(now, send_at, tz, days)
    assert not digest_due(now, send_at, tz, last, days=days)
    missed = digest_due(now, send_at, tz, last - timedelta(seconds=1), days=days)
    assert missed == (now - last <= timedelta(hours=12))


def test_a_weekly_digest_across_the_spring_dst_change() -> None:
    """Kyiv moves its clocks on Sunday 29 March 2026: a Monday 07:00 digest is at 05:00 UTC
    before and 04:00 UTC after, and the days between are skipped."""
    before = datetime(2026, 3, 23, 5, 0, tzinfo=UTC)
    assert next_scheduled(before, "07:00", "Europe/Kyiv", ("mon",)) == datetime(
        2026, 3, 30, 4, 0, tzinfo=UTC
    )
    assert last_scheduled(datetime(2026, 3, 29, 23, 0, tzinfo=UTC), "07:00", "Europe/Kyiv",
                          ("mon",)) == before  # fmt: skip
