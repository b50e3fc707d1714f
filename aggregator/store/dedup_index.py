"""The copy index in the state database (migration 14): the keys the ``Deduper`` finds copy
candidates by, kept beside the stored decisions so every worker sharing a database can ask
which stored articles a chunk of new ones may copy.

* ``dedup_fp_keys``   the first stage's keys (simhash permuted-table keys, the URL key)
* ``dedup_band_keys`` the second stage's LSH band keys

Both are (key, article id), primary key (article id, key), looked up by key (migration 15:
a hash index on PostgreSQL, a B-tree on SQLite); 32-bit keys are stored as signed (the same
bits), the 64-bit fingerprint likewise in ``articles.dedup_fp``. The keys come from the
stored state itself (``dedup.dbkeys.stored_keys``), so what is written with a decision and
what a back-fill writes later are the same. A lookup (``dedup_candidates``) takes, per key,
the ``cap`` newest articles (as the in-memory ``KeyIndex`` keeps the ``cap`` newest slots),
then those inside the window, with their states: one query per chunk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from aggregator.dedup.dbkeys import IndexKeys, stored_keys
from aggregator.store.sqlite_poll import PollStore

# (id, dedup state, fetched_at, story) of a stored decision, as ``dedup_states`` gives it
StoredState = tuple[int, bytes, float, str | None]
KEY_TABLES = ("dedup_fp_keys", "dedup_band_keys")
_NO_ID = (1 << 63) - 1  # above every article id

# SQLite: the keys as one JSON array parameter; the ``cap`` newest articles of each key by
# a window function (it reads every row of a key; the daemon on SQLite does not use this)
_CANDIDATES_SQLITE = """
SELECT a.id FROM articles a WHERE a.id IN (
    SELECT article_id FROM (
        SELECT article_id, ROW_NUMBER() OVER (PARTITION BY key ORDER BY article_id DESC) AS n
        FROM dedup_fp_keys WHERE key IN (SELECT value FROM json_each(:fp))) WHERE n <= :cap
    UNION
    SELECT article_id FROM (
        SELECT article_id, ROW_NUMBER() OVER (PARTITION BY key ORDER BY article_id DESC) AS n
        FROM dedup_band_keys WHERE key IN (SELECT value FROM json_each(:bands))) WHERE n <= :cap
) AND a.fetched_at >= :since AND a.dedup_state IS NOT NULL ORDER BY a.id
"""

# PostgreSQL: per key, a probe of the hash index on ``key`` (one bucket page, whatever the
# table's size; a B-tree on (key, article_id) read one more level per probe from ~30 million
# rows, and its probes grew dearer with the table: docs/decisions.md) and the ``cap`` newest of
# the key's rows (sorted: a key has about one row; a hot key's rows are all read, cheaply);
# then the articles by primary key (as ``= ANY(ARRAY(...))``: ``IN (subquery)`` let the
# planner expect a row per key and hash-join a sequential scan of every article)
CANDIDATES_PG = """
SELECT a.id FROM articles a WHERE a.id = ANY(ARRAY(
    SELECT f.article_id FROM unnest(CAST(:fp AS INT[])) AS q(k) CROSS JOIN LATERAL (
        SELECT article_id FROM dedup_fp_keys WHERE key = q.k
        ORDER BY article_id DESC LIMIT :cap) AS f
    UNION
    SELECT b.article_id FROM unnest(CAST(:bands AS INT[])) AS q(k) CROSS JOIN LATERAL (
        SELECT article_id FROM dedup_band_keys WHERE key = q.k
        ORDER BY article_id DESC LIMIT :cap) AS b
)) AND a.fetched_at >= :since AND a.dedup_state IS NOT NULL ORDER BY a.id
"""


def stored_state(r: Sequence[object]) -> StoredState:
    """A ``StoredState`` from a row of (id, dedup_state, fetched_at, story)."""
    blob = r[1]
    assert isinstance(blob, (bytes, bytearray, memoryview))
    return int(str(r[0])), bytes(blob), float(str(r[2])), r[3] if isinstance(r[3], str) else None


def signed32(key: int) -> int:
    """An unsigned 32-bit key as the signed INT column holds it (the same bits)."""
    return key - (1 << 32) if key & 0x80000000 else key


def int_array(values: Sequence[int]) -> str:
    """Integers as a PostgreSQL array literal (``{1,-2,3}``), for ``CAST(? AS INT[])``: the
    same text psycopg sends for a list, made by one join. psycopg adapts a list of ints
    element by element (choosing the array's type from its values): ~3.9 ms for the 2,752
    keys of a chunk of 64, against ~0.4 ms (docs/decisions.md, issue 16's lookup)."""
    return "{" + ",".join(map(str, values)) + "}"


def candidate_params(
    fp_keys: Sequence[int],
    band_keys: Sequence[int],
    since: datetime,
    cap: int,
    as_param: Callable[[list[int]], object],
) -> dict[str, object] | None:
    """The lookup's parameters (``CANDIDATES_PG`` / ``_CANDIDATES_SQLITE``): each key list
    signed, distinct and sorted, passed through ``as_param``; None when there is no key."""
    fp = sorted({signed32(k) for k in fp_keys})
    bands = sorted({signed32(k) for k in band_keys})
    if not (fp or bands):
        return None
    return {"fp": as_param(fp), "bands": as_param(bands), "cap": cap, "since": since.timestamp()}


def signed64(value: int) -> int:
    """An unsigned 64-bit fingerprint as the signed 64-bit column holds it."""
    return value - (1 << 64) if value >> 63 else value


def _rows(batch: Iterable[tuple[int, IndexKeys]]) -> tuple[list[tuple[int, int]], ...]:
    """(key, article id) rows of each key table for ``batch`` (distinct per article)."""
    fp: list[tuple[int, int]] = []
    bands: list[tuple[int, int]] = []
    for article_id, keys in batch:
        fp.extend((signed32(k), article_id) for k in dict.fromkeys(keys.fp_keys))
        bands.extend((signed32(k), article_id) for k in dict.fromkeys(keys.band_keys))
    return fp, bands


class DedupIndexStore(PollStore):
    """The copy index's SQL; ``Store`` writes it with each decision (``finish_enrichment``)."""

    _candidates_sql = _CANDIDATES_SQLITE
    _unkeyed_lock = ""  # PostgreSQL: concurrent back-fills take disjoint rows

    def _index_decisions(self, batch: Sequence[tuple[int, IndexKeys]]) -> None:
        """Write the keys of decided articles (inside the caller's transaction)."""
        for table, rows in zip(KEY_TABLES, _rows(batch), strict=True):
            if rows:
                self._insert_keys(table, rows)

    def _insert_keys(self, table: str, rows: list[tuple[int, int]]) -> None:
        self._db.executemany(
            f"INSERT INTO {table} (key, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING", rows
        )

    def dedup_candidate_ids(
        self, fp_keys: Sequence[int], band_keys: Sequence[int], since: datetime, cap: int
    ) -> list[int]:
        """The stored decisions a chunk of new articles may copy: the articles that share a
        first-stage key (``fp_keys``) or a band key (``band_keys``) with it, the ``cap``
        newest per key, of those fetched since ``since``; their ids, ascending. One query,
        whatever the chunk's size."""
        params = candidate_params(
            fp_keys, band_keys, since, cap, int_array if self.shared else json.dumps
        )
        if params is None:
            return []
        return [int(r[0]) for r in self._db.execute(self._candidates_sql, params).fetchall()]

    def dedup_states_of(self, article_ids: Sequence[int]) -> list[StoredState]:
        """(id, state, fetched_at, story) of the given decided articles, by id."""
        if not article_ids:
            return []
        ids = list(article_ids) if self.shared else json.dumps(list(article_ids))
        rows = self._db.execute(
            "SELECT id, dedup_state, fetched_at, story FROM articles"
            f" WHERE id {'= ANY(?)' if self.shared else 'IN (SELECT value FROM json_each(?))'}"
            " AND dedup_state IS NOT NULL ORDER BY id",
            (ids,),
        ).fetchall()
        return [stored_state(r) for r in rows]

    def dedup_candidates(
        self, fp_keys: Sequence[int], band_keys: Sequence[int], since: datetime, cap: int
    ) -> list[StoredState]:
        """``dedup_candidate_ids`` with their states (``dedup_states_of``): two queries."""
        return self.dedup_states_of(self.dedup_candidate_ids(fp_keys, band_keys, since, cap))

    def index_unkeyed(self, since: datetime, limit: int = 500) -> int:
        """Write the keys of up to ``limit`` decisions stored without them (before migration
        14, or copied in by ``migrate --to``) of articles fetched since ``since``; how many
        were done (0: none is left). One transaction."""
        with self.transaction():
            rows = self._db.execute(
                "SELECT id, dedup_state FROM articles WHERE dedup_state IS NOT NULL"
                " AND dedup_fp IS NULL AND fetched_at >= ? ORDER BY id LIMIT ?"
                + self._unkeyed_lock,
                (since.timestamp(), limit),
            ).fetchall()
            batch = [(int(r[0]), stored_keys(bytes(r[1]))) for r in rows]
            self._db.executemany(
                "UPDATE articles SET dedup_fp = ? WHERE id = ?",
                [(signed64(k.fingerprint), i) for i, k in batch],
            )
            self._index_decisions(batch)
        return len(batch)

    def _prune_dedup_keys(self, since: datetime) -> None:
        """Drop the keys of articles fetched before ``since`` (out of the dedup window): all
        below the lowest id fetched since then (inside the caller's transaction)."""
        for table in KEY_TABLES:
            self._db.execute(
                f"DELETE FROM {table} WHERE article_id < COALESCE("
                " (SELECT MIN(id) FROM articles WHERE fetched_at >= ?), ?)",
                (since.timestamp(), _NO_ID),
            )
