"""Per-article state in numpy columns (one row per slot) and the ``Row`` written into them."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from aggregator.dedup import features as tf
from aggregator.dedup.features import U8, U32
from aggregator.dedup.thresholds import CONS_TERMS, STORY_TERMS

F16 = npt.NDArray[np.float16]


class Row(NamedTuple):
    """What one article's row holds apart from its story bookkeeping: built by ``add`` from
    ``Features``, or by ``restore`` from a snapshot; ``Columns.write`` is the one way in."""

    time: float
    is_root: bool
    urlh: int  # 64-bit URL identity hash, 0 = no URL
    thash: int  # 64-bit text identity hash
    nshingles: int
    nskel: int
    ntokens: int
    sketch: U32
    pos: U8
    skel: U32
    vterms: U32  # story vector (empty for a copy), sorted terms ...
    vvals: F16  # ... and their weights
    opening: U32  # first distinct shingles in order (empty from a version 3 snapshot)
    simhash: int  # 64-bit simhash fingerprint (0 from a version 3 snapshot: not indexed)


class Columns:
    """Per-article columns, grown by 1.25x (little slack at 100k rows); row = slot."""

    def __init__(self, cap: int = 1024) -> None:
        k, k2 = tf.SKETCH_K, tf.SKEL_K
        self.n = 0
        self.time = np.zeros(cap, dtype=np.float64)
        self.alive = np.zeros(cap, dtype=bool)
        self.is_root = np.zeros(cap, dtype=bool)
        self.urlh = np.zeros(cap, dtype=np.uint64)
        self.thash = np.zeros(cap, dtype=np.uint64)
        self.sizes = np.zeros((cap, 3), dtype=np.int32)  # nshingles, nskel, ntokens
        self.lens = np.zeros((cap, 4), dtype=np.uint8)  # sketch, skel, vector, opening lengths
        self.sketch = np.zeros((cap, k), dtype=np.uint32)
        self.pos = np.zeros((cap, k), dtype=np.uint8)
        self.skel = np.zeros((cap, k2), dtype=np.uint32)
        self.opening = np.zeros((cap, tf.OPENING_N), dtype=np.uint32)
        self.simhash = np.zeros(cap, dtype=np.uint64)
        self.vterms = np.zeros((cap, STORY_TERMS), dtype=np.uint32)
        self.vvals = np.zeros((cap, STORY_TERMS), dtype=np.float16)
        self.cterms = np.zeros((cap, CONS_TERMS), dtype=np.uint32)  # consolidation vector:
        self.cvals = np.zeros((cap, CONS_TERMS), dtype=np.float16)  # log-tf, no IDF
        self.clen = np.zeros(cap, dtype=np.uint8)
        self.sno = np.zeros(
            cap, dtype=np.int32
        )  # story number, -1: a one-member story (stories.py)
        self.shash = np.zeros(cap, dtype=np.uint32)  # story_hash of the story id (this process)

    _ARRAYS = (
        "time",
        "alive",
        "is_root",
        "urlh",
        "thash",
        "sizes",
        "lens",
        "sketch",
        "pos",
        "skel",
        "opening",
        "simhash",
        "vterms",
        "vvals",
        "cterms",
        "cvals",
        "clen",
        "sno",
        "shash",
    )

    def nbytes(self) -> int:
        return sum(getattr(self, a).nbytes for a in self._ARRAYS)

    def append(self) -> int:
        if self.n == len(self.time):
            self._resize(max(1024, self.n + self.n // 4))  # x1.25: little slack at 100k rows
        self.n += 1
        return self.n - 1

    def write(self, row: Row) -> int:
        """Append ``row`` as a live row; returns its slot (story columns are set apart)."""
        slot = self.append()
        ks, kk, kv, ko = len(row.sketch), len(row.skel), len(row.vterms), len(row.opening)
        self.time[slot] = row.time
        self.alive[slot] = True
        self.is_root[slot] = row.is_root
        self.urlh[slot], self.thash[slot] = row.urlh, row.thash
        self.sizes[slot] = (row.nshingles, row.nskel, row.ntokens)
        self.lens[slot] = (ks, kk, kv, ko)
        self.opening[slot, :ko], self.simhash[slot] = row.opening, row.simhash
        self.sketch[slot, :ks], self.pos[slot, :ks] = row.sketch, row.pos
        self.skel[slot, :kk] = row.skel
        self.vterms[slot, :kv], self.vvals[slot, :kv] = row.vterms, row.vvals
        return slot

    def row(self, slot: int) -> Row:
        """The ``Row`` that ``write`` stored at ``slot`` (views into the columns)."""
        ks, kk, kv, ko = self.lens[slot].tolist()
        nsh, nsk, ntok = self.sizes[slot].tolist()
        return Row(
            time=float(self.time[slot]),
            is_root=bool(self.is_root[slot]),
            urlh=int(self.urlh[slot]),
            thash=int(self.thash[slot]),
            nshingles=nsh,
            nskel=nsk,
            ntokens=ntok,
            sketch=self.sketch[slot, :ks],
            pos=self.pos[slot, :ks],
            skel=self.skel[slot, :kk],
            vterms=self.vterms[slot, :kv],
            vvals=self.vvals[slot, :kv],
            opening=self.opening[slot, :ko],
            simhash=int(self.simhash[slot]),
        )

    def _resize(self, cap: int) -> None:
        for a in self._ARRAYS:
            old = getattr(self, a)
            new = np.zeros((cap, *old.shape[1:]), dtype=old.dtype)
            m = min(self.n, cap)
            new[:m] = old[:m]
            setattr(self, a, new)

    def compact(self, keep: npt.NDArray[np.bool_]) -> None:
        m = int(keep.sum())
        cap = max(1024, m + m // 4)
        for a in self._ARRAYS:
            old = getattr(self, a)
            new = np.zeros((cap, *old.shape[1:]), dtype=old.dtype)
            new[:m] = old[: self.n][keep]
            setattr(self, a, new)
        self.n = m
