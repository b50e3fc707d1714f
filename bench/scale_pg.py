"""Scale benchmark, PostgreSQL part (issue 16): a throwaway cluster (tests/support/pgcluster.py).

Usage::

    PYTHONPATH=. .venv/bin/python bench/scale_pg.py [--feeds 50000] [--runs 30]
        [--poll-feeds 3000]

(a) the due claim (``PostgresStore.due_feeds``: ``UPDATE ... FOR UPDATE SKIP LOCKED``, one
    batch of 64 as a worker's poll takes it) on ``--feeds`` feeds with the spread of
    bench/scale.py (2% never checked, the rest due over the next day); median of ``--runs``,
    the claim released between runs (not timed). Target: < 50 ms at 50,000 feeds.
(b) poll throughput: ``--poll-feeds`` loopback feeds (tests/support/httpd.py, two entries
    each), polled to the end by one ``aggregator fetch`` process, then, on a fresh database,
    by three at once; feeds per second of each and the ratio 3 / 1. On a machine with two
    cores the processes share them with the HTTP server and PostgreSQL: the ratio says how
    much of the work the claims let run side by side, not what three machines would do.

Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--poll-feeds", type=int, default=3000)
    args = ap.parse_args()
    with Cluster.start() as cluster:
        ms, due = due_claim(cluster.create_database("due"), args.feeds, args.runs)
        print(f"due claim of a batch of 64 at {args.feeds} feeds ({due} due): {ms:.2f} ms median"
              " (target < 50 ms)")  # fmt: skip
        if args.poll_feeds:
            import tempfile

            with FixtureHTTPServer() as http, tempfile.TemporaryDirectory() as tmp:
                for i in range(args.poll_feeds):
                    http.static(f"/f{i}.xml", _rss(i))
                one = poll_throughput(cluster, http, args.poll_feeds, 1, Path(tmp))
                three = poll_throughput(cluster, http, args.poll_feeds, 3, Path(tmp))
                print(f"  ratio 3 workers / 1 worker: {three / one:.2f}")


if __name__ == "__main__":
    main()
