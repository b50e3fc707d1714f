"""decide_poll: the poll's pure decision, case by case (the table in its module docstring)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from aggregator.config import FeedConfig
from aggregator.errors import ParseError
from aggregator.poll.decide import (
    MAX_NEW_ENTRIES_PER_POLL,
    Lookup,
    decide_poll,
    entry_identity,
    failed_poll,
    needs_parse,
)
from aggregator.types import ExistingEntry, FeedState, FetchResult, Outcome, ParsedEntry, ParsedFeed

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
URL = "https://f.example/rss"
FEED = FeedConfig(url=URL)
BODY = b"<rss>...</rss>"
STATE = FeedState(
    url=URL, title="Old title", etag='"old"', last_modified="Sat, 31 Oct 2026 12:00:00 GMT",
    body_hash="old-hash", next_check_at=NOW, last_fetch_at=NOW - timedelta(hours=1),
    last_success_at=NOW - timedelta(hours=1), last_outcome="ok", last_status=200,
    last_error=None, error_streak=2, gone=False, redirect_url=None,
)  # fmt: skip


def entry(n: int, *, content: str = "<p>body</p>", **kw: object) -> ParsedEntry:
    base: dict[str, object] = dict(
        guid=f"g{n}", link=f"https://f.example/{n}", title=f"Title {n}", content_html=content,
        summary_html=None, published=NOW - timedelta(minutes=n), updated=None,
    )  # fmt: skip
    base.update(kw)
    return ParsedEntry(**base)  # type: ignore[arg-type]


def ok(**kw: object) -> FetchResult:
    base: dict[str, object] = dict(
        url=URL, outcome=Outcome.OK, status=200, body=BODY, etag='"new"', last_modified=None
    )
    base.update(kw)
    return FetchResult(**base)  # type: ignore[arg-type]


def test_fetch_error_backs_off_and_keeps_everything() -> None:
    failed = FetchResult(url=URL, outcome=Outcome.SERVER_ERROR, status=503, error="503")
    i = decide_poll(FEED, STATE, failed, None, NOW, interval=600)
    assert (i.outcome, i.status, i.error, i.error_streak, i.gone) == (
        "server_error",
        503,
        "503",
        3,
        False,
    )
    assert i.next_check_at == NOW + timedelta(seconds=600 * 4)
    assert (i.etag, i.last_modified, i.body_hash, i.title) == (
        STATE.etag, STATE.last_modified, STATE.body_hash, STATE.title,
    )  # fmt: skip
    assert i.last_success_at == STATE.last_success_at and not i.new_entries


def test_gone_stops_the_feed() -> None:
    i = decide_poll(
        FEED, STATE, FetchResult(URL, Outcome.GONE, status=410), None, NOW, interval=600
    )
    assert i.gone and i.next_check_at is None and i.error_streak == 3
    assert i.error is not None and i.error.startswith("410 Gone") and URL in i.error


@pytest.mark.parametrize(
    ("fetched", "outcome"),
    [
        (FetchResult(URL, Outcome.NOT_MODIFIED, status=304, etag='"new"'), "not_modified"),
        (ok(body=b"same"), "unchanged"),
    ],
)
def test_unchanged_needs_no_parse(fetched: FetchResult, outcome: str) -> None:
    state = FeedState(**{**STATE.__dict__, "body_hash": hashlib.sha1(b"same").hexdigest()})
    assert not needs_parse(state, fetched)
    i = decide_poll(FEED, state, fetched, None, NOW, interval=600)
    assert (i.outcome, i.error, i.error_streak, i.etag) == (outcome, None, 0, '"new"')
    assert i.next_check_at == NOW + timedelta(seconds=600) and i.last_success_at == NOW
    assert i.body_hash == state.body_hash and i.title == state.title


def test_a_new_body_must_come_with_its_parse() -> None:
    assert needs_parse(STATE, ok())
    with pytest.raises(ValueError, match="needs its parse"):
        decide_poll(FEED, STATE, ok(), None, NOW, interval=600)


def test_parse_error_backs_off_without_a_fake_fetch_result() -> None:
    i = decide_poll(FEED, STATE, ok(), ParseError("not a feed"), NOW, interval=600)
    assert (i.outcome, i.status, i.error, i.error_streak) == ("parse_error", 200, "not a feed", 3)
    assert i.next_check_at == NOW + timedelta(seconds=600 * 4)
    assert i.etag == STATE.etag and i.body_hash == STATE.body_hash  # fetched in full again
    assert failed_poll(STATE, NOW, interval=600, outcome="parse_error", error="not a feed",
                       status=200) == i  # fmt: skip


def test_parsed_new_changed_and_skipped_entries() -> None:
    entries = (entry(1), entry(2, content="<p>edited</p>"), entry(3), entry(1))
    idents = tuple(entry_identity(e) for e in entries)
    stored_2 = ExistingEntry(7, idents[1].key, "g2", None, "older-hash", delivered=False)
    stored_3 = ExistingEntry(8, idents[2].key, "g3", None, "other-hash", delivered=True)
    parsed = ParsedFeed("New title", None, entries, ttl_minutes=60, skipped_entries=1)
    i = decide_poll(
        FEED, STATE, ok(permanent_url="https://f.example/moved"), parsed, NOW, interval=600,
        lookup=Lookup(idents, (stored_2, stored_3)),
    )  # fmt: skip
    assert [e.key for e in i.new_entries] == ["g:g1"]
    assert [(c.article_id, c.html) for c in i.changed_entries] == [(7, "<p>edited</p>")]
    assert i.skipped == 1 + 1  # the repeat and the parser's own (known ones are not counted)
    assert (i.outcome, i.error_streak, i.title, i.redirect_url) == (
        "ok", 0, "New title", "https://f.example/moved",
    )  # fmt: skip
    assert i.next_check_at == NOW + timedelta(minutes=60)  # the feed's ttl beats the interval
    assert i.body_hash == hashlib.sha1(BODY).hexdigest() and i.etag == '"new"'


def test_over_the_cap_the_newest_are_taken_and_the_document_is_read_again() -> None:
    n = MAX_NEW_ENTRIES_PER_POLL + 5
    entries = tuple(entry(k) for k in range(n))  # entry k is k minutes old
    i = decide_poll(FEED, STATE, ok(), ParsedFeed(None, None, entries), NOW, interval=600)
    assert [e.key for e in i.new_entries] == [f"g:g{k}" for k in range(MAX_NEW_ENTRIES_PER_POLL)]
    assert i.skipped == 5
    assert (i.etag, i.last_modified, i.body_hash) == (None, None, "")
    assert i.title == STATE.title  # the feed gave no title: the stored one stays
