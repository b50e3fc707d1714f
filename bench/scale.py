"""Scale benchmark (issue "a due query that carries 50,000 feeds"): the state store at 5,000
and 50,000 feeds.

Usage::

    .venv/bin/python bench/scale.py [--sizes 5000,50000] [--runs 50] [--applies 200]

For each size it builds a fresh SQLite state database (in a temp dir) through the store's own
API, with a realistic spread (seeded):

* 80% of the feeds on a 30-minute interval, next check spread over (now - 2 min, now + 30 min);
* 14% on longer server hints or error backoff, next check spread over (now, now + 1 day);
* 2% never checked (due at once), 2% gone (410: never due again);
* 2% no longer configured (removed from the YAML; their rows stay, due in the past);
* two stored articles per feed.

Then it times, each as the median of many runs:

(a) ``Store.due_feeds(now, configured)``: the URLs of the feeds due now, configured only, in
    SQL on the covering index ``feeds_due`` (the configured set is the same object every tick,
    as in the daemon; its first load into the temporary table is timed apart); for comparison,
    the old way: every feed's state read and filtered in Python. Each due feed's state is read
    when its poll starts (``feed_state``, timed too);
(b) ``Store.apply_poll(intent)``: one poll's result with 3 new entries, one transaction.

It prints the figures and the growth ratio from the smallest to the largest size. Targets: due
selection under 50 ms at 50,000 feeds, one apply under 1 ms. Nothing is asserted: wall times
on a shared machine vary (note ``uptime``). Figures also go to ``bench/out/scale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aggregator.store import ArticleRow, Store
from aggregator.types import FeedState, NewEntry, PollIntent

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SEED = 20261206
DUE_TARGET_MS = 50.0  # at 50,000 feeds
APPLY_TARGET_MS = 1.0


@dataclass(frozen=True)
class Figures:
    feeds: int
    due: int
    first_due_ms: float
    due_ms: float
    due_cpu_ms: float  # CPU time of this process: what a busy shared machine does not inflate
    python_due_ms: float
    apply_ms: float
    apply_cpu_ms: float
    state_ms: float  # one due feed's state, read when its poll starts
    build_s: float


def _intent(url: str, next_check: datetime | None, *, gone: bool = False) -> PollIntent:
    return PollIntent(
        url=url, checked_at=NOW - timedelta(minutes=30), outcome="gone" if gone else "ok",
        status=410 if gone else 200, error="410 Gone" if gone else None,
        next_check_at=next_check, error_streak=1 if gone else 0, gone=gone, etag='"e1"',
        last_modified=None, body_hash="b" * 40, title=f"Feed {url[-8:]}", redirect_url=None,
        last_success_at=None if gone else NOW - timedelta(minutes=30),
    )  # fmt: skip


def _next_check(rng: random.Random) -> tuple[datetime | None, str]:
    """A feed's next check and kind ("due", "never", "gone", "removed")."""
    r = rng.random()
    if r < 0.80:
        return NOW + timedelta(minutes=rng.uniform(-2, 30)), "due"
    if r < 0.94:
        return NOW + timedelta(hours=rng.uniform(0, 24)), "due"
    if r < 0.96:
        return None, "never"
    if r < 0.98:
        return None, "gone"
    return NOW - timedelta(minutes=rng.uniform(1, 600)), "removed"


def build(path: Path, feeds: int) -> tuple[Store, frozenset[str]]:
    """A state database with ``feeds`` feeds; returns it and the configured URLs."""
    rng = random.Random(SEED + feeds)
    urls = [f"https://site{i % 9973}.example/feeds/{i:06d}.xml" for i in range(feeds)]
    store = Store(path)
    store.ensure_feeds(urls)
    configured = set()
    with store.transaction():
        for n, url in enumerate(urls):
            nxt, kind = _next_check(rng)
            if kind != "removed":
                configured.add(url)
            if kind == "never":
                continue
            store.apply_poll(_intent(url, nxt, gone=kind == "gone"))
            for k in range(2):
                store.insert_article(_row(url, f"{n}-{k}"))
    return store, frozenset(configured)


def _row(url: str, key: str) -> ArticleRow:
    return ArticleRow(
        feed_url=url, key=f"g:{key}", guid=key, url=f"{url}/{key}", canonical_url=f"{url}/{key}",
        content_hash=f"h{key}", text_hash=None, title=f"Article {key}", author=None,
        published=NOW, fetched_at=NOW, html="<p>text</p>", text="text", site="example",
        full_text_error=None,
    )  # fmt: skip


def _new_entries(tag: str, n: int = 3) -> tuple[NewEntry, ...]:
    return tuple(
        NewEntry(
            key=f"g:{tag}-{i}",
            guid=f"{tag}-{i}",
            url=f"https://x.example/{tag}/{i}",
            canonical_url=f"http://x.example/{tag}/{i}",
            content_hash=f"c{tag}-{i}",
            title=f"New {tag} {i}",
            author=None,
            published=NOW,
            html="<p>" + "A sentence of the new entry. " * 40 + "</p>",
            site="x.example",
            summary_only=False,
        )  # fmt: skip
        for i in range(n)
    )


def _median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``runs`` calls."""
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _python_due(store: Store, configured: frozenset[str]) -> list[FeedState]:
    """The old due query: every feed's state read, filtered and sorted in Python."""
    ts = NOW.timestamp()
    due = [
        s
        for s in store.feed_states()
        if s.url in configured
        and not s.gone
        and (s.next_check_at is None or s.next_check_at.timestamp() <= ts)
    ]
    due.sort(key=lambda s: s.next_check_at.timestamp() if s.next_check_at else 0.0)
    return due


def measure(folder: Path, feeds: int, runs: int, applies: int) -> Figures:
    started = time.perf_counter()
    store, configured = build(folder / f"state-{feeds}.db", feeds)
    build_s = time.perf_counter() - started
    try:
        t = time.perf_counter()
        due = store.due_feeds(NOW, configured)  # loads the configured set once
        first_ms = (time.perf_counter() - t) * 1000
        assert due == [s.url for s in _python_due(store, configured)]
        due_ms, due_cpu = _median_ms(lambda: store.due_feeds(NOW, configured), runs)
        python_ms, _ = _median_ms(lambda: _python_due(store, configured), max(3, runs // 10))
        targets = due or sorted(configured)
        urls = iter(targets * (1 + applies // len(targets)))
        state_ms, _ = _median_ms(lambda: store.feed_state(next(urls)), applies)
        intents = iter(
            replace(
                _intent(targets[i % len(targets)], NOW + timedelta(minutes=30)),
                checked_at=NOW,
                new_entries=_new_entries(f"a{i}"),
            )
            for i in range(applies)
        )
        apply_ms, apply_cpu = _median_ms(lambda: store.apply_poll(next(intents)), applies)
    finally:
        store.close()
    return Figures(
        feeds,
        len(due),
        first_ms,
        due_ms,
        due_cpu,
        python_ms,
        apply_ms,
        apply_cpu,
        state_ms,
        build_s,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="5000,50000")
    ap.add_argument("--runs", type=int, default=50, help="due queries timed per size")
    ap.add_argument("--applies", type=int, default=200, help="apply_poll calls timed per size")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="aggregator-scale-") as tmp:
        for n in sizes:
            f = measure(Path(tmp), n, args.runs, args.applies)
            results.append(f)
            print(
                f"feeds={f.feeds:>6} due={f.due:>5}  due_feeds median {f.due_ms:6.2f} ms"
                f" (CPU {f.due_cpu_ms:.2f} ms; first call, loading the configured set:"
                f" {f.first_due_ms:.1f} ms; old read-all-and-filter {f.python_due_ms:.1f} ms)"
                f"  feed_state (at a feed's poll) median {f.state_ms:.3f} ms"
                f"  apply_poll(3 new) median {f.apply_ms:.3f} ms (CPU {f.apply_cpu_ms:.3f} ms)"
                f"  [built in {f.build_s:.1f} s]",
                flush=True,
            )
    small, large = results[0], results[-1]
    if len(results) > 1:
        print(
            f"growth {small.feeds}->{large.feeds} feeds (x{large.feeds / small.feeds:.0f}):"
            f" due_feeds x{large.due_ms / small.due_ms:.2f} (due rows x{large.due / small.due:.1f}),"
            f" apply_poll x{large.apply_ms / small.apply_ms:.2f}"
        )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(
        f"targets at {large.feeds} feeds (wall medians): due selection < {DUE_TARGET_MS:.0f} ms:"
        f" {'OK' if large.due_ms < DUE_TARGET_MS else 'MISS'} ({large.due_ms:.2f} ms);"
        f" one apply < {APPLY_TARGET_MS:.0f} ms:"
        f" {'OK' if large.apply_ms < APPLY_TARGET_MS else 'MISS'} ({large.apply_ms:.3f} ms)"
    )
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "scale.json").write_text(json.dumps([f.__dict__ for f in results], indent=2))


if __name__ == "__main__":
    main()
