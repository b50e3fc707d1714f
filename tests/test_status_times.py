"""The status table's times: short in a terminal, exact in the JSON (which is untouched)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from aggregator.status import _short

NOW = datetime(2026, 12, 7, 14, 40, tzinfo=UTC)


def test_today_this_year_and_other_years() -> None:
    assert _short("2026-12-07T14:32:50+00:00", NOW) == "14:32"
    assert _short("2026-12-08T07:00:00+00:00", NOW) == "Dec 08 07:00"
    assert _short("2027-01-02T07:00:00+00:00", NOW) == "2027-01-02 07:00"
    assert _short("2026-12-07T15:32:50+01:00", NOW) == "14:32"  # shown in UTC
    assert _short(None, NOW) == "-" and _short("", NOW) == "-"
    assert _short("not a time", NOW) == "not a time"
    assert _short("0001-01-01T00:00:00+01:00", NOW) == "0001-01-01T00:00:00+01:00"


@given(
    st.datetimes(datetime(1970, 1, 1), datetime(2100, 12, 31), timezones=st.just(UTC)),
    st.integers(-14 * 60, 14 * 60),
)
def test_any_time_in_any_offset_shows_its_utc_minute(t: datetime, offset_min: int) -> None:
    local = t.astimezone(timezone(timedelta(minutes=offset_min)))
    shown = _short(local.isoformat(), NOW)
    assert shown.endswith(f"{t:%H:%M}")
    assert (shown == f"{t:%H:%M}") == (t.date() == NOW.date())
