"""Story consolidation: average-link re-clustering around newly added articles.

The online assignment (stories.py) is greedy and never undoes an early wrong join;
``StoryConsolidation.consolidate`` re-clusters the neighbourhood of the articles added since
its last call and renames the groups so that story ids stay stable (see its docstring).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from aggregator.dedup.columns import F16
from aggregator.dedup.features import F32, U32
from aggregator.dedup.linkage import average_link_pairs
from aggregator.dedup.sets import unique
from aggregator.dedup.smoothing import smoothed_pairs
from aggregator.dedup.stories import Story, StoryBook, story_hash
from aggregator.dedup.thresholds import (
    CONS_IDF_POWER,
    CONS_MIN_DF,
    CONS_MIN_DOCS,
    CONS_MIN_SIMILARITY,
    CONS_NEIGHBOUR_HITS,
    CONS_SMOOTH_ALPHA,
    CONS_SMOOTH_FLOOR,
    CONS_SMOOTH_K,
    CONS_TERMS,
)


class StoryConsolidation(StoryBook):
    """``StoryBook`` plus the consolidation vectors' bookkeeping and ``consolidate``."""

    def __init__(self, window: float, story_window: float) -> None:
        super().__init__(window, story_window)
        self._cons_pending: list[int] = []  # roots added since the last consolidate()

    def consolidate(self, now: float) -> dict[str, str]:
        """Revise the stories around the articles added since the last call.

        The online assignment in ``add`` is greedy: an early wrong join is never undone.  This
        re-clusters, with ``average_link`` over consolidation vectors (IDF from the current
        document frequencies), the story window's root articles that are new, that the story
        index finds next to a new one, or that share a story with either.  Groups are named
        after the old story most of their members had (each old name used once, the biggest
        share wins; a name that a live article outside the area has is never taken), else after
        their earliest member whose id is free.  Copies follow their root.  Returns
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
        # average_link over the smoothed vectors (smoothing.smooth), from their pairs
        pairs = smoothed_pairs(
            rr, tt, ww, len(rows), CONS_SMOOTH_K, CONS_SMOOTH_ALPHA, CONS_SMOOTH_FLOOR
        )
        labels = average_link_pairs(len(rows), *pairs, CONS_MIN_SIMILARITY)
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
        snos = unique(c.sno[rows])
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
        # document frequencies and IDF entry by entry (each an elementwise function of the
        # term: the values a pass over the distinct terms gives, without sorting them)
        df = self._df.df(tt, now)
        # plain log(N / df): the terms kept are in two documents at least
        ndocs = np.float32(max(self._df.ndocs(now), 1.0))
        idf = np.log(np.maximum(ndocs / np.maximum(df, np.float32(1.0)), 1.0))
        idf **= np.float32(CONS_IDF_POWER)
        ww = ww * idf
        keep = (df >= np.float32(CONS_MIN_DF)) & (ww > 0)
        rr, tt, ww = rr[keep], tt[keep], ww[keep]
        norm = np.sqrt(np.bincount(rr, weights=ww.astype(np.float64) ** 2, minlength=m))
        ww = (ww / np.maximum(norm[rr], 1e-12)).astype(np.float32)
        return rr, tt, ww

    def _rename(self, rows: npt.NDArray[np.int64], labels: npt.NDArray[np.int64]) -> dict[str, str]:
        """Name the groups found by ``consolidate`` and apply them (see there)."""
        groups: dict[int, list[int]] = {}
        for s, lab in zip(rows.tolist(), labels.tolist(), strict=True):
            groups.setdefault(lab, []).append(s)
        return self._apply_groups(rows, groups, self._group_names(rows, groups))

    def _apply_groups(
        self, rows: npt.NDArray[np.int64], groups: dict[int, list[int]], name_of: dict[int, str]
    ) -> dict[str, str]:
        """Give each group (root slots ascending, together ``rows``) its name and rebuild the
        story objects of ``rows``; copies follow their root. {article id: new story id} of
        every article whose story changed."""
        c = self._c
        story, ids = self._story, self._ids
        # a group that starts with exactly the members of an old story object (its first
        # st.size slots hold that story's number, which no other row holds) keeps that
        # centroid and joins only the rest: members always join in slot order, so
        # rebuilding it would give the same one
        same: dict[int, Story] = {}
        for lab, mem in groups.items():
            no = int(c.sno[mem[0]])
            st = self._stories.get(no) if no >= 0 else None
            if st is not None and st.size <= len(mem) and bool((c.sno[mem[: st.size]] == no).all()):
                same[lab] = st
        # drop the old story objects of the area, then rebuild one per group
        for no in unique(c.sno[rows]).tolist():
            st = self._stories.pop(no, None) if no >= 0 else None
            if st is not None and self._sno.get(st.id) == no:
                del self._sno[st.id]
        changed: dict[str, str] = {}
        joining: list[tuple[Story, list[int]]] = []  # stories and the members still to join
        for lab, mem in groups.items():
            name = name_of[lab]
            h = story_hash(name)
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
                joining.append((st, mem[old.size :]))
            else:
                ct, cv = self._row_vector(mem[0])
                st = self._new_story(name, ct, cv, float(c.time[mem[0]]), mem[0])
                joining.append((st, mem[1:]))
            c.sno[mem] = st.no
        self._join_all(joining)
        if changed:
            self._copies_follow(changed)
        return changed

    def _group_names(
        self, rows: npt.NDArray[np.int64], groups: dict[int, list[int]]
    ) -> dict[int, str]:
        """A story id per group: the old story most of its members had (each old name once,
        the biggest share first), else its earliest member's free id, else a derived one."""
        story, ids = self._story, self._ids
        slots = rows.tolist()
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
        return name_of

    def _copies_follow(self, changed: dict[str, str]) -> None:
        """Copies take their root's new story; they are added to ``changed``."""
        c = self._c
        story, ids = self._story, self._ids
        n = c.n
        for s in np.flatnonzero(c.alive[:n] & ~c.is_root[:n]).tolist():
            r = self._root[s]
            if r is not None and r in changed and story[s] != changed[r]:
                story[s] = changed[r]
                c.shash[s] = story_hash(changed[r])
                changed[ids[s]] = changed[r]

    def _held_outside(self, rows: npt.NDArray[np.int64], names: set[str]) -> set[str]:
        """Of ``names``, those that live articles other than ``rows`` have as their story."""
        c = self._c
        out = c.alive[: c.n].copy()
        out[rows] = False
        story = self._story
        return {story[s] for s in self._with_story(out, names)}

    def _with_story(self, mask: npt.NDArray[np.bool_], names: set[str]) -> list[int]:
        """The slots of ``mask`` whose story is one of ``names`` (a vectorised scan of the
        story-hash column through a bitmap of the names' hashes; hits checked by string)."""
        c = self._c
        h = np.fromiter((story_hash(x) for x in names), dtype=np.uint32, count=len(names))
        bits = np.zeros(1 << 20, dtype=bool)
        bits[h >> np.uint32(12)] = True
        hit = np.flatnonzero(mask & bits[c.shash[: c.n] >> np.uint32(12)]).tolist()
        story = self._story
        return [s for s in hit if story[s] in names]

    def restory(self, stories: Mapping[str, str]) -> int:
        """Take the stories another worker's consolidation gave articles this one holds
        ({article id: story id}, as stored): every story object of a name involved (old or
        new) is rebuilt from its members here, as ``consolidate`` rebuilds its area; copies
        follow their root. Returns how many held articles changed story."""
        self._flush()
        c = self._c
        story = self._story
        moved: dict[int, str] = {}
        for aid, sid in stories.items():
            s = self._by_id.get(aid)
            if s is not None and c.alive[s] and story[s] != sid:
                moved[s] = sid
        count = len(moved)
        for s in [s for s in moved if not c.is_root[s]]:  # a copy: its name only
            story[s] = moved.pop(s)
            c.shash[s] = story_hash(story[s])
        if moved:
            names = {story[s] for s in moved} | set(moved.values())
            n = c.n
            rows = np.array(self._with_story(c.alive[:n] & c.is_root[:n], names), dtype=np.int64)
            by_name: dict[str, list[int]] = {}
            for s in rows.tolist():
                by_name.setdefault(moved.get(s, story[s]), []).append(s)
            groups = dict(enumerate(by_name.values()))
            self._apply_groups(rows, groups, dict(enumerate(by_name)))
        return count

    def _set_cons(self, slot: int, terms: U32, vals: F16 | F32, pending: bool = True) -> None:
        """Store a root row's consolidation vector (its heaviest terms, log-tf weights);
        ``pending``: the row is new, so the next ``consolidate`` revisits its area."""
        c = self._c
        k = min(len(terms), CONS_TERMS)
        c.cterms[slot, :k], c.cvals[slot, :k] = terms[:k], vals[:k]
        c.clen[slot] = k
        if k and pending:
            self._cons_pending.append(slot)
