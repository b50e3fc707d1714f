"""Several workers sharing one PostgreSQL database: one digest per recipient and day."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aggregator.config import load_config
from aggregator.digest.claims import run_claimed_digests
from aggregator.digest.deliver import DigestOutcome
from aggregator.store import ArticleRow
from aggregator.store.postgres import PostgresStore
from aggregator.store.target import PgTarget

NOW = datetime(2026, 11, 2, 5, 1, tzinfo=UTC)  # 07:01 in Kyiv: just after send_at


def _config(tmp_path: Path, url: str, send_empty: bool = False) -> Path:
    path = tmp_path / "agg.yaml"
    path.write_text(
        f"database: {url}\n"
        "feeds:\n  - url: https://f.example/rss\n"
        "digest:\n  send_at: '07:00'\n  timezone: Europe/Kyiv\n"
        f"  to: [me@x.example, you@x.example]\n  out_dir: {tmp_path / 'out'}\n"
        f"  send_empty: {'true' if send_empty else 'false'}\n"
    )
    return path


def _article(store: PostgresStore, key: str) -> int:
    return store.insert_article(
        ArticleRow(
            feed_url="https://f.example/rss", key=key, guid=key, url=f"https://f.example/{key}",
            canonical_url=f"https://f.example/{key}", content_hash=key, text_hash=key,
            title=f"Title {key}", author=None, published=NOW - timedelta(hours=3),
            fetched_at=NOW - timedelta(hours=2), html=f"<p>Text {key}</p>",
            text=f"Text {key}", site="f.example", full_text_error=None, story=key,
        )
    )  # fmt: skip


def test_three_workers_send_one_digest_per_recipient(tmp_path: Path, pg_url: str) -> None:
    config = load_config(_config(tmp_path, pg_url, send_empty=True))
    workers = [PostgresStore(PgTarget(pg_url), owner=f"w{i}") for i in range(3)]
    try:
        workers[0].ensure_feeds(["https://f.example/rss"])
        ids = [_article(workers[0], f"a{i}") for i in range(3)]
        results: list[list[DigestOutcome]] = [[] for _ in workers]
        barrier = threading.Barrier(len(workers))

        def job(i: int) -> None:
            barrier.wait()
            results[i] = run_claimed_digests(config, workers[i], now=NOW)

        threads = [threading.Thread(target=job, args=(i,)) for i in range(len(workers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        outcomes = [o for r in results for o in r]
        assert sorted(o.recipient for o in outcomes) == ["me@x.example", "you@x.example"]
        assert all(o.status == "written" and o.articles == 3 for o in outcomes), outcomes
        for who in ("me@x.example", "you@x.example"):
            assert workers[1].pending_for(who) == []
        # later the same day (a restart's catch-up, a retry): nothing again, even send_empty
        later = NOW + timedelta(hours=3)
        assert all(run_claimed_digests(config, w, now=later) == [] for w in workers)
        # the next day's digest is a new claim
        _article(workers[2], "b1")
        next_day = NOW + timedelta(days=1)
        again = [o for w in workers for o in run_claimed_digests(config, w, now=next_day)]
        assert sorted(o.recipient for o in again) == ["me@x.example", "you@x.example"]
        assert all(o.articles == 1 for o in again)
        assert len(ids) == 3
    finally:
        for w in workers:
            w.close()
