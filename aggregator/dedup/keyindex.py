"""``KeyIndex``: the exact-key multi-index behind copy candidates and story candidates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from aggregator.dedup.features import U32
from aggregator.dedup.thresholds import KEY_CAP, PENDING_MAX

I32 = npt.NDArray[np.int32]


class KeyIndex:
    """Exact-match multi-key index: uint32 key -> the ``cap`` most recent slots.

    Keys are well-spread 32-bit hashes.  Bulk part: arrays sorted by (key, slot), trimmed to
    the ``cap`` newest slots per key (older ones could never be returned), plus a directory
    over the top bits of the key (about four entries per bucket), so a lookup reads two
    directory cells and a few keys: O(1) cache misses whatever the size.  New entries go to
    a small pending dict; at ``pending_max`` keys they are sorted and merged into the bulk
    arrays with one linear ``np.insert`` (no re-sort of the bulk part).  A 32-bit key that
    collides only adds a candidate, which verification rejects."""

    def __init__(self, cap: int = KEY_CAP, pending_max: int = PENDING_MAX) -> None:
        self.keys: U32 = np.zeros(0, dtype=np.uint32)
        self.slots: I32 = np.zeros(0, dtype=np.int32)
        self.shift = np.uint32(24)
        self.dir: npt.NDArray[np.int64] = np.zeros(257, dtype=np.int64)
        self.pending: dict[int, list[int]] = {}
        self.npending = 0
        self.pending_max = pending_max
        self.cap = cap

    def __len__(self) -> int:
        return len(self.keys) + self.npending

    def nbytes(self) -> int:
        return self.keys.nbytes + self.slots.nbytes + self.dir.nbytes

    def add(self, slot: int, keys: Iterable[int]) -> None:
        pending = self.pending
        n = 0
        for k in keys:
            p = pending.get(k)
            if p is None:
                pending[k] = [slot]
            else:
                p.append(slot)
            n += 1
        self.npending += n
        if self.npending >= self.pending_max:
            self.merge()

    def merge(self) -> None:
        """Fold pending keys into the bulk arrays."""
        if not self.pending:
            return
        pk = np.fromiter(
            (k for k, v in self.pending.items() for _ in v), dtype=np.uint32, count=self.npending
        )
        ps = np.fromiter(
            (s for v in self.pending.values() for s in v), dtype=np.int32, count=self.npending
        )
        self.pending = {}
        self.npending = 0
        self._insert(pk, ps)

    def extend(self, keys: U32, slots: I32) -> None:
        """Bulk insert (e.g. after restoring many articles); slots newer than all stored."""
        self.merge()
        self._insert(keys.astype(np.uint32, copy=False), slots.astype(np.int32, copy=False))

    def _insert(self, pk: U32, ps: I32) -> None:
        order = np.lexsort((ps, pk))
        pk, ps = pk[order], ps[order]
        del order
        if not len(self.keys):  # first bulk load (a restart): nothing to merge into
            self._set(pk, ps)
            return
        at = np.searchsorted(self.keys, pk, side="right")
        keys, slots = np.insert(self.keys, at, pk), np.insert(self.slots, at, ps)
        # runs were at most `cap` long: only a run that got a new entry can be longer now,
        # and then its new last entry has the same key `cap` places before it
        new_pos = at + np.arange(len(pk))
        back = new_pos - self.cap
        over = bool(((back >= 0) & (keys[np.maximum(back, 0)] == pk)).any())
        self._set(keys, slots, trim=over, added=pk)

    def remap(self, new_slot: I32) -> None:
        """Renumber slots (``new_slot[old]``, -1 = dropped); order within a key is kept."""
        self.merge()
        s = new_slot[self.slots]
        keep = s >= 0
        self._set(self.keys[keep], s[keep])

    def _set(self, keys: U32, slots: I32, trim: bool = True, added: U32 | None = None) -> None:
        """Install sorted ``keys``/``slots`` (trimmed to ``cap`` per key) and their directory;
        ``added``: the keys inserted into the current arrays to give ``keys`` (the directory
        is then updated by their bucket counts instead of rebuilt by 2^bits searches)."""
        n = len(keys)
        dropped = None
        if trim and n > self.cap:
            # keep the `cap` newest slots of each key (runs are sorted by slot): an entry
            # goes when the entry `cap` places further on still has its key
            drop = keys[: n - self.cap] == keys[self.cap :]
            if drop.any():
                dropped = keys[: n - self.cap][drop]
                keep = np.ones(n, dtype=bool)
                keep[: n - self.cap] = ~drop
                keys, slots = keys[keep], slots[keep]
        bits = max(8, min(30, int(np.log2(max(len(keys), 1) / 4)) if len(keys) else 8))
        shift = np.uint32(32 - bits)
        if added is not None and shift == self.shift:
            # the same buckets: each start moves by the keys added (and dropped) below it
            nb = 1 << bits
            moved = np.bincount(added >> shift, minlength=nb)
            if dropped is not None:
                moved -= np.bincount(dropped >> shift, minlength=nb)
            d = self.dir.copy()
            d[1:] += np.cumsum(moved)
        else:
            # directory: where each top-bits bucket starts in the sorted keys
            starts = (np.arange(1 << bits, dtype=np.uint64) << np.uint64(32 - bits)).astype(
                np.uint32
            )
            d = np.empty((1 << bits) + 1, dtype=np.int64)
            d[:-1] = np.searchsorted(keys, starts)
            d[-1] = len(keys)
        self.shift = shift
        self.dir = d
        self.keys, self.slots = keys, slots

    def _merged_hits(
        self, keys: Sequence[int]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None:
        """(position in ``keys``, slot) of the merged (sorted) part's hits, row-major."""
        if not (len(self.keys) and len(keys)):
            return None
        q = np.array(keys, dtype=np.uint32)
        top = q >> self.shift  # uint32 indexes: no int64 copy
        lo, hi = self.dir[top], self.dir[top + 1]
        width = int((hi - lo).max())
        if not width:
            return None
        idx = lo[:, None] + np.arange(width)
        valid = idx < hi[:, None]
        idx = np.minimum(idx, len(self.keys) - 1)
        hit = valid & (self.keys[idx] == q[:, None])
        qi, _ = np.nonzero(hit)
        return qi, self.slots[idx[hit]].astype(np.int64)

    def query_each(
        self, keys: Sequence[int]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """``query`` of many keys at once: (position in ``keys``, slot) of every hit."""
        at: list[int] = []
        out: list[int] = []
        cap = self.cap
        pending = self.pending
        if pending:
            for i, k in enumerate(keys):
                p = pending.get(k)
                if p:
                    p = p[-cap:]
                    at.extend([i] * len(p))
                    out.extend(p)
        pos = np.array(at, dtype=np.int64)
        slots = np.array(out, dtype=np.int64)
        merged = self._merged_hits(keys)
        if merged is not None:
            pos = np.concatenate([pos, merged[0]])
            slots = np.concatenate([slots, merged[1]])
        return pos, slots

    def query_array(self, keys: Sequence[int]) -> npt.NDArray[np.int64]:
        """``query`` as an int64 array (the same slots in the same order), without the
        round trip through a list of the merged part's hits."""
        out = self._pending_hits(keys)
        merged = self._merged_hits(keys)
        if merged is None:
            return np.array(out, dtype=np.int64)
        if not out:
            return merged[1]
        return np.concatenate([np.array(out, dtype=np.int64), merged[1]])

    def _pending_hits(self, keys: Sequence[int]) -> list[int]:
        """The not yet merged part's slots under ``keys`` (the newest ``cap`` per key)."""
        out: list[int] = []
        pending = self.pending
        if pending:
            cap = self.cap
            for k in keys:
                p = pending.get(k)
                if p:
                    out.extend(p[-cap:])
        return out

    def query(self, keys: Sequence[int]) -> list[int]:
        """Slots stored under any of ``keys`` (a slot once per key it matches)."""
        got: list[int] = self.query_array(keys).tolist()
        return got
