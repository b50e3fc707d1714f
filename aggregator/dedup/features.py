"""Text features for duplicate and story detection: pure functions, numpy + stdlib only.

``extract`` runs in worker processes; its result (``Features``) is pickled to the main
process, so it holds small fixed-size sketches rather than whole shingle sets (~1.8 KB
pickled for a 2 KB text, one bytes object).  Every hash is *stable* (crc32 per token,
then integer mixing), never Python's salted ``hash()``, so sketches stored in SQLite stay
valid across restarts.

Features of one cleaned article text:

- ``sketch``: bottom-``SKETCH_K`` sketch of the word 3-shingle set (the smallest 32-bit
  shingle hashes, ascending) with ``sketch_pos``, each sketched shingle's rank in order of
  first occurrence (relative, in 1/256 of the text's shingles).  Two bottom-k sketches
  estimate Jaccard and containment of the full sets (``sketch_overlap``: the union of both
  sketches below the smaller of the two cut-offs is an exact uniform sample of both sets);
  the ranks estimate how much of the *opening* of a longer text a shorter one covers
  (truncated copies).  Texts with at most ``SKETCH_K`` shingles are held whole, so short
  texts are compared exactly.
- ``skel``: bottom-``SKEL_K`` sketch of 6-grams over the *function-word skeleton* (every
  function word kept, every other word one wildcard).  Synonym spinning swaps content words
  one for one and leaves function words alone, so a spun copy keeps its skeleton.
- ``bands``: MinHash-LSH band keys (``LSH_BANDS`` x ``LSH_ROWS``) from one-permutation
  hashing of shingles + skeleton 6-grams: the 64-bit hashes are sorted once and the minimum
  of each of 64 hash-range bins is one min-hash (empty bins borrow the next bin's value),
  which costs one sort instead of 64 hash permutations.
- ``terms``/``weights``: content-word hashes (title words included) with log-tf weights
  (names and numbers boosted); IDF is applied by the Deduper from its online counts.
- ``opening``: the hashes of the first ``OPENING_N`` distinct word 3-shingles, in order of
  occurrence: a copy cut to 30% of an article keeps its opening, which a bottom-k sketch of
  a long text samples too thinly to tell (``copies``: the truncation rule).
- ``simhash``: a 64-bit simhash fingerprint (the ``simhash`` package) of the word counts:
  the first, cheap copy stage (``fingerprints``).
- ``thash``: blake2b of the normalised text (exact-copy identity), so the main process does
  not normalise the text again.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import re
import struct
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from itertools import filterfalse
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from simhash import Simhash

from aggregator.dedup.sets import unique_counts

U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
F32 = npt.NDArray[np.float32]

# word characters (incl. "_", rare in prose); a number with decimal or group separators is
# one token ("9.2", "9,2" and "1,000" are not "9" "2" / "1" "000": bare fragments such as "2"
# or "000" would join unrelated stories as shared "numbers"); its commas become points, so
# 9,2 (Russian, German) and 9.2 (English) are one token.  Written as one word character,
# then the number's rest when that character is a digit, else the word's rest: the same
# matches as r"\d+(?:[.,]\d+)+|\w+(?:['’]\w+)*", but re can skip to a word character
# before trying (a tenth faster on the bench texts)
_WORD = re.compile(r"\w(?:(?<=\d)\d*(?:[.,]\d+)+|\w*(?:['’]\w+)*)")
_WORD_ASCII = re.compile(_WORD.pattern, re.ASCII)  # the same tokens of ASCII text, faster
# Scripts written without spaces between words: Han (with 々〆〇), kana, Hangul (Korean
# spaces its phrases, but one phrase glues a noun to its particles).  Their runs become
# character bigrams (a one-character run stays a unigram): the usual unit for Chinese and
# Japanese retrieval, without a segmenter's dictionary.  Thai, Lao, Khmer and Myanmar
# (no spaces either) are not split: one run is one token (see docs/decisions.md).
_CJK_CHARS = (
    "\u1100-\u11ff\u3005-\u3007\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
_CJK = re.compile(f"[{_CJK_CHARS}]")
_CJK_RUN = re.compile(f"[{_CJK_CHARS}]+")

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


@functools.cache
def stopwords(language: str | None) -> frozenset[str]:
    """Function words of ``language`` (ISO 639-1): ours for English (and for unknown or
    unlisted languages), else the ``stop-words`` package's list for that language (BSD-3,
    33 languages; NFKC + casefold) joined with ours, so English words quoted in any text
    stay function words.  A CJK bigram both of whose characters are listed counts too
    (``_is_stop``)."""
    if not language or language == "en":
        return STOPWORDS
    try:
        from stop_words import StopWordError, get_stop_words
    except ImportError:  # declared in pyproject; a bare install still works, in English
        return STOPWORDS
    try:
        listed = get_stop_words(language, cache=True)
    except (StopWordError, OSError, KeyError):
        return STOPWORDS
    return STOPWORDS | {unicodedata.normalize("NFKC", w).casefold() for w in listed}


SHINGLE_N = 3  # word n-gram size for copy verification
SKELETON_N = 6  # skeleton n-gram size (function words + wildcards)
# Sketch sizes: chosen on ecbplus-syndication (all topics, bench/dedup_eval.py) as the
# smallest that keep pair precision near exact sets: shingle/skeleton K 64/64 -> P 0.983,
# 96/48 -> 0.983, 96/64 -> 0.995, 128/64 -> 0.994 (exact sets: 0.996).  Memory per article
# in the Deduper: 5 bytes per shingle-sketch value (hash + position), 4 per skeleton value.
SKETCH_K = 96
SKEL_K = 64
NUM_BINS = 64  # one-permutation min-hash bins (LSH_BANDS x LSH_ROWS)
LSH_BANDS = 32
LSH_ROWS = 2
# tf multiplier for names (capitalised mid-sentence: people, places, organisations) and
# numbers (counts, dates, times); chosen with CONS_MIN_SIMILARITY on ecbplus-stories
# topics 1-15 held out by topic (bench/dedup_eval.py; aggregator/dedup/thresholds.py)
ENTITY_BOOST = 8.0
OPENING_N = 48  # distinct shingles of a text's opening kept in order (truncated copies)
# simhash features: every word (function words too: spinners leave them alone), weight = its
# count capped at SIMHASH_WEIGHT_CAP.  The package multiplies uint8 bit arrays by the weight:
# above 255 numpy 2 raises OverflowError, above 50 it leaves its fast batched path.  Chosen
# on ecbplus-syndication topics 1-15 against word 2/3-shingles (bench/dedup_eval.py; see
# docs/decisions.md): words put the most true copies within a small distance.
SIMHASH_WEIGHT_CAP = 50

_WILDCARD = zlib.crc32(b"\x00*")
_EMPTY32: U32 = np.zeros(0, dtype=np.uint32)


@dataclass(frozen=True, eq=False)
class Features:
    """Compact fingerprints and sketches of one article (no raw text); cheap to pickle."""

    sketch: U32  # bottom-k word 3-shingle hashes, ascending
    sketch_pos: U8  # first-occurrence rank of each sketched shingle, in 1/256 of nshingles
    nshingles: int  # distinct word 3-shingles in the text
    skel: U32  # bottom-k skeleton 6-gram hashes, ascending
    nskel: int  # distinct skeleton 6-grams
    bands: U32  # LSH band keys
    terms: U32  # content-word hashes, sorted unique
    weights: F32  # log-tf (entity-boosted) per term, aligned with ``terms``
    ntokens: int
    thash: bytes  # 16-byte hash of the normalised text
    opening: U32  # first OPENING_N distinct shingle hashes, in order of occurrence
    simhash: int  # 64-bit simhash fingerprint (unsigned)

    def __reduce__(self) -> tuple[Callable[[bytes], Features], tuple[bytes]]:
        """Pickle as one bytes object (workers send these to the main process)."""
        head = _PACK.pack(
            self.nshingles, self.nskel, self.ntokens, self.thash, len(self.sketch),
            len(self.skel), len(self.bands), len(self.terms), self.simhash, len(self.opening),
        )  # fmt: skip
        parts = (self.sketch, self.sketch_pos, self.skel, self.bands, self.terms,
                 self.weights.astype(np.float16), self.opening)  # fmt: skip
        return _unpack, (head + b"".join(a.tobytes() for a in parts),)


_PACK = struct.Struct("<III16sHHHHQH")


_G = TypeVar("_G", bound=np.generic)


class BlobReader:
    """Typed read-only array views taken one after another from a bytes object (no copies)."""

    __slots__ = ("blob", "pos")

    def __init__(self, blob: bytes, pos: int) -> None:
        self.blob = blob
        self.pos = pos

    def take(self, dtype: type[_G], count: int) -> npt.NDArray[_G]:
        a = np.frombuffer(self.blob, dtype=dtype, count=count, offset=self.pos)
        self.pos += a.nbytes
        return a


def _unpack(blob: bytes) -> Features:
    nsh, nsk, ntok, thash, ks, kk, nb, nt, fp, no = _PACK.unpack_from(blob)
    r = BlobReader(blob, _PACK.size)
    sketch, spos, skel = r.take(np.uint32, ks), r.take(np.uint8, ks), r.take(np.uint32, kk)
    bands, terms, w16 = r.take(np.uint32, nb), r.take(np.uint32, nt), r.take(np.float16, nt)
    return Features(
        sketch=sketch, sketch_pos=spos, nshingles=nsh, skel=skel, nskel=nsk, bands=bands,
        terms=terms, weights=w16.astype(np.float32), ntokens=ntok, thash=thash,
        opening=r.take(np.uint32, no), simhash=fp,
    )  # fmt: skip


def normalise(text: str) -> str:
    """Unicode-normalised, case-folded, whitespace-collapsed text (for exact identity): the
    tokens of ``tokens`` joined by spaces (CJK runs as their bigrams)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_words(text))


def _bigrams(m: re.Match[str]) -> str:
    run = m.group()
    if len(run) == 1:
        return f" {run} "
    return " " + " ".join([run[i : i + 2] for i in range(len(run) - 1)]) + " "


def _words(folded: str) -> list[str]:
    """Word tokens of NFKC-normalised, case-folded text: ``_WORD`` matches, with every run
    of a space-less script (``_CJK_CHARS``) turned into its character bigrams first.  Text
    without such characters takes the plain path (the English tokens are unchanged)."""
    if folded.isascii():  # no CJK, and ASCII classes match as Unicode ones there
        words: list[str] = _WORD_ASCII.findall(folded)
    else:
        if _CJK.search(folded) is not None:
            folded = _CJK_RUN.sub(_bigrams, folded)
        words = _WORD.findall(folded)
    # only a number's separators are commas inside a token: one scan of the joined tokens
    # instead of a Python test per token
    if "," in folded and "," in "".join(words):
        return [w.replace(",", ".") if "," in w else w for w in words]
    return words


def text_digest(normalised: str) -> bytes:
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=16).digest()


def token_hash(token: str) -> int:
    return zlib.crc32(token.encode("utf-8"))


def _mix(h: U64) -> U64:
    """splitmix64 finaliser, vectorised (uint64 arithmetic wraps silently on arrays)."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


_P1 = np.uint64(0x100000001B3)
_P2 = np.uint64(0x9E3779B97F4A7C15)


def ngram_hashes(tok: U64, n: int) -> U64:
    """64-bit hashes of all n-grams of a 32-bit token-hash sequence (order-sensitive): a
    polynomial over the tokens, then one mixing step."""
    m = len(tok)
    if m < n:
        if m == 0:
            return np.zeros(0, dtype=np.uint64)
        n = m
    k = m - n + 1
    h = tok[:k] * _P2
    for i in range(1, n):
        h = h * _P1 + tok[i : k + i]
    return _mix(h)


def _ngram_pair(words: U64, skeleton: U64) -> tuple[U64, int]:
    """``ngram_hashes(words, SHINGLE_N)``, then ``ngram_hashes(skeleton, SKELETON_N) ^ _P2``,
    in one array, and where the second part starts.  The polynomial's first SHINGLE_N steps
    run on both sequences at once and one mixing pass covers both: the same uint64
    arithmetic element by element, in half the numpy calls."""
    m = len(words)
    if m < SKELETON_N:
        sh = ngram_hashes(words, SHINGLE_N)
        return np.concatenate([sh, ngram_hashes(skeleton, SKELETON_N) ^ _P2]), len(sh)
    k3, k6 = m - SHINGLE_N + 1, m - SKELETON_N + 1
    tok = np.stack([words, skeleton])
    h = tok[:, :k3] * _P2
    for i in range(1, SHINGLE_N):
        h = h * _P1 + tok[:, i : k3 + i]
    g = h[1, :k6]
    for i in range(SHINGLE_N, SKELETON_N):
        g = g * _P1 + skeleton[i : k6 + i]
    out = np.empty(k3 + k6, dtype=np.uint64)
    out[:k3], out[k3:] = h[0], g
    out = _mix(out)
    out[k3:] ^= _P2
    return out, k3


_BIN_STARTS: U64 = np.arange(NUM_BINS + 1, dtype=np.uint64)[:NUM_BINS] << np.uint64(58)
_BAND_SALT: U64 = _mix(np.arange(LSH_BANDS, dtype=np.uint64) + np.uint64(0x51ED27))


def oph_bands(hashes: U64) -> U32:
    """One-permutation min-hash of a hash set, folded into LSH band keys (32-bit)."""
    if len(hashes) == 0:
        return _EMPTY32
    s = np.sort(hashes)
    first = np.searchsorted(s, _BIN_STARTS)  # 64 bins on the top 6 bits
    end = np.empty(NUM_BINS, dtype=first.dtype)
    end[:-1] = first[1:]
    end[-1] = len(s)
    present = first < end
    if present.all():
        vals = s[first] & np.uint64((1 << 58) - 1)
    else:
        # rotation densification: an empty bin takes the next non-empty bin's value, salted
        # by the distance, so two sets agree on it with the probability of that bin
        idx = np.flatnonzero(present)
        pos = np.arange(NUM_BINS)
        src = idx[np.searchsorted(idx, pos) % len(idx)]
        dist = ((src - pos) % NUM_BINS).astype(np.uint64)
        vals = (s[first[src]] & np.uint64((1 << 58) - 1)) + dist * np.uint64(0x2545F4914F6CDD1D)
    rows = vals.reshape(LSH_BANDS, LSH_ROWS)
    h = ((rows[:, 0] * _P1) ^ rows[:, 1] ^ _BAND_SALT) * _P2
    out: U32 = (h >> np.uint64(32)).astype(np.uint32)
    return out


# A capitalised word preceded by a space and a non-terminal character: a name, not a sentence
# start.  (Fixed-width look-behind; misses a name right after a quote, which is fine.)
# Capitals: Latin, and Cyrillic, Greek and Armenian (names in Russian, Greek, Armenian news).
# The capital comes first and the look-behind (the two characters before it, and itself)
# after it: the same matches as a look-behind in front, but re skips to a capital before
# trying (2.5x faster on the bench texts).
_CAPITALS = r"A-ZÀ-ÖØ-Þ\u0400-\u042f\u0490\u0386-\u038f\u0391-\u03ab\u0531-\u0556"
_ENTITY = re.compile(rf"[{_CAPITALS}](?<=[^\s.!?:;\"”“] [{_CAPITALS}])[^\W_]*(?:['’][^\W_]+)*")
_HASH_CACHES: dict[frozenset[str], dict[str, int]] = {}
_HASH_CACHE_MAX = 1 << 18


def _is_stop(w: str, stops: frozenset[str]) -> bool:
    """A listed function word, or a CJK bigram of two listed characters (的是, のは)."""
    if w in stops:
        return True
    return len(w) == 2 and w[0] in stops and w[1] in stops and _CJK.match(w) is not None


def _hashes(words: list[str], stops: frozenset[str] = STOPWORDS) -> U64:
    """Token hashes (crc32), with bit 32 set for function words (``stops``); memoised per
    stopword set."""
    cache = _HASH_CACHES.get(stops)
    if cache is None or len(cache) > _HASH_CACHE_MAX:
        cache = _HASH_CACHES[stops] = {}
    # fromiter: half the time of np.array for a list of ints; a word not cached yet (None)
    # makes it raise, and the misses are filled in first
    try:
        return np.fromiter(map(cache.get, words), dtype=np.uint64, count=len(words))
    except TypeError:
        pass
    out = list(map(cache.get, words))
    for i, h in enumerate(out):
        if h is None:
            w = words[i]
            h = zlib.crc32(w.encode("utf-8")) | (_is_stop(w, stops) << 32)
            cache[w] = h
            out[i] = h
    return np.fromiter(out, dtype=np.uint64, count=len(out))


def _feature_hash(feature: bytes) -> bytes:
    """The ``simhash`` package's feature hash: our features are already 64-bit hashes,
    written as 16 hex digits, so their bytes are the hash (bytes take the package's short
    path; it probes the function once with ``b"test"``)."""
    try:
        return binascii.unhexlify(feature)
    except (binascii.Error, ValueError):
        return hashlib.blake2b(feature, digest_size=8).digest()


def simhash64(th: U64) -> int:
    """64-bit simhash of a token-hash sequence: one feature per distinct word (its 32-bit
    hash mixed to 64 bits), weight = count, capped at ``SIMHASH_WEIGHT_CAP``.

    The value is ``simhash.Simhash``'s for the same features (:func:`simhash64_package`;
    equal on every input, property-tested): bit ``i`` (from the top) is set when the weights
    of the features with that bit set sum to more than half of all weights.  It is computed
    here in numpy because the package's per-feature Python loop cost 3.7 ms an article
    against 0.6 ms (bench/dedup_speed.py), the largest part of dedup's feature time."""
    if len(th) == 0:
        return 0
    words, counts = unique_counts(th)
    # small whole numbers in float64 (exact: the sums stay far below 2^53), so the bit sums
    # are one BLAS product
    weights = np.minimum(counts, SIMHASH_WEIGHT_CAP).astype(np.float64)
    # each feature's 8 bytes, most significant first, as the package reads the hash bytes
    raw = _mix(words).astype(">u8").view(np.uint8).reshape(-1, 8)
    sums = weights @ np.unpackbits(raw, axis=1).astype(np.float64)
    return int.from_bytes(np.packbits(2 * sums > weights.sum()).tobytes(), "big")


def simhash64_package(th: U64) -> int:
    """:func:`simhash64` computed by the ``simhash`` package itself (the reference the tests
    and bench/dedup_speed.py hold the numpy version to)."""
    if len(th) == 0:
        return 0
    words, counts = np.unique(th, return_counts=True)
    feats = [
        (f"{h:016x}", min(c, SIMHASH_WEIGHT_CAP))
        for h, c in zip(_mix(words).tolist(), counts.tolist(), strict=True)
    ]
    return int(Simhash(feats, f=64, hashfunc=_feature_hash).value)


def tokens(text: str) -> tuple[list[str], list[str]]:
    """Case-folded word tokens, and the (case-folded) tokens that look like names or numbers
    (capitalised in mid-sentence somewhere in the text, or containing a digit)."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    words = _words(text.casefold())
    ents = [e.casefold() for e in _ENTITY.findall(text)]
    # numbers: the few tokens that are not purely alphabetic and hold a digit, of three
    # characters or more (a one- or two-digit integer is a day of the month, an age, a count:
    # shared by unrelated stories too often to weigh like a name)
    ents.extend(
        w for w in filterfalse(str.isalpha, words) if len(w) >= 3 and any(c.isdigit() for c in w)
    )
    return words, ents


def _sorted_unique(a: U32) -> U32:
    if len(a) == 0:
        return a
    s = np.sort(a)
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    out: U32 = s[keep]
    return out


def extract(text: str, title: str = "", language: str | None = None) -> Features:
    """All features of one article.  ``title`` only feeds the story terms; ``language``
    (``enrich.language``; None: English) picks the function words (``stopwords``)."""
    stops = stopwords(language)
    words, ents = tokens(text)
    ntokens = len(words)
    thash = text_digest(" ".join(words))
    th = _hashes(words, stops)
    stop = (th >> np.uint64(32)).astype(bool)
    th &= np.uint64(0xFFFFFFFF)
    # word 3-shingles, then skeleton 6-grams, and their top 32 bits
    both, nsh64 = _ngram_pair(th, np.where(stop, th, np.uint64(_WILDCARD)))
    top32 = (both >> np.uint64(32)).astype(np.uint32)
    # shingle sketch: sorted unique 32-bit hashes with their first-occurrence rank
    sh32 = top32[:nsh64]
    nsh = 0
    sketch, pos, opening = _EMPTY32, np.zeros(0, dtype=np.uint8), _EMPTY32
    if len(sh32):
        order = np.argsort(sh32, kind="stable")
        s = sh32[order]
        firsts = np.empty(len(s), dtype=bool)
        firsts[0] = True
        np.not_equal(s[1:], s[:-1], out=firsts[1:])
        uniq, first_at = s[firsts], order[firsts]  # stable sort: first occurrence per value
        nsh = len(uniq)
        # rank of each shingle among distinct shingles in order of first occurrence
        in_order = np.sort(first_at)
        ranks = np.searchsorted(in_order, first_at[:SKETCH_K])
        sketch = uniq[:SKETCH_K].copy()
        pos = (ranks * 256 // nsh).astype(np.uint8)
        opening = sh32[in_order[:OPENING_N]]
    skel_all = _sorted_unique(top32[nsh64:])
    bands = oph_bands(both)
    fingerprint = simhash64(th)
    # story terms: content words of text and title, names and numbers boosted
    if title:
        twords, tents = tokens(title)
        tt = _hashes(twords, stops)
        th = np.concatenate([th, tt & np.uint64(0xFFFFFFFF)])
        stop = np.concatenate([stop, (tt >> np.uint64(32)).astype(bool)])
        ents = ents + tents
    content = th[~stop].astype(np.uint32)
    terms, counts = unique_counts(content)
    details = (
        _sorted_unique(np.array([zlib.crc32(e.encode("utf-8")) for e in ents], dtype=np.uint32))
        if ents
        else _EMPTY32
    )
    tfv = counts.astype(np.float32)
    if len(details):
        at = np.minimum(np.searchsorted(details, terms), len(details) - 1)
        tfv[details[at] == terms] *= ENTITY_BOOST
    # float16-exact weights: the same values whether features are pickled or not
    weights = (1.0 + np.log(tfv)).astype(np.float16).astype(np.float32)
    return Features(
        sketch=sketch,
        sketch_pos=pos,
        nshingles=nsh,
        skel=skel_all[:SKEL_K].copy(),
        nskel=len(skel_all),
        bands=bands,
        terms=terms.astype(np.uint32, copy=False),
        weights=weights,
        ntokens=ntokens,
        thash=thash,
        opening=opening,
        simhash=fingerprint,
    )


def sketch_overlap(a: U32, na: int, b: U32, nb: int) -> tuple[int, int, int, int]:
    """Compare two bottom-k sketches (ascending, of sets of size ``na`` and ``nb``).

    Returns (shared, union, in_a, cut): within the hash range both sketches cover in full
    (up to the smaller of their cut-offs), the number of values in both, in either, and in
    ``a``; ``cut`` is that range's upper bound (inclusive).  shared/union estimates Jaccard,
    shared/in_a the containment of a in b.  Exact when both sketches hold their whole set."""
    ca = int(a[-1]) if len(a) and len(a) < na else 0xFFFFFFFF
    cb = int(b[-1]) if len(b) and len(b) < nb else 0xFFFFFFFF
    cut = min(ca, cb)
    a2 = a[: np.searchsorted(a, cut, side="right")] if cut < 0xFFFFFFFF else a
    b2 = b[: np.searchsorted(b, cut, side="right")] if cut < 0xFFFFFFFF else b
    shared = len(np.intersect1d(a2, b2, assume_unique=True))
    return shared, len(a2) + len(b2) - shared, len(a2), cut
