"""The poll pipeline end to end on real parts: local HTTP server, real SQLite file, a clock."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.config import Config, FeedConfig, FetchConfig, FullText
from aggregator.export import iter_export
from aggregator.pipeline import Pipeline, PollSummary
from aggregator.store import Store
from tests.support.clock import Clock
from tests.support.httpd import FixtureHTTPServer, Reply

FEEDS = Path(__file__).parent / "feeds"


def rss(items: list[tuple[str, str, str, str]], title: str = "Test Feed") -> bytes:
    """items: (guid, link, title, html content)."""
    parts = [
        f"<item><guid isPermaLink='false'>{g}</guid><link>{link}</link><title>{t}</title>"
        f"<description><![CDATA[{c}]]></description>"
        f"<pubDate>Mon, 02 Nov 2026 08:00:00 +0000</pubDate></item>"
        for g, link, t, c in items
    ]
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://example.test/</link>{''.join(parts)}</channel></rss>"
    ).encode()


LONG = (
    "<p>The regional water authority announced on Tuesday that the reservoir serving the valley "
    "towns has reached its highest level in eleven years after weeks of steady autumn rain.</p>"
    "<p>Engineers opened two spillway gates as a precaution and said downstream villages were not "
    "at risk, although footpaths along the river would stay closed until the weekend.</p>"
    "<p>Farmers welcomed the news after two dry summers that forced restrictions on irrigation "
    "across much of the district and left several wells empty by August.</p>"
)


def make_config(tmp_path: Path, feeds: list[FeedConfig], **fetch: object) -> Config:
    return Config(
        path=tmp_path / "aggregator.yaml",
        database=tmp_path / "state.db",
        feeds=tuple(feeds),
        fetch=FetchConfig(allow_private=True, timeout=2.0, **fetch),  # type: ignore[arg-type]
    )


def poll(
    config: Config, store: Store, clock: Clock, feeds: list[FeedConfig] | None = None
) -> list[PollSummary]:
    p = Pipeline(config, store, clock=clock, workers=0, strict=True)
    try:
        return asyncio.run(p.poll(feeds))
    finally:
        p.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))


def test_cold_then_304_then_unchanged_body(
    httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock
) -> None:
    body = rss([("a1", httpd.url("/a1"), "Reservoir full", LONG)])
    httpd.static("/feed.xml", body)
    feed = FeedConfig(url=httpd.url("/feed.xml"), full_text=FullText.NEVER)
    config = make_config(tmp_path, [feed])
    with Store(config.database) as store:
        (s,) = poll(config, store, clock)
        assert (s.outcome, s.new) == ("ok", 1)
        # due again only after the interval
        assert poll(config, store, clock) == []
        clock.advance(minutes=31)
        (s,) = poll(config, store, clock)
        assert s.outcome == "unchanged" and s.status == 304
        assert httpd.requests[-1].headers.get("if-none-match")
        # a server that ignores validators but sends the same bytes: no parse, no new rows
        httpd.add("/feed.xml", Reply(body=body, headers={"Content-Type": "application/rss+xml"}))
        (s,) = poll(config, store, clock, [feed])
        assert s.outcome == "unchanged" and s.status == 200
        assert store.article_count() == 1


def test_entry_identity_across_updates(
    httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock
) -> None:
    feed = FeedConfig(url=httpd.url("/feed.xml"), full_text=FullText.NEVER)
    config = make_config(tmp_path, [feed])
    link = httpd.url("/story") + "?utm_source=rss"
    httpd.static("/feed.xml", rss([("g1", link, "Reservoir full", LONG)]))
    with Store(config.database) as store:
        poll(config, store, clock, [feed])
        # same guid, edited title and text: an update, not a new article
        httpd.set_body(
            "/feed.xml",
            rss(
                [
                    (
                        "g1",
                        link,
                        "Reservoir full: gates opened",
                        LONG + "<p>Update: the gates closed again at noon on Wednesday.</p>",
                    )
                ]
            ),
        )
        (s,) = poll(config, store, clock, [feed])
        assert (s.new, s.updated) == (0, 1)
        # a feed that changes every guid but keeps the link (tracking params differ)
        httpd.set_body(
            "/feed.xml",
            rss(
                [
                    (
                        "g-new-99",
                        httpd.url("/story") + "?utm_medium=x&fbclid=1",
                        "Reservoir full: gates opened",
                        LONG + "<p>Update: the gates closed again at noon on Wednesday.</p>",
                    )
                ]
            ),
        )
        (s,) = poll(config, store, clock, [feed])
        assert s.new == 0
        # duplicate guids inside one document: one article
        httpd.set_body(
            "/feed.xml",
            rss([("d1", httpd.url("/d"), "Dup", LONG), ("d1", httpd.url("/d"), "Dup", LONG)]),
        )
        (s,) = poll(config, store, clock, [feed])
        assert s.new == 1 and s.skipped == 1
        arts = list(store.iter_articles())
        assert len(arts) == 2
        assert arts[0].title == "Reservoir full: gates opened"
        assert "gates closed again" in arts[0].text


def test_one_broken_feed_does_not_stop_the_others(
    httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock
) -> None:
    httpd.static("/good.xml", rss([("a", httpd.url("/a"), "Good one", LONG)]))
    httpd.add(
        "/garbage.xml", Reply(body=b"\x00\xff not a feed", headers={"Content-Type": "text/xml"})
    )
    httpd.add("/down.xml", Reply(status=500))
    httpd.add("/gone.xml", Reply(status=410))
    feeds = [
        FeedConfig(url=httpd.url(p), full_text=FullText.NEVER)
        for p in ("/garbage.xml", "/down.xml", "/gone.xml", "/good.xml")
    ]
    config = make_config(tmp_path, feeds)
    with Store(config.database) as store:
        results = {s.url.rsplit("/", 1)[-1]: s for s in poll(config, store, clock)}
        assert results["good.xml"].new == 1 and results["good.xml"].ok
        assert results["garbage.xml"].outcome == "parse_error"
        assert results["down.xml"].outcome == "server_error"
        assert results["gone.xml"].outcome == "gone" and "stopped" in (
            results["gone.xml"].error or ""
        )
        down = store.feed_state(httpd.url("/down.xml"))
        assert down is not None and down.error_streak == 1
        first_delay = down.next_check_at - clock.now  # type: ignore[operator]
        clock.now = down.next_check_at  # type: ignore[assignment]
        poll(config, store, clock)
        down = store.feed_state(httpd.url("/down.xml"))
        assert down is not None and down.error_streak == 2
        assert down.next_check_at - clock.now > first_delay  # type: ignore[operator]
        # recovery resets the streak
        httpd.static("/down.xml", rss([("b", httpd.url("/b"), "Back", LONG)]))
        clock.now = down.next_check_at  # type: ignore[assignment]
        poll(config, store, clock)
        down = store.feed_state(httpd.url("/down.xml"))
        assert down is not None and down.error_streak == 0 and down.last_error is None
        gone = store.feed_state(httpd.url("/gone.xml"))
        assert gone is not None and gone.gone and gone.next_check_at is None


def test_teaser_gets_full_text_from_the_page(
    httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock
) -> None:
    page = (
        "<html><head><title>Reservoir full</title></head><body><nav>Home | World | Sport</nav>"
        f"<article><h1>Reservoir full</h1>{LONG}</article><footer>Copyright 2026</footer></body></html>"
    ).encode()
    httpd.add("/story", Reply(body=page, headers={"Content-Type": "text/html; charset=utf-8"}))
    httpd.add("/missing", Reply(status=404))
    httpd.static("/feed.xml", rss([
        ("t1", httpd.url("/story"), "Reservoir full", "<p>The reservoir is full… Read more</p>"),
        ("t2", httpd.url("/missing"), "Lost page", "<p>A short teaser that ends like this…</p>"),
    ]))  # fmt: skip
    config = make_config(tmp_path, [FeedConfig(url=httpd.url("/feed.xml"))])
    with Store(config.database) as store:
        poll(config, store, clock)
        arts = {a.title: a for a in store.iter_articles()}
        assert "spillway gates" in arts["Reservoir full"].text
        assert "Home | World" not in arts["Reservoir full"].text
        assert "teaser" in arts["Lost page"].text  # the feed's own content is kept


def test_a_whole_article_in_the_rss_description_is_not_fetched_again(
    httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock
) -> None:
    """full_text: auto. An RSS item with only a <description> is a teaser when it is short or
    ends like one; a description that holds the whole article (2,000+ characters) is used as
    it is, and its page is not requested (one request per item of a full-text feed was
    neither polite nor useful)."""
    whole = "".join(
        f"<p>Paragraph {i}: the council met again on Tuesday to discuss the harbor budget, the"
        " dredging schedule and the ferry timetable for the winter months ahead.</p>"
        for i in range(16)
    )
    page = b"<html><body><article><p>The page version.</p></article></body></html>"
    httpd.add("/whole", Reply(body=page, headers={"Content-Type": "text/html"}))
    httpd.add("/short", Reply(body=page, headers={"Content-Type": "text/html"}))
    httpd.static("/feed.xml", rss([
        ("w", httpd.url("/whole"), "Whole article", whole),
        ("s", httpd.url("/short"), "Short summary", "<p>The council met on Tuesday.</p>"),
    ]))  # fmt: skip
    config = make_config(tmp_path, [FeedConfig(url=httpd.url("/feed.xml"))])
    with Store(config.database) as store:
        poll(config, store, clock)
        arts = {a.title: a for a in store.iter_articles()}
    assert (httpd.hits("/whole"), httpd.hits("/short")) == (0, 1)
    assert "Paragraph 15: the council met again" in arts["Whole article"].text


def test_export_schema(httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock) -> None:
    httpd.static("/feed.xml", rss([("a", httpd.url("/a"), "Reservoir full", LONG)]))
    config = make_config(
        tmp_path, [FeedConfig(url=httpd.url("/feed.xml"), full_text=FullText.NEVER)]
    )
    with Store(config.database) as store:
        poll(config, store, clock)
        (rec,) = list(iter_export(store))
    # the DESIGN.md schema, plus "language" (issue 19: an extension, every old key kept)
    assert set(rec) == {
        "id", "feed", "url", "title", "published", "text", "story", "duplicate_of", "language"
    }  # fmt: skip
    assert rec["feed"] == httpd.url("/feed.xml") and rec["story"] and rec["duplicate_of"] is None
    assert rec["language"] == "en"
    json.dumps(rec)


def test_private_address_refused_without_allow_private(
    httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock
) -> None:
    httpd.static("/feed.xml", rss([("a", httpd.url("/a"), "x", LONG)]))
    config = Config(path=tmp_path / "c.yaml", database=tmp_path / "s.db",
                    feeds=(FeedConfig(url=httpd.url("/feed.xml")),))  # fmt: skip
    with Store(config.database) as store:
        (s,) = poll(config, store, clock)
    assert s.outcome == "blocked" and httpd.hits("/feed.xml") == 0


def test_huge_feed_is_taken_in_slices_over_polls(
    httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock
) -> None:
    from aggregator.poll.decide import MAX_NEW_ENTRIES_PER_POLL

    n = MAX_NEW_ENTRIES_PER_POLL * 2 + 200
    items = [
        (
            f"e{i}",
            httpd.url(f"/e{i}"),
            f"Entry {i}",
            f"<p>Entry number {i} of a very long feed.</p>",
        )
        for i in range(n)
    ]
    httpd.static("/big.xml", rss(items))
    feed = FeedConfig(url=httpd.url("/big.xml"), full_text=FullText.NEVER)
    config = make_config(tmp_path, [feed])
    with Store(config.database) as store:
        news = [poll(config, store, clock, [feed])[0].new for _ in range(4)]
        assert news == [MAX_NEW_ENTRIES_PER_POLL, MAX_NEW_ENTRIES_PER_POLL, 200, 0]
        assert store.article_count() == n
        # once everything is in, the validators are kept again: the next poll is a 304
        (s,) = poll(config, store, clock, [feed])
        assert s.status == 304


def _by_url(store: Store) -> dict[str, tuple[str, str | None, str | None]]:
    """url -> (text, story is set?, duplicate_of as url): comparable across databases."""
    recs = list(iter_export(store))
    url_of = {r["id"]: r["url"] for r in recs}
    return {
        r["url"]: (r["text"], "story" if r["story"] else None, url_of.get(r["duplicate_of"]))
        for r in recs
    }


def test_stored_entries_wait_for_enrichment_then_match_a_full_poll(
    httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock
) -> None:
    from aggregator.digest.deliver import digest_candidates
    from aggregator.status import collect_status

    httpd.static(
        "/a.xml",
        rss(
            [
                ("a1", httpd.url("/a1"), "Reservoir full", LONG),
                ("a2", httpd.url("/a2"), "Short", "<p>Only a line.</p>"),
            ]
        ),
    )
    httpd.static("/b.xml", rss([("b1", httpd.url("/b1"), "Valley reservoir at 11-year high",
                                 "<p>By Staff</p>" + LONG)], title="Other"))  # fmt: skip
    feeds = [FeedConfig(url=httpd.url(f"/{n}.xml"), full_text=FullText.NEVER) for n in "ab"]
    full = make_config(tmp_path / "full", feeds)
    split = make_config(tmp_path / "split", feeds)
    (tmp_path / "full").mkdir()
    (tmp_path / "split").mkdir()
    with Store(full.database) as store:
        for f in feeds:  # one after the other: the first copy is the canonical one
            poll(full, store, clock, [f])
        expected = _by_url(store)
    assert len(expected) == 3 and expected[httpd.url("/b1")][2] == httpd.url("/a1")

    with Store(split.database) as store:
        p = Pipeline(split, store, clock=clock, workers=0, strict=True)
        try:
            summaries = [s for f in feeds for s in asyncio.run(p.poll([f], enrich=False))]
        finally:
            p.close()
        assert sum(s.new for s in summaries) == 3 and store.article_count() == 3
        # stored, but nothing half-done is shown: no digest entry, no export line, status says
        assert store.enrichment_backlog() == 3
        assert digest_candidates(split, store, "me@example.org") == []
        assert list(iter_export(store)) == []
        assert collect_status(split, store, now=clock())["articles_waiting"] == 3
        # the feed changes before the enrichment ran: still one new article, enriched once
        httpd.set_body("/a.xml", rss([("a1", httpd.url("/a1"), "Reservoir full", LONG),
                                      ("a2", httpd.url("/a2"), "Short", "<p>Only two lines.</p>")]))  # fmt: skip
        p = Pipeline(split, store, clock=clock, workers=0, strict=True)
        try:
            (s,) = asyncio.run(p.poll([feeds[0]], enrich=False))
            assert (s.new, s.updated) == (0, 1)
            # a new process (as after a restart) finishes what is waiting
            p.close()
            p = Pipeline(split, store, clock=clock, workers=0, strict=True)
            calls: list[tuple[int, int]] = []
            assert asyncio.run(p.enrich(progress=lambda *a: calls.append(a))) == 3
            assert calls == [(3, 3)]
        finally:
            p.close()
        assert store.enrichment_backlog() == 0
        got = _by_url(store)
        assert len(digest_candidates(split, store, "me@example.org")) == 3
    assert got[httpd.url("/a2")][0] == "Only two lines."
    assert got[httpd.url("/a2")][1] == "story"  # kept its "new" kind: deduplicated
    expected[httpd.url("/a2")] = got[httpd.url("/a2")]
    assert got == expected


def test_reconfigure_applies_new_dedup_windows(tmp_path: Path, clock: Clock) -> None:
    """A hot reload that changes dedup.window / story_window takes effect without a restart
    (the index is rebuilt from the store with the new windows at its next use)."""
    from dataclasses import replace

    from aggregator.config import DedupConfig

    config = make_config(tmp_path, [])
    with Store(config.database) as store:
        p = Pipeline(config, store, clock=clock, workers=0, strict=True)
        try:
            assert p.deduper.window == config.dedup.window
            wider = replace(config, dedup=DedupConfig(window=2 * 86400.0, story_window=86400.0))
            p.reconfigure(wider)
            assert (p.deduper.window, p.deduper.story_window) == (2 * 86400.0, 86400.0)
            kept = p.deduper
            p.reconfigure(replace(wider, feeds=()))  # an edit elsewhere keeps the index
            assert p.deduper is kept
        finally:
            p.close()
