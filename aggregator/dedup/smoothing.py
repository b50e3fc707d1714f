"""Neighbour smoothing of the consolidation vectors (issue 18).

Two short reports of one event often share one or two words: a headline-length teaser and a
one-sentence wire lede name the same heist with different words ("robbers in drag", "thieves
disguised as women").  Their cosine stays below the average-link threshold, while each is
close to longer reports of the event.  ``smooth`` adds to every vector its ``k`` nearest
neighbours' vectors, each scaled by ``alpha`` times its similarity, and normalises again
(pseudo-relevance feedback, as in query expansion): two articles that share neighbours come
to share terms, so what they have in common is judged through the event's other reports.

Held out by topic on ecbplus-stories (bench/dedup_eval.py), smoothing raised story F1 on
both halves (docs/decisions.md, "Neighbour smoothing"); ``alpha`` and ``k`` are swept there
with the average-link threshold.  Deterministic: neighbours are ranked by similarity, ties
towards the lower row.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aggregator.dedup.features import F32, U32
from aggregator.dedup.linkage import pair_sims, sorted_pair_sims, term_row_order

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
IP = npt.NDArray[np.intp]
UC = npt.NDArray[np.uint32 | np.uint64]  # cells row << bits | term number


_SIM_BITS = 30  # similarities ranked to 2^-28 (values up to 4): one uint64 key per pair
_SIM_SCALE = float(1 << 28)
_ROW_BITS = 17  # rows per area up to 131,072 for the one-key sort (else a lexsort)


def nearest(
    rows: I64, terms: U32, weights: F32, n: int, k: int, order: IP | None = None
) -> tuple[I64, I64, F32]:
    """Each row's ``k`` most similar other rows, as (row, neighbour, similarity) triples
    sorted by row then rank (similarity descending, ties towards the lower neighbour); pairs
    below ``CONS_EDGE_MIN`` or sharing only very common terms are never neighbours.
    ``order``: the entries' term order, if known (``pair_sims``).

    Similarities are ranked (and returned) to 2^-28: each directed pair is one uint64 key
    (row, inverted similarity, neighbour) and one sort of values orders them, 15 ms for
    770,000 keys against 220 ms for the three indirect sorts of a lexsort; only the
    ``k`` first keys of each row are unpacked."""
    ea, eb, sims = pair_sims(rows, terms, weights, n, order)
    top = np.uint64((1 << _SIM_BITS) - 1)
    inv = top - np.minimum(np.round(sims * _SIM_SCALE), float(top)).astype(np.uint64)
    if n <= 1 << _ROW_BITS:
        half = inv << np.uint64(_ROW_BITS)
        lo, hi = ea.astype(np.uint64), eb.astype(np.uint64)
        up = np.uint64(_SIM_BITS + _ROW_BITS)
        key = np.concatenate(((lo << up) | half | hi, (hi << up) | half | lo))
        key.sort()
        a = (key >> up).astype(np.int64)
        rank = np.arange(len(a)) - np.searchsorted(a, np.arange(n))[a]
        key = key[rank < k]
        ak = (key >> up).astype(np.int64)
        inv = (key >> np.uint64(_ROW_BITS)) & top
        bk = (key & np.uint64((1 << _ROW_BITS) - 1)).astype(np.int64)
    else:
        a, b = np.concatenate((ea, eb)), np.concatenate((eb, ea))
        inv = np.concatenate((inv, inv))
        o = np.lexsort((b, inv, a))
        a, b, inv = a[o], b[o], inv[o]
        keep = np.arange(len(a)) - np.searchsorted(a, np.arange(n))[a] < k
        ak, bk, inv = a[keep], b[keep], inv[keep]
    s = (top - inv).astype(np.float64) / _SIM_SCALE
    return ak, bk, s.astype(np.float32)


def smooth(
    rows: I64, terms: U32, weights: F32, n: int, k: int, alpha: float, floor: float = 0.0
) -> tuple[I64, U32, F32]:
    """(row, term, weight) triples of the smoothed vectors: each row's vector plus ``alpha``
    times the similarity-weighted vectors of its ``k`` nearest rows, L2-normalised; rows come
    in order, each term once per row.  ``rows`` must be sorted (``_cons_vectors`` gives them
    so); ``k`` = 0 or ``alpha`` = 0 returns the input.  Otherwise a neighbour's term that
    would add less than ``floor`` is left out, and so is a smoothed weight below ``floor``.

    A cell's values (the row's own weight, then its neighbours' additions by rank; float64)
    are summed by ``np.add.reduceat``: the first plus the sum of the others."""
    if k <= 0 or alpha <= 0 or not len(rows):
        return rows, terms, weights
    cells, w, bits, vocab = _smoothed_cells(rows, terms, weights, n, (k, alpha, floor))
    return (cells >> bits).astype(np.int64), vocab[cells & ((1 << bits) - 1)], w


def smoothed_pairs(
    rows: I64, terms: U32, weights: F32, n: int, k: int, alpha: float, floor: float = 0.0
) -> tuple[I64, I64, F64]:
    """``pair_sims(*smooth(rows, terms, weights, n, k, alpha, floor), n)``, the same pairs
    and sums, without unpacking the smoothed cells: each entry (term number, row, float32
    weight) is one uint64 key, and one sort of values gives the term order with the rows
    and weights in it (each (term, row) once, so the weight bits never decide the order)."""
    if k <= 0 or alpha <= 0 or not len(rows):
        return pair_sims(rows, terms, weights, n)
    cells, w, bits, _ = _smoothed_cells(rows, terms, weights, n, (k, alpha, floor))
    tmask = (1 << bits) - 1
    if n << bits > 1 << 32:  # too wide
        tid = (cells & tmask).astype(np.uint32)
        return pair_sims((cells >> bits).astype(np.int64), tid, w, n)
    rbits = max(int(n - 1).bit_length(), 1)  # (n << bits) <= 2^32: rbits + bits <= 32
    key = (cells & np.uint64(tmask)) << np.uint64(rbits)
    key |= cells >> np.uint64(bits)
    key <<= np.uint64(32)
    key |= w.view(np.uint32)
    key.sort()
    r = ((key >> np.uint64(32)) & np.uint64((1 << rbits) - 1)).astype(np.int32)
    t = (key >> np.uint64(32 + rbits)).astype(np.uint32)
    ws: F32 = key.astype(np.uint32).view(np.float32)
    return sorted_pair_sims(r, t, ws, n)


def _smoothed_cells(
    rows: I64, terms: U32, weights: F32, n: int, how: tuple[int, float, float]
) -> tuple[UC, F32, int, U32]:
    """``smooth``'s vectors as sorted cells ``row << bits | term number``, their weights,
    ``bits`` and the terms by number.  Cells are uint32 while they fit (an area of 4,500
    rows and 20,000 terms needs 28 bits; uint64 beyond), so the arrays moved are small."""
    k, alpha, floor = how
    # terms numbered in order from the term order that the pair similarities sort the
    # entries in anyway (no second sort)
    order = term_row_order(rows, terms)
    st = terms[order]
    new = np.concatenate(([True], st[1:] != st[:-1]))
    vocab = st[new]
    bits = max(int(len(vocab) - 1).bit_length(), 1)
    ct = np.dtype(np.uint32 if n << bits <= 1 << 32 else np.uint64)
    cell: UC = np.empty(len(rows), dtype=ct)
    cell[order] = np.cumsum(new, dtype=ct) - 1
    cell |= rows.astype(ct) << bits
    a, b, s = nearest(rows, terms, weights, n, k, order)
    # the entries of each neighbour b, credited to row a: b's cells moved by (a - b) << bits
    # (modulo 2^32 or 2^64: the sums are a's cells)
    start = np.searchsorted(rows, np.arange(n + 1))
    size = start[b + 1] - start[b]
    offset = np.repeat(start[b] - np.cumsum(size) + size, size)
    offset += np.arange(len(offset))
    add: F64 = weights[offset].astype(np.float64)
    add *= np.repeat(alpha * s.astype(np.float64), size)
    ncell = cell[offset]
    ncell += np.repeat((a - b).astype(ct) << bits, size)
    big = add >= floor
    c, w = _sum_by_cell(cell, ncell[big], weights.astype(np.float64), add[big])
    norm = np.sqrt(np.bincount((c >> bits).astype(np.intp), weights=w**2, minlength=n))
    out_w = (w / np.maximum(norm[c >> bits], 1e-12)).astype(np.float32)
    if floor > 0:
        big = out_w >= floor
        return c[big], out_w[big], bits, vocab
    return c, out_w, bits, vocab


def _sum_by_cell(cell: UC, ncell: UC, w: F64, nw: F64) -> tuple[UC, F64]:
    """The weights ``w`` and then ``nw`` summed per cell (``cell``, then ``ncell``), in
    that order (``np.add.reduceat``: for a short segment, the first value plus the others
    summed from 0.0, not left to right); the cells sorted.  uint32 cells and their
    positions fit one uint64: one sort of values instead of an indirect sort."""
    m, total = len(cell), len(cell) + len(ncell)
    if cell.dtype == np.uint32 and total < 1 << 32:
        key = np.empty(total, dtype=np.uint64)
        key[:m], key[m:] = cell, ncell
        key <<= np.uint64(32)
        key |= np.arange(total, dtype=np.uint64)
        key.sort()
        pos = (key & np.uint64(0xFFFFFFFF)).view(np.intp)  # below 2^32: the same values
        c: UC = key
        c >>= np.uint64(32)  # the cells, as uint64
    else:
        c = np.concatenate((cell, ncell))
        pos = np.argsort(c, kind="stable")
        c = c[pos]
    weights = np.concatenate((w, nw))[pos]
    first = np.flatnonzero(np.concatenate(([True], c[1:] != c[:-1])))
    sums = np.add.reduceat(weights, first) if len(first) else weights[:0]
    return c[first], sums
