"""Story consolidation: the fast code paths decide exactly as the plain reference does.

The references below are the implementation before the speed-up, kept verbatim in spirit:
``ref_average_link`` (all pairs summed through ``np.unique``, one dict-of-dicts merge loop
over every pair) and ``RefDeduper`` (whose ``consolidate`` builds the area with one index
lookup per new article, clusters with ``ref_average_link``, and names groups against a set
of the story ids of the whole window, rebuilding every story centroid join by join).
"""

from __future__ import annotations

import gzip
import heapq
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from aggregator.dedup import Deduper, DedupItem, linkage
from aggregator.dedup.keyindex import KeyIndex
from aggregator.dedup.linkage import average_link
from aggregator.dedup.smoothing import smooth
from aggregator.dedup.stories import story_hash
from aggregator.dedup.thresholds import (
    CONS_EDGE_MIN,
    CONS_MIN_DOCS,
    CONS_MIN_SIMILARITY,
    CONS_NEIGHBOUR_HITS,
    CONS_POSTING_MAX,
    CONS_SMOOTH_ALPHA,
    CONS_SMOOTH_FLOOR,
    CONS_SMOOTH_K,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dedup"
STORIES = DATA / "ecbplus-stories.jsonl.gz"
needs_data = pytest.mark.skipif(
    not STORIES.exists(), reason="evaluation data ../shared/data/dedup absent"
)
T0 = 1_700_000_000.0


# ---- references -------------------------------------------------------------------------------


def ref_average_link(
    rows: npt.NDArray[np.int64], terms: npt.NDArray[np.uint32], weights: Any, n: int, thr: float
) -> npt.NDArray[np.int64]:
    labels = np.arange(n, dtype=np.int64)
    if n < 2 or len(rows) == 0:
        return labels
    order = np.lexsort((rows, terms))
    r, t, w = rows[order], terms[order], weights[order]
    starts = np.flatnonzero(np.concatenate(([True], t[1:] != t[:-1])))
    sizes = np.diff(np.append(starts, len(t)))
    ok = (sizes >= 2) & (sizes <= CONS_POSTING_MAX)
    keep = np.repeat(ok, sizes)
    entry = np.flatnonzero(keep)
    if not len(entry):
        return labels
    grp_end = np.repeat(starts + sizes, sizes)[keep]
    cnt = grp_end - entry - 1
    total = int(cnt.sum())
    if total == 0:
        return labels
    first = np.repeat(entry, cnt)
    offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt) + 1
    second = first + offs
    ra, rb = r[first], r[second]
    lo, hi = np.minimum(ra, rb), np.maximum(ra, rb)
    uk, inv = np.unique(lo * n + hi, return_inverse=True)
    sims = np.bincount(inv, weights=(w[first] * w[second]).astype(np.float64))
    strong = sims >= CONS_EDGE_MIN
    uk, sims = uk[strong], sims[strong]
    adj: list[dict[int, float]] = [{} for _ in range(n)]
    heap: list[tuple[float, int, int, int, int]] = []
    for a, b, sim in zip((uk // n).tolist(), (uk % n).tolist(), sims.tolist(), strict=True):
        adj[a][b] = adj[b][a] = sim
        if sim >= thr:
            heap.append((-sim, a, b, 0, 0))
    heapq.heapify(heap)
    size, ver, alive = [1] * n, [0] * n, [True] * n
    while heap:
        _, a, b, va, vb = heapq.heappop(heap)
        if not (alive[a] and alive[b]) or ver[a] != va or ver[b] != vb:
            continue
        na = adj[a]
        del na[b]
        for x, sim in adj[b].items():
            if x == a:
                continue
            nx = adj[x]
            del nx[b]
            na[x] = nx[a] = na.get(x, 0.0) + sim
        adj[b] = {}
        alive[b] = False
        labels[b] = a
        size[a] += size[b]
        ver[a] += 1
        for x, sim in na.items():
            avg = sim / (size[a] * size[x])
            if avg >= thr:
                heapq.heappush(heap, (-avg, min(a, x), max(a, x), ver[min(a, x)], ver[max(a, x)]))
    for i in range(n):
        j = i
        while labels[j] != j:
            j = int(labels[j])
        labels[i] = j
    return labels


class RefDeduper(Deduper):
    """A Deduper whose ``consolidate`` is the reference implementation."""

    def consolidate(self, now: float) -> dict[str, str]:
        self._flush()
        if self._df.ndocs(now) < CONS_MIN_DOCS:
            return {}
        c = self._c
        n = c.n
        pend = self._cons_pending
        self._cons_pending = []
        scut = now - self.story_window
        inwin = c.alive[:n] & c.is_root[:n] & (c.time[:n] >= scut) & (c.clen[:n] > 0)
        new = sorted({s for s in pend if s < n and inwin[s]})
        if not new:
            return {}
        area = set(new)
        qterms, qmask = self._query_terms(np.array(new, dtype=np.int64))
        for qt, qm in zip(qterms, qmask, strict=True):
            hits, nhits = np.unique(
                np.array(self._sindex.query(qt[qm].tolist()), dtype=np.int64), return_counts=True
            )
            area.update(h for h in hits[nhits >= CONS_NEIGHBOUR_HITS].tolist() if inwin[h])
        rows = np.array(sorted(area), dtype=np.int64)
        snos = np.unique(c.sno[rows])
        snos = snos[snos >= 0]
        if len(snos):
            win = np.flatnonzero(inwin)
            rows = np.union1d(rows, win[np.isin(c.sno[win], snos)])
        rr, tt, ww = self._cons_vectors(rows, now)
        rr, tt, ww = smooth(
            rr, tt, ww, len(rows), CONS_SMOOTH_K, CONS_SMOOTH_ALPHA, CONS_SMOOTH_FLOOR
        )
        labels = ref_average_link(rr, tt, ww, len(rows), CONS_MIN_SIMILARITY)
        return self._ref_rename(rows, labels)

    def _ref_rename(
        self, rows: npt.NDArray[np.int64], labels: npt.NDArray[np.int64]
    ) -> dict[str, str]:
        c = self._c
        slots = rows.tolist()
        groups: dict[int, list[int]] = {}
        for i, lab in enumerate(labels.tolist()):
            groups.setdefault(lab, []).append(slots[i])
        in_area = set(slots)
        n = c.n
        used = {self._story[s] for s in np.flatnonzero(c.alive[:n]).tolist() if s not in in_area}
        cands: list[tuple[int, int, int, str]] = []
        for lab, mem in groups.items():
            seen: dict[str, list[int]] = {}
            for s in mem:
                seen.setdefault(self._story[s], []).append(s)
            cands.extend((-len(v), v[0], lab, name) for name, v in seen.items())
        cands.sort()
        name_of: dict[int, str] = {}
        for _, _, lab, name in cands:
            if lab not in name_of and name not in used:
                name_of[lab] = name
                used.add(name)
        for lab, mem in groups.items():
            if lab not in name_of:
                own = next((self._ids[s] for s in mem if self._ids[s] not in used), None)
                name = own if own is not None else f"{self._ids[mem[0]]}~{lab}"
                name_of[lab] = name
                used.add(name)
        for s in slots:
            no = int(c.sno[s])
            st = self._stories.pop(no, None) if no >= 0 else None
            if st is not None and self._sno.get(st.id) == no:
                del self._sno[st.id]
        changed: dict[str, str] = {}
        for lab, mem in groups.items():
            name = name_of[lab]
            for s in mem:
                if self._story[s] != name:
                    self._story[s] = name
                    changed[self._ids[s]] = name
            if len(mem) == 1 and name == self._ids[mem[0]]:
                c.sno[mem[0]] = -1
                continue
            ct, cv = self._row_vector(mem[0])
            st = self._new_story(name, ct, cv, float(c.time[mem[0]]), mem[0])
            for s in mem[1:]:
                self._join(name, s, float(c.time[s]), st.no)
        if changed:
            for s in np.flatnonzero(c.alive[:n] & ~c.is_root[:n]).tolist():
                r = self._root[s]
                if r is not None and r in changed and self._story[s] != changed[r]:
                    self._story[s] = changed[r]
                    changed[self._ids[s]] = changed[r]
        return changed


def story_state(d: Deduper) -> tuple[Any, ...]:
    """Everything later decisions depend on: stories per row and the story objects."""
    c = d._c
    stories = sorted(
        (no, st.id, st.terms.tolist(), st.vals.tolist(), st.last, st.size)
        for no, st in d._stories.items()
    )
    return list(d._story), c.sno[: c.n].tolist(), stories, sorted(d._sno.items())


def load_stories() -> list[dict[str, Any]]:
    with gzip.open(STORIES, "rt", encoding="utf-8") as f:
        return [json.loads(x) for x in f]


# ---- average_link -----------------------------------------------------------------------------


def random_vectors(
    rng: np.random.Generator, n: int, vocab: int, density: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32], npt.NDArray[np.float32]]:
    dense = rng.random((n, vocab)) ** 3 * (rng.random((n, vocab)) < density)
    dense /= np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-12)
    rows, terms = np.nonzero(dense)
    return rows.astype(np.int64), terms.astype(np.uint32), dense[rows, terms].astype(np.float32)


@pytest.mark.parametrize("small_rows", [None, 0])
def test_average_link_gives_the_reference_labels_on_random_vectors(
    small_rows: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Components in plain Python up to ``_SMALL_MAX_ROWS`` (default), or all of them in
    the dense loop (0)."""
    if small_rows is not None:
        monkeypatch.setattr(linkage, "_SMALL_MAX_ROWS", small_rows)
    rng = np.random.default_rng(17)
    for trial in range(60):
        n = int(rng.integers(2, 400))
        vocab = int(rng.integers(5, 300))
        rows, terms, w = random_vectors(rng, n, vocab, float(rng.uniform(0.01, 0.2)))
        thr = float(rng.choice([0.05, 0.1, CONS_MIN_SIMILARITY, 0.3]))
        want = ref_average_link(rows, terms, w, n, thr)
        assert average_link(rows, terms, w, n, thr).tolist() == want.tolist(), trial


def test_pair_sums_in_small_blocks_equal_the_plain_sums() -> None:
    """Many dense blocks (n rows > block cells / n) and ties: still the same float sums."""
    rng = np.random.default_rng(3)
    n = 1500  # > 2^17 / 1500 = 87 rows per block: 18 blocks
    rows, terms, w = random_vectors(rng, n, 400, 0.03)
    w = (np.round(w * 8) / 8).astype(np.float32)  # coarse: many exactly equal similarities
    ea, eb, sims = linkage.pair_sims(rows, terms, w, n)
    # the plain way: one np.unique over all pair keys
    order = np.lexsort((rows, terms))
    r, t, ww = rows[order], terms[order], w[order]
    a_l, b_l, p_l = [], [], []
    for term in np.unique(t):
        idx = np.flatnonzero(t == term)
        if not 2 <= len(idx) <= CONS_POSTING_MAX:
            continue
        for i in range(len(idx)):
            for j in range(i + 1, len(idx)):
                a_l.append(r[idx[i]])
                b_l.append(r[idx[j]])
                p_l.append(float(ww[idx[i]] * ww[idx[j]]))
    keys = np.array(a_l) * n + np.array(b_l)
    uk, inv = np.unique(keys, return_inverse=True)
    want = np.bincount(inv, weights=np.array(p_l))
    strong = want >= CONS_EDGE_MIN
    assert (ea * n + eb).tolist() == uk[strong].tolist()
    assert sims.tolist() == want[strong].tolist()  # bit for bit
    labels = average_link(rows, terms, w, n, 0.1)
    assert labels.tolist() == ref_average_link(rows, terms, w, n, 0.1).tolist()


def test_dense_and_sparse_merge_loops_agree() -> None:
    """Components above ``_DENSE_MAX_ROWS`` take the dict loop (then the dense one once the
    groups left fit), those up to ``_SMALL_MAX_ROWS`` the plain-Python loop: same merges as
    the dense loop alone."""
    rng = np.random.default_rng(8)
    for trial in range(30):
        k = int(rng.integers(2, 120))
        m = int(rng.integers(1, k * 4))
        a = rng.integers(0, k, m)
        b = rng.integers(0, k, m)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keys = np.unique((lo * k + hi)[lo != hi])
        ea, eb = keys // k, keys % k
        sims = np.round(rng.uniform(CONS_EDGE_MIN, 0.6, len(keys)), 2)  # ties
        thr = float(rng.choice([0.1, 0.2]))
        dense = linkage._merge_dense(k, ea, eb, sims, thr)
        sparse = linkage._merge_sparse(k, ea, eb, sims, thr, dense_rows=0)
        assert dense == sparse, trial
        assert linkage._merge_small(k, ea, eb, sims, thr) == dense, trial
        for rows in (1, k // 2, k - 1):
            assert linkage._merge_sparse(k, ea, eb, sims, thr, dense_rows=rows) == dense, trial


def test_shrinking_the_dense_matrix_changes_no_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dense loop cuts its matrix down to the groups left (here from 2 rows up, so
    nearly every merge loop shrinks): the same merges as the dict loop to the end."""
    monkeypatch.setattr(linkage, "_DENSE_COMPACT_MIN", 2)
    rng = np.random.default_rng(21)
    for trial in range(40):
        k = int(rng.integers(2, 150))
        m = int(rng.integers(1, k * 5))
        a = rng.integers(0, k, m)
        b = rng.integers(0, k, m)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keys = np.unique((lo * k + hi)[lo != hi])
        ea, eb = keys // k, keys % k
        sims = np.round(rng.uniform(CONS_EDGE_MIN, 0.6, len(keys)), 2)  # ties
        thr = float(rng.choice([0.05, 0.1, 0.2]))
        want = linkage._merge_sparse(k, ea, eb, sims, thr, dense_rows=0)
        assert linkage._merge_dense(k, ea, eb, sims, thr) == want, trial
        assert linkage._merge_sparse(k, ea, eb, sims, thr, dense_rows=k // 3) == want, trial


def test_a_component_too_big_for_a_dense_matrix_gives_the_reference_labels() -> None:
    """A chain of rows, each sharing a strong term with the next (one component of more
    than ``_DENSE_MAX_ROWS`` rows), plus weak random terms; a fixed threshold (the shipped one may change), low enough for
    the chain to hold."""
    thr = 0.16
    rng = np.random.default_rng(12)
    n = linkage._DENSE_MAX_ROWS + 300
    rows_l, terms_l, w_l = [], [], []
    for i in range(n):
        own = [(i, 1.0 + rng.random()), (i + 1, 1.0 + rng.random())]  # chain terms
        noise = [(n + 2 + int(t), rng.random() * 0.5) for t in rng.integers(0, 3000, 6)]
        for t, v in dict(own + noise).items():
            rows_l.append(i)
            terms_l.append(t)
            w_l.append(v)
    rows = np.array(rows_l, dtype=np.int64)
    terms = np.array(terms_l, dtype=np.uint32)
    w = np.array(w_l)
    w /= np.sqrt(np.bincount(rows, weights=w * w))[rows]
    w32 = w.astype(np.float32)
    ea, eb, sims = linkage.pair_sims(rows, terms, w32, n)
    strong = sims >= thr
    comp = linkage._components(n, ea[strong].tolist(), eb[strong].tolist())
    assert np.bincount(comp).max() > linkage._DENSE_MAX_ROWS
    got = average_link(rows, terms, w32, n, thr)
    assert got.tolist() == ref_average_link(rows, terms, w32, n, thr).tolist()
    assert len(set(got.tolist())) < n  # merges happened


@needs_data
def test_average_link_gives_the_reference_labels_on_ecbplus_consolidations() -> None:
    """At every consolidation of ECB+ stories (daemon mode, both orders), the area's input
    clustered by average_link and by the reference: the same labels."""
    docs = load_stories()
    shuffled = list(docs)
    random.Random(7).shuffle(shuffled)
    calls = 0
    for order in (docs, shuffled):
        d = Deduper()
        for i, doc in enumerate(order):
            d.add(DedupItem(id=doc["id"], text=doc["text"], title=doc.get("title") or ""), 0.0)
            if (i + 1) % 50 and i + 1 < len(order):
                continue
            if d._df.ndocs(0.0) >= CONS_MIN_DOCS:
                rows = d._cons_area(list(d._cons_pending), 0.0)
                if len(rows):
                    rr, tt, ww = d._cons_vectors(rows, 0.0)
                    m = len(rows)
                    got = average_link(rr, tt, ww, m, CONS_MIN_SIMILARITY)
                    assert (
                        got.tolist()
                        == ref_average_link(rr, tt, ww, m, CONS_MIN_SIMILARITY).tolist()
                    )
                    calls += 1
            d.consolidate(0.0)
    assert calls >= 20


# ---- the Deduper around it --------------------------------------------------------------------


def feed_both(
    docs: list[dict[str, Any]], every: int, spacing: float = 0.0, **kw: float
) -> tuple[Deduper, RefDeduper]:
    """The same stream through a Deduper and the reference: identical results throughout."""
    d, ref = Deduper(**kw), RefDeduper(**kw)
    for i, doc in enumerate(docs):
        t = T0 + i * spacing
        item = DedupItem(id=doc["id"], text=doc["text"], title=doc.get("title") or "")
        got, want = d.add(item, t), ref.add(item, t)
        assert got == want, i
        assert d.evict(t) == ref.evict(t)
        if (i + 1) % every == 0 or i + 1 == len(docs):
            assert d.consolidate(t) == ref.consolidate(t), i
    assert story_state(d) == story_state(ref)
    return d, ref


@needs_data
@pytest.mark.parametrize("shuffle", [False, True], ids=["file-order", "shuffled"])
def test_consolidation_decides_as_the_reference_on_ecbplus(shuffle: bool) -> None:
    docs = load_stories()
    if shuffle:
        random.Random(7).shuffle(docs)
    feed_both(docs, every=50)


@needs_data
def test_consolidation_with_evictions_and_compaction_decides_as_the_reference() -> None:
    """A clock moving 10 minutes per article through small windows: stories go stale,
    articles leave the window, columns are compacted, between consolidations."""
    docs = [{**doc, "id": f"{doc['id']}/{k}"} for doc in load_stories() for k in range(4)]
    random.Random(2).shuffle(docs)  # each text four times: copies of roots, some evicted
    d, _ = feed_both(docs, every=23, spacing=600.0, window=86400.0, story_window=30000.0)
    assert d._c.n < len(docs)  # compacted at least once


def test_consolidation_after_restart_decides_as_the_reference() -> None:
    """Restored articles (stories from the store) next to new ones."""
    rng = random.Random(5)
    words = [f"w{i}" for i in range(400)] + [f"Name{i}" for i in range(60)]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(30, 80))) for _ in range(260)]
    seed = Deduper()
    blobs = []
    for i, text in enumerate(texts[:160]):
        seed.add(DedupItem(id=f"a{i}", text=text), T0 + i)
        blobs.append((f"a{i}", seed.snapshot(f"a{i}")))
        if i % 40 == 39:
            seed.consolidate(T0 + i)
    d, ref = Deduper(), RefDeduper()
    for x in (d, ref):
        for aid, blob in blobs:
            assert x.restore(aid, blob, T0, story=seed._story[seed._by_id[aid]])
    for i, text in enumerate(texts[160:]):
        item = DedupItem(id=f"b{i}", text=text)
        assert d.add(item, T0 + 200 + i) == ref.add(item, T0 + 200 + i)
        if i % 25 == 24:
            assert d.consolidate(T0 + 200 + i) == ref.consolidate(T0 + 200 + i)
    assert story_state(d) == story_state(ref)


def test_story_ids_held_outside_the_area_match_a_whole_window_scan() -> None:
    rng = random.Random(9)
    words = [f"w{i}" for i in range(300)]
    d = Deduper()
    for i in range(300):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(20, 60)))
        d.add(DedupItem(id=f"x{i}", text=text), T0 + i)
        if i % 60 == 59:
            d.consolidate(T0 + i)
    c = d._c
    for _ in range(20):
        rows = np.array(sorted(rng.sample(range(c.n), rng.randint(1, 200))), dtype=np.int64)
        names = {d._story[s] for s in rows.tolist()} | {d._ids[s] for s in rows.tolist()}
        names |= {"nobody", d._story[rng.randrange(c.n)]}
        inside = set(rows.tolist())
        whole = {d._story[s] for s in range(c.n) if c.alive[s] and s not in inside}
        assert d._held_outside(rows, names) == whole & names
    # the hash column follows every change of story
    assert c.shash[: c.n].tolist() == [story_hash(s) for s in d._story]


def test_renumbering_stories_changes_no_decision() -> None:
    """Story numbers are int32; renumbering them (order kept) before an overflow leaves
    every later decision as it was."""
    rng = random.Random(4)
    words = [f"w{i}" for i in range(250)]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(20, 60))) for _ in range(300)]
    d, plain = Deduper(), Deduper()
    for i, text in enumerate(texts):
        item = DedupItem(id=f"x{i}", text=text)
        assert d.add(item, T0 + i) == plain.add(item, T0 + i)
        if i % 30 == 29:
            assert d.consolidate(T0 + i) == plain.consolidate(T0 + i)
            d._renumber_stories()
            assert max(d._stories, default=-1) < d._next_sno <= plain._next_sno
            assert int(d._c.sno[: d._c.n].max()) < d._next_sno
    assert list(d._story) == list(plain._story)


def test_key_index_batched_lookup_equals_one_lookup_per_key() -> None:
    rng = np.random.default_rng(1)
    ix = KeyIndex(cap=4, pending_max=300)
    for slot in range(410):  # merges into the bulk part, and some keys left pending
        ix.add(slot, rng.integers(0, 120, 3).tolist())
    assert ix.npending and len(ix.keys)
    keys = rng.integers(0, 150, 60).tolist()
    at, slots = ix.query_each(keys)
    for i, k in enumerate(keys):
        assert sorted(slots[at == i].tolist()) == sorted(ix.query([k]))
