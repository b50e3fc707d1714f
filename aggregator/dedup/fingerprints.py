"""``FingerprintIndex``: 64-bit simhash fingerprints looked up by Hamming distance.

Permuted tables as in Manku, Jain and Das Sarma (2007): the 64 bits are cut into
``blocks`` contiguous blocks; two fingerprints within distance ``k`` differ in at most
``k`` blocks, so they agree exactly on at least ``blocks - k`` of them (pigeonhole).  Each
choice of ``blocks - k`` blocks is one table, keyed by the fingerprint masked to those
blocks; a fingerprint within distance ``k`` therefore shares the key of at least one table.
With 5 blocks and k = 3 that is C(5, 2) = 10 tables, each keyed by 25 or 26 of the 64
bits, so a random fingerprint shares one of its 10 table keys with a given stored one with
probability ~10 / 2^25.6: at 1,000,000 stored the candidates per query are the true
neighbours plus ~0.2 strangers, and the lookup cost does not grow with the archive (the
tables live in one ``KeyIndex``: a sorted key array with a directory, O(1) cache misses per
key; 10 keys of 8 bytes per article).

``near`` returns only stored fingerprints within distance ``k`` (checked by XOR-popcount on
the stored column): a key that collides (32-bit table keys are hashes of the masked
fingerprint) only adds a candidate that this check drops.  Every stored fingerprint within
``k`` is returned, unless more than ``cap`` newer entries share all of its table keys (then
those newer, equally near ones are).  Extra keys (the Deduper's URL key) can ride along in
the same index and come back from ``query`` like any other key.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import numpy.typing as npt

from aggregator.dedup import thresholds
from aggregator.dedup.features import U32, U64
from aggregator.dedup.keyindex import I32, KeyIndex
from aggregator.dedup.sets import unique

I64 = npt.NDArray[np.int64]
# splitmix64's multipliers and the table salt's step, as ints (key_list) and as numpy scalars
_MUL1, _MUL2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_M1, _M2 = np.uint64(_MUL1), np.uint64(_MUL2)
_GOLDEN = 0x9E3779B97F4A7C15
_U64MAX = (1 << 64) - 1


def table_masks(blocks: int, k: int) -> U64:
    """One 64-bit mask per table: the union of ``blocks - k`` of the ``blocks`` blocks."""
    if not 0 <= k < blocks <= 64:
        raise ValueError(f"need 0 <= k < blocks <= 64, got k={k} blocks={blocks}")
    edges = [64 * i // blocks for i in range(blocks + 1)]
    block = [((1 << (edges[i + 1] - edges[i])) - 1) << edges[i] for i in range(blocks)]
    masks = [sum(block[i] for i in chosen) for chosen in combinations(range(blocks), blocks - k)]
    return np.array(masks, dtype=np.uint64)


def table_keys(fps: U64, masks: U64) -> U32:
    """(len(fps), tables) 32-bit keys: each table's masked fingerprint, salted by the table
    number and mixed (splitmix64), top 32 bits."""
    salt = np.arange(1, len(masks) + 1, dtype=np.uint64) * np.uint64(_GOLDEN)
    h = (fps[:, None] & masks[None, :]) ^ salt[None, :]
    h = (h ^ (h >> np.uint64(30))) * _M1
    h = (h ^ (h >> np.uint64(27))) * _M2
    h ^= h >> np.uint64(31)
    out: U32 = (h >> np.uint64(32)).astype(np.uint32)
    return out


def hamming(a: U64, b: int) -> I64:
    """Bit distance of each fingerprint in ``a`` to ``b``."""
    out: I64 = np.bitwise_count(a ^ np.uint64(b)).astype(np.int64)
    return out


class FingerprintIndex:
    """Hamming-distance index over 64-bit fingerprints (see the module docstring)."""

    def __init__(self, k: int | None = None, blocks: int | None = None, cap: int | None = None):
        # defaults read when built (thresholds.SIMHASH_K, SIMHASH_BLOCKS, KEY_CAP)
        self.k = thresholds.SIMHASH_K if k is None else k
        blocks = thresholds.SIMHASH_BLOCKS if blocks is None else blocks
        self.masks = table_masks(blocks, self.k)
        self.keys = KeyIndex(cap=thresholds.KEY_CAP if cap is None else cap)
        # (mask, salt) per table as Python ints: one fingerprint's keys without numpy
        self._mask_salt = [
            (m, (i + 1) * _GOLDEN & _U64MAX) for i, m in enumerate(self.masks.tolist())
        ]

    def __len__(self) -> int:
        return len(self.keys)

    def nbytes(self) -> int:
        return self.keys.nbytes()

    def key_list(self, fp: int) -> list[int]:
        """``table_keys`` of one fingerprint (the same arithmetic on Python ints, mod 2^64)."""
        out = []
        for m, salt in self._mask_salt:
            h = (fp & m) ^ salt
            h = ((h ^ (h >> 30)) * _MUL1) & _U64MAX
            h = ((h ^ (h >> 27)) * _MUL2) & _U64MAX
            out.append((h ^ (h >> 31)) >> 32)
        return out

    def add(
        self,
        slot: int,
        fp: int | None,
        extra: Sequence[int] = (),
        keys: Sequence[int] | None = None,
    ) -> None:
        """Index ``fp`` (None: no fingerprint) and any extra keys for ``slot``; ``keys``:
        ``key_list(fp)`` when the caller has it already."""
        if keys is None:
            keys = self.key_list(fp) if fp is not None else []
        self.keys.add(slot, [*keys, *extra])

    def extend(self, fps: U64, slots: I32) -> None:
        """Bulk insert of fingerprints (slots newer than all stored)."""
        if len(fps):
            keys = table_keys(fps.astype(np.uint64, copy=False), self.masks)
            self.keys.extend(keys.reshape(-1), np.repeat(slots, len(self.masks)))

    def extend_keys(self, keys: U32, slots: I32) -> None:
        """Bulk insert of extra keys."""
        if len(keys):
            self.keys.extend(keys, slots)

    def remap(self, new_slot: I32) -> None:
        self.keys.remap(new_slot)

    def query(
        self, fp: int | None, extra: Sequence[int] = (), keys: Sequence[int] | None = None
    ) -> I64:
        """Unique candidate slots: stored under a table key of ``fp`` or an extra key
        (``keys``: ``key_list(fp)`` when the caller has it already)."""
        if keys is None:
            keys = self.key_list(fp) if fp is not None else []
        return unique(self.keys.query_array([*keys, *extra]))

    def near(self, fp: int, stored: U64) -> tuple[I64, I64]:
        """Slots whose fingerprint (``stored[slot]``) lies within ``k`` of ``fp``, and their
        distances: candidates of ``query`` checked by XOR-popcount."""
        sl = self.query(fp)
        sl = sl[sl < len(stored)]
        d = hamming(stored[sl], fp)
        keep = d <= self.k
        return sl[keep], d[keep]
