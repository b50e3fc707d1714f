"""The copy index in the state database (migration 14, both backends): a dedup decision is
stored with the very keys the in-memory ``Deduper`` indexes it under; a chunk's lookup finds
the stored articles it may copy (inside the window, the newest ``cap`` per key); states
stored before the index are keyed on demand; retention drops the keys of articles that left
the dedup window."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aggregator.dedup import Deduper, DedupItem, text_hash
from aggregator.dedup import features as tf
from aggregator.dedup.dbkeys import arriving_keys, stored_keys
from aggregator.dedup.thresholds import KEY_CAP
from aggregator.enrich.shared_index import load_index
from aggregator.store import MIGRATIONS, ArticleRow, Store
from aggregator.store.dedup_index import signed32, signed64
from aggregator.store.migrations import split_sql
from tests.support.stores import BACKENDS, Opener, opener
from tests.test_pg_enrich import _WORDS

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
WEEK = 7 * 86400.0
FEED = "https://f.example/rss"


def text(seed: int) -> str:
    """A distinct news-like text (the same seed: the same text)."""
    rnd = random.Random(seed)
    sentences = [
        " ".join(rnd.choice(_WORDS) for _ in range(rnd.randint(9, 15))).capitalize() + "."
        for _ in range(12)
    ]
    return " ".join(sentences) + f" Number {seed * 7919}."


@pytest.fixture(params=BACKENDS)
def open_db(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    return opener(request.param, tmp_path, url)


def store_article(s: Store, key: str, fetched: datetime) -> int:
    return s.insert_article(
        ArticleRow(
            feed_url=FEED, key=key, guid=key, url=f"https://f.example/{key}",
            canonical_url=f"https://f.example/{key}", content_hash=key, text_hash=None,
            title=key, author=None, published=fetched, fetched_at=fetched, html="", text="",
            site="f.example", full_text_error=None, enrich=1,
        )
    )  # fmt: skip


def decide(
    s: Store, d: Deduper, key: str, body: str, fetched: datetime, published: datetime | None = None
) -> int:
    """Store one article and the ``Deduper``'s decision on it, as the enricher does."""
    s.ensure_feeds([FEED])
    article_id = store_article(s, key, fetched)
    t = fetched.timestamp()
    item = DedupItem(id=str(article_id), text=body, title=key, url=f"https://f.example/{key}",
                     published=(published or fetched).timestamp())  # fmt: skip
    res, blob = d.add_with_snapshot(item, t)
    with s.transaction():
        s.finish_enrichment(
            article_id, title=key, author=None, html="", text=body, full_text_error=None,
            dedup=(text_hash(body), res.story,
                   int(res.duplicate_of) if res.duplicate_of else None, res.reason, blob),
        )  # fmt: skip
        s.publish_decisions([article_id])
    return article_id


def key_rows(s: Store, table: str, article_id: int) -> list[int]:
    rows = s._db.execute(f"SELECT key FROM {table} WHERE article_id = ?", (article_id,))
    return sorted(int(r[0]) for r in rows)


def lookup(s: Store, body: str, url: str | None, since: datetime, cap: int = KEY_CAP) -> list[int]:
    keys = arriving_keys(tf.extract(body, "", None), url)
    return [c[0] for c in s.dedup_candidates(keys.fp_keys, keys.band_keys, since, cap)]


def test_a_decision_is_stored_with_the_keys_the_deduper_indexes(open_db: Opener) -> None:
    with open_db() as s:
        d = Deduper(window=WEEK)
        body = text(1)
        a = decide(s, d, "a", body, T0)
        blob = s._db.execute("SELECT dedup_state, dedup_fp FROM articles WHERE id = ?", (a,))
        state, fp = next(iter(blob))
        keys = stored_keys(bytes(state))
        # what the Deduper looks the same text and URL up by is what was stored
        arriving = arriving_keys(tf.extract(body, "a", None), "https://f.example/a")
        assert keys == arriving
        assert len(keys.fp_keys) == 11 and len(keys.band_keys) == 32  # 10 tables, URL; bands
        assert int(fp) == signed64(keys.fingerprint) and keys.fingerprint != 0
        assert key_rows(s, "dedup_fp_keys", a) == sorted({signed32(k) for k in keys.fp_keys})
        assert key_rows(s, "dedup_band_keys", a) == sorted({signed32(k) for k in keys.band_keys})


def test_the_lookup_finds_copies_in_the_window_newest_first_per_key(open_db: Opener) -> None:
    with open_db() as s:
        d = Deduper(window=3 * WEEK)
        old = decide(s, d, "old", text(2), T0 - timedelta(days=10))
        a = decide(s, d, "a", text(3), T0)
        decide(s, d, "b", text(4), T0)
        since = T0 - timedelta(days=7)
        assert lookup(s, text(3), None, since) == [a]  # a copy by its text, not the stranger
        assert lookup(s, text(2), None, since) == []  # outside the window
        assert lookup(s, text(2), None, since - timedelta(days=7)) == [old]
        assert lookup(s, text(5), "https://f.example/a", since) == [a]  # by its URL key
        assert lookup(s, text(5), None, since) == []
        same = [decide(s, d, f"c{i}", text(6), T0 + timedelta(minutes=i)) for i in range(3)]
        assert lookup(s, text(6), None, since, cap=2) == same[1:]  # the 2 newest per key
        assert s.dedup_candidates([], [], since, KEY_CAP) == []


def test_states_stored_without_keys_are_keyed_on_demand(open_db: Opener) -> None:
    with open_db() as s:
        d = Deduper(window=WEEK)
        ids = [decide(s, d, f"a{i}", text(10 + i), T0) for i in range(3)]
        before = [key_rows(s, "dedup_band_keys", i) for i in ids]
        with s.transaction():  # as a state from before migration 14
            s._db.execute("UPDATE articles SET dedup_fp = NULL")
            s._db.execute("DELETE FROM dedup_fp_keys")
            s._db.execute("DELETE FROM dedup_band_keys")
        assert lookup(s, text(11), None, T0 - timedelta(days=7)) == []
        assert s.index_unkeyed(T0 + timedelta(days=1)) == 0  # only the window's
        assert s.index_unkeyed(T0 - timedelta(days=7), limit=2) == 2
        assert s.index_unkeyed(T0 - timedelta(days=7)) == 1
        assert s.index_unkeyed(T0 - timedelta(days=7)) == 0
        assert [key_rows(s, "dedup_band_keys", i) for i in ids] == before
        assert lookup(s, text(11), None, T0 - timedelta(days=7)) == [ids[1]]


def test_retention_drops_the_keys_of_articles_out_of_the_window(open_db: Opener) -> None:
    with open_db() as s:
        d = Deduper(window=3 * WEEK)
        old = decide(s, d, "old", text(20), T0 - timedelta(days=10))
        new = decide(s, d, "new", text(21), T0)
        s.prune(delivered_before=T0 - timedelta(days=30), keep_dedup_since=T0 - timedelta(days=30),
                keys_since=T0 - timedelta(days=7))  # fmt: skip
        assert s.article_count() == 2  # retention keeps both articles ...
        assert key_rows(s, "dedup_band_keys", old) == []  # ... and only the window's keys
        assert key_rows(s, "dedup_fp_keys", old) == []
        assert len(key_rows(s, "dedup_band_keys", new)) == 32
        s.prune(delivered_before=T0, keep_dedup_since=T0 + timedelta(days=1))
        assert key_rows(s, "dedup_band_keys", new) == []


def test_an_sqlite_state_of_version_13_is_keyed_when_the_index_loads(tmp_path: Path) -> None:
    """Migration 14 on a state with decisions: their keys are written by the next load."""
    path = tmp_path / "v13.db"
    with Store(tmp_path / "scratch.db") as s:
        d = Deduper(window=WEEK)
        decide(s, d, "a", text(30), T0)
        blob = bytes(s._db.execute("SELECT dedup_state FROM articles").fetchone()[0])
    con = sqlite3.connect(path, isolation_level=None)
    for number, script in enumerate(MIGRATIONS[:13], 1):
        for statement in split_sql(script if isinstance(script, str) else script.sqlite):
            con.execute(statement)
        con.execute(f"PRAGMA user_version={number}")
    con.execute(
        "INSERT INTO articles (id, feed_url, key, content_hash, title, fetched_at, html, text,"
        " story, dedup_state) VALUES (7, ?, 'a', 'h', 'a', ?, '', '', '7', ?)",
        (FEED, T0.timestamp(), blob),
    )
    con.close()
    with Store(path) as s:
        since = T0 - timedelta(days=7)
        assert lookup(s, text(30), None, since) == []
        d, _ = load_index(s, WEEK, WEEK, since)
        assert "7" in d
        assert lookup(s, text(30), None, since) == [7]


def _at_version_14(backend: str, tmp_path: Path, pg_url: str | None, blob: bytes) -> None:
    """A database of schema version 14 holding one decision (id 7) and its keys."""
    from aggregator.store.migrations import postgresql

    keys = stored_keys(blob)
    article = (
        "INSERT INTO articles (id, feed_url, key, content_hash, title, fetched_at, html, text,"
        " story, dedup_state, dedup_fp) VALUES (7, ?, 'a', 'h', 'a', ?, '', '', '7', ?, ?)"
    )
    rows = [
        (f"INSERT INTO {t} (key, article_id) VALUES (?, 7)", [(signed32(k),) for k in set(ks)])
        for t, ks in (("dedup_fp_keys", keys.fp_keys), ("dedup_band_keys", keys.band_keys))
    ]
    values = (FEED, T0.timestamp(), blob, signed64(keys.fingerprint))
    if backend == "sqlite":
        con = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
        for number, script in enumerate(MIGRATIONS[:14], 1):
            for statement in split_sql(script if isinstance(script, str) else script.sqlite):
                con.execute(statement)
            con.execute(f"PRAGMA user_version={number}")
        con.execute(article, values)
        for sql, params in rows:
            con.executemany(sql, params)
        con.close()
        return
    import psycopg

    assert pg_url is not None
    with psycopg.connect(pg_url, autocommit=True) as pg:
        for script in MIGRATIONS[:14]:
            for statement in split_sql(postgresql(script)):
                pg.execute(statement)
        pg.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        pg.execute("INSERT INTO schema_version (version) VALUES (14)")
        pg.execute(article.replace("?", "%s"), values)
        for sql, params in rows:
            pg.cursor().executemany(sql.replace("?", "%s"), params)


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_15_keeps_the_keys_of_version_14(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Migration 15 changes the key tables' indexes (PostgreSQL: a hash index on the key,
    the primary key (article_id, key)); the keys stored before it stay and are found."""
    pg_url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    with Store(tmp_path / "scratch.db") as s:
        decide(s, Deduper(window=WEEK), "a", text(40), T0)
        blob = bytes(s._db.execute("SELECT dedup_state FROM articles").fetchone()[0])
    _at_version_14(backend, tmp_path, pg_url, blob)
    with opener(backend, tmp_path, pg_url)() as s:
        keys = stored_keys(blob)
        assert key_rows(s, "dedup_band_keys", 7) == sorted({signed32(k) for k in keys.band_keys})
        assert key_rows(s, "dedup_fp_keys", 7) == sorted({signed32(k) for k in keys.fp_keys})
        assert lookup(s, text(40), None, T0 - timedelta(days=7)) == [7]
        if backend == "postgresql":  # looked up by a hash index; keyed by (article_id, key)
            defs = s._db.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'dedup_band_keys'"
            ).fetchall()
            assert sorted(str(r[0]).split(" ON ")[1] for r in defs) == [
                "public.dedup_band_keys USING btree (article_id, key)",
                "public.dedup_band_keys USING hash (key)",
            ]
        with s.transaction():  # a key row stored twice is still refused
            s._index_decisions([(7, keys)])
        assert len(key_rows(s, "dedup_band_keys", 7)) == len(set(keys.band_keys))


def test_a_state_copied_to_postgresql_is_keyed_by_the_first_worker_load(
    tmp_path: Path, pg_url: str
) -> None:
    """``migrate --to`` leaves the copy index out; a worker loading its window writes it."""
    from aggregator.store.copy import copy_state
    from aggregator.store.postgres import PostgresStore
    from aggregator.store.target import PgTarget

    with Store(tmp_path / "a.db") as src:
        a = decide(src, Deduper(window=WEEK), "a", text(50), T0)
        with PostgresStore(PgTarget(pg_url)) as pg:
            copy_state(src, pg)
            since = T0 - timedelta(days=7)
            assert lookup(pg, text(50), None, since) == []
            d, _ = load_index(pg, WEEK, WEEK, since)
            assert str(a) in d
            assert lookup(pg, text(50), None, since) == [a]
            assert key_rows(pg, "dedup_band_keys", a) == key_rows(src, "dedup_band_keys", a)


def test_the_keys_go_with_the_decision_when_its_transaction_fails(open_db: Opener) -> None:
    with open_db() as s:
        s.ensure_feeds([FEED])
        a = store_article(s, "a", T0)
        res, blob = Deduper(window=WEEK).add_with_snapshot(
            DedupItem(id=str(a), text=text(60), title="a", published=T0.timestamp()),
            T0.timestamp(),
        )
        with pytest.raises(RuntimeError), s.transaction():
            s.finish_enrichment(
                a, title="a", author=None, html="", text=text(60), full_text_error=None,
                dedup=(text_hash(text(60)), res.story, None, res.reason, blob),
            )  # fmt: skip
            raise RuntimeError("crash before the commit")
        assert key_rows(s, "dedup_band_keys", a) == []
        assert lookup(s, text(60), None, T0 - timedelta(days=7)) == []
        with s.transaction():  # the retry stores both
            s.finish_enrichment(
                a, title="a", author=None, html="", text=text(60), full_text_error=None,
                dedup=(text_hash(text(60)), res.story, None, res.reason, blob),
            )  # fmt: skip
        assert lookup(s, text(60), None, T0 - timedelta(days=7)) == [a]
