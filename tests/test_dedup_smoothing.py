"""Neighbour smoothing of the consolidation vectors equals a plain dense computation, and
lets two short reports of one event that share few words join through their neighbours."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.dedup import linkage
from aggregator.dedup.linkage import average_link
from aggregator.dedup.smoothing import nearest, smooth, smoothed_pairs
from aggregator.dedup.thresholds import CONS_EDGE_MIN, CONS_POSTING_MAX

Triples = tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32], npt.NDArray[np.float32]]


def triples(dense: npt.NDArray[np.float64]) -> Triples:
    dense = dense / np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-12)
    rows, terms = np.nonzero(dense)
    return rows.astype(np.int64), terms.astype(np.uint32), dense[rows, terms].astype(np.float32)


def dense_of(t: Triples, n: int, vocab: int) -> npt.NDArray[np.float64]:
    out = np.zeros((n, vocab))
    out[t[0], t[1].astype(np.int64)] = t[2]
    return out


def ref_smooth(
    v: npt.NDArray[np.float64], k: int, alpha: float, floor: float = 0.0
) -> npt.NDArray[np.float64]:
    """The definition: every row plus alpha x similarity x each of its k most similar other
    rows (similarity >= CONS_EDGE_MIN; ties towards the lower row), normalised; with a
    floor, smaller neighbour terms and smaller smoothed weights are left out (k or alpha
    0: smoothing is off, the input comes back)."""
    if k == 0 or alpha == 0:
        return v
    s = v @ v.T
    out = v.copy()
    for i in range(len(v)):
        cand = [(-s[i, j], j) for j in range(len(v)) if j != i and s[i, j] >= CONS_EDGE_MIN]
        for neg, j in sorted(cand)[:k]:
            add = alpha * -neg * v[j]
            out[i] += np.where(add >= floor, add, 0.0)
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    out = np.where(norm > 0, out / np.maximum(norm, 1e-12), 0.0)
    return np.where(out >= floor, out, 0.0) if floor > 0 else out


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
    k=st.integers(0, 6),
    alpha=st.sampled_from([0.0, 0.5, 1.0, 1.5]),
    density=st.sampled_from([0.05, 0.2, 0.5]),
    floor=st.sampled_from([0.0, 0.02, 0.1]),
)
def test_smoothing_equals_the_dense_definition(
    seed: int, n: int, k: int, alpha: float, density: float, floor: float
) -> None:
    rng = np.random.default_rng(seed)
    vocab = 30
    dense = rng.random((n, vocab)) ** 3 * (rng.random((n, vocab)) < density)
    t = triples(dense)
    got = smooth(*t, n, k, alpha, floor)
    want = ref_smooth(dense_of(t, n, vocab), k, alpha, floor)
    assert np.allclose(dense_of(got, n, vocab), want, atol=2e-3)
    # rows in order, each term once per row
    key = got[0] * vocab + got[1].astype(np.int64)
    assert (np.diff(key) > 0).all()


def test_neighbours_are_ranked_by_similarity_with_ties_to_the_lower_row() -> None:
    v = np.array([[1.0, 0, 0], [1.0, 0, 0], [1.0, 0, 0], [0.6, 0.8, 0], [0, 0, 1.0]])
    a, b, s = nearest(*triples(v), len(v), 2)
    got = {i: b[a == i].tolist() for i in range(len(v))}
    assert got == {0: [1, 2], 1: [0, 2], 2: [0, 1], 3: [0, 1], 4: []}
    assert np.allclose(s[a == 3], [0.6, 0.6])


def test_two_reports_that_share_one_word_join_through_their_neighbours() -> None:
    # terms: 0-1 the event's own words in long reports, 2 and 3 each short report's own
    # wording, 4-6 another event's words
    v = np.array(
        [
            [1.0, 1.0, 0.3, 0.3, 0.0, 0.0, 0.0],  # a long report: both wordings
            [1.0, 0.8, 0.3, 0.2, 0.0, 0.0, 0.0],  # another long report
            [0.5, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],  # short report, one wording
            [0.0, 0.5, 0.0, 1.0, 0.0, 0.0, 0.0],  # short report, the other wording
            [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0],  # another event
            [0.0, 0.0, 0.0, 0.0, 1.0, 0.9, 1.0],
        ]
    )
    t = triples(v)
    plain = average_link(*t, len(v), 0.4)
    smoothed = average_link(*smooth(*t, len(v), 2, 1.0), len(v), 0.4)
    assert len(set(plain[:4].tolist())) > 1  # unsmoothed, the short reports stay apart
    assert len(set(smoothed[:4].tolist())) == 1  # smoothed, the event is one group
    assert set(smoothed[4:].tolist()) == {4}  # and the other event stays apart


# ---- the fast paths give the plain arithmetic bit for bit -------------------------------------


def plain_pair_sums(t: Triples, n: int) -> dict[tuple[int, int], float]:
    """Every pair's dot product over shared terms (posting lists of 2 to CONS_POSTING_MAX
    rows), float32 products summed in float64 in term order."""
    rows, terms, w = t
    order = np.lexsort((rows, terms))
    sums: dict[tuple[int, int], float] = {}
    for term in np.unique(terms).tolist():
        idx = order[terms[order] == term]
        if not 2 <= len(idx) <= CONS_POSTING_MAX:
            continue
        for i, x in enumerate(idx.tolist()):
            for y in idx[i + 1 :].tolist():
                key = (int(rows[x]), int(rows[y]))
                sums[key] = sums.get(key, 0.0) + float(w[x] * w[y])
    return sums


def plain_smooth(t: Triples, n: int, k: int, alpha: float, floor: float) -> Triples:
    """``smooth`` stated plainly: neighbours ranked by similarity to 2^-28 (ties to the lower
    row); per row and term the float64 values in order (its own weight, then each
    neighbour's addition by rank), summed as ``np.add.reduceat`` does for a short segment
    (the first value plus the sum of the others from 0.0); normalised by the root of the
    squares summed in term order."""
    rows, terms, w = t
    sims = {p: v for p, v in plain_pair_sums(t, n).items() if v >= CONS_EDGE_MIN}
    nbrs: dict[int, list[tuple[int, int]]] = {i: [] for i in range(n)}
    for (a, b), v in sims.items():
        q = int(min(np.round(v * 2.0**28), 2.0**30 - 1))
        nbrs[a].append((-q, b))
        nbrs[b].append((-q, a))
    entries: dict[int, list[tuple[int, float]]] = {i: [] for i in range(n)}
    for r, term, x in zip(rows.tolist(), terms.tolist(), w.tolist(), strict=True):
        entries[r].append((term, x))
    out_r, out_t, out_w = [], [], []
    for i in range(n):
        vals: dict[int, list[float]] = {term: [x] for term, x in entries[i]}
        for negq, j in sorted(nbrs[i])[:k]:
            s = float(np.float32(-negq / 2.0**28))
            for term, x in entries[j]:
                add = x * (alpha * s)
                if add >= floor:
                    vals.setdefault(term, []).append(add)
        cells = []
        for term, xs in sorted(vals.items()):
            rest = 0.0
            for x in xs[1:]:
                rest += x
            cells.append((term, xs[0] + rest if len(xs) > 1 else xs[0]))
        sq = 0.0
        for _, x in cells:
            sq += x**2
        norm = max(float(np.sqrt(sq)), 1e-12)
        for term, x in cells:
            y = np.float32(x / norm)
            if floor <= 0 or y >= floor:
                out_r.append(i)
                out_t.append(term)
                out_w.append(y)
    return (
        np.array(out_r, dtype=np.int64),
        np.array(out_t, dtype=np.uint32),
        np.array(out_w, dtype=np.float32),
    )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 60),
    block=st.sampled_from([1, 7, 64, 1 << 17]),
    density=st.sampled_from([0.05, 0.2, 0.6]),
    coarse=st.booleans(),
)
def test_pair_sums_block_by_block_equal_the_plain_sums(
    seed: int, n: int, block: int, density: float, coarse: bool
) -> None:
    """Pairs generated and summed one dense block at a time (blocks of one row up to all):
    the same pairs and the same float64 sums, bit for bit."""
    rng = np.random.default_rng(seed)
    dense = rng.random((n, 25)) ** 3 * (rng.random((n, 25)) < density)
    if coarse:  # many exactly equal products
        dense = np.round(dense * 4) / 4
    t = triples(dense)
    saved = linkage._SIM_BLOCK_CELLS
    linkage._SIM_BLOCK_CELLS = block
    try:
        ea, eb, sims = linkage.pair_sims(*t, n)
    finally:
        linkage._SIM_BLOCK_CELLS = saved
    want = {p: v for p, v in plain_pair_sums(t, n).items() if v >= CONS_EDGE_MIN}
    assert list(zip(ea.tolist(), eb.tolist(), strict=True)) == sorted(want)
    assert sims.tolist() == [want[p] for p in sorted(want)]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
    k=st.integers(1, 6),
    alpha=st.sampled_from([0.5, 1.0, 1.5]),
    density=st.sampled_from([0.05, 0.2, 0.5]),
    floor=st.sampled_from([0.0, 0.02, 0.1]),
)
def test_smoothing_gives_the_plain_sums_bit_for_bit(
    seed: int, n: int, k: int, alpha: float, density: float, floor: float
) -> None:
    rng = np.random.default_rng(seed)
    dense = rng.random((n, 30)) ** 3 * (rng.random((n, 30)) < density)
    t = triples(dense)
    got = smooth(*t, n, k, alpha, floor)
    want = plain_smooth(t, n, k, alpha, floor)
    for g, x in zip(got, want, strict=True):
        assert g.tolist() == x.tolist()


def test_smoothing_with_cells_too_wide_for_uint32_equals_the_narrow_path() -> None:
    """Row numbers spread out to 2^22 and 2,000 distinct terms (cells need 33 bits: the
    uint64 path and the indirect sort): the same vectors as the same rows numbered 0..n-1
    (the order of rows, hence every tie, is kept)."""
    rng = np.random.default_rng(5)
    n, private = 40, 50
    shared = rng.random((n, 30)) ** 3 * (rng.random((n, 30)) < 0.3)
    own = np.zeros((n, n * private))
    for i in range(n):  # terms of one row only, so that there are many distinct terms
        own[i, i * private : (i + 1) * private] = rng.random(private) * 0.1
    t = triples(np.hstack((shared, own)))
    spread = 2**22 // n
    narrow = smooth(*t, n, 3, 1.5, 0.02)
    wide = smooth(t[0] * spread, t[1], t[2], 2**22, 3, 1.5, 0.02)
    assert (wide[0] // spread).tolist() == narrow[0].tolist()
    assert wide[1].tolist() == narrow[1].tolist()
    assert wide[2].tolist() == narrow[2].tolist()


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
    k=st.integers(0, 6),
    alpha=st.sampled_from([0.0, 0.5, 1.5]),
    density=st.sampled_from([0.05, 0.2, 0.5]),
    floor=st.sampled_from([0.0, 0.02, 0.1]),
    spread=st.sampled_from([1, 2**22 // 40]),
)
def test_smoothed_pairs_equal_the_pairs_of_the_smoothed_vectors(
    seed: int, n: int, k: int, alpha: float, density: float, floor: float, spread: int
) -> None:
    """``smoothed_pairs`` (one key per entry, or term numbers when cells need more than 32
    bits: rows spread out to 2^22) gives ``pair_sims`` of ``smooth``'s output bit for bit."""
    rng = np.random.default_rng(seed)
    dense = rng.random((n, 30)) ** 3 * (rng.random((n, 30)) < density)
    rows, terms, w = triples(dense)
    if spread > 1:  # many distinct terms too, so that cells need more than 32 bits
        private = np.arange(len(rows), dtype=np.uint32) + 1000
        rows, terms, w = np.repeat(rows, 2), np.stack((terms, private), 1).ravel(), np.repeat(w, 2)
        w = w / np.sqrt(np.bincount(rows, weights=w.astype(np.float64) ** 2))[rows]
        w = w.astype(np.float32)
    m = n * spread
    got = smoothed_pairs(rows * spread, terms, w, m, k, alpha, floor)
    want = linkage.pair_sims(*smooth(rows * spread, terms, w, m, k, alpha, floor), m)
    for g, x in zip(got, want, strict=True):
        assert g.dtype == x.dtype
        assert g.tolist() == x.tolist()
