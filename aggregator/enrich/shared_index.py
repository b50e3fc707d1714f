"""The dedup index of a worker, kept up to date with the decisions of the others.

Each worker holds the dedup window in memory (``Deduper``: the fingerprint and LSH indexes
are numpy columns, microseconds per lookup), loaded at start from the stored states. With
several workers on one database (PostgreSQL) that memory would miss what the others decided
since; so a chunk's decisions are made inside the transaction that stores them, under the
store's dedup lock (``own_for_decision``), after restoring:

* every decision numbered above the worker's watermark (``dedup_changes``): the numbers are
  given in commit order under that lock, so nothing is skipped; a worker sees its own
  decisions come back and ignores them. A consolidation (``Enricher.consolidate``) runs
  under the same lock after the same catch-up and numbers the articles whose story it
  changed again: a worker holding one of them takes its new story (``Deduper.restory``),
  so a copy decided later gets its root's current story, whichever worker consolidated. This keeps the story stage exact (its document
  frequencies and story index count every article, not only the copy candidates).
* every stored article the chunk may copy that the memory lacks, found in the database's
  copy index (``dedup_candidate_ids``: the chunk's fingerprint, URL and band keys, one
  query; the states of those lacking, if any, in a second):
  whatever the watermark's bookkeeping, the copy stage sees every article any worker stored
  in the window. Articles the memory dropped as out of the window (``evict``) stay dropped.

Both are restored together, oldest article first, so the memory is what it would be from
the watermark alone whenever that was complete. On an SQLite store (one daemon) there are
no changes and no lookup: this is the plain load. The load first writes the copy index's
keys of decisions stored without them (before migration 14, or copied by ``migrate --to``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from aggregator.dedup import Deduper, Features, persist
from aggregator.dedup.dbkeys import arriving_keys
from aggregator.dedup.thresholds import KEY_CAP
from aggregator.store import Store
from aggregator.store.dedup_index import StoredState

log = logging.getLogger(__name__)


class ChunkKeys(NamedTuple):
    """What a chunk of new articles is looked up by in the database's copy index."""

    fp_keys: list[int]
    band_keys: list[int]
    since: datetime  # the copy window's start: older articles are not restored
    horizon: float  # article time (unix seconds) below which the Deduper has evicted


def load_index(
    store: Store, window: float, story_window: float, since: datetime
) -> tuple[Deduper, int]:
    """The index of the articles fetched since ``since``, and the watermark it is complete
    up to (read first: a decision committed meanwhile is restored once, by the load, and
    seen again by ``catch_up`` as known)."""
    keyed = 0
    while n := store.index_unkeyed(since):
        keyed += n
    if keyed:
        log.info("dedup copy index keyed stored decisions=%d", keyed)
    seen = store.dedup_watermark()
    d = Deduper(window=window, story_window=story_window)
    n = 0
    for article_id, blob, added_at, story in store.dedup_states(since):
        d.restore(str(article_id), blob, added_at, story=story)
        n += 1
    log.debug("dedup restored=%d watermark=%d", n, seen)
    return d, seen


def chunk_keys(
    store: Store, arriving: Iterable[tuple[Features, str | None]], now: datetime, window: float
) -> ChunkKeys | None:
    """The copy index keys of a chunk's new articles ((features, URL) each), for
    ``catch_up``; None on a store only this worker writes (SQLite)."""
    if not store.shared:
        return None
    fp: list[int] = []
    bands: list[int] = []
    for features, url in arriving:
        keys = arriving_keys(features, url)
        fp.extend(keys.fp_keys)
        bands.extend(keys.band_keys)
    start = now - timedelta(seconds=window)
    return ChunkKeys(fp, bands, start, start.timestamp())


def catch_up(
    store: Store, deduper: Deduper, seen: int, chunk: ChunkKeys | None = None
) -> tuple[int, int]:
    """Restore the decisions numbered above ``seen`` that ``deduper`` does not hold (the
    other workers'), and with ``chunk`` the stored copy candidates of the chunk it does not
    hold, oldest article first; (the new watermark, how many were restored)."""
    changes = store.dedup_changes(seen)
    missing: dict[int, StoredState] = {c[1]: c[1:] for c in changes}
    looked_up = 0
    if chunk is not None:
        found = store.dedup_candidate_ids(chunk.fp_keys, chunk.band_keys, chunk.since, KEY_CAP)
        lacking = [i for i in found if i not in missing and str(i) not in deduper]
        for state in store.dedup_states_of(lacking):  # usually none: no second query
            stored = persist.decode(state[1])
            if stored is not None and stored.row.time >= chunk.horizon:
                missing[state[0]] = state
                looked_up += 1
    n = 0
    moved: dict[str, str] = {}  # held articles another worker's consolidation moved
    for article_id, blob, added_at, story in sorted(missing.values(), key=lambda s: s[0]):
        if str(article_id) not in deduper:
            n += deduper.restore(str(article_id), blob, added_at, story=story)
        elif story is not None:
            moved[str(article_id)] = story
    restoried = deduper.restory(moved) if moved else 0
    if n or restoried:
        log.debug("dedup caught up with other workers restored=%d moved=%d", n, restoried)
    if looked_up:
        log.info("dedup copy index lookup restored=%d not numbered above the watermark", looked_up)
    return max((c[0] for c in changes), default=seen), n


def consolidate_shared(
    store: Store, deduper: Deduper, seen: int, now: float
) -> tuple[int, dict[str, str]]:
    """``Deduper.consolidate`` with other workers on the database: under the dedup lock,
    after catching up with their decisions (so a copy another worker decided follows its
    root's new story), stored with the changed articles numbered again for the others (they
    take the new stories in ``catch_up``). (The new watermark, the changes.)"""
    with store.transaction():
        store.own_for_decision([])
        seen = catch_up(store, deduper, seen)[0]
        deduper.evict(now)
        changes = deduper.consolidate(now)
        if changes:
            ids = {int(k): v for k, v in changes.items()}
            store.set_stories(ids)
            store.publish_decisions(sorted(ids))
    return seen, changes
