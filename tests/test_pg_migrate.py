"""`aggregator migrate --to postgresql://...`: an SQLite state copied without loss."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aggregator.store import ArticleRow, DigestRecord, Store
from aggregator.types import PollIntent
from tests.support.cli import cli

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
FEEDS = [f"https://f{i}.example/rss" for i in range(20)]


def _fill(db: Path, articles: int) -> None:
    """A state with every kind of row: polled feeds, enriched articles in stories with
    copies, one waiting for enrichment, one held, deliveries, digests, meta, learned blocks."""
    with Store(db) as s:
        s.ensure_feeds(FEEDS)
        for i, url in enumerate(FEEDS):
            s.apply_poll(PollIntent(
                url=url, checked_at=T0, outcome="ok", status=200, error=None,
                next_check_at=T0 + timedelta(minutes=i), error_streak=0, gone=False,
                etag=f'"e{i}"', last_modified=None, body_hash=f"b{i}", title=f"Feed {i}",
                redirect_url=None, last_success_at=T0,
            ))  # fmt: skip
        with s.transaction():
            for n in range(articles):
                feed = FEEDS[n % len(FEEDS)]
                s.insert_article(ArticleRow(
                    feed_url=feed, key=f"g:{n}", guid=str(n), url=f"{feed}/{n}",
                    canonical_url=f"{feed}/{n}", content_hash=f"c{n}", text_hash=f"t{n}",
                    title=f"Title {n} – ünïcode", author="A" if n % 3 else None,
                    published=T0 - timedelta(minutes=n), fetched_at=T0 + timedelta(seconds=n),
                    html=f"<p>Text {n}</p>", text=f"Text {n} 100% sure", site=feed[8:],
                    full_text_error=None, story=f"s{n // 3}",
                    duplicate_of=n - 1 if n % 7 == 1 else None, dedup_reason="new",
                    dedup_state=bytes([n % 256]) * 40, enrich=1 if n == articles - 1 else 0,
                ))  # fmt: skip
        s.hold({5: "older than digest.max_age"})
        s.mark_delivered("me@x.example", "d1", range(1, articles // 2), T0)
        s.record_digest(DigestRecord("me@x.example", "d1", "<m@x>", T0, "sent", None, 3,
                                     articles // 2))  # fmt: skip
        s.set_meta("inflight:you@x.example", "[1, 2, 3]")
        s.add_site_blocks({("f1.example", "h1"): 3})


def _export(config: Path) -> list[dict[str, object]]:
    out = cli(config, "export")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.mark.slow
def test_migrate_copies_everything_and_says_what(tmp_path: Path, pg_url: str) -> None:
    db = tmp_path / "state.db"
    _fill(db, 10_000)
    sqlite_cfg = tmp_path / "sqlite.yaml"
    sqlite_cfg.write_text(f"database: {db}\nfeeds:\n" + "".join(f"  - url: {u}\n" for u in FEEDS))
    pg_cfg = tmp_path / "pg.yaml"
    pg_cfg.write_text(sqlite_cfg.read_text().replace(f"database: {db}", f"database: {pg_url}"))

    out = cli(sqlite_cfg, "migrate", "--to", pg_url)
    assert out.returncode == 0, out.stderr
    assert "feeds=20 articles=10000 deliveries=4999 digests=1" in out.stdout, out.stdout
    assert _export(pg_cfg) == _export(sqlite_cfg)  # the export diff is empty

    from aggregator.store.postgres import PostgresStore
    from aggregator.store.target import PgTarget

    with Store(db) as a, PostgresStore(PgTarget(pg_url)) as b:
        assert b.feed_states() == a.feed_states()
        assert b.pending_for("me@x.example") == a.pending_for("me@x.example")
        assert list(b.dedup_states(T0)) == list(a.dedup_states(T0))
        assert b.get_meta("inflight:you@x.example") == "[1, 2, 3]"
        assert b.enrichment_backlog() == a.enrichment_backlog() == 1
        assert b.last_digests() == a.last_digests()
        assert b.learned_blocks("f1.example", 3) == {"h1"}
        # new rows continue above the copied ids
        new = b.insert_article(ArticleRow(
            feed_url=FEEDS[0], key="g:new", guid="new", url=None, canonical_url=None,
            content_hash="cnew", text_hash=None, title="New", author=None, published=None,
            fetched_at=T0, html="", text="", site="f0.example", full_text_error=None,
        ))  # fmt: skip
        assert new == 10_001

    again = cli(sqlite_cfg, "migrate", "--to", pg_url)  # never merges into a filled database
    assert again.returncode == 1 and "empty database" in again.stderr
