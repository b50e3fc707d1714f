"""``Deduper``: the online decision for each arriving article, and its persistence.

``add`` finds an exact or near copy (``_find_copy``: URL and simhash candidates from the
fingerprint index first, then band-key candidates from the LSH index, each verified by
``copies.is_copy_batch``), else assigns a story (``stories``); ``evict``
keeps the window bounded; ``consolidate`` (consolidate.py) revises stories after a poll;
``snapshot``/``restore`` move one article's state to and from bytes (``persist``).  See the
package docstring (``aggregator.dedup``) for the layers and the memory layout.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import math
from array import array
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aggregator.dedup import features as tf
from aggregator.dedup import persist
from aggregator.dedup.columns import F16, Row
from aggregator.dedup.consolidate import StoryConsolidation
from aggregator.dedup.copies import CopySketch, is_copy_batch
from aggregator.dedup.features import U32, Features
from aggregator.dedup.fingerprints import FingerprintIndex, hamming
from aggregator.dedup.keyindex import KeyIndex
from aggregator.dedup.sets import unique_counts
from aggregator.dedup.stories import story_hash
from aggregator.dedup.thresholds import (
    CONS_TERMS,
    MIN_BAND_HITS,
    MIN_TEXT_TOKENS,
    STORY_QUERY_TERMS,
    STORY_TERMS,
)
from aggregator.urls import url_identity

log = logging.getLogger(__name__)

# snapshot(id) works for the articles among the last SNAPSHOT_RECENT added or restored: their
# band keys and terms are kept only that long (the columns do not hold them)
SNAPSHOT_RECENT = 256
_URL_SALT = 0x55524C
_MAX32 = np.uint32(0xFFFFFFFF)
_EMPTY_U32: U32 = np.zeros(0, dtype=np.uint32)
_EMPTY_F16: F16 = np.zeros(0, dtype=np.float16)


@dataclass(frozen=True)
class DedupItem:
    id: str
    text: str
    title: str = ""
    url: str | None = None
    published: float | None = None  # unix seconds; None or out of window: `now` (article_time)
    source: str | None = None  # outlet / feed id
    prefer: bool = False  # from the feed config
    language: str | None = None  # ISO 639 code (``enrich.language``): its function words


@dataclass(frozen=True)
class DedupResult:
    id: str
    duplicate_of: str | None  # the family root (never a chain)
    story: str  # story id: the id of the article that started it (consolidate may rename)
    # "exact-url", "exact-text", "simhash" (a copy found by its fingerprint), "near-dup" (by
    # the LSH stage), "story", "new"
    reason: str


def _h64(data: bytes) -> int:
    """Non-zero 64-bit identity hash (0 marks "none" in the columns)."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little") | 1


def _key32(h: int, salt: int) -> int:
    """32-bit index key of a 64-bit identity hash (salted per kind)."""
    return ((h ^ salt) * 0x9E3779B97F4A7C15 >> 32) & 0xFFFFFFFF


def url_hash(url: str | None) -> int:
    """The URL identity hash of an article (0: none), as its row stores it."""
    return _h64(url_identity(url).encode()) if url else 0


def url_key(urlh: int) -> int:
    """The index key of a URL identity hash (``url_hash``), beside the fingerprint's keys."""
    return _key32(urlh, _URL_SALT)


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


class Deduper(StoryConsolidation):
    """Online duplicate and story assignment (see the package docstring)."""

    def __init__(self, *, window: float = 7 * 86400, story_window: float = 3 * 86400) -> None:
        super().__init__(window, story_window)
        self._index = KeyIndex()  # LSH band keys (the second stage)
        self._fp = FingerprintIndex()  # simhash table keys and URL keys (the first stage)
        # restored rows: index keys and slots staged for one bulk insert
        self._staged_keys = array("I")
        self._staged_slots = array("i")
        self._staged_url = array("I")
        self._staged_url_slots = array("i")
        self._staged_rows = array("i")
        self._nalive = 0
        # slot -> (band keys, all terms) of the last SNAPSHOT_RECENT rows, for snapshot()
        self._recent: dict[int, tuple[U32, U32]] = {}

    # -- public API ------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._nalive

    def __contains__(self, id: object) -> bool:
        """Whether the article ``id`` is in the index (added or restored, not evicted)."""
        return id in self._by_id

    def memory_bytes(self) -> int:
        """Bytes held in numpy columns and indexes (Python objects not counted)."""
        return (
            self._c.nbytes()
            + self._index.nbytes()
            + self._fp.nbytes()
            + self._sindex.nbytes()
            + self._df.table.nbytes
        )

    def add(self, item: DedupItem, now: float, features: Features | None = None) -> DedupResult:
        """Decide for one arriving article. ``features`` (``features.extract(text, title,
        language)``)
        may be computed ahead, e.g. in a worker process; they are pure.

        To persist the decision, take the article's ``snapshot`` before ``SNAPSHOT_RECENT``
        more articles are added or restored, or call ``add_with_snapshot``."""
        self._flush()
        if not math.isfinite(now):
            raise ValueError(f"dedup clock must be a finite time, got {now!r}")
        t = article_time(item.published, now, self.window)
        feats = (
            features if features is not None else tf.extract(item.text, item.title, item.language)
        )
        urlh = url_hash(item.url)
        thash = int.from_bytes(feats.thash[:8], "little") | 1
        fpkeys = self._fp.key_list(feats.simhash) if feats.simhash else []
        match, reason = self._find_copy(feats, urlh, thash, t, fpkeys)
        vterms, vvals = _EMPTY_U32, _EMPTY_F16
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
            vterms, vvals = feats.terms[top], v[top].astype(np.float16)
        row = Row(
            time=t, is_root=root is None, urlh=urlh, thash=thash, nshingles=feats.nshingles,
            nskel=feats.nskel, ntokens=feats.ntokens, sketch=feats.sketch,
            pos=feats.sketch_pos, skel=feats.skel, vterms=vterms, vvals=vvals,
            opening=feats.opening, simhash=feats.simhash,
        )  # fmt: skip
        slot = self._append(item.id, row, root, story)
        if root is None:
            ctop = np.sort(order[:CONS_TERMS])
            self._set_cons(slot, feats.terms[ctop], feats.weights[ctop])
        self._index_row(slot, feats.bands, urlh, feats.simhash, fpkeys)
        if root is None:
            self._df.add(feats.terms, t)
            self._sindex.add(slot, qterms.tolist())
            self._join(story, slot, t, skey)
        self._remember(slot, feats.bands, feats.terms if root is None else _EMPTY_U32)
        log.debug("dedup id=%s reason=%s duplicate_of=%s story=%s", item.id, reason, root, story)
        return DedupResult(item.id, root, story, reason)

    def add_with_snapshot(
        self, item: DedupItem, now: float, features: Features | None = None
    ) -> tuple[DedupResult, bytes]:
        """``add``, then the article's ``snapshot``: the decision and the bytes to store
        beside it, so that ``restore`` can rebuild the index after a restart."""
        result = self.add(item, now, features)
        return result, self.snapshot(item.id)

    def evict(self, now: float) -> int:
        """Drop articles older than ``window`` and stories idle longer than ``story_window``.
        A vectorised scan of the time column; compaction when dead rows outnumber live ones
        (and 1,024)."""
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

    def snapshot(self, id: str) -> bytes:
        """Compact state of an article added or restored recently (``persist``: sketches,
        band keys, story and consolidation vectors, its terms; no text).

        Only the last ``SNAPSHOT_RECENT`` articles added or restored can be snapshotted: band
        keys and terms are kept no longer (a KeyError says so).  Take it right after ``add``,
        or use ``add_with_snapshot``."""
        slot = self._by_id[id]
        recent = self._recent.get(slot)
        if recent is None:
            raise KeyError(
                f"dedup snapshot of {id} must be taken within {SNAPSHOT_RECENT} articles of its"
                " add() (add_with_snapshot does both)"
            )
        c = self._c
        k = int(c.clen[slot])
        stored = persist.Stored(
            row=c.row(slot), root=self._root[slot], story=self._story[slot], bands=recent[0],
            dfterms=recent[1], cterms=c.cterms[slot, :k], cvals=c.cvals[slot, :k],
        )  # fmt: skip
        return persist.encode(stored)

    def restore(self, item_id: str, blob: bytes, added_at: float, story: str | None = None) -> bool:
        """Rebuild one article's state from ``snapshot`` bytes; call in the original order.

        Cheap: a row is appended (the same path as ``add``) and its index keys staged for a
        bulk insert at the next ``add``, ``evict`` or ``consolidate``.  The article's own time
        is in the blob; ``added_at`` (when the store received it) is accepted for the
        caller's convenience.  A blob of an older format (version 1: whole shingle sets) is
        skipped and False returned: that article is then simply not matched against (its
        stored decision stays valid).  ``story``, when given, is the article's current story
        (``consolidate`` may have changed it since the snapshot)."""
        s = persist.decode(blob)
        if s is None:
            log.debug("dedup restore skipped id=%s version=%s", item_id, blob[:1].hex())
            return False
        sid = story if story is not None else s.story
        slot = self._append(item_id, s.row, s.root, sid)
        self._remember(slot, s.bands.copy(), s.dfterms.copy())
        urlh = s.row.urlh
        if urlh:
            self._staged_url.append(url_key(urlh))
            self._staged_url_slots.append(slot)
        self._staged_keys.frombytes(s.bands.tobytes())
        self._staged_slots.extend([slot] * len(s.bands))
        self._staged_rows.append(slot)
        if s.root is None:
            self._df.add(s.dfterms, s.row.time)
            self._join(sid, slot, s.row.time)
            # stored stories are consolidated already: a restored article is only revisited
            # when a new one arrives next to it
            self._set_cons(slot, s.cterms, s.cvals, pending=False)
        return True

    # -- internals -------------------------------------------------------------------------

    def _append(self, id: str, row: Row, root: str | None, story: str) -> int:
        """Write one article's row (``add`` and ``restore`` alike); returns its slot."""
        slot = self._c.write(row)
        self._c.shash[slot] = story_hash(story)
        self._ids.append(id)
        self._root.append(root)
        self._story.append(story)
        self._by_id[id] = slot
        self._nalive += 1
        return slot

    def _remember(self, slot: int, bands: U32, dfterms: U32) -> None:
        """Keep what only ``snapshot`` needs, for the last ``SNAPSHOT_RECENT`` rows."""
        recent = self._recent
        recent[slot] = (bands, dfterms)
        if len(recent) > SNAPSHOT_RECENT:
            del recent[next(iter(recent))]

    def _index_row(
        self, slot: int, bands: U32, urlh: int, fp: int, fpkeys: list[int] | None = None
    ) -> None:
        # no text-hash key: identical texts (>= MIN_TEXT_TOKENS words) share every band key
        # and the fingerprint
        self._index.add(slot, bands.tolist())
        self._fp.add(slot, fp or None, [url_key(urlh)] if urlh else (), fpkeys)

    def _find_copy(
        self, feats: Features, urlh: int, thash: int, t: float, fpkeys: list[int] | None = None
    ) -> tuple[int | None, str]:
        """The stored article this one copies, and how it was found: first the URL and the
        simhash fingerprint (``FingerprintIndex``: exact URL, exact text, or a fingerprint
        within ``SIMHASH_K`` bits that verification accepts), then the LSH stage."""
        c = self._c
        fp = feats.simhash or None
        extra = [url_key(urlh)] if urlh else ()
        sl = self._alive(self._fp.query(fp, extra, fpkeys), t)
        if len(sl):
            if urlh:
                hit = sl[c.urlh[sl] == np.uint64(urlh)]
                if len(hit):
                    return int(hit[0]), "exact-url"
            if fp is not None:
                sl = sl[hamming(c.simhash[sl], fp) <= self._fp.k]
                found = self._verify(feats, thash, sl)
                if found[0] is not None:
                    return found[0], "simhash" if found[1] == "near-dup" else found[1]
        hits = self._index.query_array(feats.bands.tolist())
        if not len(hits):
            return None, "new"
        sl, nhits = unique_counts(hits)
        ok = c.alive[sl] & (np.abs(c.time[sl] - t) <= self.window)
        return self._verify(feats, thash, sl[ok], nhits[ok])

    def _alive(self, sl: npt.NDArray[np.int64], t: float) -> npt.NDArray[np.int64]:
        c = self._c
        out: npt.NDArray[np.int64] = sl[c.alive[sl] & (np.abs(c.time[sl] - t) <= self.window)]
        return out

    def _verify(
        self,
        feats: Features,
        thash: int,
        sl: npt.NDArray[np.int64],
        nhits: npt.NDArray[np.int64] | None = None,
    ) -> tuple[int | None, str]:
        """The best verified copy among candidate slots ``sl`` (exact text first)."""
        if not len(sl):
            return None, "new"
        c = self._c
        if feats.ntokens >= MIN_TEXT_TOKENS:
            hit = sl[c.thash[sl] == np.uint64(thash)]
            if len(hit):
                return int(hit[0]), "exact-text"
        if nhits is not None:
            sl = sl[nhits >= MIN_BAND_HITS]
        if not len(sl):
            return None, "new"
        ks, kk = c.lens[sl, 0].astype(np.int64), c.lens[sl, 1].astype(np.int64)
        k1, k2 = c.sketch.shape[1], c.skel.shape[1]
        sk = np.where(np.arange(k1) < ks[:, None], c.sketch[sl], _MAX32)
        sv = np.where(np.arange(k2) < kk[:, None], c.skel[sl], _MAX32)
        ok_, score = is_copy_batch(
            CopySketch.of(feats), sk, sv, c.opening[sl], c.lens[sl].astype(np.int64),
            c.sizes[sl].astype(np.int64),
        )  # fmt: skip
        if not ok_.any():
            return None, "new"
        best = np.flatnonzero(ok_)[np.argmax(score[ok_])]  # first of the best (oldest slot)
        return int(sl[best]), "near-dup"

    def _flush(self) -> None:
        """Index restored articles in bulk (one sort per index)."""
        if not self._staged_rows:
            return
        keys = np.frombuffer(self._staged_keys, dtype=np.uint32)
        slots = np.frombuffer(self._staged_slots, dtype=np.int32)
        rows = np.frombuffer(self._staged_rows, dtype=np.int32).astype(np.int64)
        self._index.extend(keys, slots)
        del keys, slots
        c = self._c
        fps = c.simhash[rows]
        fp_rows = rows[fps != 0]
        self._fp.extend(c.simhash[fp_rows], fp_rows.astype(np.int32))
        self._fp.extend_keys(
            np.frombuffer(self._staged_url, dtype=np.uint32),
            np.frombuffer(self._staged_url_slots, dtype=np.int32),
        )
        self._staged_keys, self._staged_slots, self._staged_rows = (
            array("I"),
            array("i"),
            array("i"),
        )
        self._staged_url, self._staged_url_slots = array("I"), array("i")
        r = rows[c.is_root[rows]]
        if len(r):
            qt, mask = self._query_terms(r)
            sslots = np.repeat(r.astype(np.int32), mask.sum(axis=1))
            self._sindex.extend(qt[mask], sslots)

    def _compact(self) -> None:
        """Drop dead rows: renumber slots in columns, indexes, id lists and stories."""
        self._flush()
        c = self._c
        keep = c.alive[: c.n].copy()
        new_slot = np.full(c.n, -1, dtype=np.int32)
        new_slot[keep] = np.arange(int(keep.sum()), dtype=np.int32)
        self._index.remap(new_slot)
        self._fp.remap(new_slot)
        self._sindex.remap(new_slot)
        c.compact(keep)
        kept = np.flatnonzero(keep).tolist()
        self._ids = [self._ids[i] for i in kept]
        self._root = [self._root[i] for i in kept]
        self._story = [self._story[i] for i in kept]
        self._by_id = {id: i for i, id in enumerate(self._ids)}
        self._recent = {int(new_slot[k]): v for k, v in self._recent.items() if new_slot[k] >= 0}
        self._cons_pending = [int(new_slot[k]) for k in self._cons_pending if new_slot[k] >= 0]
