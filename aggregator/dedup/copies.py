"""Copy verification: is a candidate pair the same article (syndicated, spun, truncated)?

Pure functions over bottom-k sketches (``features``): ``is_copy`` for one pair and
``is_copy_batch``, the same rules vectorised over many stored rows (what the Deduper runs
on the candidates its fingerprint and band-key indexes return).  ``text_hash`` is the
exact-text identity.  Truncated copies are told by their opening (``opening_overlap``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aggregator.dedup import features as tf
from aggregator.dedup.features import U8, U32, Features
from aggregator.dedup.thresholds import (
    COPY_JACCARD,
    MIN_SET,
    MIN_TEXT_TOKENS,
    SPIN_MIN_SHINGLES,
    SPIN_SHINGLE_JACCARD,
    SPIN_SKELETON_JACCARD,
    TINY_JACCARD,
    TRUNC_CONTAINMENT,
    TRUNC_MIN_RATIO,
    TRUNC_MIN_SHINGLES,
    TRUNC_OPENING,
    TRUNC_OPENING_HEAD,
)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CopySketch:
    """What copy verification needs of one article (a view of ``Features`` or a stored row)."""

    sketch: U32
    pos: U8  # relative first-occurrence rank, 1/256 of nshingles
    nshingles: int
    skel: U32
    nskel: int
    ntokens: int
    opening: U32  # first distinct shingles, in order of occurrence

    @classmethod
    def of(cls, f: Features) -> CopySketch:
        return cls(f.sketch, f.sketch_pos, f.nshingles, f.skel, f.nskel, f.ntokens, f.opening)


def opening_overlap(short: U32, long_: U32) -> float:
    """Share of the shorter text's first ``TRUNC_OPENING_HEAD`` distinct shingles found among
    the longer text's opening shingles (0 when either has none): a copy cut to 30% keeps
    the opening, a different write-up sharing a passage starts otherwise."""
    head = short[:TRUNC_OPENING_HEAD]
    if not len(head) or not len(long_):
        return 0.0
    return float(np.isin(head, long_).sum()) / len(head)


def text_hash(text: str) -> str:
    """Hash of the normalised text (case, Unicode form, whitespace and punctuation folded)."""
    return tf.text_digest(tf.normalise(text)).hex()


def is_copy(a: CopySketch, b: CopySketch) -> tuple[bool, float]:
    """Verify a near-duplicate candidate pair from sketches; returns (decision, score)."""
    if min(a.ntokens, b.ntokens) < MIN_TEXT_TOKENS:
        return False, 0.0
    short, long_ = (a, b) if a.nshingles <= b.nshingles else (b, a)
    ns, nl = short.nshingles, long_.nshingles
    shared, union, in_short, cut = tf.sketch_overlap(short.sketch, ns, long_.sketch, nl)
    j_sh = shared / union if union else 0.0
    if ns < MIN_SET:
        return j_sh >= TINY_JACCARD, j_sh
    s2, u2, _, _ = tf.sketch_overlap(a.skel, a.nskel, b.skel, b.nskel)
    j_sk = s2 / u2 if u2 else 0.0
    score = j_sh + j_sk
    if j_sh >= COPY_JACCARD:
        return True, score
    if j_sk >= SPIN_SKELETON_JACCARD and j_sh >= SPIN_SHINGLE_JACCARD and ns >= SPIN_MIN_SHINGLES:
        return True, score
    if (
        ns < TRUNC_MIN_SHINGLES
        or ns < TRUNC_MIN_RATIO * nl
        or not in_short
        or shared < TRUNC_CONTAINMENT * in_short
    ):
        return False, score
    return opening_overlap(short.opening, long_.opening) >= TRUNC_OPENING, score


_MAX32 = np.uint32(0xFFFFFFFF)


def in_sorted(x: U32, ref: U32) -> npt.NDArray[np.bool_]:
    """``np.isin(x, ref)`` for a sorted ``ref`` (binary search; no sorting of ``x``)."""
    if len(ref) == 0:
        return np.zeros(x.shape, dtype=bool)
    idx = np.minimum(np.searchsorted(ref, x), len(ref) - 1)
    out: npt.NDArray[np.bool_] = ref[idx] == x
    return out


def _overlap_batch(
    q: U32, nq: int, rows: U32, k: I64, n: I64
) -> tuple[I64, I64, I64, U32, npt.NDArray[np.bool_]]:
    """``tf.sketch_overlap`` of one sketch against many stored ones (rows padded with
    0xFFFFFFFF past ``k``).  Returns shared, in_q, in_row, cut and the membership mask of
    row values in ``q`` (within the common range)."""
    cq = q[-1] if 0 < len(q) < nq else _MAX32
    last = rows[np.arange(len(rows)), np.maximum(k - 1, 0)]
    cr = np.where((k > 0) & (k < n), last, _MAX32)
    cut = np.minimum(cr, cq)
    valid = (np.arange(rows.shape[1]) < k[:, None]) & (rows <= cut[:, None])
    member = valid & in_sorted(rows, q)
    shared = member.sum(axis=1)
    in_r = valid.sum(axis=1)
    in_q = np.searchsorted(q, cut, side="right").astype(np.int64)
    return shared, in_q, in_r, cut, member


def _opening_batch(mine: U32, rows: U32, k: I64, me_short: npt.NDArray[np.bool_]) -> F64:
    """``opening_overlap`` of ``mine`` against each stored opening (``k`` valid values per
    row), the shorter text's head looked up in the longer one's opening."""
    h = TRUNC_OPENING_HEAD
    valid = np.arange(rows.shape[1]) < k[:, None]
    if not len(mine):
        return np.zeros(len(rows))
    # me the shorter: my head in each row's opening
    head = mine[:h]
    in_row = ((rows[:, None, :] == head[None, :, None]) & valid[:, None, :]).any(axis=2)
    mine_in = in_row.sum(axis=1) / len(head)
    # the row the shorter: its head in my opening
    rhead_valid = valid[:, :h]
    member = np.isin(rows[:, :h], mine) & rhead_valid
    nrh = rhead_valid.sum(axis=1)
    rows_in = np.where(nrh > 0, member.sum(axis=1) / np.maximum(nrh, 1), 0.0)
    out: F64 = np.where(me_short, mine_in, rows_in)
    return out


def is_copy_batch(
    me: CopySketch,
    sketch: U32,
    skel: U32,
    opening: U32,
    lens: I64,
    sizes: I64,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """``is_copy(me, row)`` for many stored rows at once (same rules, vectorised).
    ``lens`` = (sketch, skeleton, vector, opening) lengths, ``sizes`` = (nshingles, nskel,
    ntokens) per row."""
    nsh_r, nsk_r, ntok_r = sizes[:, 0], sizes[:, 1], sizes[:, 2]
    shared, in_q, in_r, _, _ = _overlap_batch(me.sketch, me.nshingles, sketch, lens[:, 0], nsh_r)
    union = in_q + in_r - shared
    j_sh = np.where(union > 0, shared / np.maximum(union, 1), 0.0)
    s2, q2, r2, _, _ = _overlap_batch(me.skel, me.nskel, skel, lens[:, 1], nsk_r)
    u2 = q2 + r2 - s2
    j_sk = np.where(u2 > 0, s2 / np.maximum(u2, 1), 0.0)
    me_short = me.nshingles <= nsh_r
    ns = np.where(me_short, me.nshingles, nsh_r)
    nl = np.where(me_short, nsh_r, me.nshingles)
    in_short = np.where(me_short, in_q, in_r)
    tiny = ns < MIN_SET
    ok = (j_sh >= COPY_JACCARD) | (
        (j_sk >= SPIN_SKELETON_JACCARD) & (j_sh >= SPIN_SHINGLE_JACCARD) & (ns >= SPIN_MIN_SHINGLES)
    )
    trunc = (
        ~ok
        & (ns >= TRUNC_MIN_SHINGLES)
        & (ns >= TRUNC_MIN_RATIO * nl)
        & (in_short > 0)
        & (shared >= TRUNC_CONTAINMENT * in_short)
    )
    if trunc.any():
        ok |= trunc & (_opening_batch(me.opening, opening, lens[:, 3], me_short) >= TRUNC_OPENING)
    ok = np.where(tiny, j_sh >= TINY_JACCARD, ok)
    ok &= np.minimum(ntok_r, me.ntokens) >= MIN_TEXT_TOKENS
    score = np.where(tiny, j_sh, j_sh + j_sk)
    return ok, score
