"""State database: migrations, WAL, transactions, identity lookups, deliveries, retention."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aggregator.errors import StoreError
from aggregator.store import MIGRATIONS, ArticleRow, Store

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def row(feed: str = "https://f.example/rss", key: str = "g:1", **kw: object) -> ArticleRow:
    base: dict[str, object] = dict(
        feed_url=feed, key=key, guid=key[2:] if key.startswith("g:") else None,
        url="https://f.example/a", canonical_url="https://f.example/a", content_hash="h" + key,
        text_hash=None, title="T", author=None, published=T0, fetched_at=T0, html="<p>x</p>",
        text="x", site="f.example", full_text_error=None,
    )  # fmt: skip
    base.update(kw)
    return ArticleRow(**base)  # type: ignore[arg-type]


def test_fresh_database_is_migrated_and_in_wal(tmp_path: Path) -> None:
    db = tmp_path / "state" / "a.db"
    with Store(db) as s:
        assert s.integrity_check() == "ok"
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    Store(db).close()
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="upgrade aggregator"):
        Store(db)


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot"):
        Store(blocker / "sub" / "a.db")


def test_transaction_rolls_back_whole(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as s:
        s.ensure_feeds(["https://f.example/rss"])
        with pytest.raises(RuntimeError), s.transaction():
            s.insert_article(row(key="g:1"))
            s.insert_article(row(key="g:2"))
            raise RuntimeError("crash in the middle of a poll")
        assert s.article_count() == 0
        with s.transaction():
            s.insert_article(row(key="g:1"))
        assert s.article_count() == 1


def test_identity_lookup_by_guid_link_and_hash(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as s:
        a = s.insert_article(
            row(key="g:1", canonical_url="https://f.example/one", content_hash="c1")
        )
        b = s.insert_article(
            row(
                key="u:https://f.example/two",
                guid=None,
                canonical_url="https://f.example/two",
                content_hash="c2",
            )
        )
        found = s.find_existing(
            "https://f.example/rss", guids=["1"], links=["https://f.example/two"], hashes=["zz"]
        )
        assert {e.id for e in found} == {a, b}
        assert (
            s.find_existing("https://other.example/rss", guids=["1"], links=[], hashes=["c1"]) == []
        )


def test_feed_state_round_trip_and_due(tmp_path: Path) -> None:
    url = "https://f.example/rss"
    with Store(tmp_path / "a.db") as s:
        s.ensure_feeds([url])
        assert [f.url for f in s.due_feeds([url], T0)] == [url]
        s.record_poll(url, now=T0, outcome="ok", status=200, error=None,
                      next_check_at=T0 + timedelta(minutes=30), error_streak=0, gone=False,
                      etag='"v1"', last_modified="Sun, 01 Nov 2026 12:00:00 GMT", body_hash="b",
                      title="F", success=True)  # fmt: skip
        assert s.due_feeds([url], T0 + timedelta(minutes=29)) == []
        st = s.feed_state(url)
        assert st is not None and st.etag == '"v1"' and st.title == "F" and st.error_streak == 0
        s.record_poll(url, now=T0, outcome="server_error", status=500, error="boom",
                      next_check_at=T0 + timedelta(hours=1), error_streak=1, gone=False,
                      success=False)  # fmt: skip
        st = s.feed_state(url)
        assert (
            st is not None
            and st.etag == '"v1"'
            and st.error_streak == 1
            and st.last_error == "boom"
        )
        s.record_poll(url, now=T0, outcome="gone", status=410, error="gone", next_check_at=None,
                      error_streak=2, gone=True, success=False)  # fmt: skip
        assert s.due_feeds([url], T0 + timedelta(days=30)) == []


def test_deliveries_per_recipient_and_story_flags(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as s:
        a = s.insert_article(row(key="g:1"))
        b = s.insert_article(row(key="g:2", content_hash="x2"))
        s.set_dedup(a, story="s1", duplicate_of=None, reason="new", state=None)
        s.set_dedup(b, story="s1", duplicate_of=a, reason="near-dup", state=None)
        assert [p.article.id for p in s.pending_for("me@x")] == [a, b]
        s.mark_delivered("me@x", "d1", [a], T0)
        pending = s.pending_for("me@x")
        assert [p.article.id for p in pending] == [b]
        assert pending[0].story_delivered_before and pending[0].canonical_delivered
        assert [p.article.id for p in s.pending_for("you@x")] == [a, b]
        s.mark_delivered("me@x", "d1", [a], T0)  # idempotent


def test_prune_keeps_undelivered_and_window(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as s:
        old = s.insert_article(row(key="g:old", fetched_at=T0 - timedelta(days=40)))
        undelivered = s.insert_article(
            row(key="g:u", content_hash="u", fetched_at=T0 - timedelta(days=40))
        )
        s.mark_delivered("me@x", "d", [old], T0 - timedelta(days=39))
        n = s.prune(
            delivered_before=T0 - timedelta(days=30), keep_dedup_since=T0 - timedelta(days=7)
        )
        assert n == 1
        assert s.article(old) is None and s.article(undelivered) is not None
        assert s.integrity_check() == "ok"


def test_site_block_counts(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as s:
        for _ in range(3):
            s.count_site_blocks("f.example", ["b1", "b2", "b1"])
        s.count_site_blocks("f.example", ["b3"])
        assert s.learned_blocks("f.example", 3) == {"b1", "b2"}
        assert s.learned_blocks("other.example", 1) == frozenset()


def test_concurrent_first_opens_migrate_once(tmp_path: Path) -> None:
    """The daemon and a CLI command opening a fresh database at the same moment."""
    import threading

    db = tmp_path / "fresh.db"
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def open_it() -> None:
        barrier.wait()
        try:
            Store(db).close()
        except BaseException as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(db) as s:
        assert s.integrity_check() == "ok"
