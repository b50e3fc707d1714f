"""Duplicate collapse and story grouping, online, in arrival order.

Three layers, each a pure decision over stored fingerprints (no raw text is kept):

1. **Exact identity**: canonical URL (scheme/host case, ``www.``, default ports, fragments and
   tracking parameters removed, query sorted) and a hash of the normalised text.
2. **Syndicated copies**: candidates come from one exact-key ``KeyIndex`` holding two kinds
   of keys per article: a simhash permutation index (64 bits in 5 blocks; the 10 pairs of
   blocks are the keys, so every fingerprint within Hamming distance 3 shares a key by
   pigeonhole) and a MinHash-LSH band index (``LSH_BANDS`` x ``LSH_ROWS``) over word
   3-shingles + function-word skeleton 6-grams, which catches spun, truncated and re-ordered
   copies that simhash misses.  The index is sorted numpy arrays + a directory on the top key
   bits + a pending dict, so lookup cost does not grow with the window.  Candidates are
   verified (``is_copy``) by word 3-shingle Jaccard, or for synonym-spun copies by skeleton
   Jaccard (spinners swap content words one for one and leave function words alone), or for
   truncated copies by containment *within the opening* of the longer text (an article that
   quotes a passage from the middle of another is not a copy).
3. **Stories**: a non-duplicate article joins the story whose TF-IDF centroid (IDF counted
   online over the window; names and numbers boosted; title words included) is most similar,
   if the cosine reaches ``STORY_MIN_COSINE`` and the story was active within
   ``story_window``; else it starts a story named after itself.  Candidate stories come from
   an inverted index over each story's top terms.  Copies join their canonical's story and
   do not move centroids.

Canonical rule: ``duplicate_of`` is the *family root*, the first article of the copy family
seen inside the window.  It is never re-pointed and never a chain (a copy of a copy points to
the root, even after the root itself left the window).  Which member is *displayed*
(``prefer`` feed, then most complete text, then earliest) is a separate pure choice,
``pick_canonical``, that the digest makes over the family; so results already returned and
stored never change.  ``DedupItem.prefer`` and ``source`` are carried for that purpose and
do not influence matching.

Persistence: ``snapshot(id)`` is ~3 KB per article (ordered shingle and skeleton hashes, story
terms and weights, LSH band keys); ``restore`` stages entries and ``add``/``evict`` index them
in bulk, so a restart with 100k articles takes seconds.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import math
import operator
import struct
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import numpy.typing as npt

from aggregator import textfeatures as tf
from aggregator.textfeatures import F32, U32, U64, Features

log = logging.getLogger(__name__)

# ---- thresholds -----------------------------------------------------------------------------
# Tuned on ../shared/data/dedup/ecbplus-syndication.jsonl.gz (grid over candidate pairs, all
# 30 topics, reported separately for topics 1-15 and 16-30 by bench/dedup_eval.py).  The gold
# families there merge originals whose word 3-shingle Jaccard is >= ~0.5 and keep apart
# originals that merely contain a long passage of one another, hence a Jaccard rule plus
# two narrower rules for spun and truncated copies.
SIMHASH_K = 3  # simhash channel: Hamming radius the permutation index guarantees
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
# Tuned on ../shared/data/dedup/ecbplus-stories.jsonl.gz topics 1-15, file order and shuffled
# (grid 0.20/0.25/0.30 x entity boost 1/2/3; best F1 on 1-15 in both orders).
STORY_MIN_COSINE = 0.20
IDF_PRIOR_DOCS = 20  # pseudo-documents without the term: keeps IDF sane while the window fills
STORY_QUERY_TERMS = 15  # top tf-idf terms of an article used to find candidate stories
STORY_CANDIDATES = 12  # stories scored exactly per article
POSTING_CAP = 32  # most recent stories kept per term in the story inverted index
KEY_CAP = 8  # most recent entries examined per index key
MERGE_MAX = 1 << 20  # pending index keys folded into the sorted arrays at the latest

_TRACKING = (
    "utm_",
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "ref",
    "ref_src",
    "cmpid",
    "ocid",
    "_ga",
    "spm",
    "smid",
    "sr_share",
)


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


# ---- pure helpers ---------------------------------------------------------------------------


def canonical_url(url: str) -> str:
    """URL identity: lower-case scheme/host, no www., default port, fragment or tracking
    parameters; remaining query parameters sorted; trailing slash removed."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "http"
    if scheme == "https":
        scheme = "http"  # the same article is often linked with either scheme
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING)
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def text_hash(text: str) -> str:
    """Hash of the normalised text (case, Unicode form, whitespace and punctuation folded)."""
    return hashlib.blake2b(tf.normalise(text).encode("utf-8"), digest_size=16).hexdigest()


def is_copy(a: Features, b: Features) -> tuple[bool, float]:
    """Verify a near-duplicate candidate pair; returns (decision, ranking score)."""
    short, long_ = (a, b) if len(a.shingles) <= len(b.shingles) else (b, a)
    ns, nl = len(short.shingles), len(long_.shingles)
    if min(a.ntokens, b.ntokens) < MIN_TEXT_TOKENS:
        return False, 0.0
    j_sh = tf.jaccard(a.shingles, b.shingles)
    if ns < MIN_SET:
        return j_sh >= TINY_JACCARD, j_sh
    j_sk = tf.jaccard(a.skeleton, b.skeleton)
    score = j_sh + j_sk
    if j_sh >= COPY_JACCARD:
        return True, score
    if j_sk >= SPIN_SKELETON_JACCARD and j_sh >= SPIN_SHINGLE_JACCARD and ns >= SPIN_MIN_SHINGLES:
        return True, score
    truncated = (
        ns >= TRUNC_MIN_RATIO * nl
        and tf.containment(short.shingles, long_.shingles) >= TRUNC_CONTAINMENT
        and tf.prefix_coverage(short.shingles, long_.order) >= TRUNC_PREFIX
    )
    return truncated, score


def pick_canonical(members: Sequence[tuple[str, bool, int, float]]) -> str:
    """Display choice among a copy family: (id, prefer, text length, time) tuples.
    A ``prefer`` feed wins; then the most complete text; then the earliest."""
    return min(members, key=lambda m: (not m[1], -m[2], m[3]))[0]


def simhash_keys(fp: int) -> list[int]:
    """10 keys (pairs of 5 blocks of 13,13,13,13,12 bits, hashed) for the permutation index:
    two fingerprints within Hamming distance 3 agree on at least 2 of the 5 blocks."""
    blocks = [
        (fp >> s) & ((1 << w) - 1) for s, w in ((0, 13), (13, 13), (26, 13), (39, 13), (52, 12))
    ]
    keys = []
    n = 0
    for i in range(5):
        for j in range(i + 1, 5):
            keys.append(_mix64((n << 26) | (blocks[i] << 13) | blocks[j]))
            n += 1
    return keys


def simhash_keys_array(fps: U64) -> U64:
    """``simhash_keys`` for many fingerprints at once: shape (n, 10)."""
    widths = ((0, 13), (13, 13), (26, 13), (39, 13), (52, 12))
    blocks = [(fps >> np.uint64(s)) & np.uint64((1 << w) - 1) for s, w in widths]
    cols = []
    n = 0
    for i in range(5):
        for j in range(i + 1, 5):
            raw = (np.uint64(n) << np.uint64(26)) | (blocks[i] << np.uint64(13)) | blocks[j]
            cols.append(tf._mix(raw))
            n += 1
    return np.stack(cols, axis=1) if len(fps) else np.zeros((0, 10), dtype=np.uint64)


def _mix64(x: int) -> int:
    """splitmix64 finaliser on a Python int (index keys must be uniformly spread)."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


# ---- index ----------------------------------------------------------------------------------


class KeyIndex:
    """Exact-match multi-key index: uint64 key -> the ``cap`` most recent slots.

    Keys are well-mixed 64-bit hashes.  Bulk part: arrays sorted by (key, slot), trimmed to
    the ``cap`` newest slots per key (older ones could never be returned), plus a directory
    over the top bits of the key (about four entries per bucket), so a lookup reads two
    directory cells and a few keys: O(1) cache misses whatever the size.  New entries go to a
    pending dict and are merged in bulk every ``merge_at`` keys (amortised O(log N) insert).
    All of one item's keys are looked up in one vectorised gather."""

    def __init__(self, merge_at: int = 65536, cap: int = KEY_CAP) -> None:
        self.keys: U64 = np.zeros(0, dtype=np.uint64)
        self.slots: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self.shift = np.uint64(56)
        self.dir: npt.NDArray[np.int64] = np.zeros(257, dtype=np.int64)
        self.pending: dict[int, list[int]] = {}
        self.npending = 0
        self.merge_at = merge_at
        self.cap = cap

    def __len__(self) -> int:
        return len(self.keys) + self.npending

    def add(self, slot: int, keys: Iterable[int]) -> None:
        for k in keys:
            self.pending.setdefault(k, []).append(slot)
            self.npending += 1
        # geometric merging: the pending part may grow to a quarter of the bulk part (up to
        # MERGE_MAX keys), so total merge work stays O(N log N) and the dict stays bounded
        if self.npending >= max(self.merge_at, min(len(self.keys) // 4, MERGE_MAX)):
            self.merge()

    def merge(self, alive: npt.NDArray[np.bool_] | None = None) -> None:
        """Fold pending keys into the bulk arrays; with ``alive``, drop dead slots."""
        if not self.pending and alive is None:
            return
        pk = np.fromiter(
            (k for k, v in self.pending.items() for _ in v), dtype=np.uint64, count=self.npending
        )
        ps = np.fromiter(
            (s for v in self.pending.values() for s in v), dtype=np.int32, count=self.npending
        )
        keys = np.concatenate([self.keys, pk])
        slots = np.concatenate([self.slots, ps])
        if alive is not None:
            keep = alive[slots]
            keys, slots = keys[keep], slots[keep]
        order = np.lexsort((slots, keys))
        self._set(keys[order], slots[order])
        self.pending = {}
        self.npending = 0

    def extend(self, keys: U64, slots: npt.NDArray[np.int32]) -> None:
        """Bulk insert (e.g. after restoring many articles); slots must be newer than all."""
        self.merge()
        allk = np.concatenate([self.keys, keys])
        alls = np.concatenate([self.slots, slots.astype(np.int32)])
        order = np.argsort(allk, kind="stable")
        self._set(allk[order], alls[order])

    @classmethod
    def from_arrays(cls, keys: U64, slots: npt.NDArray[np.int32], cap: int = KEY_CAP) -> KeyIndex:
        """Bulk build (``slots`` ascending in insertion order)."""
        ix = cls(cap=cap)
        order = np.argsort(keys, kind="stable")
        ix._set(keys[order], slots[order].astype(np.int32))
        return ix

    def _set(self, keys: U64, slots: npt.NDArray[np.int32]) -> None:
        n = len(keys)
        if n:
            ends = np.flatnonzero(np.r_[keys[1:] != keys[:-1], True])
            run_end = np.repeat(ends, np.diff(np.r_[-1, ends]))
            keep = run_end - np.arange(n) < self.cap
            keys, slots = keys[keep], slots[keep]
        bits = max(8, min(40, int(np.log2(max(len(keys), 1) / 4)) if len(keys) else 8))
        self.shift = np.uint64(64 - bits)
        counts = np.bincount((keys >> self.shift).astype(np.int64), minlength=1 << bits)
        self.dir = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.keys, self.slots = keys, slots

    def query(self, keys: Sequence[int]) -> set[int]:
        out: set[int] = set()
        cap = self.cap
        for k in keys:
            p = self.pending.get(k)
            if p:
                out.update(p[-cap:])
        if len(self.keys):
            q = np.array(keys, dtype=np.uint64)
            top = (q >> self.shift).astype(np.int64)
            lo, hi = self.dir[top], self.dir[top + 1]
            width = int((hi - lo).max())
            if width:
                idx = lo[:, None] + np.arange(width)
                valid = idx < hi[:, None]
                idx = np.minimum(idx, len(self.keys) - 1)
                hit = valid & (self.keys[idx] == q[:, None])
                out.update(self.slots[idx[hit]].tolist())
        return out


# ---- state ----------------------------------------------------------------------------------


@dataclass(eq=False)
class _Entry:
    id: str
    time: float
    feats: Features
    terms: U32  # story terms, highest tf-idf first (empty for copies)
    vec: F32  # normalised tf-idf weights used for the story centroid (aligned with terms)
    root: str | None  # family root id (None: this entry is a root)
    story: str
    url_key: str | None
    thash: str
    slot: int = -1


@dataclass(eq=False)
class _Story:
    id: str
    centroid: dict[int, float] = field(default_factory=dict)
    sq: float = 0.0  # squared norm of the centroid
    pending: list[tuple[U32, F32]] = field(default_factory=list)  # member vectors not yet folded
    last: float = 0.0
    size: int = 0


_EMPTY_U32: U32 = np.zeros(0, dtype=np.uint32)
_EMPTY_F32: F32 = np.zeros(0, dtype=np.float32)
_HEADER = struct.Struct(
    "<BBdQIIIIIIIII"
)  # version, flags, time, simhash, ntokens, 4 lengths, 4 strlens
_VERSION = 1


class Deduper:
    """Online duplicate and story assignment (see module docstring)."""

    def __init__(self, *, window: float = 7 * 86400, story_window: float = 3 * 86400) -> None:
        self.window = window
        self.story_window = story_window
        self._entries: list[_Entry | None] = []
        self._by_id: dict[str, _Entry] = {}
        self._by_url: dict[str, str] = {}
        self._by_text: dict[str, str] = {}
        self._index = KeyIndex()
        self._heap: list[tuple[float, int]] = []
        self._df: Counter[int] = Counter()
        self._ndocs = 0
        self._stories: dict[str, _Story] = {}
        self._postings: dict[int, list[str]] = {}
        self._story_heap: list[tuple[float, str]] = []
        # restore() stages index keys and term counts; _flush() adds them in bulk
        self._staged: list[_Entry] = []
        self._dead = 0  # evicted slots still referenced by the index

    # -- public API ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, item: DedupItem, now: float) -> DedupResult:
        self._flush()
        t = item.published if item.published is not None else now
        feats = tf.extract(item.text, item.title)
        url_key = canonical_url(item.url) if item.url else None
        thash = text_hash(item.text)
        match, reason = self._find_copy(feats, url_key, thash, t)
        if match is not None:
            # the matched entry may be a copy whose root already left the window: it still
            # carries the root id and the story
            root: str | None = match.root or match.id
            story = match.story
            terms, vec = _EMPTY_U32, _EMPTY_F32
        else:
            terms, vec = self._vector(feats)
            root = None
            story, joined = self._assign_story(terms, vec, t, item.id)
            reason = "story" if joined else "new"
        self._register(_Entry(item.id, t, feats, terms, vec, root, story, url_key, thash))
        log.debug("dedup id=%s reason=%s duplicate_of=%s story=%s", item.id, reason, root, story)
        return DedupResult(item.id, root, story, reason)

    def evict(self, now: float) -> int:
        """Drop articles older than ``window`` and stories idle longer than ``story_window``."""
        self._flush()
        cutoff = now - self.window
        n = 0
        while self._heap and self._heap[0][0] < cutoff:
            _, slot = heapq.heappop(self._heap)
            e = self._entries[slot]
            if e is None:
                continue
            self._entries[slot] = None
            del self._by_id[e.id]
            if e.url_key and self._by_url.get(e.url_key) == e.id:
                del self._by_url[e.url_key]
            if self._by_text.get(e.thash) == e.id:
                del self._by_text[e.thash]
            if e.root is None:
                self._df.subtract(e.terms.tolist())
                self._ndocs -= 1
            n += 1
        scut = now - self.story_window
        while self._story_heap and self._story_heap[0][0] < scut:
            last, sid = heapq.heappop(self._story_heap)
            s = self._stories.get(sid)
            if s is not None and s.last == last:
                del self._stories[sid]
        self._dead += n
        if self._dead > max(1024, len(self._by_id)):
            # compaction: drop dead slots from the index and zero counts from the IDF table
            alive = np.array([e is not None for e in self._entries], dtype=bool)
            self._index.merge(alive)
            self._df = +self._df
            self._dead = 0
        if n:
            log.debug(
                "dedup evicted=%d kept=%d stories=%d", n, len(self._by_id), len(self._stories)
            )
        return n

    def snapshot(self, id: str) -> bytes:
        """Compact per-article state (fingerprints and sketches, no text)."""
        e = self._by_id[id]
        f = e.feats
        strs = [s.encode() for s in (e.root or "", e.story, e.url_key or "", e.thash)]
        head = _HEADER.pack(
            _VERSION,
            int(e.root is not None),
            e.time,
            f.simhash,
            f.ntokens,
            len(f.shingles),
            len(f.skeleton),
            len(e.terms),
            len(f.bands),
            *(len(s) for s in strs),
        )
        arrays: list[npt.NDArray[Any]] = [f.order, f.skeleton, e.terms, e.vec, f.bands]
        return head + b"".join(strs) + b"".join(a.tobytes() for a in arrays)

    def restore(self, item_id: str, blob: bytes, added_at: float) -> None:
        """Rebuild one article's state from ``snapshot`` bytes; call in the original order.

        Cheap: fingerprints are staged and indexed in bulk at the next ``add``/``evict``, and
        story centroids fold their members lazily.  The article's own time is in the blob;
        ``added_at`` (when the store received it) is accepted for the caller's convenience."""
        ver, isdup, t, simhash, ntok, nsh, nsk, nt, nmh, *lens = _HEADER.unpack_from(blob)
        if ver != _VERSION:
            raise ValueError(f"unknown dedup snapshot version {ver}")
        pos = _HEADER.size
        strs = []
        for n in lens:
            strs.append(blob[pos : pos + n].decode())
            pos += n

        def take(dtype: type, count: int) -> Any:
            nonlocal pos
            a: npt.NDArray[Any] = np.frombuffer(blob, dtype=dtype, count=count, offset=pos).copy()
            pos += a.nbytes
            return a

        order = take(np.uint32, nsh)
        skeleton = take(np.uint32, nsk)
        terms = take(np.uint32, nt)
        vec = take(np.float32, nt)
        bands = take(np.uint64, nmh)
        feats = Features(
            shingles=np.sort(order),
            skeleton=skeleton,
            simhash=simhash,
            minhash=_EMPTY_U32,
            terms=_EMPTY_U32,
            weights=_EMPTY_F32,
            ntokens=ntok,
            order=order,
            bands=bands,
        )
        root = strs[0] if isdup else None
        entry = _Entry(item_id, t, feats, terms, vec, root, strs[1], strs[2] or None, strs[3])
        if root is None:
            s = self._stories.get(entry.story)
            if s is None:
                s = self._stories[entry.story] = _Story(entry.story)
            self._join(s, terms, vec, t)
        self._register(entry, staged=True)

    # -- internals -------------------------------------------------------------------------

    def _find_copy(
        self, feats: Features, url_key: str | None, thash: str, t: float
    ) -> tuple[_Entry | None, str]:
        if url_key and url_key in self._by_url:
            return self._by_id[self._by_url[url_key]], "exact-url"
        if feats.ntokens >= MIN_TEXT_TOKENS and thash in self._by_text:
            return self._by_id[self._by_text[thash]], "exact-text"
        keys = simhash_keys(feats.simhash) + feats.bands.tolist()
        best: tuple[float, _Entry] | None = None
        for slot in sorted(self._index.query(keys)):
            e = self._entries[slot]
            if e is None or abs(t - e.time) > self.window:
                continue
            ok, score = is_copy(feats, e.feats)
            if ok and (best is None or score > best[0]):
                best = (score, e)
        return (best[1], "near-dup") if best else (None, "new")

    def _register(self, e: _Entry, staged: bool = False) -> None:
        e.slot = len(self._entries)
        self._entries.append(e)
        self._by_id[e.id] = e
        if e.url_key:
            self._by_url.setdefault(e.url_key, e.id)
        self._by_text.setdefault(e.thash, e.id)
        heapq.heappush(self._heap, (e.time, e.slot))
        if e.root is None:
            self._ndocs += 1
        if staged:
            self._staged.append(e)
            return
        self._index.add(e.slot, simhash_keys(e.feats.simhash) + e.feats.bands.tolist())
        if e.root is None:
            self._df.update(e.terms.tolist())

    def _flush(self) -> None:
        """Index restored articles in bulk (vectorised keys, one sort, one count)."""
        if not self._staged:
            return
        st, self._staged = self._staged, []
        fps = np.array([e.feats.simhash for e in st], dtype=np.uint64)
        bands = np.stack([e.feats.bands for e in st])
        keys = np.concatenate([simhash_keys_array(fps), bands], axis=1)
        slots = np.repeat(np.array([e.slot for e in st], dtype=np.int32), keys.shape[1])
        self._index.extend(keys.reshape(-1), slots)
        roots = [e.terms for e in st if e.root is None]
        if roots:
            uniq, counts = np.unique(np.concatenate(roots), return_counts=True)
            self._df.update(dict(zip(uniq.tolist(), counts.tolist(), strict=True)))

    def _vector(self, feats: Features) -> tuple[U32, F32]:
        """Normalised tf-idf vector of a new article, terms by decreasing weight."""
        n = self._ndocs + 1 + IDF_PRIOR_DOCS
        df = self._df
        idf = np.log(
            n / (np.array([df.get(t, 0) for t in feats.terms.tolist()], dtype=np.float32) + 1.0)
        )
        v = (feats.weights * np.maximum(idf, 0.0)).astype(np.float32)
        norm = float(np.sqrt(np.dot(v, v)))
        if norm > 0:
            v /= norm
        order = np.argsort(-v, kind="stable")
        return feats.terms[order], v[order]

    def _fold(self, s: _Story) -> dict[int, float]:
        """Add pending member vectors to the centroid (kept lazy so restore stays cheap)."""
        c = s.centroid
        for terms_a, vec in s.pending:
            terms, vals = terms_a.tolist(), vec.tolist()
            dot = 0.0
            for k, v in zip(terms, vals, strict=True):
                old = c.get(k, 0.0)
                dot += old * v
                c[k] = old + v
            s.sq += 2 * dot + sum(v * v for v in vals)
        s.pending.clear()
        return c

    def _assign_story(self, terms_a: U32, vec: F32, t: float, id: str) -> tuple[str, bool]:
        terms = terms_a.tolist()
        hits: dict[str, int] = {}
        for term in terms[:STORY_QUERY_TERMS]:
            for sid in self._postings.get(term, ())[-POSTING_CAP:]:
                hits[sid] = hits.get(sid, 0) + 1
        best: tuple[float, str] | None = None
        ranked = sorted(hits.items(), key=lambda kv: -kv[1])[:STORY_CANDIDATES]
        vals = vec.tolist()
        for sid, _ in ranked:
            s = self._stories.get(sid)
            if s is None or t - s.last > self.story_window:
                continue
            c = self._fold(s)
            if s.sq <= 0:
                continue
            dot = sum(map(operator.mul, vals, map(c.get, terms, repeat(0.0))))
            cos = dot / math.sqrt(s.sq)
            if best is None or cos > best[0]:
                best = (cos, sid)
        if best is not None and best[0] >= STORY_MIN_COSINE:
            story = self._stories[best[1]]
            joined = True
        else:
            story = self._stories[id] = _Story(id)
            joined = False
        self._join(story, terms_a, vec, t)
        return story.id, joined

    def _join(self, s: _Story, terms_a: U32, vec: F32, t: float) -> None:
        s.pending.append((terms_a, vec))
        s.size += 1
        if t > s.last:
            s.last = t
            heapq.heappush(self._story_heap, (t, s.id))
        postings = self._postings
        for term in terms_a[:STORY_QUERY_TERMS].tolist():
            p = postings.setdefault(term, [])
            if not p or p[-1] != s.id:
                p.append(s.id)
                if len(p) > 2 * POSTING_CAP:
                    del p[:POSTING_CAP]


# ---- batch clustering (the `aggregator cluster` command) ------------------------------------


def _parse_time(v: Any) -> float | None:
    if v is None or v == "":
        return None
    if isinstance(v, int | float):
        return float(v)
    s = str(v).strip()
    try:
        return float(s)
    except ValueError:
        pass
    d = datetime.fromisoformat(s.replace("Z", "+00:00"))
    if d.tzinfo is None:
        from datetime import UTC

        d = d.replace(tzinfo=UTC)
    return d.timestamp()


def cluster(
    records: Iterable[Mapping[str, Any]],
    *,
    window: float = 7 * 86400,
    story_window: float = 3 * 86400,
) -> Iterator[dict[str, Any]]:
    """Run the daemon's dedup over records in arrival order; yield {id, duplicate_of, story}.

    A record's time is its ``published`` (ISO-8601 or unix seconds) or, when absent, the
    previous record's time, so a file without dates is one window."""
    d = Deduper(window=window, story_window=story_window)
    now = 0.0
    for r in records:
        t = _parse_time(r.get("published"))
        if t is not None:
            now = t
        item = DedupItem(
            id=str(r["id"]),
            text=str(r.get("text") or ""),
            title=str(r.get("title") or ""),
            url=r.get("url"),
            published=now,
            source=r.get("source"),
        )
        res = d.add(item, now)
        d.evict(now)
        yield {"id": res.id, "duplicate_of": res.duplicate_of, "story": res.story}


def cluster_lines(lines: Iterable[str]) -> Iterator[str]:
    """JSON-lines wrapper around ``cluster`` for the CLI."""
    recs = (json.loads(line) for line in lines if line.strip())
    for out in cluster(recs):
        yield json.dumps(out, ensure_ascii=False)
