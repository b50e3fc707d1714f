"""``Deduper.restory`` (hypothesis): a memory that restores another's decisions as they are
stored, and takes the stories its consolidations changed, holds the same stories, coherent
story objects, and decides a new article as the consolidating memory does.

This is what two workers on one database do (``shared_index.catch_up``); the test runs both
memories in one process, with the stored state passed as the blobs and story ids the store
would give (tests/test_pg_restory.py runs it through PostgreSQL)."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.dedup import Deduper, DedupItem

T0 = 1_700_000_000.0


def _texts(seed: int, n: int) -> list[str]:
    """News-like texts of a few events (names shared within an event), some repeated."""
    rng = random.Random(seed)
    filler = [f"w{i}" for i in range(250)]
    events = [[f"Name{e}x{k}" for k in range(5)] for e in range(rng.randint(3, 9))]
    out: list[str] = []
    for _ in range(n):
        if out and rng.random() < 0.1:
            out.append(rng.choice(out))  # a syndicated copy
            continue
        names = rng.choice(events)
        share = rng.uniform(0.15, 0.4)
        out.append(
            " ".join(
                rng.choice(names) if rng.random() < share else rng.choice(filler)
                for _ in range(rng.randint(30, 70))
            )
        )
    return out


def _coherent(d: Deduper) -> None:
    c = d._c
    for s in np.flatnonzero(c.alive[: c.n] & c.is_root[: c.n]).tolist():
        no = int(c.sno[s])
        if no < 0:
            assert d._story[s] == d._ids[s]
        else:
            assert d._stories[no].id == d._story[s]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(60, 160),
    every=st.integers(5, 40),
    sync=st.integers(3, 30),
)
def test_a_restoried_memory_holds_the_consolidated_stories(
    seed: int, n: int, every: int, sync: int
) -> None:
    texts = _texts(seed, n + 1)
    a, b = Deduper(), Deduper()
    blobs: list[tuple[str, bytes]] = []
    moved = 0

    def catch_up() -> None:
        """b restores what it lacks (with the stored story), and takes the stories of the
        articles it holds (``catch_up``'s two halves)."""
        nonlocal moved
        stored = {i: a._story[a._by_id[i]] for i, _ in blobs}
        for aid, blob in blobs:
            if aid not in b:
                assert b.restore(aid, blob, T0, story=stored[aid])
        moved += b.restory(stored)

    for i, text in enumerate(texts[:n]):
        res, blob = a.add_with_snapshot(DedupItem(id=f"x{i}", text=text), T0 + i)
        blobs.append((res.id, blob))
        if (i + 1) % every == 0:
            a.consolidate(T0 + i)
        if (i + 1) % sync == 0:
            catch_up()
    a.consolidate(T0 + n)
    catch_up()
    assert {i: b._story[s] for i, s in b._by_id.items()} == {
        i: a._story[s] for i, s in a._by_id.items()
    }
    _coherent(a)
    _coherent(b)
    # copies follow their root in both
    for d in (a, b):
        for s, root in enumerate(d._root):
            if root is not None and root in d._by_id:
                assert d._story[s] == d._story[d._by_id[root]]
    item = DedupItem(id="new", text=texts[n])
    ra, rb = a.add(item, T0 + n + 1), b.add(item, T0 + n + 1)
    assert (ra.duplicate_of, ra.story) == (rb.duplicate_of, rb.story)
    # moved counts real changes only: a second catch-up moves nothing
    assert b.restory({i: a._story[a._by_id[i]] for i, _ in blobs}) == 0
