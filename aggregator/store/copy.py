"""``aggregator migrate --to postgresql://...``: copy an SQLite state into an empty PostgreSQL
database, every table and every column the two share, ids kept, in one transaction.

What is copied: feeds (schedule, validators, health), articles (text, dedup state, stories,
copies, held and set-aside marks), deliveries and digests (delivery state, so nothing is mailed
twice), learned boilerplate (site_blocks, learned_blocks), meta (the in-flight digest journal,
retry times) and claims. A target that already holds feeds or articles is refused: a copy never
merges two states. After the copy the row counts of both are compared table by table.
Not copied: the copy index (``dedup_fp_keys``, ``dedup_band_keys``, ``articles.dedup_fp``):
the workers key the decisions inside the dedup window when they load it (``index_unkeyed``),
and the older ones need no keys.
"""

from __future__ import annotations

from collections.abc import Iterator

from aggregator.errors import StoreError
from aggregator.store.postgres import PostgresStore
from aggregator.store.sqlite import Store

# in an order that satisfies any reference between them
TABLES = (
    "feeds", "articles", "deliveries", "digests", "site_blocks", "learned_blocks", "meta",
    "claims",
)  # fmt: skip
_BATCH = 1000
_NOT_COPIED = {"dedup_fp"}  # the copy index: rebuilt for the dedup window by the workers


def _columns_sqlite(source: Store, table: str) -> list[str]:
    return [str(r[1]) for r in source._db.execute(f"PRAGMA table_info({table})")]


def _columns_pg(target: PostgresStore, table: str) -> set[str]:
    rows = target._db.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ?",
        (table,),
    )
    return {str(r[0]) for r in rows}


def _rows(source: Store, table: str, columns: list[str]) -> Iterator[list[tuple[object, ...]]]:
    cur = source._db.execute(f"SELECT {', '.join(columns)} FROM {table}")
    while batch := cur.fetchmany(_BATCH):
        yield [tuple(r) for r in batch]


def count(store: Store, table: str) -> int:
    r = store._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
    return int(str(r[0])) if r is not None else 0


def copy_state(source: Store, target: PostgresStore) -> dict[str, int]:
    """Copy every table of ``source`` (SQLite) into ``target``; rows copied per table.
    Raises StoreError when the target is not empty or the counts differ afterwards."""
    if source.shared:
        raise StoreError("the source of a copy is an SQLite state file")
    if count(target, "feeds") or count(target, "articles"):
        raise StoreError(
            f"{target.path} already holds feeds or articles; copy into an empty database"
        )
    copied: dict[str, int] = {}
    with target.transaction():
        target._db.execute("DELETE FROM meta")  # the target's own (empty) facts
        for table in TABLES:
            wanted = _columns_pg(target, table)
            columns = [c for c in _columns_sqlite(source, table) if c in wanted - _NOT_COPIED]
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            copied[table] = 0
            for batch in _rows(source, table, columns):
                target._db.executemany(sql, batch)
                copied[table] += len(batch)
        target.sync_ids()
    for table in TABLES:
        if count(target, table) != count(source, table):
            raise StoreError(
                f"copy of {table}: {count(source, table)} rows in {source.path},"
                f" {count(target, table)} in {target.path}"
            )
    return copied
