"""``PostgresStore``: the state in a PostgreSQL database that several workers share.

It is the SQLite ``Store`` with a different connection: every query of ``Store`` is written in
the SQL both databases speak (``postgres_db.pg_sql`` changes the placeholders), and this class
replaces only what differs: opening (a pool, the migrations under an advisory lock),
transactions, the insert that returns the new id, health, and the due query, which here
*claims* the due feeds for this worker (row leases, ``FOR UPDATE SKIP LOCKED``), so a feed is
polled by one worker at a time and a crashed worker's feeds are taken over when its lease ends.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Self

from aggregator.dedup.dbkeys import IndexKeys
from aggregator.errors import StoreError
from aggregator.store import postgres_db as pgdb
from aggregator.store.dedup_index import CANDIDATES_PG, int_array, stored_state
from aggregator.store.facts import StoreFacts, read_facts
from aggregator.store.postgres_db import POOLS, PgDb, Result, conninfo, migrate_pg
from aggregator.store.records import ArticleRow, RawArticle
from aggregator.store.sqlite import RAW_COLUMNS, Store, raw_article
from aggregator.store.sqlite_poll import ARTICLE_INSERT, article_values
from aggregator.store.target import PgTarget

# How long a worker holds the feeds it claimed (seconds): longer than one tick's poll of them;
# a worker killed mid-poll leaves its feeds to the others after this. The articles it claimed
# for enrichment are leased as long (a chunk's cleaning takes far less). Read when a store
# opens: a test that kills workers sets it shorter.
FEED_LEASE = 600.0
# the advisory lock a worker holds while it makes and stores one chunk's dedup decisions
_DEDUP_LOCK = 0x64656475  # "dedu"
# the advisory lock of a worker storing a new set of configured URLs (``_configured_set``)
_SETS_LOCK = 0x66656564  # "feed"
_SET_NOTE_EVERY = 3600.0  # seconds between notes that a configured set is still in use
_SET_KEEP = 86400.0  # a set no worker has used for this long is dropped


@functools.cache
def worker_id() -> str:
    """This process among the workers (``$AGGREGATOR_WORKER_ID``, else host, pid, random)."""
    return os.environ.get("AGGREGATOR_WORKER_ID") or (
        f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )


class PostgresStore(Store):
    """The state database in PostgreSQL. Like ``Store``, one per thread; the connections come
    from a pool shared by the stores of one process."""

    shared = True
    _candidates_sql = CANDIDATES_PG
    _unkeyed_lock = " FOR UPDATE SKIP LOCKED"

    def __init__(
        self, target: PgTarget, *, lease: float | None = None, owner: str | None = None
    ) -> None:
        self.target = target
        self.path = Path(target.label)
        self.lease, self.owner = lease or FEED_LEASE, owner or worker_id()
        self._conninfo = conninfo(target)
        pool = POOLS.get(self._conninfo, target.label)
        db = PgDb(pool, target.label)
        self._db = db  # type: ignore[assignment]
        self._in_tx = False
        self._pending_keys: list[tuple[int, IndexKeys]] = []  # copy index keys, at commit
        # the configured URLs last claimed with: (set, its id, when noted as used)
        self._pg_configured: tuple[frozenset[str], str, float] | None = None
        try:
            migrate_pg(db)
        except BaseException:
            POOLS.put(self._conninfo)
            raise

    # ---- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        if self._conninfo:
            POOLS.put(self._conninfo)
            self._conninfo = ""

    def __enter__(self) -> Self:
        return self

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction on one pooled connection (nested ones join it)."""
        db: PgDb = self._db  # type: ignore[assignment]
        if db.conn is not None:
            yield
            return
        try:
            with db.pool.connection() as conn:
                db.conn, self._in_tx = conn, True
                try:
                    with conn.transaction():
                        yield
                        self._flush_keys()
                finally:
                    db.conn, self._in_tx = None, False
                    self._pending_keys = []
        except pgdb.psycopg.Error as e:
            raise StoreError(f"cannot write to {self.path}: {e}") from e

    def _write(self, sql: str, params: Sequence[object] = ()) -> Result:  # type: ignore[override]
        return self._db.execute(sql, params)  # type: ignore[return-value]

    def integrity_check(self) -> str:
        return "ok" if self.ping() else "the database does not answer"

    def ping(self) -> bool:
        try:
            self._db.execute("SELECT 1")
            return True
        except StoreError:
            return False

    def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL checkpoints on its own."""

    def facts(self, now: datetime, recipients: Sequence[str]) -> StoreFacts:
        return read_facts(self._db, now, recipients)

    # ---- poll --------------------------------------------------------------------------------

    def due_feeds(
        self, now: datetime, configured: frozenset[str] | None = None, limit: int | None = None
    ) -> list[str]:
        """Claim the due feeds for this worker: those whose next check time has come and that
        no other worker's live lease holds (ours: claimed again), leased to us until ``now + lease`` (``apply_poll`` releases a
        feed). Rows another worker is claiming at this moment are skipped, not waited for.
        Order as in SQLite: never checked first, then by next check time and URL."""
        t = now.timestamp()
        sql = (
            "UPDATE feeds SET lease_owner = ?, lease_until = ? WHERE url IN ("
            " SELECT url FROM feeds WHERE gone = 0 AND COALESCE(next_check_at, 0) <= ?"
            " AND (lease_until IS NULL OR lease_until <= ? OR lease_owner = ?)"
        )
        params: list[object] = [self.owner, t + self.lease, t, t, self.owner]
        if configured is not None:
            sql += " AND url IN (SELECT url FROM configured_feeds WHERE set_id = ?)"
            params.append(self._configured_set(configured, t))
        sql += " ORDER BY COALESCE(next_check_at, 0), url"
        if limit is not None:  # a batch: the other workers claim the next ones meanwhile
            sql += " LIMIT ?"
            params.append(limit)
        sql += " FOR UPDATE SKIP LOCKED) RETURNING url, COALESCE(next_check_at, 0)"
        rows = self._db.execute(sql, params).fetchall()
        return [str(u) for u, _ in sorted(rows, key=lambda r: (r[1], r[0]))]

    def _configured_set(self, urls: frozenset[str], now: float) -> str:
        """The id of ``urls`` in ``configured_feeds``, stored there once (by whichever worker
        first needs it) and noted as used at most once an hour; sets unused for a day go."""
        if self._pg_configured is not None and self._pg_configured[0] == urls:
            set_id, noted = self._pg_configured[1], self._pg_configured[2]
            if now - noted < _SET_NOTE_EVERY:
                return set_id
        else:
            digest = hashlib.blake2b("\n".join(sorted(urls)).encode("utf-8"), digest_size=16)
            set_id = digest.hexdigest()
        with self.transaction():
            got = self._db.execute(
                "UPDATE configured_sets SET used_at = ? WHERE set_id = ?", (now, set_id)
            )
            if not got.rowcount:
                self._db.execute("SELECT pg_advisory_xact_lock(?)", (_SETS_LOCK,))
                self._db.execute(
                    "DELETE FROM configured_feeds WHERE set_id IN (SELECT set_id FROM"
                    " configured_sets WHERE used_at < ?) OR set_id = ?",
                    (now - _SET_KEEP, set_id),
                )
                self._db.execute(
                    "DELETE FROM configured_sets WHERE used_at < ?", (now - _SET_KEEP,)
                )
                self._db.executemany(
                    "INSERT INTO configured_feeds (set_id, url) VALUES (?, ?)",
                    [(set_id, u) for u in urls],
                )
                self._db.execute(
                    "INSERT INTO configured_sets (set_id, used_at) VALUES (?, ?)"
                    " ON CONFLICT (set_id) DO UPDATE SET used_at = EXCLUDED.used_at",
                    (set_id, now),
                )
        self._pg_configured = (urls, set_id, now)
        return set_id

    def release_feeds(self) -> None:
        """Give back the feeds this worker claimed and has not polled (a clean stop)."""
        self._write(
            "UPDATE feeds SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
            (self.owner,),
        )

    # ---- enrichment shared among workers -------------------------------------------------------

    def pending_enrichment(
        self, after_id: int, limit: int, now: datetime | None = None
    ) -> list[RawArticle]:
        """Claim the next articles waiting for enrichment above ``after_id`` (oldest first)
        for this worker until ``now + lease``: those no other worker's live lease holds (rows
        being claimed at this moment are skipped). ``own_for_decision`` checks the claim again
        before the decisions are stored, so an article is deduplicated once."""
        t = now.timestamp() if now is not None else time.time()
        due = now.timestamp() if now is not None else float("inf")
        rows = self._db.execute(
            "UPDATE articles SET enrich_owner = ?, enrich_until = ? WHERE id IN ("
            " SELECT id FROM articles WHERE enrich != 0 AND id > ?"
            " AND (enrich_retry_at IS NULL OR enrich_retry_at <= ?)"
            " AND (enrich_until IS NULL OR enrich_until <= ? OR enrich_owner = ?)"
            " ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)"
            f" RETURNING {RAW_COLUMNS}",
            (self.owner, t + self.lease, after_id, due, t, self.owner, limit),
        ).fetchall()
        return sorted((raw_article(r) for r in rows), key=lambda a: a.id)

    def own_for_decision(self, article_ids: Sequence[int]) -> set[int]:
        """Take the dedup lock (until the transaction ends: one worker decides at a time, so
        each sees every earlier decision) and lock the articles still claimed by this worker
        and waiting; the others (taken over after our lease ended, done) are not ours."""
        if not self._in_tx:
            raise StoreError("own_for_decision runs inside the transaction that decides")
        self._db.execute("SELECT pg_advisory_xact_lock(?)", (_DEDUP_LOCK,))
        rows = self._db.execute(
            "SELECT id FROM articles WHERE id = ANY(?) AND enrich != 0 AND enrich_owner = ?"
            " FOR UPDATE",
            (list(article_ids), self.owner),
        ).fetchall()
        return {int(str(r[0])) for r in rows}

    def publish_decisions(self, article_ids: Sequence[int]) -> None:
        """Number the decisions in commit order (under the dedup lock: no later number can
        commit before an earlier one, so ``dedup_changes`` by number misses none)."""
        if article_ids:
            self._write(
                "UPDATE articles SET dedup_seq = nextval('articles_dedup_seq')"
                " WHERE id = ANY(?) AND dedup_state IS NOT NULL",
                (sorted(article_ids),),
            )

    def dedup_watermark(self) -> int:
        r = self._db.execute("SELECT COALESCE(MAX(dedup_seq), 0) FROM articles").fetchone()
        return int(str(r[0])) if r is not None else 0

    def dedup_changes(self, after: int) -> list[tuple[int, int, bytes, float, str | None]]:
        rows = self._db.execute(
            "SELECT dedup_seq, id, dedup_state, fetched_at, story FROM articles"
            " WHERE dedup_seq > ? AND dedup_state IS NOT NULL ORDER BY dedup_seq",
            (after,),
        ).fetchall()
        return [(int(str(r[0])), *stored_state(r[1:])) for r in rows]

    def _index_decisions(self, batch: Sequence[tuple[int, IndexKeys]]) -> None:
        """Inside a transaction, the keys wait for its commit: a chunk's decisions then
        write their keys in one statement per table, not one per decision."""
        if self._in_tx:
            self._pending_keys.extend(batch)
        else:
            super()._index_decisions(batch)

    def _flush_keys(self) -> None:
        if self._pending_keys:
            batch, self._pending_keys = self._pending_keys, []
            super()._index_decisions(batch)

    def _insert_keys(self, table: str, rows: list[tuple[int, int]]) -> None:
        """One statement for all of a decision's keys (not one round trip per key); the
        arrays as literals (``int_array``: a chunk of 400 writes 17,200 keys)."""
        self._write(
            f"INSERT INTO {table} (key, article_id) SELECT * FROM"
            " unnest(CAST(? AS INT[]), CAST(? AS BIGINT[])) ON CONFLICT DO NOTHING",
            (int_array([k for k, _ in rows]), int_array([i for _, i in rows])),
        )

    def release_enrichment(self) -> None:
        self._write(
            "UPDATE articles SET enrich_owner = NULL, enrich_until = NULL"
            " WHERE enrich != 0 AND enrich_owner = ?",
            (self.owner,),
        )

    def insert_article(self, row: ArticleRow) -> int:
        sql, values = ARTICLE_INSERT, article_values(row)
        if row.id is None:  # an identity column takes no NULL: leave the id to the sequence
            sql = sql.replace("(id, ", "(").replace("VALUES (?, ", "VALUES (")
            values = values[1:]
        r = self._write(sql + " RETURNING id", values).fetchone()
        assert r is not None
        return int(str(r[0]))

    def sync_ids(self) -> None:
        """After rows were copied with their ids: the sequences continue above them."""
        for table in ("articles", "digests"):
            self._write(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" GREATEST((SELECT MAX(id) FROM {table}), 1))"
            )


def open_store(database: Path | PgTarget) -> Store:
    """The configured store: an SQLite file, or a PostgreSQL database."""
    if isinstance(database, PgTarget):
        return PostgresStore(database)
    return Store(database)
