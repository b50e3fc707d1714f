"""The copy index's keys of one article, as the state database keeps them (migration 14).

The ``Deduper`` finds copy candidates in two exact-key indexes: the first stage's
(``FingerprintIndex``: the simhash fingerprint's permuted-table keys, and the URL key) and
the second stage's (``KeyIndex`` of the LSH band keys). The store keeps the same keys in two
indexed tables, so any worker can ask the database which stored articles share a key with a
chunk of new ones (``StateStore.dedup_candidates``). The keys come from here, and here from
the very functions the ``Deduper`` uses (``FingerprintIndex.key_list``, ``url_key``, the
band keys in the snapshot), so the two indexes cannot drift apart.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from aggregator.dedup import persist, thresholds
from aggregator.dedup.deduper import url_hash, url_key
from aggregator.dedup.features import U32, Features
from aggregator.dedup.fingerprints import FingerprintIndex


class IndexKeys(NamedTuple):
    """One article's keys: its fingerprint (0: none), the first stage's keys (fingerprint
    tables, then the URL key) and the LSH band keys; keys are unsigned 32-bit."""

    fingerprint: int
    fp_keys: list[int]
    band_keys: list[int]


NO_KEYS = IndexKeys(0, [], [])


@functools.lru_cache(maxsize=4)
def _tables(k: int, blocks: int) -> FingerprintIndex:
    return FingerprintIndex(k=k, blocks=blocks, cap=1)


def keys_of(fingerprint: int, urlh: int, bands: U32) -> IndexKeys:
    """The keys the ``Deduper`` indexes a row under (``_index_row``): the table keys of a
    non-zero fingerprint, the URL key of a non-zero URL hash, every band key."""
    tables = _tables(thresholds.SIMHASH_K, thresholds.SIMHASH_BLOCKS)
    fp_keys = tables.key_list(fingerprint) if fingerprint else []
    if urlh:
        fp_keys.append(url_key(urlh))
    return IndexKeys(fingerprint, fp_keys, [int(b) for b in bands.tolist()])


def stored_keys(blob: bytes | None) -> IndexKeys:
    """The keys of a stored dedup state (``Deduper.snapshot``); none for a state the
    ``Deduper`` cannot restore (an older format), which it never matches against either."""
    s = persist.decode(blob) if blob else None
    if s is None:
        return NO_KEYS
    return keys_of(s.row.simhash, s.row.urlh, s.bands)


def arriving_keys(features: Features, url: str | None) -> IndexKeys:
    """The keys a new article is looked up by (``Deduper.add``: the same as it is stored
    under once decided)."""
    return keys_of(features.simhash, url_hash(url), features.bands)
