"""PostgreSQL under the store: where to connect (``PgTarget``: the URL, the password from the
environment), one connection pool per process and target, the statements' dialect, and the
migrations.

The store's queries are written once, with SQLite's ``?`` placeholders; ``pg_sql`` turns them
into psycopg's ``%s`` (a literal ``%`` doubled). ``PgDb`` runs them: outside a transaction on a
connection borrowed from the pool for the one statement (autocommit), inside a transaction on
the connection the transaction holds. Results are read whole before the connection goes back.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import urlsplit

from aggregator.errors import StoreError
from aggregator.store.migrations import MIGRATIONS, postgresql, refuse_newer, split_sql
from aggregator.store.target import PgTarget

try:  # the optional extra: pip install 'aggregator[postgresql]'
    import psycopg as psycopg  # re-exported: the store catches its errors
    import psycopg_pool
except ImportError:  # pragma: no cover - exercised only without the extra
    psycopg = None  # type: ignore[assignment]
    psycopg_pool = None  # type: ignore[assignment]

# the key of the advisory lock migrations run under (several workers starting at once)
_MIGRATE_LOCK = 0x61676772  # "aggr"
POOL_MIN, POOL_MAX = 1, 4  # connections per process: the daemon, its digest thread, metrics


def conninfo(target: PgTarget) -> str:
    """libpq's connection string for ``target``, the password from its variable."""
    if psycopg is None:
        raise StoreError(
            f"database {target.label}: PostgreSQL needs psycopg:"
            " pip install 'aggregator[postgresql]'"
        )
    if urlsplit(target.url).password:
        raise StoreError(
            f"database {target.label}: put the password in database_password_env, not the URL"
        )
    if target.password_env is None:
        return target.url
    password = os.environ.get(target.password_env)
    if password is None:
        raise StoreError(
            f"database {target.label}: the environment variable {target.password_env} is not set"
        )
    return psycopg.conninfo.make_conninfo(target.url, password=password)


# a quoted literal (left alone) or a named parameter (``:name``, not a ``::`` cast)
_NAMED = re.compile(r"'(?:[^']|'')*'|(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=256)
def pg_sql(sql: str) -> str:
    """SQLite's placeholders in psycopg's form: ``?`` -> ``%s``, ``:name`` -> ``%(name)s``."""
    sql = sql.replace("%", "%%").replace("?", "%s")
    if ":" not in sql:
        return sql
    return _NAMED.sub(lambda m: f"%({m.group(1)})s" if m.group(1) else m.group(0), sql)


class Result:
    """The rows of one statement, read before its connection went back to the pool."""

    def __init__(self, rows: list[tuple[object, ...]], rowcount: int) -> None:
        self._rows, self.rowcount = rows, rowcount
        self.lastrowid: int | None = None

    def fetchone(self) -> tuple[object, ...] | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple[object, ...]]:
        return self._rows

    def __iter__(self) -> Iterator[tuple[object, ...]]:
        return iter(self._rows)


class _Pools:
    """One pool per conninfo in this process, shared by its stores (counted)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pools: dict[str, tuple[psycopg_pool.ConnectionPool, int]] = {}

    def get(self, conninfo: str, label: str) -> psycopg_pool.ConnectionPool:
        with self._lock:
            if conninfo in self._pools:
                pool, n = self._pools[conninfo]
                self._pools[conninfo] = (pool, n + 1)
                return pool
            reason = _first_error(conninfo)  # fail fast, with libpq's reason
            if reason is not None:
                raise StoreError(f"cannot connect to the state database {label}: {reason}")
            pool = psycopg_pool.ConnectionPool(
                conninfo, min_size=POOL_MIN, max_size=POOL_MAX, open=False,
                kwargs={"autocommit": True}, name="aggregator", timeout=60.0,
            )  # fmt: skip
            try:
                pool.open(wait=True, timeout=30.0)
            except psycopg_pool.PoolTimeout as e:
                pool.close()
                reason = _first_error(conninfo) or str(e)
                raise StoreError(f"cannot connect to the state database {label}: {reason}") from e
            self._pools[conninfo] = (pool, 1)
            return pool

    def put(self, conninfo: str) -> None:
        with self._lock:
            pool, n = self._pools[conninfo]
            if n > 1:
                self._pools[conninfo] = (pool, n - 1)
                return
            del self._pools[conninfo]
        pool.close()


POOLS = _Pools()


def _first_error(conninfo: str) -> str | None:
    """Why a connection fails (the pool only says it timed out)."""
    try:
        psycopg.connect(conninfo, connect_timeout=10).close()
    except psycopg.Error as e:
        return str(e).strip()
    return None


class PgDb:
    """The store's ``_db`` on PostgreSQL: ``execute`` / ``executemany`` with SQLite's
    placeholders; errors become ``StoreError`` naming the database."""

    def __init__(self, pool: psycopg_pool.ConnectionPool, label: str) -> None:
        self.pool, self.label = pool, label
        self.conn: psycopg.Connection[tuple[object, ...]] | None = None  # the open transaction's

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        if self.conn is not None:
            yield self.conn
            return
        with self.pool.connection() as conn:
            yield conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> Result:
        try:
            with self.connection() as conn:
                cur = conn.execute(pg_sql(sql), params)
                rows = cur.fetchall() if cur.description else []
                return Result(rows, cur.rowcount)
        except psycopg.Error as e:
            raise StoreError(f"state database {self.label}: {e}".strip()) from e

    def executemany(self, sql: str, params: Iterable[Sequence[object]]) -> Result:
        try:
            with self.connection() as conn, conn.cursor() as cur:
                cur.executemany(pg_sql(sql), params)
                return Result([], cur.rowcount)
        except psycopg.Error as e:
            raise StoreError(f"state database {self.label}: {e}".strip()) from e


def migrate_pg(db: PgDb) -> None:
    """Apply the missing migrations under an advisory lock, each with its version, in one
    transaction (PostgreSQL's DDL is transactional)."""
    with contextlib.suppress(StoreError):  # the usual case: nothing to do, no lock taken
        if schema_version(db) == len(MIGRATIONS):
            return
    with db.pool.connection() as conn:
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
                conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                r = conn.execute("SELECT version FROM schema_version").fetchone()
                if r is None:
                    conn.execute("INSERT INTO schema_version (version) VALUES (0)")
                current = int(r[0]) if r else 0
                refuse_newer(db.label, current)
                for number in range(current + 1, len(MIGRATIONS) + 1):
                    for statement in split_sql(postgresql(MIGRATIONS[number - 1])):
                        conn.execute(statement)
                    conn.execute("UPDATE schema_version SET version = %s", (number,))
        except psycopg.Error as e:
            raise StoreError(f"cannot migrate the state database {db.label}: {e}") from e


def schema_version(db: PgDb) -> int:
    r = db.execute("SELECT version FROM schema_version").fetchone()
    return int(r[0]) if r else 0  # type: ignore[call-overload]
