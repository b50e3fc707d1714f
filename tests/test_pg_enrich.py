"""Several workers enriching one PostgreSQL state: each new article is cleaned and
deduplicated by one worker (claims with leases), and every worker's dedup index sees the
others' decisions (syndicated copies collapse across workers)."""

from __future__ import annotations

import asyncio
import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aggregator.config import Config, DigestConfig, FeedConfig, FetchConfig, FullText
from aggregator.enrich import enricher as enricher_mod
from aggregator.enrich.enricher import Enricher
from aggregator.store import ENRICH_NEW, ArticleRow
from aggregator.store.postgres import PostgresStore
from aggregator.store.target import PgTarget
from aggregator.workers import Workers

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
FEEDS = [f"https://f{i}.example/rss" for i in range(4)]
_WORDS = tuple(
    [
        "harbor",
        "council",
        "vote",
        "budget",
        "river",
        "bridge",
        "school",
        "teacher",
        "minister",
        "report",
        "storm",
        "rail",
        "station",
        "energy",
        "price",
        "market",
        "court",
        "judge",
        "police",
        "hospital",
        "doctor",
        "nurse",
        "farmer",
        "wheat",
        "election",
        "mayor",
        "museum",
        "library",
        "festival",
        "concert",
        "bank",
        "loan",
        "tax",
        "road",
        "water",
        "city",
    ]
)


def _text(seed: int) -> str:
    """A distinct news-like text of four paragraphs (the same seed: the same text)."""
    rnd = random.Random(seed)
    paras: list[str] = []
    for _ in range(4):
        sentences = [
            " ".join(rnd.choice(_WORDS) for _ in range(rnd.randint(9, 15))).capitalize() + "."
            for _ in range(5)
        ]
        paras.append(f"<p>{' '.join(sentences)} Number {seed * 7919 + len(paras)}.</p>")
    return "".join(paras)


def _row(feed: str, key: str, html: str) -> ArticleRow:
    return ArticleRow(
        feed_url=feed, key=key, guid=key, url=f"{feed}/{key}", canonical_url=f"{feed}/{key}",
        content_hash=key, text_hash=None, title=f"Title {key}", author=None,
        published=T0 - timedelta(hours=1), fetched_at=T0, html=html, text="",
        site=feed[8:].split("/")[0], full_text_error=None, enrich=ENRICH_NEW,
    )  # fmt: skip


def _config(tmp_path: Path, url: str) -> Config:
    return Config(
        path=tmp_path / "c.yaml", database=PgTarget(url),
        feeds=tuple(FeedConfig(url=u, full_text=FullText.NEVER) for u in FEEDS),
        fetch=FetchConfig(allow_private=True, timeout=5.0),
        digest=DigestConfig(out_dir=tmp_path / "out"),
    )  # fmt: skip


def _store(url: str, owner: str, lease: float | None = None) -> PostgresStore:
    return PostgresStore(PgTarget(url), owner=owner, lease=lease)


def test_pg_enrichment_claims_are_leased_and_checked_again(pg_url: str) -> None:
    """Two workers claim disjoint articles; a killed worker's articles return to the other
    when its lease ends, and then the killed one may no longer decide them."""
    with _store(pg_url, "a", lease=60) as a, _store(pg_url, "b", lease=60) as b:
        a.ensure_feeds(FEEDS[:1])
        ids = [a.insert_article(_row(FEEDS[0], f"k{i}", _text(i))) for i in range(10)]
        got_a = [r.id for r in a.pending_enrichment(0, 4, T0)]
        assert got_a == ids[:4]
        assert [r.id for r in b.pending_enrichment(0, 100, T0)] == ids[4:]
        assert [r.id for r in a.pending_enrichment(0, 4, T0)] == ids[:4]  # ours: again
        with a.transaction():
            assert a.own_for_decision(ids) == set(ids[:4])
        # a is killed: before its lease ends nothing is b's; then b takes a's four
        assert b.pending_enrichment(ids[-1], 100, T0) == []
        assert [r.id for r in b.pending_enrichment(0, 100, T0 + timedelta(seconds=59))] == ids[4:]
        later = T0 + timedelta(seconds=60)
        assert [r.id for r in b.pending_enrichment(0, 100, later)] == ids
        with a.transaction():
            assert a.own_for_decision(ids) == set()  # a came back too late: b decides
        with b.transaction():
            assert b.own_for_decision(ids) == set(ids)
        b.release_enrichment()
        assert [r.id for r in a.pending_enrichment(0, 100, later)] == ids  # a clean stop


def test_pg_two_workers_enrich_each_article_once_and_collapse_copies_across(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two Enrichers in threads over 120 new articles, 30 of them syndicated copies (the
    same text in another feed, stored later): every article is decided by exactly one
    worker, and every copy is a duplicate of its original, also when the other worker
    decided the original."""
    monkeypatch.setattr(enricher_mod, "ENRICH_CHUNK", 6)
    config = _config(tmp_path, pg_url)
    originals, copies = 90, 30
    with _store(pg_url, "setup") as s:
        s.ensure_feeds(FEEDS)
        ids = [s.insert_article(_row(FEEDS[i % 3], f"o{i}", _text(i))) for i in range(originals)]
        twin = {
            s.insert_article(_row(FEEDS[3], f"c{j}", _text(j * 3))): ids[j * 3]
            for j in range(copies)
        }
    decided: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def worker(name: str) -> None:
        store = _store(pg_url, name)
        finish = store.finish_enrichment

        def record(article_id: int, **kw: object) -> None:
            decided[name].append(article_id)
            finish(article_id, **kw)  # type: ignore[arg-type]

        store.finish_enrichment = record  # type: ignore[method-assign]
        cpu = Workers(0)
        e = Enricher(config, store, clock=lambda: T0, cpu=cpu, strict=True)
        try:
            barrier.wait()
            asyncio.run(e.run())
        finally:
            cpu.close()
            store.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in decided]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    a, b = set(decided["a"]), set(decided["b"])
    assert not a & b, "an article was cleaned and decided twice"
    assert a | b == set(ids) | set(twin)
    assert len(decided["a"]) + len(decided["b"]) == originals + copies
    assert a and b, "both workers took part"
    with _store(pg_url, "check") as s:
        assert s.enrichment_backlog() == 0
        by_id = {x.id: x for x in s.iter_articles()}
    crossed = 0
    for copy, orig in twin.items():
        pair = {by_id[copy].duplicate_of, by_id[orig].duplicate_of}
        assert pair in ({orig, None}, {copy, None}), (copy, orig, pair)
        assert by_id[copy].story == by_id[orig].story
        crossed += (copy in a) != (orig in a)
    assert crossed > 0, "no copy was decided by the other worker than its original"
    others = [x for i, x in by_id.items() if i not in twin and i not in twin.values()]
    assert all(x.duplicate_of is None for x in others)


def test_pg_a_copy_collapses_across_workers_through_the_database_lookup(pg_url: str) -> None:
    """Worker b's memory lacks an original that worker a stored, and its watermark will not
    bring it again (b's own memory was loaded before, its watermark taken after): the
    chunk's lookup in the database's copy index restores it, so b's copy collapses onto it;
    without the lookup b would have called the copy new. Articles b evicted stay evicted."""
    from aggregator.dedup import Deduper, DedupItem
    from aggregator.dedup import features as tf
    from aggregator.enrich.shared_index import catch_up, chunk_keys, load_index
    from tests.test_dedup_index import decide, text

    week = 7 * 86400.0
    with _store(pg_url, "a") as a, _store(pg_url, "b") as b:
        since = T0 - timedelta(days=7)
        mem_b, _ = load_index(b, week, week, since)
        orig = decide(a, Deduper(window=week), "orig", text(40), T0, T0 - timedelta(days=3))
        seen = b.dedup_watermark()
        copy = DedupItem(id="copy", text=text(40), title="copy", published=T0.timestamp())
        feats = tf.extract(copy.text, copy.title, None)
        assert catch_up(b, mem_b, seen) == (seen, 0)  # nothing numbered above the watermark
        keys = chunk_keys(b, [(feats, None)], T0, week)
        assert keys is not None
        assert catch_up(b, mem_b, seen, keys) == (seen, 1)
        assert str(orig) in mem_b
        got = mem_b.add(copy, T0.timestamp(), features=feats)
        assert (got.duplicate_of, got.reason) == (str(orig), "exact-text")
        # five days on, the original (dated three days before it was fetched) has left b's
        # window though its row is still fetched inside it: the lookup does not bring it back
        later = T0 + timedelta(days=5)
        mem_b.evict(later.timestamp())
        assert str(orig) not in mem_b
        keys = chunk_keys(b, [(feats, None)], later, week)
        assert keys is not None
        assert [c[0] for c in b.dedup_candidates(keys.fp_keys, keys.band_keys, keys.since, 8)]
        assert catch_up(b, mem_b, seen, keys) == (seen, 0)
