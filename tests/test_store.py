"""State database: migrations, WAL, transactions, identity lookups, deliveries, retention."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aggregator.errors import StoreError
from aggregator.poll.decide import failed_poll
from aggregator.store import MIGRATIONS, ArticleRow, Store
from aggregator.store.postgres import PostgresStore
from aggregator.store.target import PgTarget
from aggregator.types import PollIntent
from tests.support.stores import BACKENDS, Opener, opener

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


@pytest.fixture(params=BACKENDS)
def open_db(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """Opens the test's state database (SQLite file or PostgreSQL database), again and again."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    return opener(request.param, tmp_path, url)


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


def test_transaction_rolls_back_whole(open_db: Opener) -> None:
    with open_db() as s:
        s.ensure_feeds(["https://f.example/rss"])
        with pytest.raises(RuntimeError), s.transaction():
            s.insert_article(row(key="g:1"))
            s.insert_article(row(key="g:2"))
            raise RuntimeError("crash in the middle of a poll")
        assert s.article_count() == 0
        with s.transaction():
            s.insert_article(row(key="g:1"))
        assert s.article_count() == 1


def test_identity_lookup_by_guid_link_and_hash(open_db: Opener) -> None:
    with open_db() as s:
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


def test_feed_state_round_trip_and_due(open_db: Opener) -> None:
    url = "https://f.example/rss"
    urls = frozenset([url])
    with open_db() as s:
        s.ensure_feeds([url])
        assert s.due_feeds(T0, urls) == [url]
        s.apply_poll(intent(url, outcome="ok", status=200, error=None,
                            next_check_at=T0 + timedelta(minutes=30), etag='"v1"',
                            last_modified="Sun, 01 Nov 2026 12:00:00 GMT", body_hash="b",
                            title="F", last_success_at=T0))  # fmt: skip
        assert s.due_feeds(T0 + timedelta(minutes=29), urls) == []
        st = s.feed_state(url)
        assert st is not None and st.etag == '"v1"' and st.title == "F" and st.error_streak == 0
        assert st.last_success_at == T0
        s.apply_poll(failed_poll(st, T0, interval=3600, outcome="server_error", error="boom",
                                 status=500))  # fmt: skip
        st = s.feed_state(url)
        assert (
            st is not None
            and st.etag == '"v1"'
            and st.error_streak == 1
            and st.last_error == "boom"
            and st.last_success_at == T0
            and st.next_check_at == T0 + timedelta(hours=1)
        )
        s.apply_poll(intent(url, outcome="gone", status=410, error="gone", next_check_at=None,
                            error_streak=2, gone=True))  # fmt: skip
        assert s.due_feeds(T0 + timedelta(days=30), urls) == []


def intent(url: str, **kw: object) -> PollIntent:
    """A poll's intent with the fields a test names (the rest: a first poll, nothing kept)."""
    base: dict[str, object] = dict(
        url=url, checked_at=T0, outcome="ok", status=200, error=None, next_check_at=None,
        error_streak=0, gone=False, etag=None, last_modified=None, body_hash=None, title=None,
        redirect_url=None, last_success_at=None,
    )  # fmt: skip
    base.update(kw)
    return PollIntent(**base)  # type: ignore[arg-type]


def test_due_feeds_in_sql_on_the_index(open_db: Opener) -> None:
    """Configured feeds only, never-checked ones first, gone ones never; the query plan
    searches the index ``feeds_due`` instead of scanning the feeds."""
    urls = [f"https://f{i}.example/rss" for i in range(6)]
    with open_db() as s:
        s.ensure_feeds(urls)
        s.apply_poll(intent(urls[0], next_check_at=T0 - timedelta(minutes=5)))
        s.apply_poll(intent(urls[1], next_check_at=T0 - timedelta(minutes=10)))
        s.apply_poll(intent(urls[2], next_check_at=T0 + timedelta(minutes=1)))  # not yet
        s.apply_poll(intent(urls[3], next_check_at=None, gone=True, outcome="gone"))
        # urls[4], urls[5]: never checked
        configured = frozenset(urls[:5])
        due = s.due_feeds(T0, configured)
        assert due == [urls[4], urls[1], urls[0]]
        assert s.due_feeds(T0) == [urls[4], urls[5], urls[1], urls[0]]
        # another configured set (a reload) replaces the first one
        assert s.due_feeds(T0, frozenset(urls[:2])) == [urls[1], urls[0]]
        if s.shared:
            return  # PostgreSQL's plan: bench/scale.py (a plan over six rows is a scan)
        plan = " ".join(
            str(r[-1])
            for r in s._db.execute(
                "EXPLAIN QUERY PLAN SELECT url FROM feeds INDEXED BY feeds_due WHERE gone = 0"
                " AND COALESCE(next_check_at, 0) <= ? AND url IN temp.configured"
                " ORDER BY COALESCE(next_check_at, 0), url",
                (T0.timestamp(),),
            )
        )
        assert "USING COVERING INDEX feeds_due" in plan and "TEMP B-TREE" not in plan, plan


def test_unused_feed_columns_are_dropped(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as s:
        columns = {r[1] for r in s._db.execute("PRAGMA table_info(feeds)")}
    assert "url" in columns and "next_check_at" in columns
    if sqlite3.sqlite_version_info >= (3, 35, 0):
        assert not columns & {"name", "error_since"}


def test_deliveries_per_recipient_and_story_flags(open_db: Opener) -> None:
    with open_db() as s:
        a = s.insert_article(row(key="g:1"))
        b = s.insert_article(row(key="g:2", content_hash="x2"))
        s.finish_enrichment(
            a,
            title="T",
            author=None,
            html="<p>x</p>",
            text="x",
            full_text_error=None,
            dedup=("t1", "s1", None, "new", None),
        )
        s.finish_enrichment(
            b,
            title="T",
            author=None,
            html="<p>x</p>",
            text="x",
            full_text_error=None,
            dedup=("t2", "s1", a, "near-dup", None),
        )
        assert [p.article.id for p in s.pending_for("me@x")] == [a, b]
        s.mark_delivered("me@x", "d1", [a], T0)
        pending = s.pending_for("me@x")
        assert [p.article.id for p in pending] == [b]
        assert pending[0].story_delivered_before and pending[0].canonical_delivered
        assert [p.article.id for p in s.pending_for("you@x")] == [a, b]
        s.mark_delivered("me@x", "d1", [a], T0)  # idempotent


def test_prune_keeps_undelivered_and_window(open_db: Opener) -> None:
    with open_db() as s:
        old = s.insert_article(row(key="g:old", fetched_at=T0 - timedelta(days=40)))
        undelivered = s.insert_article(
            row(key="g:u", content_hash="u", fetched_at=T0 - timedelta(days=40))
        )
        s.mark_delivered("me@x", "d", [old], T0 - timedelta(days=39))
        n = s.prune(
            delivered_before=T0 - timedelta(days=30), keep_dedup_since=T0 - timedelta(days=7)
        )
        assert n == 1
        assert [a.id for a in s.iter_articles()] == [undelivered]
        assert s.integrity_check() == "ok"


def test_site_block_counts(open_db: Opener) -> None:
    with open_db() as s:
        for _ in range(3):
            s.add_site_blocks({("f.example", "b1"): 1, ("f.example", "b2"): 1})
        s.add_site_blocks({("f.example", "b3"): 1})
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


# ---- PostgreSQL: the same schema, versioned; the work shared between workers -----------------


def pg_store(url: str, owner: str | None = None) -> PostgresStore:
    return PostgresStore(PgTarget(url), owner=owner)


def test_pg_fresh_database_is_migrated_once_and_newer_refused(pg_url: str) -> None:
    import psycopg

    with pg_store(pg_url) as s:
        assert s.integrity_check() == "ok"
    pg_store(pg_url).close()  # opening again migrates nothing
    with psycopg.connect(pg_url, autocommit=True) as con:
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(len(MIGRATIONS),)]
        columns = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'feeds'"
            )
        }
        assert "next_check_at" in columns and not columns & {"name", "error_since"}
        con.execute("UPDATE schema_version SET version = version + 1")
    with pytest.raises(StoreError, match="upgrade aggregator"):
        pg_store(pg_url)


def test_pg_concurrent_first_opens_migrate_once(pg_url: str) -> None:
    import threading

    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_it() -> None:
        barrier.wait()
        try:
            pg_store(pg_url).close()
        except BaseException as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_pg_unreachable_database_is_a_clear_error_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGG_TEST_PW", "s3cret-pw")
    target = PgTarget("postgresql://u@127.0.0.1:1/db", password_env="AGG_TEST_PW")
    with pytest.raises(StoreError, match="cannot connect") as e:
        PostgresStore(target)
    assert "s3cret-pw" not in str(e.value)
    with pytest.raises(StoreError, match="database_password_env"):
        PostgresStore(PgTarget("postgresql://u:pw@127.0.0.1:1/db"))
    monkeypatch.delenv("AGG_TEST_PW")
    with pytest.raises(StoreError, match="AGG_TEST_PW is not set"):
        PostgresStore(target)


def test_pg_due_feeds_are_leased_to_one_worker_until_polled_or_expired(pg_url: str) -> None:
    """Two workers on one database: each due feed goes to one of them; a polled feed is free
    again at its next check time; a dead worker's feeds return when its lease ends."""
    urls = [f"https://f{i}.example/rss" for i in range(10)]
    with pg_store(pg_url, "a") as a, pg_store(pg_url, "b") as b:
        a.ensure_feeds(urls)
        got_a = a.due_feeds(T0, frozenset(urls))
        assert got_a == sorted(urls)  # never checked: by URL
        assert b.due_feeds(T0, frozenset(urls)) == []  # all leased to a
        assert a.due_feeds(T0, frozenset(urls)) == got_a  # a's own claim, asked again
        a.apply_poll(intent(urls[0], next_check_at=T0 + timedelta(minutes=30)))
        later = T0 + timedelta(minutes=31)
        assert b.due_feeds(later, frozenset(urls[:1])) == [urls[0]]  # released by the poll
        # a is killed now: its other nine feeds come back after the lease, to b
        assert b.due_feeds(T0 + timedelta(seconds=a.lease - 1), frozenset(urls)) == []
        expired = T0 + timedelta(seconds=a.lease)
        assert b.due_feeds(expired, frozenset(urls)) == sorted(urls[1:])  # urls[0]: at 30 min


def test_pg_configured_sets_are_stored_once_and_dropped_when_unused(pg_url: str) -> None:
    """The configured URLs are stored once per distinct set (workers with one config share
    it), not sent with every claim; a set no worker used for a day goes."""
    urls = [f"https://f{i}.example/rss" for i in range(8)]
    with pg_store(pg_url, "a") as a, pg_store(pg_url, "b") as b:
        a.ensure_feeds(urls)
        assert a.due_feeds(T0, frozenset(urls[:4])) == sorted(urls[:4])
        assert b.due_feeds(T0, frozenset(urls[:4])) == []  # the same set: leased to a
        assert b.due_feeds(T0, frozenset(urls)) == sorted(urls[4:])  # another set
        sets = a._db.execute("SELECT set_id, COUNT(*) FROM configured_feeds GROUP BY set_id")
        assert sorted(n for _, n in sets.fetchall()) == [4, 8]
        later = T0 + timedelta(days=2)  # b's config changes; a's set is a day unused
        assert b.due_feeds(later, frozenset(urls[:2])) == sorted(urls[:2])
        sets = a._db.execute("SELECT set_id, COUNT(*) FROM configured_feeds GROUP BY set_id")
        assert sorted(n for _, n in sets.fetchall()) == [2]


def test_pg_concurrent_claims_never_overlap(pg_url: str) -> None:
    import threading

    urls = [f"https://f{i:04}.example/rss" for i in range(600)]
    with pg_store(pg_url) as s:
        s.ensure_feeds(urls)
    claimed: dict[str, list[str]] = {}
    barrier = threading.Barrier(3)

    def worker(name: str) -> None:
        with pg_store(pg_url, name) as w:
            barrier.wait()
            claimed[name] = w.due_feeds(T0, frozenset(urls))

    threads = [threading.Thread(target=worker, args=(n,)) for n in "xyz"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [u for got in claimed.values() for u in got]
    assert sorted(everything) == urls  # each exactly once


def test_once_only_job_claims(open_db: Opener) -> None:
    """A digest of one day: one owner at a time; done is done; an expired unfinished claim
    and a released one can be taken by another worker."""
    with open_db() as a, open_db() as b:
        job = "digest:me@x:2026-11-01T07:00"
        assert a.claim(job, "a", T0, 600)
        assert a.claim(job, "a", T0, 600)  # already ours
        assert not b.claim(job, "b", T0 + timedelta(seconds=599), 600)
        assert b.claim(job, "b", T0 + timedelta(seconds=600), 600)  # a's claim expired
        b.finish_claim(job, "b", done=False, now=T0 + timedelta(seconds=700))  # send failed
        assert a.claim(job, "a", T0 + timedelta(seconds=701), 600)
        a.finish_claim(job, "a", done=True, now=T0 + timedelta(seconds=800))
        assert not b.claim(job, "b", T0 + timedelta(days=1), 600)  # done: never again
        a.prune(delivered_before=T0 + timedelta(days=2), keep_dedup_since=T0)  # old claims go
        assert b.claim(job, "b", T0 + timedelta(days=3), 600)
