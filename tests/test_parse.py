"""Parsing: feedparser on bytes (RSS 0.91/1.0/2.0, Atom), our JSON Feed reader, bad input."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.errors import ParseError
from aggregator.poll.parse import discover_feed_links, parse_feed

FEEDS = Path(__file__).parent / "feeds"
NOW = datetime(2026, 11, 10, tzinfo=UTC)


def parse(name: str, url: str = "https://example.test/feed", **headers: str):
    return parse_feed((FEEDS / name).read_bytes(), url=url, headers=headers, now=NOW)


def test_rss20_entries_content_and_ttl() -> None:
    feed = parse("rss20.xml")
    assert feed.title == "Harbour Gazette"
    assert feed.kind == "rss20"
    assert feed.ttl_minutes == 90
    first, second = feed.entries
    assert first.guid == "gazette-1001"
    assert first.title == "Ferry service resumes after storm"
    assert first.content_html is not None and "forty passengers" in first.content_html
    assert first.summary_html == "The ferry runs again."
    assert first.published == datetime(2026, 11, 2, 8, 15, tzinfo=UTC)
    assert second.content_html is None and second.summary_html is not None
    assert "7 to 2" in second.summary_html


def test_rss091_latin1() -> None:
    feed = parse("rss091.xml")
    assert feed.kind == "rss091n" or feed.kind.startswith("rss09")
    (entry,) = feed.entries
    assert entry.title == "Café owners meet the mayor"
    assert entry.link == "http://old.example/cafe.html"


def test_rss10_rdf() -> None:
    feed = parse("rss10.xml")
    assert feed.kind == "rss10"
    (entry,) = feed.entries
    assert entry.link == "https://rdf.example/a1"
    assert entry.author == "Ana Ruiz"
    assert entry.published == datetime(2026, 11, 3, 10, tzinfo=UTC)


def test_atom_relative_link_resolved() -> None:
    feed = parse("atom.xml", url="https://atom.example/feed.atom")
    assert feed.kind == "atom10"
    (entry,) = feed.entries
    assert entry.link == "https://atom.example/2026/11/bridge"
    assert entry.guid == "tag:atom.example,2026:bridge"
    assert entry.author == "Lee Park"
    assert entry.content_html is not None and "ahead of schedule" in entry.content_html


def test_json_feed_11() -> None:
    feed = parse("jsonfeed.json", url="https://json.example/feed.json")
    assert feed.kind == "json1.1"
    assert feed.title == "JSON Ledger"
    assert feed.skipped_entries == 2  # a string and an empty object
    trains, market = feed.entries
    assert trains.guid == "j-1" and trains.author == "Mira Holt"
    assert trains.published == datetime(2026, 11, 5, 6, 30, tzinfo=UTC)
    assert market.link == "https://json.example/posts/market"
    assert market.content_html is not None and "<p>Stalls open at eight.</p>" in market.content_html
    assert market.published == datetime(2026, 11, 5, 6, 0, tzinfo=UTC)


def test_json_feed_detected_by_content_type() -> None:
    body = b'{"version": "1", "title": "x", "items": [{"id": "1", "content_text": "hello"}]}'
    feed = parse_feed(
        body, url="https://j.example/f", headers={"Content-Type": "application/feed+json"}
    )
    assert len(feed.entries) == 1


def test_invalid_json_feed_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not valid JSON"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": [', url="https://j/")


def test_malformed_xml_keeps_what_it_can() -> None:
    feed = parse("malformed.xml")
    assert feed.warning is not None  # recorded, not a crash
    assert [e.title for e in feed.entries][:1] == ["One"]


def test_wrong_declared_encoding_is_recovered() -> None:
    feed = parse("wrong-encoding.xml", **{"Content-Type": "application/rss+xml; charset=utf-8"})
    (entry,) = feed.entries
    assert entry.guid is not None and entry.guid.endswith("m-1")
    assert "reopen" in entry.title.lower()
    assert "\ufffd" not in entry.title or "Caf" in entry.title


def test_garbage_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(b"\x00\x01 this is not xml at all", url="https://x.example/")


def test_html_page_names_its_feed() -> None:
    body = (FEEDS / "page-with-feed.html").read_bytes()
    with pytest.raises(ParseError, match=r"https://site\.example/feed\.xml"):
        parse_feed(body, url="https://site.example/")
    assert discover_feed_links(body, "https://site.example/") == ["https://site.example/feed.xml"]


def test_future_dates_not_believed_and_nul_bytes_stripped() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>far\x00 future</title><guid>f1</guid><pubDate>Fri, 31 Dec 9999 23:59:59 GMT"
        b"</pubDate><description>x</description></item></channel></rss>"
    )
    (entry,) = parse_feed(body, url="https://f.example/", now=NOW).entries
    assert entry.published is None
    assert "\x00" not in entry.title


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_parsing_never_raises_anything_but_parse_error(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_feed(data, url="https://fuzz.example/", now=NOW)


def test_a_charset_disagreement_or_a_text_html_type_is_no_warning() -> None:
    # feedparser calls both "bozo"; neither says the document is broken, so the feed must not
    # show as malformed in status for them
    body = (FEEDS / "rss20.xml").read_bytes()
    served_as_html = parse_feed(body, url="https://e.test/f", headers={"Content-Type": "text/html"})
    latin = parse_feed(
        body.replace(b"Harbour Gazette", "Harbour Gazétte".encode()),
        url="https://e.test/f", headers={"Content-Type": "text/xml; charset=us-ascii"},
    )  # fmt: skip
    assert served_as_html.entries and served_as_html.warning is None
    assert latin.entries and latin.warning is None
    cut = parse_feed(body[: body.index(b"</item>") + 20], url="https://e.test/f")
    assert cut.entries and cut.warning is not None
