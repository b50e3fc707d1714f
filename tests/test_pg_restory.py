"""Two workers' dedup memories on one PostgreSQL state, with consolidation: a story that one
worker's consolidation renames reaches the other's memory (``Deduper.restory`` in
``catch_up``), so a copy decided later by either takes its root's current story, and every
memory agrees with the database. CI found the race this closes: a copy stored with story
'53' while its original had become '53~0' in another worker's consolidation."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np

from aggregator.dedup import Deduper
from aggregator.enrich.shared_index import catch_up, consolidate_shared, load_index
from aggregator.store.postgres import PostgresStore
from aggregator.store.target import PgTarget
from tests.test_dedup_index import decide

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
WEEK = 7 * 86400.0


def _texts(n: int, seed: int) -> list[str]:
    """Texts of a few events: each shares names and words with the others of its event
    (so stories form, and consolidation regroups some of them), plus filler words."""
    rng = random.Random(seed)
    filler = [f"w{i}" for i in range(300)]
    events = [[f"Name{e}x{k}" for k in range(6)] for e in range(12)]
    out = []
    for _ in range(n):
        names = rng.choice(events)
        words = [rng.choice(names) if rng.random() < 0.3 else rng.choice(filler) for _ in range(60)]
        out.append(" ".join(words))
    return out


def _consistent(d: Deduper) -> None:
    """Each live root's story object is the one of its story id (or none: a one-member
    story named after it)."""
    c = d._c
    for s in np.flatnonzero(c.alive[: c.n] & c.is_root[: c.n]).tolist():
        no = int(c.sno[s])
        if no < 0:
            assert d._story[s] == d._ids[s], s
        else:
            assert d._stories[no].id == d._story[s], s


def test_pg_consolidation_reaches_the_other_workers_memory(pg_url: str) -> None:
    texts = _texts(240, 11)
    rng = random.Random(3)
    with (
        PostgresStore(PgTarget(pg_url), owner="a") as a,
        PostgresStore(PgTarget(pg_url), owner="b") as b,
    ):
        since = T0 - timedelta(days=7)
        workers = []
        for s in (a, b):
            mem, seen = load_index(s, WEEK, WEEK, since)
            workers.append([s, mem, seen])
        ids: dict[int, int] = {}  # text number -> article id of its first (root) decision
        copies: dict[int, int] = {}  # copy's article id -> the original's
        moved = 0
        for chunk in range(24):
            w = workers[chunk % 2]
            store, mem = w[0], w[1]
            assert isinstance(store, PostgresStore) and isinstance(mem, Deduper)
            with store.transaction():
                store.own_for_decision([])
                w[2], _ = catch_up(store, mem, int(w[2]))  # type: ignore[call-overload]
                for k in range(chunk * 10, chunk * 10 + 10):
                    t = T0 + timedelta(seconds=k)
                    if k % 7 == 6 and ids:  # a copy of an article either worker decided
                        src = rng.choice(sorted(ids))
                        aid = decide(store, mem, f"c{k}", texts[src], t)
                        copies[aid] = ids[src]
                    else:
                        ids[k] = decide(store, mem, f"k{k}", texts[k], t)
            if chunk % 3 == 2:
                before = {i: mem._story[mem._by_id[i]] for i in mem._by_id}
                now = (T0 + timedelta(seconds=chunk * 10 + 10)).timestamp()
                w[2], changes = consolidate_shared(store, mem, int(w[2]), now)  # type: ignore[call-overload]
                other = workers[1 - chunk % 2][1]
                assert isinstance(other, Deduper)
                moved += sum(1 for i in changes if i in other and i in before)
        assert moved > 0, "no consolidation renamed a story the other worker held"
        rows = a._db.execute("SELECT id, duplicate_of, story FROM articles").fetchall()
        stored = {str(r[0]): str(r[2]) for r in rows}
        for cid, oid in copies.items():
            root = next(int(str(r[1])) for r in rows if int(str(r[0])) == cid)
            assert root in (oid, copies.get(oid, oid))  # its text's original (or that one's)
            assert stored[str(cid)] == stored[str(root)], (cid, root)
        for w in workers:
            store, mem = w[0], w[1]
            assert isinstance(store, PostgresStore) and isinstance(mem, Deduper)
            with store.transaction():
                store.own_for_decision([])
                catch_up(store, mem, int(w[2]))  # type: ignore[call-overload]
            held = {i: mem._story[s] for i, s in mem._by_id.items()}
            assert held == stored  # every article, with the database's story
            _consistent(mem)
