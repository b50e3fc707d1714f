"""Neighbour smoothing of the consolidation vectors equals a plain dense computation, and
lets two short reports of one event that share few words join through their neighbours."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.dedup.linkage import average_link
from aggregator.dedup.smoothing import nearest, smooth
from aggregator.dedup.thresholds import CONS_EDGE_MIN

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
