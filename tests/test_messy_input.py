"""Messy input through the whole product (issue 17): dates from 1970 to 2100 or none,
non-English text, empty and huge entries, and one article whose enrichment raises.

* The reproduction of the issue through the CLI: two feeds, 28 entries, one dated 2019 ->
  `fetch` exits 0, `export` has 28 articles (the 2019 one with the reason it is held back),
  the digest mails 27 (digest.max_age), and `cluster` prints three lines for three records.
* One article whose dedup raises (a ``=raise`` failpoint stands for the defect) is set
  aside with its error, retried a bounded number of times and then kept as its own story;
  every other article goes on; `fetch` exits non-zero and says why; `status` lists it.
* A hypothesis property over the whole enrichment pass on a real SQLite file: random
  articles with any dates and texts all come out enriched, and exact copies collapse.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.config import Config, FeedConfig, FetchConfig, FullText
from aggregator.enrich.enricher import ENRICH_MAX_ATTEMPTS
from aggregator.export import iter_export
from aggregator.pipeline import Pipeline
from aggregator.store import ENRICH_NEW, ArticleRow, Store
from tests.support.cli import cli
from tests.support.clock import Clock
from tests.support.httpd import FixtureHTTPServer

_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "re",
    "sun",
    "tar",
    "vel",
    "dor",
    "pen",
    "qua",
    "zi",
    "ob",
    "ul",
    "hen",
    "tro",
    "gas",
    "fi",
    "ner",
    "wol",
    "by",
]


def prose(seed: int, sentences: int = 5) -> str:
    """Distinct made-up prose per seed (no two seeds share a story)."""
    rnd = random.Random(seed)
    words = ["".join(rnd.choice(_SYLLABLES) for _ in range(rnd.randint(2, 3))) for _ in range(60)]
    return " ".join(
        " ".join(rnd.choice(words) for _ in range(rnd.randint(12, 20))).capitalize() + "."
        for _ in range(sentences)
    )


def rss(title: str, items: list[tuple[str, str, str, str | None]]) -> bytes:
    """items: (guid, title, text, RFC 822 date or None)."""
    parts = []
    for guid, head, text, date in items:
        when = f"<pubDate>{date}</pubDate>" if date else ""
        parts.append(
            f"<item><guid isPermaLink='false'>{guid}</guid><title>{escape(head)}</title>{when}"
            f"<link>https://{title.lower()}.example/{guid}</link>"
            f"<description><![CDATA[<p>{escape(text)}</p>]]></description></item>"
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>https://{title.lower()}.example/</link>{''.join(parts)}</channel></rss>"
    ).encode()


def write_config(path: Path, urls: list[str]) -> None:
    feeds = "".join(f"  - url: {u}\n    topic: World\n    full_text: never\n" for u in urls)
    path.write_text(
        f"database: state.db\nfeeds:\n{feeds}fetch:\n  allow_private: true\n  timeout: 5s\n"
        "digest:\n  timezone: UTC\n  out_dir: out\n"
    )


def test_one_old_entry_no_longer_stops_cleaning_and_dedup(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    """The issue's reproduction: 2 feeds, 28 entries, one published in 2019."""
    # the CLI runs on the real clock: "recent" is two hours before now, whatever the date
    recent = (datetime.now(UTC) - timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    a = [(f"a{i}", f"Alpha report {i}", prose(i), recent) for i in range(14)]
    b = [(f"b{i}", f"Beta report {i}", prose(100 + i), recent) for i in range(13)]
    b.append(("b-old", "Beta archive piece", prose(999), "Fri, 01 Mar 2019 10:00:00 +0000"))
    httpd.static("/a.xml", rss("Alpha", a))
    httpd.static("/b.xml", rss("Beta", b))
    config = tmp_path / "aggregator.yaml"
    write_config(config, [httpd.url("/a.xml"), httpd.url("/b.xml")])

    r = cli(config, "fetch")
    assert r.returncode == 0, r.stderr
    assert "stopped" not in r.stderr and "Traceback" not in r.stderr
    r = cli(config, "export")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 28
    assert "waiting" not in r.stderr
    assert all(row["text"] and "error" not in row for row in rows)
    assert len({row["story"] for row in rows}) == 28  # 28 different made-up stories
    # before any digest, export already says why the 2019 entry will never be mailed
    held = {row["title"]: row["held"] for row in rows if "held" in row}
    assert list(held) == ["Beta archive piece"]
    assert held["Beta archive piece"].startswith("max_age: published 2019-03-01")
    r = cli(config, "digest", "--dry-run", "--out", str(tmp_path / "dry"))
    assert r.returncode == 0, r.stderr
    txt = " ".join((tmp_path / "dry" / "digest.txt").read_text().split())
    # 27 are in the digest; the 2019 entry was older than digest.max_age when first seen
    assert "27 stories | 27 articles" in txt and "Beta archive piece" not in txt
    assert "Beta report 12" in txt
    r = cli(config, "digest")  # written to out_dir: the hold is recorded, with its reason
    assert r.returncode == 0, r.stdout + r.stderr
    rows = {row["title"]: row for row in map(json.loads, cli(config, "export").stdout.splitlines())}
    assert len(rows) == 28
    assert rows["Beta archive piece"]["held"].startswith("max_age: published 2019-03-01")
    assert sum("held" in row for row in rows.values()) == 1
    status = json.loads(cli(config, "status", "--json").stdout)
    assert status["articles_waiting"] == 0 and status["enrichment_error"] is None


def test_cluster_with_an_old_date_prints_every_line(tmp_path: Path) -> None:
    lines = [
        {"id": "a", "text": prose(1), "published": "2026-12-01T10:00:00Z"},
        {"id": "b", "text": prose(2), "published": "2019-03-01T10:00:00Z"},
        {"id": "c", "text": prose(1), "published": "2026-12-01T11:00:00Z"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines))
    r = subprocess.run(
        [sys.executable, "-m", "aggregator", "cluster", str(src)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c"]
    assert out[2]["duplicate_of"] == "a" and out[1]["duplicate_of"] is None


def test_dates_from_1970_to_2100_and_odd_texts_all_come_through(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    items = [
        ("e1970", "Epoch", prose(1), "Thu, 01 Jan 1970 00:00:00 +0000"),
        ("e1999", "Old news", prose(2), "Fri, 31 Dec 1999 23:59:59 +0000"),
        ("e2090", "From the future", prose(3), "Mon, 02 Jan 2090 10:00:00 +0000"),
        ("e2100", "Far future", prose(4), "Fri, 31 Dec 2100 10:00:00 +0000"),
        ("nodate", "No date at all", prose(5), None),
        ("bad", "Unreadable date", prose(6), "the day after tomorrow"),
        ("uk", "Новини дня", "Київ отримав нову партію обладнання для енергетики. " * 8, None),
        ("zh", "新闻", "北京今天宣布了新的经济政策，旨在支持中小企业的发展。" * 8, None),
        ("empty", "Empty entry", "", None),
        ("blank", "", "", None),  # a CMS's blank item: nothing to show but its link
        ("huge", "Huge entry", prose(7, sentences=1500), None),
    ]
    httpd.static("/m.xml", rss("Messy", items))
    config = tmp_path / "aggregator.yaml"
    write_config(config, [httpd.url("/m.xml")])
    r = cli(config, "fetch")
    assert r.returncode == 0, r.stderr
    r = cli(config, "export")
    rows = {row["title"]: row for row in map(json.loads, r.stdout.splitlines())}
    assert set(rows) == {head for _, head, _, _ in items}
    assert all("error" not in row for row in rows.values())
    r = cli(config, "digest", "--dry-run", "--out", str(tmp_path / "dry"))
    assert r.returncode == 0, r.stderr
    txt = (tmp_path / "dry" / "digest.txt").read_text()
    # dated 1970 and 1999: older than digest.max_age when first seen, so held back; dates in
    # the future are not believed (the fetch time stands in), so those are mailed
    for head in ("Far future", "From the future", "Новини дня", "新闻", "Huge entry"):
        assert head in txt
    for head in ("Epoch", "Old news"):
        assert head not in txt
    # the blank item is left out (digest.empty_reason), not mailed as "(untitled)"; the one
    # with a title but no text is mailed under its title
    assert "(untitled)" not in txt and "/blank" not in txt and "Empty entry" in txt


def _config(tmp_path: Path, urls: list[str]) -> Config:
    return Config(
        path=tmp_path / "aggregator.yaml",
        database=tmp_path / "state.db",
        feeds=tuple(FeedConfig(url=u, full_text=FullText.NEVER) for u in urls),
        fetch=FetchConfig(allow_private=True, timeout=2.0),
    )


def test_an_article_whose_dedup_raises_is_set_aside_and_the_rest_go_on(
    httpd: FixtureHTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recent = "Mon, 02 Nov 2026 08:00:00 +0000"
    items = [(f"g{i}", f"Ordinary {i}", prose(i), recent) for i in range(5)]
    items.insert(2, ("poison", "Poison pill", prose(50), recent))
    httpd.static("/p.xml", rss("Pois", items))
    config = _config(tmp_path, [httpd.url("/p.xml")])
    monkeypatch.setenv("AGGREGATOR_FAILPOINTS", "enrich.dedup~Poison=raise")
    clock = Clock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    with Store(config.database) as store:
        p = Pipeline(config, store, clock=clock, workers=0)
        try:
            asyncio.run(p.poll())
            assert p.outcome.failed and len(p.outcome.set_aside) == 1
            assert "FailpointError" in p.outcome.lines()[0]
            done = {r["title"]: r for r in iter_export(store)}
            assert set(done) == {f"Ordinary {i}" for i in range(5)}
            (aside,) = store.set_aside_articles()
            assert (aside.title, aside.attempts) == ("Poison pill", 1)
            assert aside.retry_at is not None and aside.retry_at > clock.now
            assert store.enrichment_backlog(clock.now) == 0 and store.enrichment_backlog() == 1
            # retried when due, a bounded number of times, then kept as its own story
            for attempt in range(2, ENRICH_MAX_ATTEMPTS + 1):
                clock.now = aside.retry_at + timedelta(seconds=1)
                asyncio.run(p.enrich())
                (aside,) = store.set_aside_articles()
                assert aside.attempts == attempt
            assert aside.retry_at is None
            assert asyncio.run(p.enrich()) == 0  # nothing left to try
            done = {r["title"]: r for r in iter_export(store)}
            assert len(done) == 6
            kept = done["Poison pill"]
            assert kept["story"] == str(kept["id"]) and kept["duplicate_of"] is None
            assert "FailpointError" in kept["error"] and kept["text"]
        finally:
            p.close()


def test_fetch_exits_non_zero_and_status_lists_the_set_aside_article(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    recent = "Mon, 02 Nov 2026 08:00:00 +0000"
    items = [("g1", "Fine one", prose(1), recent), ("g2", "Poison pill", prose(2), recent)]
    httpd.static("/p.xml", rss("Pois", items))
    config = tmp_path / "aggregator.yaml"
    write_config(config, [httpd.url("/p.xml")])
    r = cli(config, "fetch", env={"AGGREGATOR_FAILPOINTS": "enrich.dedup~Poison=raise"})
    assert r.returncode == 1
    assert "1 articles set aside by an internal error" in r.stderr
    assert "FailpointError" in r.stderr
    report = json.loads(cli(config, "status", "--json").stdout)
    (aside,) = report["set_aside"]
    assert aside["title"] == "Poison pill" and aside["state"] == "retrying"
    r = cli(config, "export")
    assert [json.loads(x)["title"] for x in r.stdout.splitlines()] == ["Fine one"]
    assert "set aside after an error" in r.stderr


_PUB = st.one_of(
    st.none(),
    st.floats(0.0, 4102444800.0, allow_nan=False),
    st.sampled_from([0.0, 1551398400.0, 4102444800.0]),
)
_BODY = st.one_of(
    st.just(""),
    st.integers(0, 10_000).map(lambda s: prose(s, sentences=3)),
    st.text(max_size=120),
    st.text(
        alphabet="абвгдежзийклмнопрстуфхцчшщ 的一是不了人我在有他这中", min_size=1, max_size=300
    ),
)


@settings(
    max_examples=max(8, settings.default.max_examples // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.tuples(_PUB, _BODY, st.booleans()), min_size=1, max_size=12))
def test_enrich_pass_decides_every_article(items: list[tuple[float | None, str, bool]]) -> None:
    """Random stored articles (any date, any text; some followed by an exact copy from
    another feed) all come out of one enrichment pass with a decision; copies collapse."""
    fetched = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        config = _config(Path(tmp), ["https://one.example/f", "https://two.example/f"])
        copies: list[tuple[int, int]] = []
        with Store(config.database) as store:
            for n, (pub, body, copy) in enumerate(items):
                ids = []
                for k, feed in enumerate(("https://one.example/f", "https://two.example/f")):
                    if k and not copy:
                        break
                    ids.append(
                        store.insert_article(
                            ArticleRow(
                                feed_url=feed, key=f"k{n}", guid=f"k{n}",
                                url=f"https://site{k}.example/{n}", canonical_url=None,
                                content_hash=f"h{n}", text_hash=None, title=f"Item {n}",
                                author=None,
                                published=datetime.fromtimestamp(pub, UTC) if pub is not None else None,
                                fetched_at=fetched, html=f"<p>{escape(body)}</p>", text="",
                                site=f"site{k}.example", full_text_error=None, enrich=ENRICH_NEW,
                            )
                        )
                    )  # fmt: skip
                if copy and len(prose_words(body)) >= 5:
                    copies.append((ids[0], ids[1]))
            p = Pipeline(config, store, clock=lambda: fetched, workers=0, strict=True)
            try:
                asyncio.run(p.enrich())
            finally:
                p.close()
            assert not p.outcome.failed
            assert store.enrichment_backlog() == 0
            rows = {r["id"]: r for r in iter_export(store)}
            assert len(rows) == store.article_count()
            assert all(r["story"] for r in rows.values())
            for orig, dup in copies:
                # collapsed into the first article of its copy family: this original, or an
                # earlier article with the same text
                root = rows[dup]["duplicate_of"]
                assert isinstance(root, int) and root <= orig, (rows[orig], rows[dup])
                assert rows[root]["text"] == rows[dup]["text"]


def prose_words(text: str) -> list[str]:
    from aggregator.dedup.features import tokens

    return tokens(text)[0]


def test_a_teaser_whose_page_is_dead_keeps_its_feed_text_and_says_why(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    """A teaser's article link answers 404: the article keeps the feed's text, and export
    says why the page was not used (before, nothing told the reader)."""
    link = httpd.url("/gone/story-1")
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>{httpd.url('/')}</link><item><guid>t1</guid><title>Ferry timetable</title>"
        f"<link>{link}</link><description>The winter ferry timetable starts on Monday with"
        " two fewer crossings a day.</description></item></channel></rss>"
    ).encode()
    httpd.static("/t.xml", feed)
    config = tmp_path / "aggregator.yaml"
    config.write_text(
        f"database: state.db\nfeeds:\n  - url: {httpd.url('/t.xml')}\n    full_text: always\n"
        "fetch:\n  allow_private: true\n  timeout: 5s\ndigest:\n  out_dir: out\n"
    )
    r = cli(config, "fetch")
    assert r.returncode == 0, r.stderr
    (row,) = [json.loads(line) for line in cli(config, "export").stdout.splitlines()]
    assert row["text"].startswith("The winter ferry timetable starts on Monday")
    assert "404" in row["full_text_error"]


def test_untitled_feeds_of_one_site_are_told_apart_in_status(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    """An empty body, a truncated document and a dead port: three untitled feeds of one host
    are three rows that say which feed each is, and the empty one is a parse error."""
    from aggregator.status import collect_status

    httpd.static("/empty.xml", b"")
    httpd.static("/cut.xml", b"<rss><channel><item><title>unterminated")
    feeds = [
        FeedConfig(url=httpd.url("/empty.xml")),
        FeedConfig(url=httpd.url("/cut.xml")),
        FeedConfig(url="http://127.0.0.1:9/dead.xml"),
    ]
    config = Config(
        path=tmp_path / "aggregator.yaml",
        database=tmp_path / "state.db",
        feeds=tuple(feeds),
        fetch=FetchConfig(allow_private=True, timeout=2.0),
    )
    clock = Clock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    with Store(config.database) as store:
        p = Pipeline(config, store, clock=clock, workers=0, strict=True)
        try:
            results = {s.url: s.outcome for s in asyncio.run(p.poll())}
        finally:
            p.close()
        rows = collect_status(config, store, now=clock())["feeds"]
    assert results[httpd.url("/empty.xml")] == "parse_error"
    names = [r["name"] for r in rows]
    assert len(set(names)) == 3
    assert {n.split("/", 1)[-1] for n in names} == {"empty.xml", "cut.xml", "dead.xml"}
