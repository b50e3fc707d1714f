"""Duplicate collapse and story grouping, online, in arrival order, in bounded memory.

Three layers, each a pure decision over stored sketches (no raw text is kept):

1. **Exact identity**: canonical URL (scheme/host case, ``www.``, default ports, fragments and
   tracking parameters removed, query sorted) and a hash of the normalised text, both kept as
   64-bit hashes and looked up through the candidate index.
2. **Syndicated copies**: candidates come from one exact-key ``KeyIndex`` over MinHash-LSH
   band keys (``LSH_BANDS`` x ``LSH_ROWS``, one-permutation hashing of word 3-shingles +
   function-word skeleton 6-grams), which catches spun, truncated and re-ordered copies.
   The index is a sorted uint32 key array + a directory on the top key bits + a small
   pending dict, so lookup cost does not grow with the window.  Candidates are verified
   (``is_copy``) from bottom-k sketches: word 3-shingle Jaccard, or for synonym-spun copies
   skeleton Jaccard (spinners swap content words one for one and leave function words
   alone), or for truncated copies containment *within the opening* of the longer text (an
   article that quotes a passage from the middle of another is not a copy).
3. **Stories**: a non-duplicate article joins the story whose TF-IDF centroid (IDF from
   time-decayed online document counts; names and numbers boosted; title words included) is
   most similar, if the cosine reaches ``STORY_MIN_COSINE`` and the story was active within
   ``story_window``; else it starts a story named after itself.
   Candidate stories come from a second ``KeyIndex`` over each article's top terms.  Copies
   join their canonical's story and do not move centroids.

Memory (the daemon keeps 7 days, 100k+ articles): everything per article lives in columns
(numpy arrays grown by 1.25x): time, sizes, the shingle sketch with first-occurrence
ranks, the skeleton sketch, the top story terms with float16 weights,
the URL and text hashes; index keys are uint32.  Python objects per article are only its id
string and list/dict slots.  Document frequencies live in a fixed count-min table with
exponential time decay (no per-article term lists to subtract on eviction).  ``evict`` is a
vectorised scan over the time column; when dead rows outnumber live ones the columns and
indexes are compacted (slots renumbered), so memory follows the window, not the uptime.

Canonical rule: ``duplicate_of`` is the *family root*, the first article of the copy family
seen inside the window.  It is never re-pointed and never a chain (a copy of a copy points to
the root, even after the root itself left the window), so a ``duplicate_of`` already returned
and stored never changes.  Which member is *displayed* (a ``prefer`` feed's original, then
any original, then the most complete text, then the earliest) is the digest's choice
(``aggregator.digest``), not made here.  ``DedupItem.prefer`` and ``source`` do not
influence any decision here.

Persistence: ``snapshot(id)`` is ~1.6 KB per article (sketches, band keys, story vector and
the article's term hashes for document frequencies); ``restore`` appends rows and stages
index keys, which the next ``add``/``evict`` indexes in bulk, so a restart with 100k
articles takes seconds.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import math
import struct
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from aggregator.dedup import features as tf
from aggregator.dedup.features import F32, U8, U32, Features
from aggregator.urls import url_identity

log = logging.getLogger(__name__)

I32 = npt.NDArray[np.int32]
F16 = npt.NDArray[np.float16]
F64 = npt.NDArray[np.float64]

# ---- thresholds -----------------------------------------------------------------------------
# Tuned on ../shared/data/dedup/ecbplus-syndication.jsonl.gz (grid over candidate pairs, all
# 30 topics, reported separately for topics 1-15 and 16-30 by bench/dedup_eval.py).  The gold
# families there merge originals whose word 3-shingle Jaccard is >= ~0.5 and keep apart
# originals that merely contain a long passage of one another, hence a Jaccard rule plus
# two narrower rules for spun and truncated copies.  With sketches (textfeatures.SKETCH_K)
# the same thresholds stay best: re-checked on the whole set after the switch (grid:
# SPIN_SKELETON_JACCARD 0.55/0.57 -> P 0.985, COPY_JACCARD 0.47 -> P 0.972, TRUNC_CONTAINMENT
# 0.72 -> no gain, an extra "shingle + skeleton Jaccard >= 1.0/1.05" rule -> P 0.972/0.985).
COPY_JACCARD = 0.50  # word 3-shingle Jaccard that alone makes a copy
SPIN_SKELETON_JACCARD = 0.60  # skeleton 6-gram Jaccard for a synonym-spun copy ...
SPIN_SHINGLE_JACCARD = 0.20  # ... with at least this word 3-shingle Jaccard ...
SPIN_MIN_SHINGLES = 30  # ... and both texts this long (short skeletons are generic)
TRUNC_CONTAINMENT = 0.75  # truncated copy: containment of the shorter in the longer ...
TRUNC_PREFIX = 0.75  # ... mostly within the longer text's opening (prefix coverage) ...
TRUNC_MIN_RATIO = 0.45  # ... and at least this length ratio (quotes of a passage are shorter)
MIN_TEXT_TOKENS = 5  # shorter texts (empty teasers, "Video") only match by URL
MIN_SET = 8  # below this many shingles only a near-exact match (TINY_JACCARD) counts
TINY_JACCARD = 0.8
# Story thresholds: tuned on ../shared/data/dedup/ecbplus-stories.jsonl.gz topics 1-15, file
# order and shuffled (bench/dedup_eval.py reports 16-30 as held out).  Grid, mean F1 of the
# two orders on topics 1-15: STORY_MIN_COSINE 0.15/0.20/0.25/0.30 -> 0.80/0.85/0.77/0.67;
# ENTITY_BOOST 3 > 5 > 8; IDF_PRIOR_DOCS 5..300 and STORY_TERMS 16..48 within +-0.02.  A
# second check on names/numbers (cosine over detail terms >= 0.1..0.4) and a stricter
# threshold against one-member stories (0.25..0.40) did not raise F1 (ECB+ has no dates).
STORY_MIN_COSINE = 0.20
IDF_PRIOR_DOCS = 20  # pseudo-documents without the term: keeps IDF sane while the window fills
DF_TABLE_BITS = 20  # count-min table of document frequencies: 2^20 float32 = 4 MB fixed
STORY_QUERY_TERMS = 15  # top tf-idf terms of an article indexed / used to find stories
STORY_CANDIDATES = 12  # stories scored exactly per article
STORY_TERMS = 24  # terms kept per article vector (float16 weights)
# Story consolidation (``Deduper.consolidate``): average-link clustering of the story window's
# articles, re-run over the neighbourhood of newly arrived ones, corrects the greedy online
# assignment (which can never undo an early wrong join).  Tuned on ecbplus-stories topics
# 1-15 (bench/dedup_eval.py reports 16-30 as held out).  Batch average-link over full
# vectors first: IDF power 1 / 1.5 / 2 -> F1 0.904 / 0.920 / 0.918 on 1-15, but 0.872 /
# 0.893 / 0.905 on 16-30 with precision 0.88 / 0.89 / 0.95: squaring the IDF separates two
# events of one subject, whose shared subject words are a little more frequent than each
# event's own.  Terms found in no other document only dilute the cosine and are dropped
# (min df 2: F1 0.85 -> 0.89 at IDF power 1; min df 3 and power 2.5 were worse).  Then in
# the Deduper (vectors truncated at arrival, both arrival orders): CONS_TERMS 48 / 64 / 96 /
# 200 -> best tuning-half F1 0.895 / 0.906 / 0.915 / 0.913; threshold 0.15 / 0.155 / 0.16 /
# 0.165 -> 0.905 / 0.915 / 0.908 / 0.877 (96 terms).
CONS_TERMS = 96  # terms per article (uint32 + float16: 576 bytes a row)
CONS_IDF_POWER = 2.0
# below this many documents (time-weighted) in the window, keeping only shared terms makes
# any two articles look alike: no consolidation until the window holds enough
CONS_MIN_DOCS = 50
CONS_MIN_DF = 2.0  # document frequency (incl. the article itself) for a term to count
CONS_MIN_SIMILARITY = 0.155  # average-link threshold (average pairwise cosine of two groups)
CONS_EDGE_MIN = 0.02  # weaker pairs count as 0: F1 unchanged on ecbplus-stories (0.04: -0.002)
# shared top terms that put an earlier article in the re-clustered area; consolidating every
# 50 articles (ecbplus-stories, file order) 1 -> F1 0.892, 2 -> 0.802 (too narrow an area)
CONS_NEIGHBOUR_HITS = 1
CONS_POSTING_MAX = 64  # a term shared by more articles than this adds no candidate pairs
# average_link internals (speed and memory only; the labels do not depend on them)
_SIM_BLOCK_CELLS = 1 << 17  # pair sums accumulate in dense blocks of this many float64
_DENSE_MAX_ROWS = 2896  # a component up to this size merges in a dense float64 matrix (64 MiB)
CENTROID_TERMS = 48  # terms kept per multi-member story centroid
POSTING_CAP = 32  # most recent articles kept per term in the story index
KEY_CAP = 8  # most recent entries examined per copy-index key
# LSH band keys a candidate must share before it is verified; ecbplus-syndication (all):
# 1 -> R 0.897, 2 -> R 0.894 (trunc60 0.964), 3 -> R 0.890, precision 0.995 throughout
MIN_BAND_HITS = 1
PENDING_MAX = 32768  # index keys held in the pending dict before a merge (~1k articles)


@dataclass(frozen=True)
class DedupItem:
    id: str
    text: str
    title: str = ""
    url: str | None = None
    published: float | None = None  # unix seconds; None = arrival time `now`
    source: str | None = None  # outlet / feed id
    prefer: bool = False  # from the feed config


@dataclass(frozen=True)
class DedupResult:
    id: str
    duplicate_of: str | None  # the family root (never a chain)
    story: str  # story id (the article id that started the story)
    reason: str  # "exact-url", "exact-text", "near-dup", "story", "new"


@dataclass(frozen=True)
class CopySketch:
    """What copy verification needs of one article (a view of ``Features`` or a stored row)."""

    sketch: U32
    pos: U8  # relative first-occurrence rank, 1/256 of nshingles
    nshingles: int
    skel: U32
    nskel: int
    ntokens: int

    @classmethod
    def of(cls, f: Features) -> CopySketch:
        return cls(f.sketch, f.sketch_pos, f.nshingles, f.skel, f.nskel, f.ntokens)


# ---- pure helpers ---------------------------------------------------------------------------


def text_hash(text: str) -> str:
    """Hash of the normalised text (case, Unicode form, whitespace and punctuation folded)."""
    return tf.text_digest(tf.normalise(text)).hex()


def _h64(data: bytes) -> int:
    """Non-zero 64-bit identity hash (0 marks "none" in the columns)."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little") | 1


def _key32(h: int, salt: int) -> int:
    """32-bit index key of a 64-bit identity hash (salted per kind)."""
    return ((h ^ salt) * 0x9E3779B97F4A7C15 >> 32) & 0xFFFFFFFF


_URL_SALT = 0x55524C


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
    if ns < TRUNC_MIN_RATIO * nl or not in_short or shared < TRUNC_CONTAINMENT * in_short:
        return False, score
    # prefix coverage: of the longer text's first ns distinct shingles (sampled within the
    # common hash range), the share that the shorter text has
    head = long_.sketch[(long_.sketch <= cut) & (long_.pos < 256 * ns // nl)]
    if len(head) == 0:
        return False, score
    s_in = short.sketch[short.sketch <= cut]
    cov = len(np.intersect1d(head, s_in, assume_unique=True)) / len(head)
    return cov >= TRUNC_PREFIX, score


_MAX32 = np.uint32(0xFFFFFFFF)


def in_sorted(x: npt.NDArray[Any], ref: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """``np.isin(x, ref)`` for a sorted ``ref`` (binary search; no sorting of ``x``)."""
    if len(ref) == 0:
        return np.zeros(x.shape, dtype=bool)
    idx = np.minimum(np.searchsorted(ref, x), len(ref) - 1)
    out: npt.NDArray[np.bool_] = ref[idx] == x
    return out


def _overlap_batch(
    q: U32, nq: int, rows: U32, k: npt.NDArray[np.int64], n: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], U32, Any]:
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


def is_copy_batch(
    me: CopySketch,
    sketch: U32,
    pos: U8,
    skel: U32,
    lens: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """``is_copy(me, row)`` for many stored rows at once (same rules, vectorised).
    ``lens`` = (sketch, skeleton) lengths, ``sizes`` = (nshingles, nskel, ntokens) per row."""
    m = len(sketch)
    nsh_r, nsk_r, ntok_r = sizes[:, 0], sizes[:, 1], sizes[:, 2]
    shared, in_q, in_r, cut, member = _overlap_batch(
        me.sketch, me.nshingles, sketch, lens[:, 0], nsh_r
    )
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
        & (ns >= TRUNC_MIN_RATIO * nl)
        & (in_short > 0)
        & (shared >= TRUNC_CONTAINMENT * in_short)
    )
    if trunc.any():
        thr = 256 * ns // np.maximum(nl, 1)
        cov = np.zeros(m)
        for i in np.flatnonzero(trunc).tolist():
            c = cut[i]
            if me_short[i]:  # the stored row is the longer text
                head_mask = (np.arange(sketch.shape[1]) < lens[i, 0]) & (sketch[i] <= c)
                head_mask &= pos[i] < thr[i]
                nh = int(head_mask.sum())
                cov[i] = (member[i] & head_mask).sum() / nh if nh else 0.0
            else:
                head = me.sketch[(me.sketch <= c) & (me.pos < thr[i])]
                if len(head):
                    r = sketch[i, : lens[i, 0]]
                    cov[i] = in_sorted(head, r[r <= c]).sum() / len(head)
        ok |= trunc & (cov >= TRUNC_PREFIX)
    ok = np.where(tiny, j_sh >= TINY_JACCARD, ok)
    ok &= np.minimum(ntok_r, me.ntokens) >= MIN_TEXT_TOKENS
    score = np.where(tiny, j_sh, j_sh + j_sk)
    return ok, score


def _pair_sims(
    rows: npt.NDArray[np.int64], terms: U32, weights: F32, n: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Sparse similarities of ``average_link``'s rows (a term at most once per row): the
    pairs (a < b) whose dot product over shared terms (posting lists of 2 to
    ``CONS_POSTING_MAX`` rows) reaches ``CONS_EDGE_MIN``, sorted by (a, b).

    A pair's products are summed in float64 in term order.  The pairs are generated
    band by band of ``a`` (the posting entries, not the pairs, are sorted by band) and each
    band is summed into a dense block of ``_SIM_BLOCK_CELLS`` cells: no sort of the pairs."""
    empty = np.zeros(0, dtype=np.int64)
    if n < 2 or len(rows) == 0:
        return empty, empty, np.zeros(0)
    order = np.lexsort((rows, terms))
    r, t, w = rows[order], terms[order], weights[order]
    starts = np.flatnonzero(np.concatenate(([True], t[1:] != t[:-1])))
    sizes = np.diff(np.append(starts, len(t)))
    ok = (sizes >= 2) & (sizes <= CONS_POSTING_MAX)
    # each entry of a kept posting list pairs with the entries after it (higher rows)
    keep = np.repeat(ok, sizes)
    entry = np.flatnonzero(keep)
    cnt = np.repeat(starts + sizes, sizes)[keep] - entry - 1
    per = max(1, _SIM_BLOCK_CELLS // n)  # rows `a` per dense block
    nblk = (n - 1) // per + 1
    band = r[entry] // per
    total = int(cnt.sum())
    if total == 0:
        return empty, empty, np.zeros(0)
    bounds = np.zeros(nblk + 1, dtype=np.int64)
    np.cumsum(np.bincount(band, weights=cnt, minlength=nblk).astype(np.int64), out=bounds[1:])
    if nblk > 1:  # stable: within a band, entries stay in term order
        o = np.argsort(band.astype(np.uint8 if nblk <= 256 else np.int32), kind="stable")
        entry, cnt = entry[o], cnt[o]
    first = np.repeat(entry, cnt)
    second = first + (np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt) + 1)
    lo, hi = r[first], r[second]
    prod = (w[first] * w[second]).astype(np.float64)
    del first, second
    ea, eb, sims = [], [], []
    for b, (s, e) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)):
        if s == e:
            continue
        a0 = b * per
        acc = np.bincount(
            (lo[s:e] - a0) * n + hi[s:e], weights=prod[s:e], minlength=min(per, n - a0) * n
        )
        nz = np.flatnonzero(acc >= CONS_EDGE_MIN)
        ea.append(nz // n + a0)
        eb.append(nz % n)
        sims.append(acc[nz])
    if not ea:
        return empty, empty, np.zeros(0)
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
    # group sizes as floats (exact integers): a merged-away group gets inf, so its stale
    # cells average to 0 and are never pushed
    size = np.ones(k)
    ver = [0] * k
    alive = [True] * k
    parent = list(range(k))
    first = np.flatnonzero(sims >= threshold)
    heap = [
        (-x, a, b, 0, 0)
        for a, b, x in zip(
            ea[first].tolist(), eb[first].tolist(), sims[first].tolist(), strict=True
        )
    ]
    heapq.heapify(heap)
    while heap:
        _, a, b, va, vb = heapq.heappop(heap)
        if not (alive[a] and alive[b]) or ver[a] != va or ver[b] != vb:
            continue
        row = s[a]
        row += s[b]
        row[a] = 0.0
        s[:, a] = row
        alive[b] = False
        parent[b] = a
        size[a] += size[b]
        size[b] = np.inf
        ver[a] += 1
        avg = row / (size[a] * size)
        hits = np.flatnonzero(avg >= threshold)
        for x, v in zip(hits.tolist(), avg[hits].tolist(), strict=True):
            lo, hi = (a, x) if a < x else (x, a)
            heapq.heappush(heap, (-v, lo, hi, ver[lo], ver[hi]))
    return parent


def _merge_sparse(
    k: int, ea: npt.NDArray[np.int64], eb: npt.NDArray[np.int64], sims: F64, threshold: float
) -> list[int]:
    """``_merge_dense`` for components too big for a dense matrix: dict-of-dicts sums."""
    adj: list[dict[int, float]] = [{} for _ in range(k)]
    heap: list[tuple[float, int, int, int, int]] = []
    for a, b, sim in zip(ea.tolist(), eb.tolist(), sims.tolist(), strict=True):
        adj[a][b] = adj[b][a] = sim
        if sim >= threshold:  # single rows: the average is the similarity
            heap.append((-sim, a, b, 0, 0))
    heapq.heapify(heap)
    size = [1] * k
    ver = [0] * k
    alive = [True] * k
    parent = list(range(k))
    while heap:
        _, a, b, va, vb = heapq.heappop(heap)
        if not (alive[a] and alive[b]) or ver[a] != va or ver[b] != vb:
            continue
        # merge b into a (entries are pushed as (smaller, larger))
        na = adj[a]
        del na[b]
        for x, sim in adj[b].items():
            if x == a:
                continue
            nx = adj[x]
            del nx[b]
            s2 = na.get(x, 0.0) + sim
            na[x] = nx[a] = s2
        adj[b] = {}
        alive[b] = False
        parent[b] = a
        size[a] += size[b]
        ver[a] += 1
        sa = size[a]
        for x, sim in na.items():
            avg = sim / (sa * size[x])
            if avg >= threshold:
                lo, hi = (a, x) if a < x else (x, a)
                heapq.heappush(heap, (-avg, lo, hi, ver[lo], ver[hi]))
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
    labels = np.arange(n, dtype=np.int64)
    ea, eb, sims = _pair_sims(rows, terms, weights, n)
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
        s, e = int(bounds[ci]), int(ends[ci])
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


# ---- index ----------------------------------------------------------------------------------


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
        self._set(keys, slots, trim=over)

    def remap(self, new_slot: I32) -> None:
        """Renumber slots (``new_slot[old]``, -1 = dropped); order within a key is kept."""
        self.merge()
        s = new_slot[self.slots]
        keep = s >= 0
        self._set(self.keys[keep], s[keep])

    def _set(self, keys: U32, slots: I32, trim: bool = True) -> None:
        n = len(keys)
        if trim and n > self.cap:
            # keep the `cap` newest slots of each key (runs are sorted by slot): an entry
            # goes when the entry `cap` places further on still has its key
            drop = keys[: n - self.cap] == keys[self.cap :]
            if drop.any():
                keep = np.ones(n, dtype=bool)
                keep[: n - self.cap] = ~drop
                keys, slots = keys[keep], slots[keep]
        bits = max(8, min(30, int(np.log2(max(len(keys), 1) / 4)) if len(keys) else 8))
        self.shift = np.uint32(32 - bits)
        # directory: where each top-bits bucket starts in the sorted keys
        starts = (np.arange(1 << bits, dtype=np.uint64) << np.uint64(32 - bits)).astype(np.uint32)
        d = np.empty((1 << bits) + 1, dtype=np.int64)
        d[:-1] = np.searchsorted(keys, starts)
        d[-1] = len(keys)
        self.dir = d
        self.keys, self.slots = keys, slots

    def _merged_hits(
        self, keys: Sequence[int]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None:
        """(position in ``keys``, slot) of the merged (sorted) part's hits, row-major."""
        if not (len(self.keys) and len(keys)):
            return None
        q = np.array(keys, dtype=np.uint32)
        top = (q >> self.shift).astype(np.int64)
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

    def query(self, keys: Sequence[int]) -> list[int]:
        """Slots stored under any of ``keys`` (a slot once per key it matches)."""
        out: list[int] = []
        cap = self.cap
        pending = self.pending
        for k in keys:
            p = pending.get(k)
            if p:
                out.extend(p[-cap:])
        merged = self._merged_hits(keys)
        if merged is not None:
            out.extend(merged[1].tolist())
        return out


# ---- state ----------------------------------------------------------------------------------


class _Cols:
    """Per-article columns, grown by doubling; row = slot."""

    def __init__(self, cap: int = 1024) -> None:
        k, k2 = tf.SKETCH_K, tf.SKEL_K
        self.n = 0
        self.time = np.zeros(cap, dtype=np.float64)
        self.alive = np.zeros(cap, dtype=bool)
        self.is_root = np.zeros(cap, dtype=bool)
        self.urlh = np.zeros(cap, dtype=np.uint64)
        self.thash = np.zeros(cap, dtype=np.uint64)
        self.sizes = np.zeros((cap, 3), dtype=np.int32)  # nshingles, nskel, ntokens
        self.lens = np.zeros((cap, 3), dtype=np.uint8)  # sketch, skel, vector lengths
        self.sketch = np.zeros((cap, k), dtype=np.uint32)
        self.pos = np.zeros((cap, k), dtype=np.uint8)
        self.skel = np.zeros((cap, k2), dtype=np.uint32)
        self.vterms = np.zeros((cap, STORY_TERMS), dtype=np.uint32)
        self.vvals = np.zeros((cap, STORY_TERMS), dtype=np.float16)
        self.cterms = np.zeros((cap, CONS_TERMS), dtype=np.uint32)  # consolidation vector:
        self.cvals = np.zeros((cap, CONS_TERMS), dtype=np.float16)  # log-tf, no IDF
        self.clen = np.zeros(cap, dtype=np.uint8)
        self.sno = np.zeros(cap, dtype=np.int32)  # story number (see _SNO_MAX)
        self.shash = np.zeros(cap, dtype=np.uint32)  # _shash of the story id (this process)

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

    def copy_sketch(self, slot: int) -> CopySketch:
        ks, kk = int(self.lens[slot, 0]), int(self.lens[slot, 1])
        nsh, nsk, ntok = self.sizes[slot].tolist()
        return CopySketch(
            self.sketch[slot, :ks], self.pos[slot, :ks], nsh, self.skel[slot, :kk], nsk, ntok
        )


class _Story:
    """A story with two or more members (a one-member story is just its founder's row)."""

    __slots__ = ("id", "no", "terms", "vals", "sq", "last", "size")

    def __init__(self, id: str, no: int, terms: U32, vals: F32, last: float) -> None:
        self.id = id
        self.no = no  # story number (member rows hold it in the ``sno`` column)
        self.terms = terms  # centroid: sorted terms, summed member weights
        self.vals = vals
        self.sq = float(np.dot(vals, vals))
        self.last = last
        self.size = 1


class _DocFreq:
    """Time-decayed document frequencies in a fixed count-min table (two cells per term in
    one shared table; a term's count is the smaller of its two cells).

    An article at time ``t`` counts with weight ``exp((t - T) / tau)`` as seen from time
    ``T``; instead of decaying every cell, cells hold ``exp((t - base) / tau)`` and a query
    divides by ``exp((T - base) / tau)``.  Nothing is subtracted on eviction: an old
    article's weight fades with the half-life ``tau * ln 2``.

    Invariants, for any finite times in any order (1970, 2100, equal, reversed, far apart):

    - ``latest`` is the latest time seen by ``add`` or a query; it only moves forward.
    - ``0 <= latest - base <= RESCALE_SPAN * tau``: when a later time would break it, the
      table is rescaled (multiplied by ``exp(-(latest - base) / tau)``, which may underflow
      to 0 for far jumps: the old counts are then forgotten, as their weights say) and
      ``base`` moves to ``latest``.  So every stored weight is ``<= exp(RESCALE_SPAN)``
      (float32 cells stay finite and precise) and every exponent is bounded above.
    - A query at ``t`` is answered as of ``T = max(t, latest)``: an article dated before the
      latest one sees the counts of now, never counts "un-decayed" into the past.  The
      divisor ``exp((T - base) / tau)`` is then ``>= 1``: no division by zero, no overflow.
    - An article much older than ``base`` adds ``exp(very negative) == 0.0``: it simply
      does not count (math.exp underflows to 0 without an error).
    - Non-finite times never get here: ``Deduper`` maps them to its clock first.
    """

    RESCALE_SPAN = 13.8  # weights up to e^13.8 ~ 1e6 relative to the base: float32 precise

    def __init__(self, tau: float) -> None:
        self.tau = max(float(tau), 1.0)
        self.base: float | None = None
        self.latest = -math.inf
        self.table = np.zeros(1 << DF_TABLE_BITS, dtype=np.float32)
        self.total = 0.0
        self.mask = np.uint32((1 << DF_TABLE_BITS) - 1)

    def _cells(self, terms: U32) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        a = (terms & self.mask).astype(np.intp)
        b = (((terms * np.uint32(0x9E3779B1)) >> np.uint32(32 - DF_TABLE_BITS)) & self.mask).astype(
            np.intp
        )
        return a, b

    def _advance(self, t: float) -> float:
        """Move ``latest`` to ``t`` if later (rescaling when needed); return the base."""
        if self.base is None:
            self.base = self.latest = t
        elif t > self.latest:
            self.latest = t
            span = (t - self.base) / self.tau
            if span > self.RESCALE_SPAN:
                f = math.exp(-span)  # in [0, e^-13.8): 0.0 for a jump of centuries
                self.table *= np.float32(f)
                self.total *= f
                self.base = t
        return self.base

    def _scale(self, t: float) -> float:
        """``exp((max(t, latest) - base) / tau)``: in [1, e^RESCALE_SPAN]."""
        base = self._advance(t)
        return math.exp((max(t, self.latest) - base) / self.tau)

    def add(self, terms: U32, t: float) -> None:
        base = self._advance(t)
        w = math.exp(min((t - base) / self.tau, self.RESCALE_SPAN))  # 0.0 for ancient times
        if w == 0.0:
            return
        a, b = self._cells(terms)
        # plain fancy-index adds: two terms of one article sharing a cell (p ~ 1% per
        # article at 2^20 cells) count once there, which the min over two cells absorbs
        self.table[a] += np.float32(w)
        self.table[b] += np.float32(w)
        self.total += w

    def df(self, terms: U32, t: float) -> F32:
        """Estimated (time-weighted) number of documents holding each term."""
        s = np.float32(self._scale(t))
        a, b = self._cells(terms)
        out: F32 = (np.minimum(self.table[a], self.table[b]) / s).astype(np.float32)
        return out

    def ndocs(self, t: float) -> float:
        """Time-weighted number of documents counted."""
        return self.total / self._scale(t)

    def idf(self, terms: U32, t: float) -> F32:
        df = self.df(terms, t)
        n = self.ndocs(t) + 1 + IDF_PRIOR_DOCS
        out: F32 = np.maximum(np.log(np.float32(n) / (df + np.float32(1.0))), 0.0).astype(
            np.float32
        )
        return out


_HEADER_V2 = struct.Struct("<BBdQQIIIHHHHHHHH")
# version, flags, time, urlh, thash, ntokens, nshingles, nskel,
# len sketch, len skel, len bands, len vector, len terms(df), 3 string lengths
_HEADER = struct.Struct("<BBdQQIIIHHHHHHHHH")  # version 3: + len consolidation vector
_VERSION = 3
_RECENT = 256  # recent rows whose band keys and terms snapshot() can still write
_SNO_MAX = 2**31 - 1  # story numbers are int32: renumbered (order kept) before they overflow


def article_time(published: float | None, now: float, window: float) -> float:
    """The time an arriving article counts at in the index: its publication time when that
    lies inside the copy window before ``now``, else ``now``.  Feed dates are untrusted
    (1970, 2019 back catalogues, 2090, NaN, none): an entry dated outside the window
    arrives now, so it is matched against what arrives with it and leaves the window with
    it, instead of being evicted at once (and missed by its own syndicated copies) or
    pinning the index in the future."""
    if published is None or not math.isfinite(published):
        return now
    return published if now - window <= published <= now else now


def _shash(story: str) -> int:
    """32-bit hash of a story id (``hash``: per process, never stored)."""
    return hash(story) & 0xFFFFFFFF


_EMPTY_U32: U32 = np.zeros(0, dtype=np.uint32)


class Deduper:
    """Online duplicate and story assignment (see module docstring)."""

    def __init__(self, *, window: float = 7 * 86400, story_window: float = 3 * 86400) -> None:
        self.window = window
        self.story_window = story_window
        self._c = _Cols()
        self._ids: list[str] = []
        self._root: list[str | None] = []
        self._story: list[str] = []
        self._by_id: dict[str, int] = {}
        self._index = KeyIndex()
        self._sindex = KeyIndex(cap=POSTING_CAP)
        # document frequencies fade with time constant window/2: an article's weight falls to
        # e^-2 (14%) by the time it leaves the window (not tuned: ECB+ has no dates)
        self._df = _DocFreq(tau=max(window, story_window) / 2)
        self._stories: dict[int, _Story] = {}
        self._sno: dict[str, int] = {}  # story id -> number
        self._next_sno = 0
        self._story_heap: list[tuple[float, int]] = []
        # restored rows: index keys and slots staged for one bulk insert
        self._staged_keys = array("I")
        self._staged_slots = array("i")
        self._staged_rows = array("i")
        self._nalive = 0
        self._bands: dict[int, U32] = {}  # bands of the last few adds, for snapshot()
        self._dfterms: dict[int, U32] = {}  # idem: all terms (document frequencies)
        self._cons_pending: list[int] = []  # roots added since the last consolidate()

    # -- public API ------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._nalive

    def memory_bytes(self) -> int:
        """Bytes held in numpy columns and indexes (Python objects not counted)."""
        return (
            self._c.nbytes() + self._index.nbytes() + self._sindex.nbytes() + self._df.table.nbytes
        )

    def add(self, item: DedupItem, now: float, features: tf.Features | None = None) -> DedupResult:
        """Decide for one arriving article. ``features`` (``textfeatures.extract(text,
        title)``) may be computed ahead, e.g. in a worker process; they are pure."""
        self._flush()
        if not math.isfinite(now):
            raise ValueError(f"dedup clock must be a finite time, got {now!r}")
        t = article_time(item.published, now, self.window)
        feats = features if features is not None else tf.extract(item.text, item.title)
        urlh = _h64(url_identity(item.url).encode()) if item.url else 0
        thash = int.from_bytes(feats.thash[:8], "little") | 1
        match, reason = self._find_copy(feats, urlh, thash, t)
        vterms, vvals = _EMPTY_U32, np.zeros(0, dtype=np.float32)
        skey: int | None = None
        if match is not None:
            # the matched entry may be a copy whose root already left the window: it still
            # carries the root id and the story
            root: str | None = self._root[match] or self._ids[match]
            story = self._story[match]
        else:
            root = None
            idf = self._df.idf(feats.terms, t)
            v = feats.weights * idf
            norm = float(np.sqrt(np.dot(v, v)))
            if norm > 0:
                v /= norm
            # ordered by the float16 weights stored in the row, as restore() re-derives it
            order = np.argsort(-v.astype(np.float16), kind="stable")
            qterms = feats.terms[order[:STORY_QUERY_TERMS]]
            story, joined, skey = self._assign_story(feats, v, qterms, t, item.id)
            reason = "story" if joined else "new"
            top = np.sort(order[:STORY_TERMS])  # the top terms, in term order
            vterms, vvals = feats.terms[top], v[top]
        slot = self._append(item.id, t, feats, urlh, thash, root, story, vterms, vvals)
        if root is None:
            ctop = np.sort(order[:CONS_TERMS])
            self._set_cons(slot, feats.terms[ctop], feats.weights[ctop])
        self._index_row(slot, feats.bands, urlh)
        if root is None:
            self._df.add(feats.terms, t)
            self._sindex.add(slot, qterms.tolist())
            self._join(story, slot, t, skey)
        # snapshot() is usually called right after add(): keep what only it needs for a while
        self._bands[slot] = feats.bands
        self._dfterms[slot] = feats.terms if root is None else _EMPTY_U32
        if len(self._bands) > _RECENT:
            old = next(iter(self._bands))
            del self._bands[old], self._dfterms[old]
        log.debug("dedup id=%s reason=%s duplicate_of=%s story=%s", item.id, reason, root, story)
        return DedupResult(item.id, root, story, reason)

    def evict(self, now: float) -> int:
        """Drop articles older than ``window`` and stories idle longer than ``story_window``.
        A vectorised scan of the time column; compaction when dead rows outnumber live."""
        self._flush()
        c = self._c
        n = c.n
        dead = np.flatnonzero(c.alive[:n] & (c.time[:n] < now - self.window))
        for slot in dead.tolist():
            if self._by_id.get(self._ids[slot]) == slot:
                del self._by_id[self._ids[slot]]
        c.alive[dead] = False
        self._nalive -= len(dead)
        scut = now - self.story_window
        stale = 0
        heap = self._story_heap
        while heap and heap[0][0] < scut:
            last, no = heapq.heappop(heap)
            st = self._stories.get(no)
            if st is not None and st.last == last:
                del self._stories[no], self._sno[st.id]
                stale += 1
        if n - self._nalive > max(1024, self._nalive):
            self._compact()
        if len(dead) or stale:
            log.debug(
                "dedup evicted=%d kept=%d stories=%d", len(dead), self._nalive, len(self._stories)
            )
        return len(dead)

    def consolidate(self, now: float) -> dict[str, str]:
        """Revise the stories around the articles added since the last call.

        The online assignment in ``add`` is greedy: an early wrong join is never undone.  This
        re-clusters, with ``average_link`` over consolidation vectors (IDF from the current
        document frequencies), the story window's root articles that are new, that the story
        index finds next to a new one, or that share a story with either.  Groups are named
        after the old story most of their members had (each old name used once, the biggest
        share wins), else after their earliest member.  Copies follow their root.  Returns
        {article id: new story id} for every article whose story changed; the caller stores
        these.  Cheap enough to run after every poll."""
        self._flush()
        if self._df.ndocs(now) < CONS_MIN_DOCS:
            return {}  # too few to tell rare from common words: the online stories stand
        pend = self._cons_pending
        self._cons_pending = []
        rows = self._cons_area(pend, now)
        if not len(rows):
            return {}
        rr, tt, ww = self._cons_vectors(rows, now)
        labels = average_link(rr, tt, ww, len(rows), CONS_MIN_SIMILARITY)
        return self._rename(rows, labels)

    def _cons_area(self, pending: Sequence[int], now: float) -> npt.NDArray[np.int64]:
        """The rows ``consolidate`` re-clusters for the roots ``pending`` added (sorted)."""
        c = self._c
        n = c.n
        scut = now - self.story_window
        inwin = c.alive[:n] & c.is_root[:n] & (c.time[:n] >= scut) & (c.clen[:n] > 0)
        new = np.array(sorted({s for s in pending if s < n and inwin[s]}), dtype=np.int64)
        if not len(new):
            return new
        # the neighbourhood: articles sharing CONS_NEIGHBOUR_HITS of a new one's heaviest
        # terms (story index; one batched lookup, hits counted per new article) ...
        qterms, qmask = self._query_terms(new)
        owner = np.repeat(np.arange(len(new), dtype=np.int64), qmask.sum(axis=1))
        at, hits = self._sindex.query_each(qterms[qmask].tolist())
        if CONS_NEIGHBOUR_HITS > 1 and len(hits):
            pair, cnt = np.unique(owner[at] * n + hits, return_counts=True)
            hits = pair[cnt >= CONS_NEIGHBOUR_HITS] % n
        hits = hits[inwin[hits]]
        rows = np.union1d(new, hits)
        # ... and every member of their stories
        snos = np.unique(c.sno[rows])
        snos = snos[snos >= 0]
        if len(snos):
            win = np.flatnonzero(inwin)
            rows = np.union1d(rows, win[np.isin(c.sno[win], snos)])
        return rows

    def _cons_vectors(
        self, rows: npt.NDArray[np.int64], now: float
    ) -> tuple[npt.NDArray[np.int64], U32, F32]:
        """``average_link``'s input for ``rows``: (row number, term, weight) triples of the
        consolidation vectors with squared IDF of now, L2-normalised."""
        c = self._c
        m = len(rows)
        k = c.clen[rows].astype(np.int64)
        mask = np.arange(CONS_TERMS)[None, :] < k[:, None]
        rr = np.repeat(np.arange(m, dtype=np.int64), k)
        tt = c.cterms[rows][mask]
        ww = c.cvals[rows][mask].astype(np.float32)
        ut, inv = np.unique(tt, return_inverse=True)
        df = self._df.df(ut, now)
        keep_t = df >= np.float32(CONS_MIN_DF)
        # plain log(N / df): the terms kept are in two documents at least
        ndocs = np.float32(max(self._df.ndocs(now), 1.0))
        idf = np.log(np.maximum(ndocs / np.maximum(df, np.float32(1.0)), 1.0))
        idf **= np.float32(CONS_IDF_POWER)
        ww = ww * idf[inv]
        keep = keep_t[inv] & (ww > 0)
        rr, tt, ww = rr[keep], tt[keep], ww[keep]
        norm = np.sqrt(np.bincount(rr, weights=ww.astype(np.float64) ** 2, minlength=m))
        ww = (ww / np.maximum(norm[rr], 1e-12)).astype(np.float32)
        return rr, tt, ww

    def _rename(self, rows: npt.NDArray[np.int64], labels: npt.NDArray[np.int64]) -> dict[str, str]:
        """Name the groups found by ``consolidate`` and apply them (see there)."""
        c = self._c
        story, ids = self._story, self._ids
        slots = rows.tolist()
        groups: dict[int, list[int]] = {}
        for s, lab in zip(slots, labels.tolist(), strict=True):
            groups.setdefault(lab, []).append(s)
        # story ids held by live articles outside the area cannot be given to a group (only
        # the names a group can take are looked for: the area's stories and article ids)
        cand = {story[s] for s in slots}
        cand.update(ids[s] for s in slots)
        used = self._held_outside(rows, cand)
        # old names by share: (-members with it, its earliest member, group label, name)
        cands: list[tuple[int, int, int, str]] = []
        for lab, mem in groups.items():
            seen: dict[str, list[int]] = {}
            for s in mem:
                seen.setdefault(story[s], []).append(s)
            cands.extend((-len(v), v[0], lab, name) for name, v in seen.items())
        cands.sort()
        name_of: dict[int, str] = {}
        for _, _, lab, name in cands:
            if lab not in name_of and name not in used:
                name_of[lab] = name
                used.add(name)
        for lab, mem in groups.items():
            if lab not in name_of:
                own = next((ids[s] for s in mem if ids[s] not in used), None)
                name = own if own is not None else f"{ids[mem[0]]}~{lab}"
                name_of[lab] = name
                used.add(name)
        # a group made of exactly the members of an old story object keeps its centroid:
        # members always join in slot order, so rebuilding it would give the same one
        same: dict[int, _Story] = {}
        for lab, mem in groups.items():
            no = int(c.sno[mem[0]])
            st = self._stories.get(no) if no >= 0 else None
            if st is not None and st.size == len(mem) and bool((c.sno[mem] == no).all()):
                same[lab] = st
        # drop the old story objects of the area, then rebuild one per group
        for no in np.unique(c.sno[rows]).tolist():
            st = self._stories.pop(no, None) if no >= 0 else None
            if st is not None and self._sno.get(st.id) == no:
                del self._sno[st.id]
        changed: dict[str, str] = {}
        for lab, mem in groups.items():
            name = name_of[lab]
            h = _shash(name)
            for s in mem:
                if story[s] != name:
                    story[s] = name
                    c.shash[s] = h
                    changed[ids[s]] = name
            if len(mem) == 1 and name == ids[mem[0]]:
                c.sno[mem[0]] = -1
                continue
            old = same.get(lab)
            if old is not None:
                st = self._new_story(name, old.terms, old.vals, old.last, mem[0])
                st.size = old.size
                c.sno[mem] = st.no
                continue
            ct, cv = self._row_vector(mem[0])
            st = self._new_story(name, ct, cv, float(c.time[mem[0]]), mem[0])
            for s in mem[1:]:
                self._join(name, s, float(c.time[s]), st.no)
        if changed:
            # copies follow their root
            n = c.n
            for s in np.flatnonzero(c.alive[:n] & ~c.is_root[:n]).tolist():
                r = self._root[s]
                if r is not None and r in changed and story[s] != changed[r]:
                    story[s] = changed[r]
                    c.shash[s] = _shash(changed[r])
                    changed[ids[s]] = changed[r]
        return changed

    def _held_outside(self, rows: npt.NDArray[np.int64], names: set[str]) -> set[str]:
        """Of ``names``, those that live articles other than ``rows`` have as their story
        (a vectorised scan of the story-hash column through a bitmap of the names' hashes;
        hits checked by string)."""
        c = self._c
        n = c.n
        h = np.fromiter((_shash(x) for x in names), dtype=np.uint32, count=len(names))
        bits = np.zeros(1 << 20, dtype=bool)
        bits[h >> np.uint32(12)] = True
        out = c.alive[:n].copy()
        out[rows] = False
        out &= bits[c.shash[:n] >> np.uint32(12)]
        hit = np.flatnonzero(out).tolist()
        story = self._story
        return {story[s] for s in hit if story[s] in names}

    def snapshot(self, id: str) -> bytes:
        """Compact per-article state (sketches, band keys, story vector; no text)."""
        slot = self._by_id[id]
        c = self._c
        ks, kk, kv = c.lens[slot].tolist()
        bands = self._bands.get(slot)
        if bands is None:
            raise KeyError(f"dedup snapshot of {id} must be taken right after add()")
        dfterms = self._dfterms[slot]
        root = self._root[slot]
        strs = [s.encode() for s in (root or "", self._story[slot], "")]
        nsh, nsk, ntok = c.sizes[slot].tolist()
        head = _HEADER.pack(
            _VERSION,
            int(root is not None),
            float(c.time[slot]),
            int(c.urlh[slot]),
            int(c.thash[slot]),
            ntok,
            nsh,
            nsk,
            ks,
            kk,
            len(bands),
            kv,
            len(dfterms),
            *(len(s) for s in strs),
            int(c.clen[slot]),
        )
        arrays: list[npt.NDArray[Any]] = [
            c.sketch[slot, :ks],
            c.pos[slot, :ks],
            c.skel[slot, :kk],
            bands,
            c.vterms[slot, :kv],
            c.vvals[slot, :kv],
            dfterms,
            c.cterms[slot, : c.clen[slot]],
            c.cvals[slot, : c.clen[slot]],
        ]
        return head + b"".join(strs) + b"".join(a.tobytes() for a in arrays)

    def restore(self, item_id: str, blob: bytes, added_at: float, story: str | None = None) -> bool:
        """Rebuild one article's state from ``snapshot`` bytes; call in the original order.

        Cheap: a row is appended and its index keys staged for a bulk insert at the next
        ``add``/``evict``.  The article's own time is in the blob; ``added_at`` (when the
        store received it) is accepted for the caller's convenience.  A blob of an older
        format (version 1: whole shingle sets) is skipped and False returned: that article
        is then simply not matched against (its stored decision stays valid).  ``story``, when
        given, is the article's current story (``consolidate`` may have changed it since the
        snapshot)."""
        if not blob or blob[0] not in (2, _VERSION):
            log.debug("dedup restore skipped id=%s version=%s", item_id, blob[:1].hex())
            return False
        header = _HEADER if blob[0] == _VERSION else _HEADER_V2
        (ver, isdup, t, urlh, thash, ntok, nsh, nsk, ks, kk, nb, kv, nt, *lens) = (
            header.unpack_from(blob)
        )
        ncons = lens.pop() if ver == _VERSION else 0
        pos = header.size
        strs = []
        for n in lens:
            strs.append(blob[pos : pos + n].decode())
            pos += n

        def take(dtype: type, count: int) -> Any:
            nonlocal pos
            a: npt.NDArray[Any] = np.frombuffer(blob, dtype=dtype, count=count, offset=pos)
            pos += a.nbytes
            return a

        sketch, spos, skel = take(np.uint32, ks), take(np.uint8, ks), take(np.uint32, kk)
        bands = take(np.uint32, nb)
        vterms, vvals = take(np.uint32, kv), take(np.float16, kv)
        dfterms = take(np.uint32, nt)
        cterms, cvals = take(np.uint32, ncons), take(np.float16, ncons)
        root = strs[0] if isdup else None
        c = self._c
        slot = c.append()
        c.time[slot] = t
        c.alive[slot] = True
        c.is_root[slot] = root is None
        c.urlh[slot], c.thash[slot] = urlh, thash
        c.sizes[slot] = (nsh, nsk, ntok)
        c.lens[slot] = (ks, kk, kv)
        c.sketch[slot, :ks], c.pos[slot, :ks], c.skel[slot, :kk] = sketch, spos, skel
        c.vterms[slot, :kv], c.vvals[slot, :kv] = vterms, vvals
        self._ids.append(item_id)
        self._root.append(root)
        self._story.append(strs[1])
        self._by_id[item_id] = slot
        self._nalive += 1
        self._bands[slot] = bands.copy()
        self._dfterms[slot] = dfterms.copy()
        if len(self._bands) > _RECENT:
            old = next(iter(self._bands))
            del self._bands[old], self._dfterms[old]
        keys = [_key32(urlh, _URL_SALT)] if urlh else []
        self._staged_keys.frombytes(bands.tobytes())
        self._staged_keys.extend(keys)
        self._staged_slots.extend([slot] * (len(bands) + len(keys)))
        self._staged_rows.append(slot)
        if story is not None:
            self._story[slot] = story
        c.shash[slot] = _shash(self._story[slot])
        if root is None:
            self._df.add(dfterms, t)
            self._join(self._story[slot], slot, t)
            # stored stories are consolidated already: a restored article is only revisited
            # when a new one arrives next to it
            self._set_cons(slot, cterms, cvals, pending=False)
        return True

    # -- internals -------------------------------------------------------------------------

    def _append(
        self,
        id: str,
        t: float,
        f: Features,
        urlh: int,
        thash: int,
        root: str | None,
        story: str,
        vterms: U32,
        vvals: F32,
    ) -> int:
        c = self._c
        slot = c.append()
        ks, kk, kv = len(f.sketch), len(f.skel), len(vterms)
        c.time[slot] = t
        c.alive[slot] = True
        c.is_root[slot] = root is None
        c.urlh[slot], c.thash[slot] = urlh, thash
        c.sizes[slot] = (f.nshingles, f.nskel, f.ntokens)
        c.lens[slot] = (ks, kk, kv)
        c.sketch[slot, :ks], c.pos[slot, :ks], c.skel[slot, :kk] = f.sketch, f.sketch_pos, f.skel
        c.vterms[slot, :kv], c.vvals[slot, :kv] = vterms, vvals
        c.shash[slot] = _shash(story)
        self._ids.append(id)
        self._root.append(root)
        self._story.append(story)
        self._by_id[id] = slot
        self._nalive += 1
        return slot

    def _set_cons(
        self, slot: int, terms: U32, vals: npt.NDArray[Any], pending: bool = True
    ) -> None:
        c = self._c
        k = min(len(terms), CONS_TERMS)
        c.cterms[slot, :k], c.cvals[slot, :k] = terms[:k], vals[:k]
        c.clen[slot] = k
        if k and pending:
            self._cons_pending.append(slot)

    def _index_row(self, slot: int, bands: U32, urlh: int) -> None:
        # no text-hash key: identical texts (>= MIN_TEXT_TOKENS words) share every band key
        keys = bands.tolist()
        if urlh:
            keys.append(_key32(urlh, _URL_SALT))
        self._index.add(slot, keys)

    def _find_copy(
        self, feats: Features, urlh: int, thash: int, t: float
    ) -> tuple[int | None, str]:
        keys = feats.bands.tolist()
        if urlh:
            keys.append(_key32(urlh, _URL_SALT))
        hits = self._index.query(keys)
        if not hits:
            return None, "new"
        c = self._c
        sl, nhits = np.unique(np.array(hits, dtype=np.int64), return_counts=True)
        ok = c.alive[sl] & (np.abs(c.time[sl] - t) <= self.window)
        sl, nhits = sl[ok], nhits[ok]
        if urlh:
            hit = sl[c.urlh[sl] == np.uint64(urlh)]
            if len(hit):
                return int(hit[0]), "exact-url"
        if feats.ntokens >= MIN_TEXT_TOKENS:
            hit = sl[c.thash[sl] == np.uint64(thash)]
            if len(hit):
                return int(hit[0]), "exact-text"
        sl = sl[nhits >= MIN_BAND_HITS]
        if not len(sl):
            return None, "new"
        ks, kk = c.lens[sl, 0].astype(np.int64), c.lens[sl, 1].astype(np.int64)
        k1, k2 = c.sketch.shape[1], c.skel.shape[1]
        sk = np.where(np.arange(k1) < ks[:, None], c.sketch[sl], _MAX32)
        sv = np.where(np.arange(k2) < kk[:, None], c.skel[sl], _MAX32)
        ok_, score = is_copy_batch(
            CopySketch.of(feats), sk, c.pos[sl], sv, np.stack([ks, kk], axis=1),
            c.sizes[sl].astype(np.int64),
        )  # fmt: skip
        if not ok_.any():
            return None, "new"
        best = np.flatnonzero(ok_)[np.argmax(score[ok_])]  # first of the best (oldest slot)
        return int(sl[best]), "near-dup"

    def _row_vector(self, slot: int) -> tuple[U32, F32]:
        """A root row's story vector (terms sorted)."""
        c = self._c
        kv = int(c.lens[slot, 2])
        return c.vterms[slot, :kv], c.vvals[slot, :kv].astype(np.float32)

    def _assign_story(
        self, feats: Features, v: F32, qterms: U32, t: float, id: str
    ) -> tuple[str, bool, int | None]:
        """Best story for a new root article: (story id, joined, story key); key >= 0 is a
        story number, key < 0 the founder row (-1 - slot) of a one-member story."""
        hits = self._sindex.query(qterms.tolist())
        if not hits:
            return id, False, None
        c = self._c
        sl = np.array(hits, dtype=np.int64)
        sno = c.sno[sl]
        keys = np.where(sno >= 0, sno, -1 - sl)
        uk, counts = np.unique(keys, return_counts=True)
        ranked = uk[np.argsort(-counts, kind="stable")[:STORY_CANDIDATES]]
        # candidate centroids side by side: one-member stories straight from their rows
        m = len(ranked)
        width = max(STORY_TERMS, CENTROID_TERMS)
        ct2 = np.zeros((m, width), dtype=np.uint32)
        cv2 = np.zeros((m, width), dtype=np.float32)
        ok = np.zeros(m, dtype=bool)
        rows = ranked < 0
        if rows.any():
            rs = -1 - ranked[rows]
            ct2[rows, :STORY_TERMS] = c.vterms[rs]
            cv2[rows, :STORY_TERMS] = c.vvals[rs]
            ok[rows] = c.alive[rs] & (t - c.time[rs] <= self.story_window)
        for i in np.flatnonzero(~rows).tolist():
            st = self._stories.get(int(ranked[i]))
            if st is not None and t - st.last <= self.story_window:
                ct2[i, : len(st.terms)], cv2[i, : len(st.vals)] = st.terms, st.vals
                ok[i] = True
        sq = (cv2 * cv2).sum(axis=1)
        ok &= sq > 0
        if not ok.any():
            return id, False, None
        idx = np.minimum(np.searchsorted(feats.terms, ct2), len(feats.terms) - 1)
        va = np.where(feats.terms[idx] == ct2, v[idx], 0.0)
        cos = np.where(ok, (va * cv2).sum(axis=1) / np.sqrt(np.where(ok, sq, 1.0)), -1.0)
        b = int(np.argmax(cos))  # the first of equals: the most hit candidate
        if cos[b] < STORY_MIN_COSINE:
            return id, False, None
        key = int(ranked[b])
        sid = self._stories[key].id if key >= 0 else self._ids[-1 - key]
        return sid, True, key

    def _join(self, sid: str, slot: int, t: float, key: int | None = None) -> None:
        """Record a root article's story: its own new story (``sid`` is its id), or an
        existing one (``key`` from ``_assign_story``; found by ``sid`` when restoring)."""
        c = self._c
        if key is None:
            no = self._sno.get(sid)
            if no is not None and no in self._stories:
                key = no
            elif sid != self._ids[slot]:
                founder = self._by_id.get(sid)
                if founder is not None and c.sno[founder] < 0 and c.is_root[founder]:
                    key = -1 - founder
        if key is None:
            if sid == self._ids[slot]:
                c.sno[slot] = -1  # a one-member story: the row itself
                return
            # restored member of a story whose founder left the window: a story of its own
            ct, cv = self._row_vector(slot)
            self._new_story(sid, ct, cv, t, slot)
            return
        if key < 0:  # promote a one-member story to a story object
            founder = -1 - key
            ct, cv = self._row_vector(founder)
            st = self._new_story(sid, ct, cv, float(c.time[founder]), founder)
        else:
            st = self._stories[key]
        mt, mv = self._row_vector(slot)
        terms = np.concatenate([st.terms, mt])
        vals = np.concatenate([st.vals, mv])
        u, inv = np.unique(terms, return_inverse=True)
        summed = np.bincount(inv, weights=vals, minlength=len(u)).astype(np.float32)
        if len(u) > CENTROID_TERMS:
            keep = np.sort(np.argsort(-summed, kind="stable")[:CENTROID_TERMS])
            u, summed = u[keep], summed[keep]
        st.terms, st.vals = u.astype(np.uint32), summed
        st.sq = float(np.dot(summed, summed))
        st.size += 1
        c.sno[slot] = st.no
        if t > st.last:
            st.last = t
            heapq.heappush(self._story_heap, (t, st.no))

    def _new_story(self, sid: str, ct: U32, cv: F32, last: float, slot: int) -> _Story:
        if self._next_sno > _SNO_MAX:
            self._renumber_stories()
        no = self._next_sno
        self._next_sno += 1
        st = self._stories[no] = _Story(sid, no, ct, cv, last)
        self._sno[sid] = no
        self._c.sno[slot] = no
        heapq.heappush(self._story_heap, (last, no))
        return st

    def _renumber_stories(self) -> None:
        """Number the stories 0, 1, ... again, keeping their order (candidate stories are
        ranked by number among equals), so the int32 ``sno`` column never overflows."""
        c = self._c
        col = c.sno[: c.n]
        has = col >= 0
        nos = np.union1d(col[has], np.array(sorted(self._stories), dtype=np.int64))
        col[has] = np.searchsorted(nos, col[has])
        new_no = {int(no): i for i, no in enumerate(nos.tolist())}
        stories = {}
        for no, st in self._stories.items():
            st.no = new_no[no]
            stories[st.no] = st
        self._stories = stories
        self._sno = {sid: new_no[no] for sid, no in self._sno.items() if no in new_no}
        self._story_heap = [(t, new_no[no]) for t, no in self._story_heap if no in new_no]
        heapq.heapify(self._story_heap)
        self._next_sno = len(nos)

    def _flush(self) -> None:
        """Index restored articles in bulk (one sort per index)."""
        if not self._staged_rows:
            return
        keys = np.frombuffer(self._staged_keys, dtype=np.uint32)
        slots = np.frombuffer(self._staged_slots, dtype=np.int32)
        rows = np.frombuffer(self._staged_rows, dtype=np.int32).astype(np.int64)
        self._staged_keys, self._staged_slots, self._staged_rows = (
            array("I"),
            array("i"),
            array("i"),
        )
        self._index.extend(keys, slots)
        del keys, slots
        c = self._c
        r = rows[c.is_root[rows]]
        if len(r):
            qt, mask = self._query_terms(r)
            sslots = np.repeat(r.astype(np.int32), mask.sum(axis=1))
            self._sindex.extend(qt[mask], sslots)

    def _query_terms(self, rows: npt.NDArray[np.int64]) -> tuple[U32, npt.NDArray[np.bool_]]:
        """Each root row's STORY_QUERY_TERMS heaviest story terms, as add() indexed them:
        a (rows x q) term array and the mask of its valid cells."""
        c = self._c
        q = min(STORY_QUERY_TERMS, STORY_TERMS)
        kv = c.lens[rows, 2].astype(np.int64)
        vals = c.vvals[rows].astype(np.float32)
        vals[np.arange(STORY_TERMS)[None, :] >= kv[:, None]] = -np.inf
        order = np.argsort(-vals, axis=1, kind="stable")[:, :q]
        mask = np.take_along_axis(vals, order, axis=1) > -np.inf
        terms: U32 = np.take_along_axis(c.vterms[rows], order, axis=1)
        return terms, mask

    def _compact(self) -> None:
        """Drop dead rows: renumber slots in columns, indexes, id lists and stories."""
        self._flush()
        c = self._c
        keep = c.alive[: c.n].copy()
        new_slot = np.full(c.n, -1, dtype=np.int32)
        new_slot[keep] = np.arange(int(keep.sum()), dtype=np.int32)
        self._index.remap(new_slot)
        self._sindex.remap(new_slot)
        c.compact(keep)
        kept = np.flatnonzero(keep).tolist()
        self._ids = [self._ids[i] for i in kept]
        self._root = [self._root[i] for i in kept]
        self._story = [self._story[i] for i in kept]
        self._by_id = {id: i for i, id in enumerate(self._ids)}
        self._bands = {int(new_slot[k]): v for k, v in self._bands.items() if new_slot[k] >= 0}
        self._dfterms = {int(new_slot[k]): v for k, v in self._dfterms.items() if new_slot[k] >= 0}
        self._cons_pending = [int(new_slot[k]) for k in self._cons_pending if new_slot[k] >= 0]


# ---- batch clustering (the `aggregator cluster` command) ------------------------------------


def _parse_time(v: object) -> float | None:
    """A record's ``published`` as unix seconds: ISO-8601 (naive = UTC) or a number; None
    when absent, unreadable or not finite (the record then keeps the previous time)."""
    if v is None or v == "" or isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        t = float(v)
    else:
        s = str(v).strip()
        try:
            t = float(s)
        except ValueError:
            try:
                d = datetime.fromisoformat(s.replace("Z", "+00:00"))
            except ValueError:
                log.warning("cluster: unreadable published=%r, using the previous time", s[:40])
                return None
            if d.tzinfo is None:
                d = d.replace(tzinfo=UTC)
            try:
                t = d.timestamp()
            except (OverflowError, ValueError):
                return None
    return t if math.isfinite(t) else None


def cluster(
    records: Iterable[Mapping[str, Any]],
    *,
    window: float = 7 * 86400,
    story_window: float = 3 * 86400,
) -> Iterator[dict[str, Any]]:
    """Run the daemon's dedup over records in arrival order; yield {id, duplicate_of, story}.

    The clock is the latest ``published`` (ISO-8601 or unix seconds) seen so far: it never
    runs backwards, so a record dated 2019 between records of today arrives today, as it
    would in the daemon (``article_time``), and a file without dates is one window.
    Stories are consolidated as the daemon does after each poll: whenever the clock moves
    on by ``CLUSTER_POLL`` or more, and at the end; so results come out once the input is
    read.  A record whose dedup raises (a defect) is its own story, with ``error`` set, and
    the others go on."""
    d = Deduper(window=window, story_window=story_window)
    now: float | None = None
    last_cons: float | None = None
    out: list[dict[str, Any]] = []
    where: dict[str, int] = {}
    for r in records:
        t = _parse_time(r.get("published"))
        if t is not None:
            now = t if now is None else max(now, t)
        clock = now if now is not None else 0.0
        if last_cons is None:
            last_cons = clock
        elif clock - last_cons >= CLUSTER_POLL:
            _apply(out, where, d.consolidate(last_cons))
            last_cons = clock
        item = DedupItem(
            id=str(r["id"]),
            text=str(r.get("text") or ""),
            title=str(r.get("title") or ""),
            url=r.get("url") if isinstance(r.get("url"), str) else None,
            published=t,
            source=r.get("source"),
        )
        line: dict[str, Any]
        try:
            res = d.add(item, clock)
            d.evict(clock)
        except Exception as e:  # a defect: this record is set aside, the rest go on
            log.exception("cluster id=%s: dedup failed; the record is its own story", item.id)
            line = {"id": item.id, "duplicate_of": None, "story": item.id, "error": repr(e)}
        else:
            line = {"id": res.id, "duplicate_of": res.duplicate_of, "story": res.story}
        where[item.id] = len(out)
        out.append(line)
    _apply(out, where, d.consolidate(now if now is not None else 0.0))
    yield from out


CLUSTER_POLL = 3600.0  # `cluster`: consolidate when the records' clock moves on this much


def _apply(out: list[dict[str, Any]], where: dict[str, int], changes: Mapping[str, str]) -> None:
    for id, story in changes.items():
        i = where.get(id)
        if i is not None:
            out[i]["story"] = story


def cluster_lines(lines: Iterable[str]) -> Iterator[str]:
    """JSON-lines wrapper around ``cluster`` for the CLI."""
    recs = (json.loads(line) for line in lines if line.strip())
    for out in cluster(recs):
        yield json.dumps(out, ensure_ascii=False)
