"""Open the same state database again, whatever the backend: what store tests parametrize on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aggregator.store import Store
from aggregator.store.postgres import PostgresStore
from aggregator.store.target import PgTarget

BACKENDS = ("sqlite", "postgresql")

# opens another store on the test's database (``owner`` names the worker on PostgreSQL)
Opener = Callable[..., Store]


def opener(backend: str, tmp_path: Path, pg_url: str | None) -> Opener:
    if backend == "sqlite":
        return lambda owner=None: Store(tmp_path / "a.db")
    assert pg_url is not None
    return lambda owner=None: PostgresStore(PgTarget(pg_url), owner=owner)
