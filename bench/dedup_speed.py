"""Dedup throughput and candidate-lookup scaling.

Run from the repo root:  .venv/bin/python bench/dedup_speed.py [--window 100000]

1. Memory: Dedupers filled with 10k and ``--window`` articles (default 100k) through
   ``restore()`` (snapshots of a pool of articles synthesised by recombining sentences of
   ../shared/data/dedup/ecbplus-stories, each stored copy salted so all are distinct);
   tracemalloc bytes per article held, and the peak while filling.
2. Throughput with ``--window`` articles in the window: ``features.extract`` alone, then
   ``--n`` articles through ``add(item, now, features=...)`` (what the main process does:
   exact and near-duplicate lookup + verification + story assignment), CPU time on one core;
   a quarter of them are syndicated copies of window articles; ``consolidate`` after every
   ``--poll`` (default 500; what the daemon does after each poll), included in the figure.
   ``evict`` per call.
3. Lookup scaling: the candidate index alone (32 LSH band keys + URL key per article) with
   10k, 100k and 1M stored articles; time per query and ratios.
Without the data set, sentences are generated from a fixed random vocabulary.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import random
import re
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from aggregator.dedup import Deduper, DedupItem
from aggregator.dedup import features as tf
from aggregator.dedup.keyindex import KeyIndex
from aggregator.dedup.persist import HEADER

DATA = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "dedup"
    / "ecbplus-stories.jsonl.gz"
)
SEED = 11


def sentences() -> list[str]:
    if DATA.exists():
        with gzip.open(DATA, "rt", encoding="utf-8") as f:
            texts = [json.loads(line)["text"] for line in f]
        out = [s for t in texts for s in re.split(r"(?<=[.!?])\s+|\n+", t) if len(s) > 40]
        return sorted(set(out))
    rng = random.Random(SEED)
    vocab = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
        for _ in range(20000)
    ]
    return [
        " ".join(rng.choice(vocab) for _ in range(rng.randint(8, 25))) + "." for _ in range(30000)
    ]


POLL = 500  # articles per consolidate() call (one poll's new articles; --poll)


def synth(rng: random.Random, sents: list[str], n: int) -> list[str]:
    return [
        " ".join(rng.sample(sents, rng.randint(6, 14))) + f" Ref {rng.randint(0, 10**9)}."
        for _ in range(n)
    ]


def salted(blob: bytes, rng: np.random.Generator, story: str) -> bytes:
    """A distinct article of the same shape: every hash in it (URL, text, sketches, band
    keys, story terms) is xor-ed with one random 32-bit salt (sketches re-sorted,
    weights kept), so it matches nothing else; it starts its own story."""
    head = list(HEADER.unpack_from(blob))
    ks, kk, nb, kv, nt = head[8:13]
    lens = head[13:16]
    nc = head[16]
    strs, p = [], HEADER.size
    for n in lens:
        strs.append(blob[p : p + n])
        p += n
    strs[0], strs[1] = b"", story.encode()
    head[1] = 0  # a root
    head[13:16] = [len(x) for x in strs]
    salt = int(rng.integers(1, 2**32))
    head[3] = (head[3] ^ salt) if head[3] else 0
    head[4] ^= salt | 1
    arrays = []
    for dtype, count in (
        (np.uint32, ks), (np.uint8, ks), (np.uint32, kk), (np.uint32, nb),
        (np.uint32, kv), (np.float16, kv), (np.uint32, nt), (np.uint32, nc), (np.float16, nc),
    ):  # fmt: skip
        a = np.frombuffer(blob, dtype=dtype, count=count, offset=p).copy()
        p += a.nbytes
        arrays.append(a)
    sk, pos, skel, bands, vt, vv, dft, ct, cv = arrays
    sk ^= np.uint32(salt)
    o = np.argsort(sk)
    sk, pos = sk[o], pos[o]
    skel = np.sort(skel ^ np.uint32(salt))
    bands ^= np.uint32(salt)
    vt ^= np.uint32(salt)
    dft ^= np.uint32(salt)
    ct ^= np.uint32(salt)
    o = np.argsort(ct)
    ct, cv = ct[o], cv[o]
    parts = [
        HEADER.pack(*head),
        *strs,
        *(a.tobytes() for a in (sk, pos, skel, bands, vt, vv, dft, ct, cv)),
    ]
    return b"".join(parts)


def fill(d: Deduper, pool: list[bytes], n: int) -> float:
    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    for i in range(n):
        blob = pool[i % len(pool)]
        if i >= len(pool):
            blob = salted(blob, rng, f"w{i}")
        d.restore(f"w{i}", blob, 0.0)
    d.evict(1.0)  # what the daemon does next; indexes the restored articles in bulk
    return time.perf_counter() - t0


def make_pool(pool_n: int) -> tuple[list[bytes], list[str]]:
    rng = random.Random(SEED)
    sents = sentences()
    seed = Deduper()
    t0 = time.perf_counter()
    pool = []
    for i, text in enumerate(synth(rng, sents, pool_n)):
        seed.add(DedupItem(id=f"w{i}", text=text, url=f"https://example.org/w{i}"), 0.0)
        pool.append(seed.snapshot(f"w{i}"))
    print(f"pool: {pool_n} articles added in {time.perf_counter() - t0:.1f}s")
    return pool, sents


def memory(pool: list[bytes], sizes: list[int]) -> None:
    """Bytes per article held by a Deduper (tracemalloc: numpy columns, indexes, Python
    objects, the article ids), and the peak while filling (index merges)."""
    for n in sizes:
        gc.collect()
        tracemalloc.start()
        d = Deduper()
        fill(d, pool, n)
        d.evict(1.0)
        cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"memory: {n:>7} articles: {cur / n:.0f} bytes/article held "
            f"({cur / 2**20:.1f} MiB; numpy part {d.memory_bytes() / 2**20:.1f} MiB), "
            f"peak while filling {peak / 2**20:.1f} MiB"
        )
        del d


def throughput(
    pool: list[bytes], pool_texts: list[str], sents: list[str], window: int, n: int, poll: int
) -> None:
    rng = random.Random(SEED + 1)
    d = Deduper()
    dt = fill(d, pool, window)
    print(
        f"restore: {window} articles in {dt:.1f}s ({window / dt:.0f}/s), "
        f"mean blob {np.mean([len(p) for p in pool]):.0f} bytes"
    )
    fresh = synth(rng, sents, n)
    # half of them fresh articles, a quarter syndicated copies of pool articles (boilerplate
    # added), a quarter fresh write-ups re-using a pool article's sentences (story candidates)
    texts = []
    for i, text in enumerate(fresh):
        if i % 4 == 1:
            text = "Wire service - " + pool_texts[i % len(pool_texts)] + " Share this story."
        texts.append(text)
    t0 = time.process_time()
    feats = [tf.extract(t) for t in texts]
    de = time.process_time() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    reasons: dict[str, int] = {}
    dcons = 0.0
    changed = 0
    for i, (text, f) in enumerate(zip(texts, feats, strict=True)):
        r = d.add(DedupItem(id=f"n{i}", text=text), 1.0, features=f)
        reasons[r.reason] = reasons.get(r.reason, 0) + 1
        if (i + 1) % poll == 0 or i + 1 == len(texts):  # the daemon consolidates per poll
            c1 = time.process_time()
            changed += len(d.consolidate(1.0))
            dcons += time.process_time() - c1
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.process_time()
    for _ in range(20):
        d.evict(2.0)
    dv = (time.process_time() - t0) / 20
    print(
        f"extract: {1000 * de / n:.3f} ms/article (CPU, one core; mean text "
        f"{np.mean([len(t) for t in texts]):.0f} chars)"
    )
    print(
        f"add (features given): {n} articles with {window} in the window: "
        f"{1000 * dc / n:.3f} ms/article CPU ({n / dc:.0f}/s; wall {n / dt:.0f}/s); "
        f"extract + add {n / (dc + de):.0f} articles/s; reasons {reasons}"
    )
    print(
        f"  of which consolidate() every {poll} adds: {1000 * dcons / n:.3f} ms/article "
        f"({changed} story changes)"
    )
    print(f"evict (nothing to evict, {len(d)} in window): {1000 * dv:.2f} ms per call")


def lookup_scaling(sizes: list[int], queries: int) -> None:
    """The candidate index alone: 33 uint32 keys per article (32 LSH bands + URL)."""
    rng = np.random.default_rng(SEED)
    base: float | None = None
    nkeys = tf.LSH_BANDS + 1
    for size in sizes:
        keys = rng.integers(0, 2**32, size=(size, nkeys), dtype=np.uint32)
        ix = KeyIndex()
        ix.extend(keys.reshape(-1), np.repeat(np.arange(size, dtype=np.int32), nkeys))
        # queries: half planted near-duplicates (one shared band), half random
        qs = []
        for q in range(queries):
            k = int(rng.integers(0, size))
            qk = rng.integers(0, 2**32, size=nkeys, dtype=np.uint32).tolist()
            if q % 2 == 0:
                qk[int(rng.integers(0, tf.LSH_BANDS))] = int(keys[k, 0])
            qs.append((qk, k if q % 2 == 0 else -1))
        del keys
        found = 0
        best = float("inf")
        for rep in range(3):  # best of 3 passes: the machine is shared
            t0 = time.perf_counter()
            for keys_q, k in qs:
                got = ix.query(keys_q)
                found += rep == 0 and k in got
            best = min(best, time.perf_counter() - t0)
        dt = best / queries
        base = base or dt
        print(
            f"lookup: {size:>8} stored, {1e6 * dt:.1f} us/query (x{dt / base:.2f} vs "
            f"{sizes[0]}), planted found {found}/{(queries + 1) // 2}"
        )
        del ix


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--window", type=int, default=100_000)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=5000)
    ap.add_argument("--poll", type=int, default=POLL, help="adds per consolidate() call")
    ap.add_argument("--skip-throughput", action="store_true")
    args = ap.parse_args(argv)
    if not args.skip_throughput:
        pool, sents = make_pool(min(args.window, 3000))
        pool_texts = synth(random.Random(SEED), sents, min(args.window, 3000))  # as in make_pool
        memory(pool, [10_000, args.window])
        throughput(pool, pool_texts, sents, args.window, args.n, args.poll)
    lookup_scaling([10_000, 100_000, 1_000_000], args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
