"""The SQLite connection under the store: opening (WAL, migrations), transactions, single
writes, health, checkpoints and the ``meta`` key/value facts."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from aggregator.errors import StoreError
from aggregator.store.migrations import migrate


def ts(dt: datetime | None) -> float | None:
    return dt.timestamp() if dt is not None else None


def dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value is not None else None


def _open(path: Path, timeout: float) -> sqlite3.Connection:
    """Connect, set up WAL and migrate. Several processes opening a fresh file at the same
    moment can be told "database is locked" at once (switching to WAL is not retried by the
    busy handler): such an open is tried again, a few times, after a short pause."""
    for attempt in range(6):
        db = sqlite3.connect(
            str(path), timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            migrate(db, path)
            return db
        except sqlite3.OperationalError as e:
            db.close()
            if "locked" not in str(e) or attempt == 5:
                raise
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


class Connection:
    """One SQLite connection (autocommit; ``transaction()`` for more than one statement).
    Not thread-safe: one per thread."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        try:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = _open(self.path, timeout)
        except sqlite3.Error as e:
            hint = ""
            folder = self.path.parent
            if folder.is_dir() and not os.access(folder, os.W_OK):
                hint = (
                    f"; its directory {folder} is read-only: it must be writable (the database"
                    " keeps a WAL file beside it; under systemd use StateDirectory=)"
                )
            elif "disk is full" in str(e) or "disk I/O" in str(e):
                hint = f"; free space in {folder}"
            raise StoreError(f"cannot open the state database {self.path}: {e}{hint}") from e
        except OSError as e:
            raise StoreError(f"cannot create the state directory for {self.path}: {e}") from e
        self._in_tx = False

    # ---- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("PRAGMA optimize")
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any error)."""
        if self._in_tx:
            yield
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise StoreError(f"cannot write to {self.path}: {e}") from e
        self._in_tx = True
        try:
            yield
        except BaseException:
            self._in_tx = False
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        self._in_tx = False
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as e:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise StoreError(f"cannot write to {self.path}: {e}") from e

    def _write(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        """One statement: inside the open transaction, or else as its own (autocommit: a
        single statement is atomic, so no BEGIN/COMMIT round trips are needed)."""
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as e:
            raise StoreError(f"cannot write to {self.path}: {e}") from e

    def integrity_check(self) -> str:
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def ping(self) -> bool:
        """Health check: the database answers a query."""
        try:
            self._db.execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def checkpoint(self) -> None:
        """Copy the WAL into the database file now, so the next writes reuse the WAL from
        its start: enrichment rewrites the rows a poll just wrote, and without this the WAL
        would hold both versions (twice the disk space at the peak)."""
        with contextlib.suppress(sqlite3.Error):  # busy or full: SQLite retries later itself
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def get_meta(self, key: str) -> str | None:
        r = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if r is None else (None if r[0] is None else str(r[0]))

    def set_meta(self, key: str, value: str | None) -> None:
        self._write(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
