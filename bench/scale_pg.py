"""Scale benchmark, PostgreSQL part (issue 16): a throwaway cluster (tests/support/pgcluster.py).

Usage::

    PYTHONPATH=. .venv/bin/python bench/scale_pg.py [--feeds 50000] [--runs 30]
        [--poll-feeds 3000] [--dedup-sizes 10000,100000,1000000] [--dedup-runs 50]
        [--dedup-chunk 64] [--archive-sizes 100000,1000000] [--archive-keyed 100000]
        [--layouts 15,14] [--shared-buffers 6GB]

(``--feeds 0``, ``--poll-feeds 0``, ``--dedup-sizes ''``, ``--archive-sizes ''`` skip a part.)

(a) the due claim (``PostgresStore.due_feeds``: ``UPDATE ... FOR UPDATE SKIP LOCKED``, one
    batch of 64 as a worker's poll takes it) on ``--feeds`` feeds with the spread of
    bench/scale.py (2% never checked, the rest due over the next day); median of ``--runs``,
    the claim released between runs (not timed). Target: < 50 ms at 50,000 feeds.
(b) poll throughput: ``--poll-feeds`` loopback feeds (tests/support/httpd.py, two entries
    each), polled to the end by one ``aggregator fetch`` process, then, on a fresh database,
    by three at once; feeds per second of each and the ratio 3 / 1. On a machine with two
    cores the processes share them with the HTTP server and PostgreSQL: the ratio says how
    much of the work the claims let run side by side, not what three machines would do.
(c) the dedup lookup (``PostgresStore.dedup_candidate_ids``: the copy index of migration 14,
    one query per chunk; and ``dedup_candidates``, which also reads every candidate's state,
    as a worker does only for candidates it lacks) with ``--dedup-sizes`` stored articles (default 10,000, 100,000 and
    1,000,000), not made by enrichment: the articles' rows (``INSERT ... SELECT``, fetched
    over the last six days, a 16-byte stand-in for the ~2.2 KB state) and their keys (10
    fingerprint tables + a URL key, 32 band keys; synthetic, as well spread as the real
    hashed ones) written with binary COPY; the key tables' indexes are rebuilt after each fill and the tables vacuumed, as a
    running database's autovacuum keeps them; a database per size, in a cluster of its own
    with ``--shared-buffers`` (default 6GB), what a lookup reads prewarmed. Then ``--dedup-runs`` lookups at
    each size of a chunk of ``--dedup-chunk`` (64) new articles, 8 of them copies of stored
    ones (all their keys hit), in interleaved rounds: median ms per chunk at each size and
    the ratio largest / smallest. Target: flat (ratio near 1). Beside the ids: the same
    chunks' lookup in databases with ``--layouts``' other layouts of the key tables
    (default: also migration 14's B-tree primary key (key, article_id), which migration 15's
    hash index replaced), in the same rounds; and the same query with the keys sent as
    Python lists in the last layout (with 14: the lookup as migration 14 first had it).
    About 7 minutes.
(c2) scenario 2, an archive beyond the dedup window: ``--archive-sizes`` stored articles
    (default 100,000 and 1,000,000) spread so that only the newest ``--archive-keyed``
    (100,000) fall inside the 7-day window, and only their keys stored (retention prunes
    the keys of older ones, ``_prune_dedup_keys``): the key tables stay the same size while
    ``articles`` grows, as in a daemon that keeps articles longer than the dedup window.

Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aggregator.dedup.thresholds import KEY_CAP  # noqa: E402
from aggregator.store.dedup_index import CANDIDATES_PG, candidate_params, int_array  # noqa: E402
from aggregator.store.postgres import PostgresStore  # noqa: E402
from aggregator.store.target import PgTarget  # noqa: E402
from tests.support.httpd import FixtureHTTPServer  # noqa: E402
from tests.support.pgcluster import Cluster  # noqa: E402

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SEED = 20261206


def due_claim(url: str, feeds: int, runs: int) -> tuple[float, int]:
    """Median ms of one worker's claim of a batch of due feeds, and how many were due."""
    urls = [f"https://f{i:06}.example/rss" for i in range(feeds)]
    rng = random.Random(SEED)
    with PostgresStore(PgTarget(url), owner="bench") as s:
        s.ensure_feeds(urls)
    rows = []
    for u in urls:
        r = rng.random()
        nxt = (
            None
            if r < 0.02
            else (NOW + timedelta(minutes=rng.uniform(-2, 30 if r < 0.8 else 1440)))
        )
        rows.append((nxt.timestamp() if nxt else None, u))
    with psycopg.connect(url, autocommit=True) as con:
        with con.cursor() as cur:
            cur.executemany("UPDATE feeds SET next_check_at = %s WHERE url = %s", rows)
        con.execute("ANALYZE feeds")
    configured = frozenset(urls)
    times = []
    with PostgresStore(PgTarget(url), owner="bench") as s:
        due = len(s.due_feeds(NOW, configured))
        s.release_feeds()
        for _ in range(runs):
            t0 = time.perf_counter()
            s.due_feeds(NOW, configured, 64)
            times.append((time.perf_counter() - t0) * 1000)
            s.release_feeds()
        bare = []  # the same claim without the configured-URL filter (= ANY of every URL)
        for _ in range(runs):
            t0 = time.perf_counter()
            s.due_feeds(NOW, None, 64)
            bare.append((time.perf_counter() - t0) * 1000)
            s.release_feeds()
    print(f"  without the configured filter: {statistics.median(bare):.2f} ms median")
    return statistics.median(times), due


def _rss(i: int) -> bytes:
    items = "".join(
        f"<item><guid>f{i}-{j}</guid><link>http://news.example/f{i}/{j}</link>"
        f"<title>Feed {i} story {j}</title><description><![CDATA[<p>Story {j} of feed {i}: the"
        f" council met on day {i * 7 + j} and voted on the budget of the harbour district,"
        f" which {i % 50 + j} residents had asked about.</p>]]></description></item>"
        for j in range(2)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F{i}</title>{items}</channel></rss>'.encode()


def poll_throughput(
    cluster: Cluster, http: FixtureHTTPServer, n: int, workers: int, tmp: Path
) -> float:
    """Feeds per second of ``workers`` ``aggregator fetch`` processes polling ``n`` feeds."""
    url = cluster.create_database(f"poll{workers}")
    feeds = "".join(f"  - url: {http.url(f'/f{i}.xml')}\n    full_text: never\n" for i in range(n))
    config = tmp / f"poll{workers}.yaml"
    config.write_text(
        f"database: {url}\nfeeds:\n{feeds}fetch:\n  allow_private: true\n  interval: 1h\n"
        "  timeout: 30s\n"
    )
    PostgresStore(PgTarget(url)).close()
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "aggregator", "--config", str(config), "fetch"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(workers)
    ]
    for p in procs:
        p.wait()
    took = time.perf_counter() - t0
    with psycopg.connect(url, autocommit=True) as con:
        polled = con.execute(
            "SELECT COUNT(*) FROM feeds WHERE last_success_at IS NOT NULL"
        ).fetchone()
        stored = con.execute(
            "SELECT COUNT(*), COUNT(DISTINCT (feed_url, key)) FROM articles"
        ).fetchone()
    print(f"  {workers} worker(s): {n} feeds in {took:.1f} s = {n / took:.0f} feeds/s"
          f" (polled {polled[0] if polled else 0}, articles {stored})")  # fmt: skip
    return n / took


# ---- (c) the dedup lookup -------------------------------------------------------------------

FP_KEYS, BAND_KEYS = 11, 32  # per article: 10 fingerprint tables + the URL key; LSH bands
COPIES = 8  # of a looked-up chunk's new articles, copies of stored ones
_FILL = 50_000  # articles per COPY batch
_KEY_TABLES = {"dedup_fp_keys": (FP_KEYS, 1), "dedup_band_keys": (BAND_KEYS, 2)}


def _keys(ids: npt.NDArray[np.int64], per: int, salt: int) -> npt.NDArray[np.int32]:
    """(len(ids), per) synthetic 32-bit keys of stored articles (splitmix64 of id, slot,
    table): as well spread as the real hashed keys, and recomputed for a chunk's copies."""
    x: npt.NDArray[np.uint64] = np.add.outer(
        ids.astype(np.uint64) << np.uint64(8), np.arange(per, dtype=np.uint64)
    )
    x = x * np.uint64(4) + np.uint64(salt)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    out: npt.NDArray[np.int32] = (x >> np.uint64(32)).astype(np.uint32).view(np.int32)
    return out


def _copy_keys(con: psycopg.Connection[tuple[object, ...]], table: str, lo: int, hi: int) -> None:
    """COPY (binary) the keys of articles lo..hi-1 into ``table``."""
    per, salt = _KEY_TABLES[table]
    row = np.dtype([("n", ">i2"), ("l1", ">i4"), ("key", ">i4"), ("l2", ">i4"), ("id", ">i8")])
    with con.cursor() as cur, cur.copy(f"COPY {table} (key, article_id) FROM STDIN BINARY") as cp:
        cp.write(b"PGCOPY\n\xff\r\n\x00" + bytes(8))
        for start in range(lo, hi, _FILL):
            ids = np.arange(start, min(hi, start + _FILL), dtype=np.int64)
            rows = np.empty(len(ids) * per, dtype=row)
            rows["n"], rows["l1"], rows["l2"] = 2, 4, 8
            rows["key"] = _keys(ids, per, salt).reshape(-1)
            rows["id"] = np.repeat(ids, per)
            cp.write(rows.tobytes())
        cp.write(b"\xff\xff")


# migration 14's layout of the key tables, for the comparison (``--layouts``): the lookup
# probed the B-tree primary key (key, article_id); retention's delete used a BRIN index
_LAYOUT_14 = [
    s
    for t in _KEY_TABLES
    for s in (
        f"ALTER TABLE {t} DROP CONSTRAINT {t}_pkey",
        f"DROP INDEX {t}_key",
        f"ALTER TABLE {t} ADD PRIMARY KEY (key, article_id)",
        f"CREATE INDEX {t}_article ON {t} USING BRIN (article_id)",
    )
]
# what a lookup reads, prewarmed: migration 14 read its B-trees only (index-only scans);
# migration 15 reads the hash indexes and, for the keys found, the tables' rows
_READS = {
    "15": ["dedup_fp_keys_key", "dedup_band_keys_key", "dedup_fp_keys", "dedup_band_keys"],
    "14": ["dedup_fp_keys_pkey", "dedup_band_keys_pkey"],
}


def _fill(con: psycopg.Connection[tuple[object, ...]], hi: int, keyed: int, days: float) -> None:
    """Articles 1..hi-1, fetched over the last ``days`` days, and the keys of the newest
    ``keyed`` of them (the others' keys as retention leaves them: pruned); the key tables'
    indexes (whichever layout) dropped for the COPY and built again after it, then
    everything vacuumed."""
    now = NOW.timestamp()
    con.execute(
        "INSERT INTO articles (id, feed_url, key, content_hash, title, fetched_at, html, text,"
        " story, dedup_state, dedup_fp, enrich) SELECT g, 'https://f.example/rss', 'k' || g,"
        " 'h' || g, 't', %s::float8 - (%s::bigint - g) * %s::float8, '', '', g::text, decode(md5(g::text), 'hex'), g, 0"
        " FROM generate_series(1, %s::bigint) AS g",
        (now, hi, days * 86400 / max(hi, 1), hi - 1),
    )
    tables = list(_KEY_TABLES)
    keys = con.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid::regclass::text = ANY(%s) AND contype = 'p'",
        (tables,),
    ).fetchall()
    defs = con.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
        " AND indexname NOT LIKE '%%_pkey'",
        (tables,),
    ).fetchall()
    for table, name, _ in keys:
        con.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for name, _ in defs:
        con.execute(f"DROP INDEX {name}")
    for table in tables:
        _copy_keys(con, table, hi - keyed, hi)
    con.execute("SET maintenance_work_mem = '1GB'")
    for table, name, sql in keys:
        con.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {sql}")
    for _, sql in defs:
        con.execute(str(sql))
    con.execute("VACUUM (ANALYZE) articles, dedup_fp_keys, dedup_band_keys")


def _chunk(rng: np.random.Generator, keyed: range, chunk: int) -> tuple[list[int], list[int]]:
    """A chunk's (first-stage keys, band keys): ``chunk`` - 8 new articles and 8 copies of
    stored ones (of the ids in ``keyed``)."""
    copies = rng.choice(len(keyed), COPIES, replace=False).astype(np.int64) + keyed.start
    fresh = rng.integers(0, 1 << 32, size=(chunk - COPIES) * (FP_KEYS + BAND_KEYS))
    new_fp, new_bands = np.split(fresh, [(chunk - COPIES) * FP_KEYS])
    fp = np.concatenate([_keys(copies, FP_KEYS, 1).reshape(-1).view(np.uint32), new_fp])
    bands = np.concatenate([_keys(copies, BAND_KEYS, 2).reshape(-1).view(np.uint32), new_bands])
    return [int(k) for k in fp], [int(k) for k in bands]


def _prewarm(url: str, layout: str) -> None:
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        for rel in [*_READS[layout], "articles_pkey", "articles"]:
            con.execute("SELECT pg_prewarm(%s)", (rel,))


def _as_lists(s: PostgresStore, fp: list[int], bands: list[int], since: datetime) -> int:
    """Migration 14's lookup as first written: the same SQL, the keys sent as Python lists
    (psycopg adapts them element by element); how many candidates."""
    keys = candidate_params(fp, bands, since, KEY_CAP, list)
    if keys is None:
        return 0
    return len(s._db.execute(CANDIDATES_PG, keys).fetchall())  # noqa: SLF001


def _probes(s: PostgresStore, keyed: range) -> str:
    """The indexes and buffers a chunk's lookup reads (EXPLAIN (ANALYZE, BUFFERS))."""
    fp, bands = _chunk(np.random.default_rng(SEED), keyed, 64)
    sql = CANDIDATES_PG.replace(":fp", "%(fp)s").replace(":bands", "%(bands)s")
    sql = sql.replace(":cap", "%(cap)s").replace(":since", "%(since)s")
    keys = candidate_params(fp, bands, NOW - timedelta(days=7), KEY_CAP, int_array)
    with psycopg.connect(str(s.target.url), autocommit=True) as con:
        plan = [str(r[0]) for r in con.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, keys)]
    used = sorted({w.split(" using ")[1].split()[0] for w in plan if " using " in w})
    buffers = next((p.strip() for p in plan if p.strip().startswith("Buffers:")), "")
    return f"{', '.join(used)}; {buffers}"


def _stores(
    cluster: Cluster, name: str, sizes: list[int], keyed: int | None, layout: str = "15"
) -> list[PostgresStore]:
    """A database per size (all keyed, over six days; or the newest ``keyed`` keyed, over
    ``7 * size / keyed`` days, so that exactly they are in the dedup window) with the key
    tables of migration ``layout`` (15: today's; 14: the B-tree it replaced)."""
    stores = []
    for n in sizes:
        url = cluster.create_database(f"{name}{n}")
        PostgresStore(PgTarget(url)).close()  # migrated
        t0 = time.perf_counter()
        k, days = (n, 6.0) if keyed is None else (min(keyed, n), 7.0 * n / min(keyed, n))
        with psycopg.connect(url, autocommit=True) as con:
            for sql in _LAYOUT_14 if layout == "14" else []:
                con.execute(sql)
            _fill(con, n + 1, k, days)
            size = con.execute(
                "SELECT pg_total_relation_size('dedup_fp_keys')"
                " + pg_total_relation_size('dedup_band_keys')"
            ).fetchone()
        print(f"  {n} articles stored ({k} keyed; layout of migration {layout}) in"
              f" {time.perf_counter() - t0:.0f} s, key tables"
              f" {(size[0] if size else 0) / 2**20:.0f} MB", flush=True)  # fmt: skip
        stores.append(PostgresStore(PgTarget(url), owner="bench"))
    return stores


def _backends(s: PostgresStore) -> list[int]:
    """The server processes of ``s``'s pooled connections (for their CPU time)."""
    with psycopg.connect(str(s.target.url), autocommit=True) as con:
        rows = con.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ).fetchall()
    return [int(r[0]) for r in rows]


def _cpu_ms(pids: list[int]) -> float:
    """CPU time the processes ``pids`` have run so far, ms (Linux: /proc/PID/schedstat)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    return total / 1e6


def _rounds(
    layouts: dict[str, list[PostgresStore]], keyed: list[range], runs: int, chunk: int
) -> dict[str, list[list[float]]]:
    """ms per chunk, per size, of: the ids (what a worker pays per chunk) with each layout
    of ``layouts`` (the first: today's), the same chunk's ids with the keys sent as Python
    lists in the last layout (``lists``: with layout 14, the lookup as migration 14 first
    had it, before ``int_array``), and the ids and every candidate's state
    (``states``); and (``cpu <layout>``) the server's CPU time of each layout's lookup, less
    sensitive than the wall clock to other load on the machine; interleaved rounds, the
    order alternating, so that other load hits every size and form alike; the first three
    rounds warm up."""
    rng = np.random.default_rng(SEED)
    since = NOW - timedelta(days=7)
    main, last = next(iter(layouts)), list(layouts)[-1]
    forms = [*layouts, "lists"]
    labels = [*forms, "states", "found", *(f"cpu {lay}" for lay in layouts)]
    out: dict[str, list[list[float]]] = {k: [[] for _ in keyed] for k in labels}
    pids: dict[str, list[list[int]]] = {}
    for r in range(runs + 3):
        if r == 3:  # the pools' connections are open
            pids = {lay: [_backends(s) for s in ss] for lay, ss in layouts.items()}
        for i, ids in enumerate(keyed):
            fp, bands = _chunk(rng, ids, chunk)
            for form in forms if r % 2 else forms[::-1]:
                s = layouts[last if form == "lists" else form][i]
                c1, t1 = _cpu_ms(pids[form][i]) if form in pids else 0.0, time.perf_counter()
                if form == "lists":
                    n = _as_lists(s, fp, bands, since)
                else:
                    n = len(s.dedup_candidate_ids(fp, bands, since, KEY_CAP))
                out[form][i].append((time.perf_counter() - t1) * 1000)
                if form in pids:
                    out[f"cpu {form}"][i].append(_cpu_ms(pids[form][i]) - c1)
            out["found"][i].append(n)
            fp, bands = _chunk(rng, ids, chunk)
            t1 = time.perf_counter()
            layouts[main][i].dedup_candidates(fp, bands, since, KEY_CAP)
            out["states"][i].append((time.perf_counter() - t1) * 1000)
    return {k: [v if k.startswith("cpu") else v[3:] for v in lists] for k, lists in out.items()}


def dedup_lookup(
    cluster: Cluster, sizes: list[int], runs: int, chunk: int, keyed: int | None, layouts: list[str]
) -> None:
    """Median ms of one chunk's candidate lookup at each size (a database per size and
    layout of ``layouts``, the first today's); the ratio largest / smallest of each.
    ``keyed``: only the newest that many articles keyed (scenario 2)."""
    name = "dedup" if keyed is None else "archive"
    stores = {lay: _stores(cluster, f"{name}{lay}_", sizes, keyed, lay) for lay in layouts}
    for lay, ss in stores.items():
        for s in ss:
            _prewarm(str(s.target.url), lay)
    ranges = [
        range(1, n + 1) if keyed is None else range(n + 1 - min(keyed, n), n + 1) for n in sizes
    ]
    t = _rounds(stores, ranges, runs, chunk)
    med = {k: [statistics.median(x) for x in v] for k, v in t.items() if k != "found"}
    main = layouts[0]
    for i, n in enumerate(sizes):
        others = "".join(f"; migration {lay}'s layout {med[lay][i]:.2f} ms" for lay in layouts[1:])
        print(f"  dedup lookup at {n} articles ({len(ranges[i])} keyed): {med[main][i]:.2f} ms"
              f" median per chunk of {chunk} (p90 {np.percentile(t[main][i], 90):.2f} ms;"
              f" {statistics.mean(t['found'][i]):.1f} candidates of which {COPIES} copies; with"
              f" their states {med['states'][i]:.2f} ms; layout {layouts[-1]} with the keys as lists"
              f" {med['lists'][i]:.2f} ms"
              f"{others})")  # fmt: skip
        print("    server CPU per chunk: " + ", ".join(
            f"layout {lay} {med[f'cpu {lay}'][i]:.2f} ms" for lay in layouts))  # fmt: skip
        for lay in layouts:
            print(f"    layout {lay} reads: {_probes(stores[lay][i], ranges[i])}")
    for ss in stores.values():
        for s in ss:
            s.close()
    if len(sizes) > 1:
        line = f"  ratio {sizes[-1]} / {sizes[0]}: {med[main][-1] / med[main][0]:.2f}"
        for lay in layouts[1:]:
            line += f" (migration {lay}'s layout: {med[lay][-1] / med[lay][0]:.2f})"
        line += f" (layout {layouts[-1]}, keys as lists: {med['lists'][-1] / med['lists'][0]:.2f})"
        print(line + " (target: near 1); server CPU: " + ", ".join(
            f"layout {lay} {med[f'cpu {lay}'][-1] / med[f'cpu {lay}'][0]:.2f}"
            for lay in layouts))  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--poll-feeds", type=int, default=3000)
    ap.add_argument(
        "--dedup-sizes",
        default="10000,100000,1000000",
        help="stored articles for the dedup lookup, comma-separated ('': skip)",
    )
    ap.add_argument(
        "--archive-sizes",
        default="100000,1000000",
        help="scenario 2: stored articles of which only --archive-keyed are keyed ('': skip)",
    )
    ap.add_argument(
        "--archive-keyed",
        type=int,
        default=100_000,
        help="scenario 2: the articles in the dedup window (7 days), whose keys retention keeps",
    )
    ap.add_argument(
        "--layouts",
        default="15,14",
        help="the key tables' layouts the main scenario compares, today's first (15; 14: the"
        " B-tree primary key it replaced)",
    )
    ap.add_argument("--dedup-runs", type=int, default=50)
    ap.add_argument("--dedup-chunk", type=int, default=64, help="new articles per lookup")
    ap.add_argument(
        "--shared-buffers",
        default="6GB",
        help="the dedup part's cluster (1,000,000 articles: ~3 GB of keys per layout)",
    )
    args = ap.parse_args()
    with Cluster.start() as cluster:
        if args.feeds:
            ms, due = due_claim(cluster.create_database("due"), args.feeds, args.runs)
            print(f"due claim of a batch of 64 at {args.feeds} feeds ({due} due):"
                  f" {ms:.2f} ms median (target < 50 ms)")  # fmt: skip
        if args.poll_feeds:
            import tempfile

            with FixtureHTTPServer() as http, tempfile.TemporaryDirectory() as tmp:
                for i in range(args.poll_feeds):
                    http.static(f"/f{i}.xml", _rss(i))
                one = poll_throughput(cluster, http, args.poll_feeds, 1, Path(tmp))
                three = poll_throughput(cluster, http, args.poll_feeds, 3, Path(tmp))
                print(f"  ratio 3 workers / 1 worker: {three / one:.2f}")
    sizes = sorted(int(x) for x in args.dedup_sizes.split(",") if x.strip())
    if sizes:
        print(f"dedup lookup (a cluster with shared_buffers {args.shared_buffers}):")
        with Cluster.start(settings={"shared_buffers": args.shared_buffers}) as cluster:
            layouts = [x.strip() for x in args.layouts.split(",") if x.strip()]
            dedup_lookup(cluster, sizes, args.dedup_runs, args.dedup_chunk, None, layouts)
    archive = sorted(int(x) for x in args.archive_sizes.split(",") if x.strip())
    if archive:
        print(f"dedup lookup, scenario 2: an archive beyond the dedup window (the newest"
              f" {args.archive_keyed} keyed; shared_buffers {args.shared_buffers}):")  # fmt: skip
        with Cluster.start(settings={"shared_buffers": args.shared_buffers}) as cluster:
            runs, chunk, keyed = args.dedup_runs, args.dedup_chunk, args.archive_keyed
            dedup_lookup(cluster, archive, runs, chunk, keyed, ["15"])


if __name__ == "__main__":
    main()
