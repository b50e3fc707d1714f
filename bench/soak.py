"""Soak benchmark (issue 6, acceptance 4): many polls in a row, feeds changing, memory per poll.

Usage::

    .venv/bin/python bench/soak.py [--feeds 2000] [--entries 10] [--polls 30] [--change 0.1]
        [--workers N] [--concurrency 16] [--per-host 16]

One process plays the daemon's polling side: a fresh SQLite state, one ``Pipeline`` kept for
the whole run (as ``aggregator run`` keeps it), and ``Pipeline.poll(feeds)`` called ``--polls``
times back to back with the feed list passed explicitly (the schedule's interval is skipped:
every feed is polled every time). Between two polls a mutator rewrites ``--change`` (10%) of
the feed files with 1-3 new entries each (the oldest fall off; new mtime, so nginx sends a new
ETag and Last-Modified); the other 90% answer 304. The feeds are served by Debian's nginx on
127.0.0.1 (see ``bench/_feedgen.py``).

After each poll it records: wall time, outcomes, new articles, ``ru_maxrss`` (the main
process's peak so far), the main process's current VmRSS, and, for the whole process tree (the
pipeline's parse/clean worker pool included; nginx excluded), its PSS now and the sum of each
process's own peak RSS (VmHWM; an upper bound that counts shared pages once per process).
Nothing samples memory in the background (that would cost the measured process CPU). It
then judges:

* peak: main ``ru_maxrss`` and the tree's PSS under ``PEAK_LIMIT_MB`` (250 MB, issue 6);
* growth: the main process's VmRSS after the last polls against the level reached after the
  first ``SETTLE_POLLS`` polls. Some growth is legitimate (the dedup index holds every article
  inside the dedup window, and articles keep arriving), so the figure is printed per poll and
  the verdict allows ``GROWTH_LIMIT_MB``.

Figures go to stdout and ``bench/out/soak-<feeds>x<polls>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _feedgen as fg  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent / "out"
PEAK_LIMIT_MB = 250.0  # issue 6, acceptance 4
# Polls after which memory should have found its level (imports, pool start-up, SQLite page
# cache, first 20k articles all happen in the first poll; allocator arenas settle by the third).
SETTLE_POLLS = 3
# Allowed VmRSS rise from the settled level to the end of the run. Policy, not tuned: issue 6
# asks that memory "does not grow after the first few polls"; 20 MB leaves room for allocator
# noise. Note the dedup index legitimately holds every article inside ``dedup.window`` (7 days)
# and each costs ~9 KB there (tracemalloc over 3,970 generated articles, 2026-11-21), so
# ~400 new articles per poll grow it by ~3.5 MB per poll; the growth line reports KB per added
# article so that cost is visible apart from a leak.
GROWTH_LIMIT_MB = 20.0


def run(args: argparse.Namespace) -> dict[str, Any]:
    from aggregator.config import load_config
    from aggregator.pipeline import Pipeline
    from aggregator.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="aggbench-soak-"))
    try:
        t0 = time.perf_counter()
        feeds = fg.FeedSet.create(tmp / "www", args.feeds, entries=args.entries, seed=args.seed)
        print(f"generated {args.feeds} feeds, {feeds.total_bytes() / 1e6:.1f} MB in "
              f"{time.perf_counter() - t0:.1f}s", file=sys.stderr)  # fmt: skip
        rng = random.Random(f"{args.seed}:mutate")
        with fg.Nginx(tmp / "www", tmp / "nginx", workers=args.nginx_workers) as nginx:
            assert nginx.proc is not None
            exclude = frozenset({nginx.proc.pid})
            work = tmp / "state"
            work.mkdir()
            per_host = args.per_host or args.concurrency
            cfg = fg.write_config(
                work, feeds.urls(nginx.base_url), concurrency=args.concurrency, per_host=per_host
            )
            config = load_config(cfg)
            store = Store(config.database)
            pipeline = Pipeline(config, store, workers=args.workers)
            polls: list[dict[str, Any]] = []
            header = (
                f"{'poll':>4}{'changed':>8}{'seconds':>9}{'200':>6}{'304':>6}{'err':>5}{'new':>7}"
                f"{'articles':>9}{'maxrss':>8}{'VmRSS':>7}{'treePSS':>8}{'treeHWM':>8}"
            )
            print(header)
            try:
                for i in range(args.polls):
                    changed = feeds.mutate(args.change, rng) if i > 0 else []
                    t = time.perf_counter()
                    summaries = asyncio.run(pipeline.poll(config.feeds))
                    wall = time.perf_counter() - t
                    mem = fg.tree_mem(exclude=exclude)
                    p = {
                        "poll": i + 1,
                        "changed": len(changed),
                        "seconds": wall,
                        "ok": sum(1 for s in summaries if s.status == 200 and s.ok),
                        "not_modified": sum(1 for s in summaries if s.status == 304),
                        "errors": sum(1 for s in summaries if not s.ok),
                        "first_error": next((s.error for s in summaries if s.error), None),
                        "new": sum(s.new for s in summaries),
                        "articles": store.article_count(),
                        "maxrss_mb": fg.maxrss_mb(),
                        "vmrss_mb": mem.self_rss,
                        "tree_pss_mb": mem.tree_pss,
                        "tree_hwm_mb": mem.tree_hwm,
                        "processes": mem.processes,
                    }
                    polls.append(p)
                    print(
                        f"{p['poll']:>4}{p['changed']:>8}{wall:>9.2f}{p['ok']:>6}"
                        f"{p['not_modified']:>6}{p['errors']:>5}{p['new']:>7}{p['articles']:>9}"
                        f"{p['maxrss_mb']:>8.1f}{p['vmrss_mb']:>7.1f}{p['tree_pss_mb']:>8.1f}"
                        f"{p['tree_hwm_mb']:>8.1f}",
                        flush=True,
                    )
                    if p["first_error"]:
                        print(f"     first error: {p['first_error']}", flush=True)
            finally:
                pipeline.close()
                store.close()
        return {
            "feeds": args.feeds,
            "entries": args.entries,
            "polls": polls,
            "change": args.change,
            "workers": args.workers,
            "concurrency": args.concurrency,
            "per_host": per_host,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def verdict(res: dict[str, Any]) -> tuple[bool, str]:
    polls = res["polls"]
    peak = max(p["maxrss_mb"] for p in polls)
    peak_pss = max(p["tree_pss_mb"] for p in polls)
    errors = sum(p["errors"] for p in polls)
    jumps = [
        f"poll {b['poll']}: {a['maxrss_mb']:.0f}->{b['maxrss_mb']:.0f} MB"
        for a, b in zip(polls, polls[1:], strict=False)
        if b["maxrss_mb"] - a["maxrss_mb"] > 10
    ]
    lines = [
        f"main process peak RSS (ru_maxrss) {peak:.1f} MB; whole process tree (main + parse"
        f" workers) PSS after a poll, max {peak_pss:.1f} MB (limit {PEAK_LIMIT_MB:.0f} MB): "
        f"{'PASS' if max(peak, peak_pss) < PEAK_LIMIT_MB else 'MISS'}",
        f"feed errors over the run: {errors}",
        f"peak RSS jumps after the first poll (> 10 MB): {', '.join(jumps) or 'none'}",
    ]
    ok = max(peak, peak_pss) < PEAK_LIMIT_MB and errors == 0
    if len(polls) > SETTLE_POLLS:
        settled = polls[SETTLE_POLLS - 1]["vmrss_mb"]
        last = polls[-1]["vmrss_mb"]
        tail = max(p["vmrss_mb"] for p in polls[SETTLE_POLLS:])
        growth = tail - settled
        pss_growth = (
            max(p["tree_pss_mb"] for p in polls[SETTLE_POLLS:])
            - polls[SETTLE_POLLS - 1]["tree_pss_mb"]
        )
        arts = polls[-1]["articles"] - polls[SETTLE_POLLS - 1]["articles"]
        lines.append(
            f"VmRSS after poll {SETTLE_POLLS}: {settled:.1f} MB; max after that {tail:.1f} MB; "
            f"last {last:.1f} MB; growth {growth:+.1f} MB (tree PSS {pss_growth:+.1f} MB) while "
            f"{arts} articles were added = {growth * 1024 / max(arts, 1):.1f} KB/article"
            f" (limit {GROWTH_LIMIT_MB:.0f} MB): "
            f"{'PASS' if growth <= GROWTH_LIMIT_MB else 'MISS'}"
        )
        ok = ok and growth <= GROWTH_LIMIT_MB
    lines.append(f"overall: {'PASS' if ok else 'FAIL'}")
    return ok, "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--feeds", type=int, default=2000)
    p.add_argument("--entries", type=int, default=10, help="entries per feed (+-20%%)")
    p.add_argument("--polls", type=int, default=30)
    p.add_argument("--change", type=float, default=0.1, help="fraction of feeds changed per poll")
    p.add_argument("--seed", type=int, default=fg.SEED)
    p.add_argument("--workers", type=int, default=None,
                   help="Pipeline worker processes (default: the Pipeline's own default)")  # fmt: skip
    p.add_argument("--concurrency", type=int, default=16, help="fetch.concurrency")
    p.add_argument("--per-host", type=int, default=0, help="fetch.per_host (default: =concurrency)")
    p.add_argument("--nginx-workers", type=int, default=2)
    p.add_argument("--verbose", action="store_true", help="show the pipeline's log lines")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.CRITICAL,
        format="%(levelname)s %(name)s %(message)s",
    )
    fg.require_nginx()
    OUT_DIR.mkdir(exist_ok=True)
    res = run(args)
    ok, text = verdict(res)
    print(text)
    stem = f"soak-{args.feeds}x{args.polls}"
    (OUT_DIR / f"{stem}.json").write_text(json.dumps(res, indent=1))
    (OUT_DIR / f"{stem}.txt").write_text(text + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
