"""Text features for duplicate and story detection: pure functions, numpy + stdlib only.

Every feature is a 32/64-bit hash computed with a *stable* hash (crc32 per token, then integer
mixing), never Python's salted ``hash()``, so fingerprints stored in SQLite stay valid across
restarts and machines.

Features of one cleaned article text (see ``extract``):

- ``shingles``: word 3-gram hashes (lower-cased word tokens), sorted unique uint32.  Exact
  copies, copies with added boilerplate, re-ordered paragraphs and truncated copies keep most
  of them, so *containment* (|A & B| / min(|A|, |B|)) over them verifies syndicated copies.
- ``skeleton``: 6-gram hashes over the *function-word skeleton* of the text: every function
  word (the, of, to, ...) is kept, every other word becomes one wildcard.  Synonym spinning
  swaps content words one for one and leaves function words alone, so the skeleton of a spun
  copy is almost unchanged (measured on ecbplus-syndication: spin40 containment q05 0.95
  against 0.60 for word 3-shingles) while two different articles rarely share long skeleton
  runs *together with* shared word shingles.
- ``simhash``: 64-bit simhash over shingles + skeleton hashes (uniform weights).
- ``minhash``: NUM_PERM min-hashes of the shingle + skeleton set, for the LSH band index.
- ``terms``/``weights``: content-word term hashes with log-tf weights (names and numbers
  boosted) for story grouping; IDF is applied by the caller from its own online counts.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
F32 = npt.NDArray[np.float32]

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

# English function words: closed-class words that synonym spinners (WordNet) do not replace.
_STOPWORD_TEXT = """a about above after again against all am an and any are as at be because been before
    being below between both but by could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves s t can just don now also said says told according would could may might must
    shall one two new"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())

SHINGLE_N = 3  # word n-gram size for copy verification
SKELETON_N = 6  # skeleton n-gram size (function words + wildcards)
NUM_PERM = 64  # min-hashes per article (LSH: LSH_BANDS x LSH_ROWS)
LSH_BANDS = 32
LSH_ROWS = 2
# tf multiplier for names (capitalised mid-sentence) and numbers; tuned with STORY_MIN_COSINE
# on ecbplus-stories topics 1-15 (see aggregator/dedup.py)
ENTITY_BOOST = 3.0

_MASK64 = (1 << 64) - 1
_rng = np.random.default_rng(20261121)  # fixed seed: min-hash permutations must be stable
_PERM_A: U64 = _rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_PERM_B: U64 = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
_WILDCARD = zlib.crc32(b"\x00*")
_BITS = np.arange(64, dtype=np.uint64)


@dataclass(frozen=True, eq=False)
class Features:
    """Fingerprints and sketches of one article (no raw text)."""

    shingles: U32  # sorted unique
    skeleton: U32  # sorted unique
    simhash: int
    minhash: U32
    terms: U32  # content-word hashes, sorted unique
    weights: F32  # log-tf (entity-boosted) per term, aligned with ``terms``
    ntokens: int
    order: U32  # word 3-shingle hashes, unique, in order of first occurrence
    bands: U64  # LSH band keys of ``minhash`` (what the index stores)


def normalise(text: str) -> str:
    """Unicode-normalised, case-folded, whitespace-collapsed text (for exact identity)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(text))


def token_hash(token: str) -> int:
    return zlib.crc32(token.encode("utf-8"))


def _mix(h: U64) -> U64:
    """splitmix64 finaliser, vectorised (uint64 arithmetic wraps silently on arrays)."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def ngram_hashes(tok: U64, n: int) -> U64:
    """64-bit hashes of all n-grams of a token-hash sequence (order-sensitive)."""
    if len(tok) < n:
        if len(tok) == 0:
            return np.zeros(0, dtype=np.uint64)
        n = len(tok)
    h = np.zeros(len(tok) - n + 1, dtype=np.uint64)
    for i in range(n):
        h = _mix(h * np.uint64(0x100000001B3) + tok[i : len(tok) - n + 1 + i])
    return h


def simhash64(hashes: U64) -> int:
    """Simhash with uniform weights over 64-bit feature hashes."""
    if len(hashes) == 0:
        return 0
    bits = (hashes[:, None] >> _BITS) & np.uint64(1)
    ones = bits.sum(axis=0, dtype=np.int64)
    out = np.flatnonzero(ones * 2 > len(hashes))
    value = 0
    for b in out.tolist():
        value |= 1 << b
    return value


def minhash(hashes: U64) -> U32:
    """NUM_PERM min-hashes (universal hashing a*x+b, top 32 bits) of a hash set."""
    if len(hashes) == 0:
        return np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
    v: U64 = (_PERM_A[:, None] * hashes[None, :] + _PERM_B[:, None]) >> np.uint64(32)
    out: U32 = v.min(axis=1).astype(np.uint32)
    return out


def band_keys(mh: U32) -> U64:
    """One 64-bit key per LSH band (band index folded in)."""
    rows = mh.astype(np.uint64).reshape(LSH_BANDS, LSH_ROWS)
    h = np.arange(LSH_BANDS, dtype=np.uint64) + np.uint64(0x51ED27)
    for r in range(LSH_ROWS):
        h = _mix(h * np.uint64(0x100000001B3) + rows[:, r])
    return h


# A capitalised word preceded by a space and a non-terminal character: a name, not a sentence
# start.  (Fixed-width look-behind; misses a name right after a quote, which is fine.)
_ENTITY = re.compile(r"(?<=[^\s.!?:;\"”“] )[A-ZÀ-ÖØ-Þ][^\W_]*(?:['’][^\W_]+)*")
_NUMBER = re.compile(r"[^\W_]*\d[^\W_]*(?:['’][^\W_]+)*")
_HASH_CACHE: dict[str, int] = {}
_HASH_CACHE_MAX = 1 << 20


def _hashes(words: list[str]) -> list[int]:
    cache = _HASH_CACHE
    if len(cache) > _HASH_CACHE_MAX:
        cache.clear()
    out = []
    for w in words:
        h = cache.get(w)
        if h is None:
            h = cache[w] = token_hash(w)
        out.append(h)
    return out


def tokens(text: str) -> tuple[list[str], set[str]]:
    """Case-folded word tokens, and the set of those that look like names or numbers
    (capitalised in mid-sentence somewhere in the text, or containing a digit)."""
    text = unicodedata.normalize("NFKC", text)
    words = [w.casefold() for w in _WORD.findall(text)]
    entities = {w.casefold() for w in _ENTITY.findall(text)}
    entities.update(w.casefold() for w in _NUMBER.findall(text))
    return words, entities


def extract(text: str, title: str = "") -> Features:
    """All features of one article.  ``title`` only feeds the story terms."""
    words, entities = tokens(text)
    ntokens = len(words)
    hashes = _hashes(words)
    th = np.array(hashes, dtype=np.uint64)
    stop = STOPWORDS
    sk = np.array(
        [h if w in stop else _WILDCARD for w, h in zip(words, hashes, strict=True)], dtype=np.uint64
    )
    sh64 = ngram_hashes(th, SHINGLE_N)
    sk64 = ngram_hashes(sk, SKELETON_N) ^ np.uint64(0x9E3779B97F4A7C15)
    both = np.unique(np.concatenate([sh64, sk64]))
    sh32 = (sh64 >> np.uint64(32)).astype(np.uint32)
    shingles, first = np.unique(sh32, return_index=True)
    order = sh32[np.sort(first)]
    skeleton = np.unique((sk64 >> np.uint64(32)).astype(np.uint32))
    mh = minhash(both)
    # story terms: content words of text and title, names and numbers boosted
    if title:
        twords, tent = tokens(title)
        words = words + twords
        entities |= tent
    counts = Counter(w for w in words if len(w) > 1 and w not in stop)
    tf = {
        h: float(n) * (ENTITY_BOOST if w in entities else 1.0)
        for w, n, h in zip(counts, counts.values(), _hashes(list(counts)), strict=True)
    }
    terms = np.array(sorted(tf), dtype=np.uint32)
    weights = (1.0 + np.log(np.array([tf[t] for t in terms.tolist()], dtype=np.float32))).astype(
        np.float32
    )
    return Features(
        shingles=shingles,
        skeleton=skeleton,
        simhash=simhash64(both),
        minhash=mh,
        terms=terms,
        weights=weights,
        ntokens=ntokens,
        order=order,
        bands=band_keys(mh),
    )


def containment(a: U32, b: U32) -> float:
    """|a & b| / min(|a|, |b|) for sorted unique arrays (0 when either is empty)."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / min(len(a), len(b))


def jaccard(a: U32, b: U32) -> float:
    if len(a) == 0 or len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def prefix_coverage(short: U32, long_order: U32) -> float:
    """Share of ``short`` (sorted unique) found among the first len(short) shingles of the
    longer text (``long_order``, first-occurrence order): high for a truncated copy, low for
    an article that quotes a passage from the middle of another."""
    k = len(short)
    if k == 0:
        return 0.0
    head = long_order[:k]
    return float(np.isin(head, short, assume_unique=True).sum()) / k
