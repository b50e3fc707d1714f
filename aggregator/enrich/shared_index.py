"""The dedup index of a worker, kept up to date with the decisions of the others.

Each worker holds the dedup window in memory (``Deduper``: the fingerprint and LSH indexes
are numpy columns, microseconds per lookup), loaded at start from the stored states. With
several workers on one database (PostgreSQL) that memory would miss what the others decided
since; so a chunk's decisions are made inside the transaction that stores them, under the
store's dedup lock (``own_for_decision``), after restoring every decision numbered above the
worker's watermark (``dedup_changes``). The numbers are given in commit order under that lock,
so nothing is skipped; a worker sees its own decisions come back and ignores them. On an
SQLite store (one daemon) there are no changes and this is the plain load.
"""

from __future__ import annotations

import logging
from datetime import datetime

from aggregator.dedup import Deduper
from aggregator.store import Store

log = logging.getLogger(__name__)


def load_index(
    store: Store, window: float, story_window: float, since: datetime
) -> tuple[Deduper, int]:
    """The index of the articles fetched since ``since``, and the watermark it is complete
    up to (read first: a decision committed meanwhile is restored once, by the load, and
    seen again by ``catch_up`` as known)."""
    seen = store.dedup_watermark()
    d = Deduper(window=window, story_window=story_window)
    n = 0
    for article_id, blob, added_at, story in store.dedup_states(since):
        d.restore(str(article_id), blob, added_at, story=story)
        n += 1
    log.debug("dedup restored=%d watermark=%d", n, seen)
    return d, seen


def catch_up(store: Store, deduper: Deduper, seen: int) -> tuple[int, int]:
    """Restore the decisions numbered above ``seen`` that ``deduper`` does not hold (the
    other workers'), oldest article first; (the new watermark, how many were restored)."""
    changes = store.dedup_changes(seen)
    if not changes:
        return seen, 0
    n = 0
    for _, article_id, blob, added_at, story in sorted(changes, key=lambda c: c[1]):
        if str(article_id) not in deduper:
            n += deduper.restore(str(article_id), blob, added_at, story=story)
    if n:
        log.debug("dedup caught up with other workers restored=%d", n)
    return max(c[0] for c in changes), n
