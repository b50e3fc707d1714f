"""Quality of duplicate collapse and story grouping on ../shared/data/dedup (ECB+).

Run from the repo root:  .venv/bin/python bench/dedup_eval.py [--data DIR]

Syndication set: pair precision/recall/F1 on `family` (a predicted pair = same family root),
recall per copy variant, and in the same run the baselines "plain simhash, default features
of the `simhash` package" at k=3 and at its best k (pairwise Hamming <= k).
Story set: pair P/R/F1 on `story` over all pairs and within topic, docs fed in file order and
shuffled with a fixed seed, each three ways: online assignment only; ``consolidate`` after
every 50 docs and at the end (the daemon after each poll); ``consolidate`` once at the end
(`aggregator cluster` on a file without dates).  Every figure is also given for topics 1-15
(the tuning half) and 16-30 (held out).  Skips (exit 0) with a message when the data is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aggregator.dedup import Deduper, DedupItem

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dedup"
SEED = 7
POLL = 50  # docs per consolidate() in the "every" mode: a poll's worth of new articles

Doc = dict[str, Any]


def load(path: Path) -> list[Doc]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def topic(doc: Doc) -> int:
    return int(str(doc["id"]).split("_", 1)[0])


def pair_scores(pred: Sequence[str], gold: Sequence[str]) -> tuple[float, float, float]:
    """Pair-counting P, R, F1 of a predicted partition against a gold one."""

    def pairs(c: Counter[Any]) -> int:
        return sum(n * (n - 1) // 2 for n in c.values())

    tp = pairs(Counter(zip(pred, gold, strict=True)))
    pp, gp = pairs(Counter(pred)), pairs(Counter(gold))
    p = tp / pp if pp else 1.0
    r = tp / gp if gp else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def fmt(s: tuple[float, float, float]) -> str:
    return f"P={s[0]:.3f} R={s[1]:.3f} F1={s[2]:.3f}"


def subsets(docs: Sequence[Doc]) -> dict[str, Callable[[Doc], bool]]:
    return {
        "all": lambda d: True,
        "topics 1-15": lambda d: topic(d) <= 15,
        "topics 16-30": lambda d: topic(d) > 15,
    }


def run_deduper(docs: Sequence[Doc], consolidate: int = 0) -> dict[str, tuple[str, str]]:
    """(family root, story) per doc.  ``consolidate`` > 0: ``Deduper.consolidate`` after
    every that many docs (the daemon runs it after each poll) and at the end (as
    `aggregator cluster` does at the end of its input); < 0: only at the end."""
    d = Deduper()
    out = {}

    def revise() -> None:
        for id, story in d.consolidate(0.0).items():
            out[id] = (out[id][0], story)

    for i, doc in enumerate(docs):
        r = d.add(DedupItem(id=doc["id"], text=doc["text"], title=doc.get("title") or ""), 0.0)
        out[r.id] = (r.duplicate_of or r.id, r.story)
        if consolidate > 0 and (i + 1) % consolidate == 0:
            revise()
    if consolidate:
        revise()
    return out


def variant_recall(docs: Sequence[Doc], fam_of: dict[str, str]) -> dict[str, float]:
    """Per copy variant: share of (copy, original of its family) pairs predicted together."""
    origs: dict[str, list[Doc]] = defaultdict(list)
    for d in docs:
        if d["variant"] == "orig":
            origs[d["family"]].append(d)
    hit: Counter[str] = Counter()
    tot: Counter[str] = Counter()
    for a in docs:
        for b in origs[a["family"]]:
            if a is b:
                continue
            tot[a["variant"]] += 1
            hit[a["variant"]] += fam_of[a["id"]] == fam_of[b["id"]]
    return {v: hit[v] / tot[v] for v in sorted(tot)}


def simhash_baseline(docs: Sequence[Doc]) -> dict[int, tuple[float, float, float]]:
    """Pairwise Hamming <= k over `simhash.Simhash(text)` (default char 4-gram features)."""
    from simhash import Simhash

    fps = np.array([Simhash(d["text"]).value for d in docs], dtype=np.uint64)
    fam = np.array([hash(d["family"]) for d in docs])
    n = len(docs)
    dist_same = []
    dist_diff_hist = np.zeros(65, dtype=np.int64)
    for i in range(n - 1):
        dist = np.bitwise_count(fps[i] ^ fps[i + 1 :]).astype(np.int64)
        same = fam[i + 1 :] == fam[i]
        dist_same.append(dist[same])
        dist_diff_hist += np.bincount(dist[~same], minlength=65)
    ds = np.bincount(np.concatenate(dist_same), minlength=65)
    gold = int(ds.sum())
    out = {}
    for k in range(0, 33):
        tp = int(ds[: k + 1].sum())
        fp = int(dist_diff_hist[: k + 1].sum())
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / gold
        out[k] = (p, r, 2 * p * r / (p + r) if p + r else 0.0)
    return out


def eval_syndication(docs: list[Doc]) -> None:
    print(f"== syndication: {len(docs)} docs, file order")
    t0 = time.perf_counter()
    res = run_deduper(docs, consolidate=-1)
    dt = time.perf_counter() - t0
    print(f"deduper: {len(docs) / dt:.0f} docs/s")
    fam_of = {k: v[0] for k, v in res.items()}
    for name, keep in subsets(docs).items():
        sub = [d for d in docs if keep(d)]
        s = pair_scores([fam_of[d["id"]] for d in sub], [d["family"] for d in sub])
        vr = variant_recall(sub, fam_of)
        print(f"ours [{name}]: {fmt(s)}")
        print("   recall per variant: " + " ".join(f"{v}={r:.3f}" for v, r in vr.items()))
    base = simhash_baseline(docs)
    best = max(base, key=lambda k: base[k][2])
    print(f"baseline simhash default features k=3: {fmt(base[3])}")
    print(f"baseline simhash default features best k={best}: {fmt(base[best])}")


def eval_stories(docs: list[Doc]) -> None:
    print(f"== stories: {len(docs)} docs")
    shuffled = list(docs)
    random.Random(SEED).shuffle(shuffled)
    modes = (("online only", 0), (f"consolidated every {POLL}", POLL), ("consolidated", -1))
    runs = [
        (f"{mode}, {name}", order, cons)
        for mode, cons in modes
        for name, order in (("file order", docs), (f"shuffled seed={SEED}", shuffled))
    ]
    for order_name, order, cons in runs:
        t0 = time.perf_counter()
        res = run_deduper(order, consolidate=cons)
        print(f"[{order_name}] {len(order) / (time.perf_counter() - t0):.0f} docs/s")
        story = {k: v[1] for k, v in res.items()}
        for name, keep in subsets(docs).items():
            sub = [d for d in docs if keep(d)]
            s = pair_scores([story[d["id"]] for d in sub], [d["story"] for d in sub])
            # within-topic: pairs of docs of the same topic only
            tp = pp = gp = 0
            by_topic: dict[int, list[Doc]] = defaultdict(list)
            for d in sub:
                by_topic[topic(d)].append(d)
            for members in by_topic.values():
                for i, a in enumerate(members):
                    for b in members[i + 1 :]:
                        same_p = story[a["id"]] == story[b["id"]]
                        same_g = a["story"] == b["story"]
                        tp += same_p and same_g
                        pp += same_p
                        gp += same_g
            p, r = tp / max(1, pp), tp / max(1, gp)
            w = (p, r, 2 * p * r / (p + r) if p + r else 0.0)
            print(f"ours [{order_name}, {name}]: all pairs {fmt(s)} | within topic {fmt(w)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--only", choices=["syndication", "stories"])
    args = ap.parse_args(argv)
    synd = args.data / "ecbplus-syndication.jsonl.gz"
    stor = args.data / "ecbplus-stories.jsonl.gz"
    if not synd.exists() or not stor.exists():
        print(f"SKIP: evaluation data not found under {args.data}")
        return 0
    if args.only != "stories":
        eval_syndication(load(synd))
    if args.only != "syndication":
        eval_stories(load(stor))
    return 0


if __name__ == "__main__":
    sys.exit(main())
