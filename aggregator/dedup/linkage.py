"""Average-link agglomerative clustering of sparse vectors (story consolidation).

Exact and deterministic; the speed-ups (pair sums in dense blocks, one component of the
graph of strong pairs at a time, dense merges for components that fit and for the groups
left of a bigger one once they fit) never change a label
(tests/test_dedup_consolidate.py checks them against a plain reference).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aggregator.dedup.features import F32, U32
from aggregator.dedup.thresholds import CONS_EDGE_MIN, CONS_POSTING_MAX

F64 = npt.NDArray[np.float64]

# average_link internals (speed and memory only; the labels do not depend on them)
_SIM_BLOCK_CELLS = 1 << 17  # pair sums accumulate in dense blocks of this many float64
_DENSE_MAX_ROWS = 2896  # a component up to this size merges in a dense float64 matrix (64 MiB)
_DENSE_COMPACT_MIN = 64  # a dense matrix of this many rows or more shrinks as groups merge
_SMALL_MAX_ROWS = 64  # a component up to this size merges in plain Python (dicts)


def term_row_order(rows: npt.NDArray[np.int64], terms: U32) -> npt.NDArray[np.intp]:
    """``np.lexsort((rows, terms))``.  When the rows come in order (as ``consolidate``
    passes them), one sort of uint64 keys (term, position) gives the same order: a sort of
    values, not lexsort's two indirect sorts (26 -> 18 ms for 400,000 entries)."""
    n = len(rows)
    if n >= 2**32 or (n > 1 and not bool((rows[1:] >= rows[:-1]).all())):
        out: npt.NDArray[np.intp] = np.lexsort((rows, terms))
        return out
    key = terms.astype(np.uint64) << np.uint64(32)
    key |= np.arange(n, dtype=np.uint64)
    key.sort()
    return (key & np.uint64(0xFFFFFFFF)).astype(np.intp)


def _posting_pairs(
    r: npt.NDArray[np.int32], t: npt.NDArray[np.uint32] | npt.NDArray[np.uint64]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """The entries (positions in term order) of the posting lists of 2 to
    ``CONS_POSTING_MAX`` rows, and how many entries follow each one in its list (its
    pairs)."""
    starts = np.flatnonzero(np.concatenate(([True], t[1:] != t[:-1]))).astype(np.int32)
    sizes = np.diff(np.append(starts, np.int32(len(t)))).astype(np.int32)
    ok = (sizes >= 2) & (sizes <= CONS_POSTING_MAX)
    starts, sizes = starts[ok], sizes[ok]
    # the kept lists' entries in order: each list's start, then +1 per entry
    first = np.cumsum(sizes, dtype=np.int32) - sizes
    entry = np.repeat(starts - first, sizes)
    entry += np.arange(len(entry), dtype=np.int32)
    cnt = np.repeat(starts + sizes, sizes) - entry - 1
    return entry, cnt


def pair_sims(
    rows: npt.NDArray[np.int64],
    terms: U32,
    weights: F32,
    n: int,
    order: npt.NDArray[np.intp] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Sparse similarities of ``average_link``'s rows (a term at most once per row): the
    pairs (a < b) whose dot product over shared terms (posting lists of 2 to
    ``CONS_POSTING_MAX`` rows) reaches ``CONS_EDGE_MIN``, sorted by (a, b); see
    ``sorted_pair_sims``.  ``order``: ``term_row_order`` of the entries, if the caller has
    it already."""
    if n < 2 or len(rows) == 0:
        return _no_pairs()
    if order is None:
        order = term_row_order(rows, terms)
    # row numbers in int32 (half the memory traffic of the pair arrays)
    return sorted_pair_sims(rows[order].astype(np.int32), terms[order], weights[order], n)


def _no_pairs() -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    empty = np.zeros(0, dtype=np.int64)
    return empty, empty, np.zeros(0)


def sorted_pair_sims(
    r: npt.NDArray[np.int32],
    t: npt.NDArray[np.uint32] | npt.NDArray[np.uint64],
    w: F32,
    n: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """``pair_sims`` of entries given in term order, rows ascending within a term (``t``
    only compared for equality: any numbering of the terms in order will do).

    A pair's products are summed in float64 in term order.  The posting entries are
    ordered by band of ``a`` (stable: term order within a band); each band's pairs are
    generated and summed into a dense block of ``_SIM_BLOCK_CELLS`` cells on their own, so
    that its arrays stay in cache: no sort of the pairs."""
    if n < 2 or len(r) == 0:
        return _no_pairs()
    entry, cnt = _posting_pairs(r, t)
    if not cnt.any():
        return _no_pairs()
    per = max(1, _SIM_BLOCK_CELLS // n)  # rows `a` per dense block
    nblk = (n - 1) // per + 1
    band = r[entry] // per
    bounds = np.zeros(nblk + 1, dtype=np.int64)
    np.cumsum(np.bincount(band, minlength=nblk), out=bounds[1:])
    if nblk > 1:  # stable: within a band, entries stay in term order
        o = np.argsort(band.astype(np.uint8 if nblk <= 256 else np.int32), kind="stable")
        entry, cnt = entry[o], cnt[o]
    ea, eb, sims = [], [], []
    for b in np.flatnonzero(bounds[1:] > bounds[:-1]).tolist():
        s, e = int(bounds[b]), int(bounds[b + 1])
        c = cnt[s:e]
        total = int(c.sum(dtype=np.int64))
        if total == 0:
            continue
        ent = entry[s:e]
        # the block holds the upper triangle's part only: rows a0.., columns a0..n-1
        a0 = b * per
        width = n - a0
        # the partner of each pair: its entry's position + 1 + its rank among the entry's
        # pairs; the cell (a - a0) * width + b - a0 (below max(2^17, n): int32)
        second = np.arange(1, total + 1, dtype=np.int64)
        second -= np.repeat(np.cumsum(c, dtype=np.int64) - c - ent, c)
        cell = np.repeat((r[ent] - a0) * width - a0, c)
        cell += r[second]
        prod = np.repeat(w[ent], c)
        prod *= w[second]  # float32 products, summed in float64 by bincount
        acc = np.bincount(cell, weights=prod, minlength=min(per, width) * width)
        nz = np.flatnonzero(acc >= CONS_EDGE_MIN)
        ea.append(nz // width + a0)
        eb.append(nz % width + a0)
        sims.append(acc[nz])
    if not ea:
        return _no_pairs()
    return np.concatenate(ea), np.concatenate(eb), np.concatenate(sims)


def _components(n: int, a: list[int], b: list[int]) -> npt.NDArray[np.int64]:
    """Connected components of an undirected graph: the smallest node of each one's."""
    parent = list(range(n))
    for x, y in zip(a, b, strict=True):
        while parent[x] != x:
            parent[x] = x = parent[parent[x]]
        while parent[y] != y:
            parent[y] = y = parent[parent[y]]
        if x != y:
            parent[max(x, y)] = min(x, y)
    out = np.array(parent, dtype=np.int64)
    while True:  # point every node at its root
        nxt = out[out]
        if np.array_equal(nxt, out):
            return out
        out = nxt


Heap = list[tuple[float, int, int, int, int]]  # (-average, lo, hi, ver[lo], ver[hi])


def _first_heap(
    ea: npt.NDArray[np.int64], eb: npt.NDArray[np.int64], sims: F64, threshold: float
) -> Heap:
    """The merge loops' first heap: every strong pair of single rows (their average is
    their similarity), versions 0."""
    first = np.flatnonzero(sims >= threshold)
    heap = [
        (-x, a, b, 0, 0)
        for a, b, x in zip(
            ea[first].tolist(), eb[first].tolist(), sims[first].tolist(), strict=True
        )
    ]
    heapq.heapify(heap)
    return heap


def _live_heap(heap: Heap, alive: list[bool], ver: list[int], pos: list[int]) -> Heap:
    """The entries of ``heap`` still current (both groups alive, at the versions pushed),
    with the groups renumbered by ``pos``: the heap of the groups left, in the same order."""
    out = [
        (v, pos[lo], pos[hi], wa, wb)
        for v, lo, hi, wa, wb in heap
        if alive[lo] and alive[hi] and ver[lo] == wa and ver[hi] == wb
    ]
    heapq.heapify(out)
    return out


def _merge_small(
    k: int, ea: npt.NDArray[np.int64], eb: npt.NDArray[np.int64], sims: F64, threshold: float
) -> list[int]:
    """``_merge_dense`` for a small component, in plain Python (numpy's per-call costs
    outweigh the work below some dozens of rows): each group's summed similarities in a
    dict, kept up to date on both sides.  The same sums (a missing cell is 0.0, and
    0.0 + x is x), the same averages (Python floats are float64; the sizes are exact) and
    the same heap entries, so the same pops.  Returns each row's merge parent."""
    rows: list[dict[int, float]] = [{} for _ in range(k)]
    for a, b, x in zip(ea.tolist(), eb.tolist(), sims.tolist(), strict=True):
        rows[a][b] = x
        rows[b][a] = x
    heap = _first_heap(ea, eb, sims, threshold)
    size = [1] * k
    ver = [0] * k
    alive = [True] * k
    parent = list(range(k))
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        _, a, b, va, vb = pop(heap)
        if not (alive[a] and alive[b]) or ver[a] != va or ver[b] != vb:
            continue
        na = rows[a]
        del na[b]
        for x, sim in rows[b].items():
            if x != a:
                na[x] = na.get(x, 0.0) + sim
        alive[b] = False
        parent[b] = a
        size[a] += size[b]
        ver[a] += 1
        sa = size[a]
        for x, sim in na.items():
            nx = rows[x]
            nx.pop(b, None)
            nx[a] = sim
            avg = sim / (sa * size[x])
            if avg >= threshold:
                lo, hi = (a, x) if a < x else (x, a)
                push(heap, (-avg, lo, hi, ver[lo], ver[hi]))
    return parent


def _merge_dense(
    k: int, ea: npt.NDArray[np.int64], eb: npt.NDArray[np.int64], sims: F64, threshold: float
) -> list[int]:
    """``average_link``'s merge loop over one component of ``k`` rows, with the summed
    similarities of the groups in a dense k x k float64 matrix (a row per group, kept
    symmetric): a merge is two vector additions instead of a Python pass over both groups'
    neighbours.  Same sums, same averages (float64, same operands) and the same pop order
    as the sparse loop.  Returns each row's merge parent (itself if never merged)."""
    s = np.zeros((k, k))
    s[ea, eb] = sims
    s[eb, ea] = sims
    heap = _first_heap(ea, eb, sims, threshold)
    parent = list(range(k))
    _dense_loop(s, np.ones(k), [0] * k, parent, heap, threshold)
    return parent


def _dense_loop(
    s: F64,
    size: F64,
    ver: list[int],
    parent: list[int],
    heap: Heap,
    threshold: float,
    orig: list[int] | None = None,
) -> None:
    """The merge loop of ``_merge_dense`` over the groups' summed similarities ``s`` (all
    groups alive; ``size`` as floats, exact integers; ``heap`` a heap), filling
    ``parent`` (indexed by ``orig[group]``, default the group itself).  A merged-away group
    gets size inf, so its stale cells average to 0 and are never pushed.

    When half the groups are gone, the matrix is cut down to the groups left (renumbered in
    order, so the heap's ties break alike; stale heap entries dropped): the same sums, over
    ever shorter rows.

    Only a merged row's nonzero cells are written back to its column and averaged: sums
    are of positive similarities, so a zero cell of the new row was zero in the old
    column too, and its average (0) is below any threshold.  Fewer scattered writes (a
    column of a row-major matrix touches one cache line per row), the same values."""
    k = len(size)
    orig = list(range(k)) if orig is None else orig
    alive = [True] * k
    nalive = k
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        _, a, b, va, vb = pop(heap)
        if not (alive[a] and alive[b]) or ver[a] != va or ver[b] != vb:
            continue
        row = s[a]
        row += s[b]
        row[a] = 0.0
        nz = (row > 0.0).nonzero()[0]  # faster than flatnonzero(row): SIMD on a bool mask
        vals = row[nz]
        s[nz, a] = vals
        alive[b] = False
        parent[orig[b]] = orig[a]
        size[a] += size[b]
        size[b] = np.inf
        ver[a] += 1
        vals /= size[nz] * size[a]  # the averages (a merged-away group's is 0)
        at = (vals >= threshold).nonzero()[0]
        hits = nz[at]
        for x, v in zip(hits.tolist(), vals[at].tolist(), strict=True):
            lo, hi = (a, x) if a < x else (x, a)
            push(heap, (-v, lo, hi, ver[lo], ver[hi]))
        nalive -= 1
        if nalive <= k // 2 and k >= _DENSE_COMPACT_MIN and heap:
            keep = [i for i in range(k) if alive[i]]
            pos = [-1] * k
            for j, i in enumerate(keep):
                pos[i] = j
            heap = _live_heap(heap, alive, ver, pos)
            ka = np.array(keep, dtype=np.int64)
            s = s[np.ix_(ka, ka)]
            size = size[ka]
            ver = [ver[i] for i in keep]
            orig = [orig[i] for i in keep]
            k = nalive
            alive = [True] * k


def _csr(
    k: int, ea: npt.NDArray[np.int64], eb: npt.NDArray[np.int64], sims: F64
) -> tuple[npt.NDArray[np.int64], F64, list[int]]:
    """The pairs as a symmetric CSR: row x's neighbours ``nbr[ptr[x]:ptr[x + 1]]`` (arrays:
    the dict loop reads only the rows it merges, often a few out of thousands)."""
    src = np.concatenate([ea, eb])
    order = np.argsort(src, kind="stable")
    nbr = np.concatenate([eb, ea])[order]
    val = np.concatenate([sims, sims])[order]
    ptr = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=k), out=ptr[1:])
    return nbr, val, ptr.tolist()


@dataclass
class _Groups:
    """The sparse merge loop's groups, handed to the dense loop (``_dense_handoff``)."""

    size: list[int]
    ver: list[int]
    alive: list[bool]
    parent: list[int]  # filled in place by the dense loop
    merged: dict[int, dict[int, float]]  # group -> its summed similarities


def _dense_handoff(
    pairs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], F64],
    threshold: float,
    heap: Heap,
    groups: _Groups,
) -> None:
    """The groups left by the sparse loop, renumbered in order, merge densely."""
    ea, eb, sims = pairs
    size, ver, alive, parent, merged = (
        groups.size, groups.ver, groups.alive, groups.parent, groups.merged
    )  # fmt: skip
    k = len(alive)
    left = np.flatnonzero(np.array(alive))
    m = len(left)
    pos = np.full(k, -1, dtype=np.int64)
    pos[left] = np.arange(m)
    s = np.zeros((m, m))
    pa, pb = pos[ea], pos[eb]
    both = (pa >= 0) & (pb >= 0)
    s[pa[both], pb[both]] = sims[both]
    s[pb[both], pa[both]] = sims[both]
    for grp, na in merged.items():
        g = int(pos[grp])
        row = s[g]
        row[:] = 0.0
        if na:
            xs = pos[np.fromiter(na.keys(), dtype=np.int64, count=len(na))]
            row[xs] = np.fromiter(na.values(), dtype=np.float64, count=len(na))
        s[:, g] = row
    lst = left.tolist()
    posl = pos.tolist()
    dheap = _live_heap(heap, alive, ver, posl)
    dsize = np.array([size[i] for i in lst], dtype=np.float64)
    _dense_loop(s, dsize, [ver[i] for i in lst], parent, dheap, threshold, orig=lst)


def _merge_sparse(
    k: int,
    ea: npt.NDArray[np.int64],
    eb: npt.NDArray[np.int64],
    sims: F64,
    threshold: float,
    dense_rows: int | None = None,
) -> list[int]:
    """``_merge_dense`` for components too big for a dense matrix: dict sums until the
    groups left fit in a dense matrix of ``_DENSE_MAX_ROWS``, then the dense loop over them
    (same sums: pairs no merge touched keep their similarity, a merged group's row is its
    dict; same pop order, as renumbering the groups left keeps their order).
    ``dense_rows``: that limit (default ``_DENSE_MAX_ROWS``; 0: the dict loop to the end).

    Only merged groups hold a dict of their summed similarities (kept up to date on both
    sides among them); a group no merge has touched reads its row from the pair arrays when
    it first merges, with the merged groups' sums in place of its original pairs."""
    dense_max = _DENSE_MAX_ROWS if dense_rows is None else dense_rows
    nbr, val, ptrl = _csr(k, ea, eb, sims)
    heap = _first_heap(ea, eb, sims, threshold)
    size = [1] * k
    ver = [0] * k
    alive = [True] * k
    parent = list(range(k))
    merged: dict[int, dict[int, float]] = {}  # group -> its summed similarities

    def row_of(x: int) -> dict[int, float]:
        got = merged.get(x)
        if got is not None:
            return got
        p, q = ptrl[x], ptrl[x + 1]
        out = {y: v for y, v in zip(nbr[p:q].tolist(), val[p:q].tolist(), strict=True) if alive[y]}
        for g, row in merged.items():
            v = row.get(x)
            if v is not None:
                out[g] = v
        return out

    nalive = k
    while heap and nalive > dense_max:
        _, a, b, va, vb = heapq.heappop(heap)
        if not (alive[a] and alive[b]) or ver[a] != va or ver[b] != vb:
            continue
        # merge b into a (entries are pushed as (smaller, larger))
        na = row_of(a)
        nb = row_of(b)
        merged.pop(b, None)
        merged[a] = na
        del na[b]
        for x, sim in nb.items():
            if x != a:
                na[x] = na.get(x, 0.0) + sim
        alive[b] = False
        for x, sim in na.items():  # the merged groups' side of the new sums
            nx = merged.get(x)
            if nx is not None:
                nx.pop(b, None)
                nx[a] = sim
        parent[b] = a
        size[a] += size[b]
        ver[a] += 1
        nalive -= 1
        sa = size[a]
        for x, sim in na.items():
            avg = sim / (sa * size[x])
            if avg >= threshold:
                lo, hi = (a, x) if a < x else (x, a)
                heapq.heappush(heap, (-avg, lo, hi, ver[lo], ver[hi]))
    if not heap:
        return parent
    _dense_handoff((ea, eb, sims), threshold, heap, _Groups(size, ver, alive, parent, merged))
    return parent


def average_link(
    rows: npt.NDArray[np.int64],
    terms: U32,
    weights: F32,
    n: int,
    threshold: float,
) -> npt.NDArray[np.int64]:
    """Average-link agglomerative clustering of ``n`` sparse vectors.

    The vectors are given as (row, term, weight) triples, each row L2-normalised already.
    Similarities are dot products over shared terms; terms shared by more than
    ``CONS_POSTING_MAX`` rows are left out of the dot products (weak, frequent terms; they
    stay in the norms), so the pair count stays near-linear; pairs below ``CONS_EDGE_MIN``
    count 0.  Two groups merge while the best average pairwise similarity (absent pairs
    count 0) reaches ``threshold``; ties break towards lower row numbers, so the result is
    deterministic.  Returns a label per row: the smallest row number in its group.

    An average reaches ``threshold`` only if one pair does, so groups never span two
    connected components of the graph of pairs >= ``threshold``: each component is
    clustered on its own, over its inner pairs only (weaker pairs to other components can
    never add up to a merge, unless float rounding lifts a sum of pairs that all lie within
    an ulp of ``threshold``), densely when it has at most ``_DENSE_MAX_ROWS`` rows."""
    return average_link_pairs(n, *pair_sims(rows, terms, weights, n), threshold)


def average_link_pairs(
    n: int,
    ea: npt.NDArray[np.int64],
    eb: npt.NDArray[np.int64],
    sims: F64,
    threshold: float,
) -> npt.NDArray[np.int64]:
    """``average_link`` of ``n`` rows given their pair similarities (``pair_sims``)."""
    labels = np.arange(n, dtype=np.int64)
    strong = sims >= threshold
    if not strong.any():
        return labels
    comp = _components(n, ea[strong].tolist(), eb[strong].tolist())
    inner = comp[ea] == comp[eb]
    ea, eb, sims = ea[inner], eb[inner], sims[inner]
    # rows of each component of two or more, in row order, and their local numbers
    members = np.flatnonzero(np.bincount(comp, minlength=n)[comp] >= 2)
    order = np.argsort(comp[members], kind="stable")
    members = members[order]
    mcomp = comp[members]
    cstarts = np.flatnonzero(np.concatenate(([True], mcomp[1:] != mcomp[:-1])))
    local = np.zeros(n, dtype=np.int64)
    local[members] = np.arange(len(members)) - np.repeat(
        cstarts, np.diff(np.append(cstarts, len(members)))
    )
    # the inner pairs of each component, in (a, b) order
    eorder = np.argsort(comp[ea], kind="stable")
    ea, eb, sims = ea[eorder], eb[eorder], sims[eorder]
    ecomp = comp[ea]
    bounds = np.searchsorted(ecomp, mcomp[cstarts])
    ends = np.append(bounds[1:], len(ea))
    mends = np.append(cstarts[1:], len(members))
    for ci in range(len(cstarts)):
        rows_c = members[cstarts[ci] : mends[ci]]
        k = len(rows_c)
        if k == 2:  # its one pair is a strong one: the two merge
            labels[rows_c[1]] = rows_c[0]
            continue
        s, e = int(bounds[ci]), int(ends[ci])
        if k <= _SMALL_MAX_ROWS:
            merge = _merge_small
        else:
            merge = _merge_dense if k <= _DENSE_MAX_ROWS else _merge_sparse
        parent = merge(k, local[ea[s:e]], local[eb[s:e]], sims[s:e], threshold)
        # follow merge pointers to the surviving (smallest) row
        for i in range(k):
            j = i
            while parent[j] != j:
                j = parent[j]
            parent[i] = j
        labels[rows_c] = rows_c[parent]
    return labels
