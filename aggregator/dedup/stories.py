"""Stories: online assignment of a new root article to the most similar recent story.

``StoryBook`` holds the window's rows (``Columns`` plus the id, root and story of each slot)
and the story objects, and decides the online part: ``_assign_story`` scores the candidate
stories that the story index (a ``KeyIndex`` over each root's top terms) returns, ``_join``
records the choice and updates the story centroid.  A story with one member has no object:
its founder's row is the story (``sno`` -1).  ``StoryConsolidation`` (consolidate.py) and
``Deduper`` (deduper.py) build on it and share its state.
"""

from __future__ import annotations

import heapq

import numpy as np
import numpy.typing as npt

from aggregator.dedup.columns import Columns
from aggregator.dedup.docfreq import DocFreq
from aggregator.dedup.features import F32, U32, Features
from aggregator.dedup.keyindex import KeyIndex
from aggregator.dedup.sets import unique_counts, unique_inverse
from aggregator.dedup.thresholds import (
    CENTROID_TERMS,
    POSTING_CAP,
    STORY_CANDIDATES,
    STORY_MIN_COSINE,
    STORY_MIN_SHARED,
    STORY_QUERY_TERMS,
    STORY_TERMS,
)

SNO_MAX = 2**31 - 1  # story numbers are int32: renumbered (order kept) before they overflow
_NO_TERM = np.int64(1 << 40)  # a padding cell of a batch of centroids (above every term)
I64 = npt.NDArray[np.int64]


def story_hash(story: str) -> int:
    """32-bit hash of a story id (``hash``: per process, never stored)."""
    return hash(story) & 0xFFFFFFFF


def _join_rows(t: I64, v: F32, nt: I64, nv: F32) -> tuple[I64, F32]:
    """``StoryBook._join``'s centroid update for many centroids at once: row i of (t, v)
    (terms ascending, padded with ``_NO_TERM``) joined by row i of (nt, nv).  The same
    arithmetic: a term in both sums its two float32 weights in float64 (old first, as
    bincount does; + 0.0 as bincount's start), rounded to float32; above CENTROID_TERMS
    terms the heaviest are kept (ties: the lower term), in term order."""
    ct = np.concatenate([t, nt], axis=1)
    cv = np.concatenate([v, nv], axis=1).astype(np.float64)
    o = np.argsort(ct, axis=1, kind="stable")  # each side holds a term once: pairs, old first
    ct = np.take_along_axis(ct, o, axis=1)
    cv = np.take_along_axis(cv, o, axis=1)
    dup = ct[:, 1:] == ct[:, :-1]
    dup &= ct[:, 1:] != _NO_TERM
    head = cv[:, :-1]
    head[dup] += cv[:, 1:][dup]
    cv += 0.0
    valid = ct != _NO_TERM
    valid[:, 1:] &= ~dup
    summed = cv.astype(np.float32)
    key = np.where(valid, -summed, np.float32(np.inf))
    top = np.argsort(key, axis=1, kind="stable")[:, :CENTROID_TERMS]
    width = ct.shape[1]
    top = np.where(np.take_along_axis(valid, top, axis=1), top, width)
    top.sort(axis=1)  # kept cells in term order, padding last
    ok = top < width
    np.minimum(top, width - 1, out=top)
    out_t: I64 = np.where(ok, np.take_along_axis(ct, top, axis=1), _NO_TERM)
    out_v: F32 = np.where(ok, np.take_along_axis(summed, top, axis=1), np.float32(0.0))
    return out_t, out_v


class Story:
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


class StoryBook:
    """The window's rows and stories, and the online story decision (see module docstring)."""

    def __init__(self, window: float, story_window: float) -> None:
        self.window = window
        self.story_window = story_window
        self._c = Columns()
        self._ids: list[str] = []
        self._root: list[str | None] = []
        self._story: list[str] = []
        self._by_id: dict[str, int] = {}
        self._sindex = KeyIndex(cap=POSTING_CAP)
        # document frequencies fade with time constant window/2: an article's weight falls to
        # e^-2 (14%) by the time it leaves the window (not tuned: ECB+ has no dates)
        self._df = DocFreq(tau=max(window, story_window) / 2)
        self._stories: dict[int, Story] = {}
        self._sno: dict[str, int] = {}  # story id -> number
        self._next_sno = 0
        self._story_heap: list[tuple[float, int]] = []

    def _flush(self) -> None:
        """Index the rows whose index keys are staged (restored rows) before a decision;
        ``Deduper`` stages them, this base class has none."""

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
        sl = self._sindex.query_array(qterms.tolist())
        if not len(sl):
            return id, False, None
        c = self._c
        sno = c.sno[sl]
        keys = np.where(sno >= 0, sno, -1 - sl)
        uk, counts = unique_counts(keys)
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
        hit = (feats.terms[idx] == ct2) & (cv2 > 0)
        va = np.where(hit, v[idx], 0.0)
        # one shared word is no evidence: two title-only entries ("Episode 41: ...", "Episode
        # 42: ...") have vectors of three or four words, and one of them makes the cosine
        ok &= np.count_nonzero(hit, axis=1) >= STORY_MIN_SHARED
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
        u, inv = unique_inverse(terms)
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

    def _join_all(self, pending: list[tuple[Story, list[int]]]) -> None:
        """``_join`` of each story's further members (slots ascending, their ``sno`` set
        already), one step for all stories at a time: the same centroids, sizes, last
        times and heap entries as joining them one by one."""
        pending = sorted((p for p in pending if p[1]), key=lambda p: -len(p[1]))
        if not pending:
            return
        c = self._c
        g, steps = len(pending), len(pending[0][1])
        width = max(CENTROID_TERMS, *(len(st.terms) for st, _ in pending))
        t = np.full((g, width), _NO_TERM, dtype=np.int64)
        v = np.zeros((g, width), dtype=np.float32)
        slots = np.full((g, steps), -1, dtype=np.int64)
        for i, (st, rest) in enumerate(pending):
            t[i, : len(st.terms)], v[i, : len(st.vals)] = st.terms, st.vals
            slots[i, : len(rest)] = rest
        active = np.count_nonzero(slots >= 0, axis=0)  # stories still joining at each step
        for j in range(steps):
            n = int(active[j])
            s = slots[:n, j]
            nt = c.vterms[s].astype(np.int64)
            nv = c.vvals[s].astype(np.float32)
            pad = np.arange(nt.shape[1]) >= c.lens[s, 2][:, None]
            nt[pad], nv[pad] = _NO_TERM, 0.0
            t[:n, :CENTROID_TERMS], v[:n, :CENTROID_TERMS] = _join_rows(t[:n], v[:n], nt, nv)
            t[:n, CENTROID_TERMS:], v[:n, CENTROID_TERMS:] = _NO_TERM, 0.0
        heap = self._story_heap
        for i, (st, rest) in enumerate(pending):
            k = int(np.count_nonzero(t[i] != _NO_TERM))
            st.terms, st.vals = t[i, :k].astype(np.uint32), v[i, :k].copy()
            st.sq = float(np.dot(st.vals, st.vals))
            st.size += len(rest)
            for tm in c.time[rest].tolist():
                if tm > st.last:
                    st.last = tm
                    heapq.heappush(heap, (tm, st.no))

    def _new_story(self, sid: str, ct: U32, cv: F32, last: float, slot: int) -> Story:
        if self._next_sno > SNO_MAX:
            self._renumber_stories()
        no = self._next_sno
        self._next_sno += 1
        st = self._stories[no] = Story(sid, no, ct, cv, last)
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
