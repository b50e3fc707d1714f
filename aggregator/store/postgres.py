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
import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Self

from aggregator.errors import StoreError
from aggregator.store import postgres_db as pgdb
from aggregator.store.facts import StoreFacts, read_facts
from aggregator.store.postgres_db import POOLS, PgDb, Result, conninfo, migrate_pg
from aggregator.store.records import ArticleRow
from aggregator.store.sqlite import Store
from aggregator.store.sqlite_poll import ARTICLE_INSERT, article_values
from aggregator.store.target import PgTarget

# How long a worker holds the feeds it claimed (seconds): longer than one tick's poll of them;
# a worker killed mid-poll leaves its feeds to the others after this.
FEED_LEASE = 600.0


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

    def __init__(self, target: PgTarget, *, lease: float = FEED_LEASE, owner: str | None = None):
        self.target = target
        self.path = Path(target.label)
        self.lease, self.owner = lease, owner or worker_id()
        self._conninfo = conninfo(target)
        pool = POOLS.get(self._conninfo, target.label)
        db = PgDb(pool, target.label)
        self._db = db  # type: ignore[assignment]
        self._in_tx = False
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
                finally:
                    db.conn, self._in_tx = None, False
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

    def due_feeds(self, now: datetime, configured: frozenset[str] | None = None) -> list[str]:
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
            sql += " AND url = ANY(?)"
            params.append(list(configured))
        sql += (
            " ORDER BY COALESCE(next_check_at, 0), url FOR UPDATE SKIP LOCKED)"
            " RETURNING url, COALESCE(next_check_at, 0)"
        )
        rows = self._db.execute(sql, params).fetchall()
        return [str(u) for u, _ in sorted(rows, key=lambda r: (r[1], r[0]))]

    def release_feeds(self) -> None:
        """Give back the feeds this worker claimed and has not polled (a clean stop)."""
        self._write(
            "UPDATE feeds SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
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
