"""Quality of duplicate collapse and story grouping on ../shared/data/dedup (ECB+), held out
by topic.

Run from the repo root:  PYTHONPATH=. .venv/bin/python bench/dedup_eval.py [--data DIR]

Headline (printed first and last): every figure is *held out by topic*.  The ECB+ topics are
split in two halves (1-15, 16-30).  For each direction (tune on one half, test on the other)
the tuned numbers are swept on the tuning half alone (a Deduper fed only that half's
documents), the best point is chosen there (syndication: best F1 with precision >= 0.99;
stories: best mean F1 of the two arrival orders), and the other half is scored with it.
The constants in ``aggregator/dedup/thresholds.py`` are the choice made on topics 1-15;
the run checks that and prints the figures of the constants on the held-out half.

Syndication: pair P/R/F1 on ``family`` (a predicted pair = same family root), recall per
copy variant, and the share of true copies collapsed by each stage (``DedupResult.reason``)
with each stage's precision.  Stories: pair P/R/F1 on ``story``, documents in file order and
shuffled (fixed seed), with ``consolidate`` after every 50 documents and at the end (the
daemon after each poll).  ``--reference`` adds the old whole-set figures and the plain
simhash baselines (not held out: for comparison only).  Skips (exit 0) without the data.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from aggregator.dedup import Deduper, DedupItem
from aggregator.dedup import consolidate as _consolidate
from aggregator.dedup import copies as _copies
from aggregator.dedup import deduper as _deduper
from aggregator.dedup import features as _features
from aggregator.dedup import linkage as _linkage
from aggregator.dedup import smoothing as _smoothing
from aggregator.dedup import stories as _stories
from aggregator.dedup import thresholds as _thresholds

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dedup"
SEED = 7
POLL = 50  # docs per consolidate() in the "every" mode: a poll's worth of new articles
P_FLOOR = 0.99  # syndication: the sweep picks the best F1 among points with this precision

Doc = dict[str, Any]
Params = dict[str, float]
Scores = tuple[float, float, float]

HALVES: dict[str, Callable[[Doc], bool]] = {
    "topics 1-15": lambda d: topic(d) <= 15,
    "topics 16-30": lambda d: topic(d) > 15,
}
# the swept numbers (each is a constant of thresholds.py, read by the modules that use it)
SYND_GRID: dict[str, list[float]] = {
    "TRUNC_OPENING": [0.8, 0.75, 0.85, 0.9],
    "TRUNC_OPENING_HEAD": [28, 24, 32],
}
# the simhash stage's distance, swept after the rules above (fixed at their choice): the
# largest share of true copies found by the stage among k whose stage precision is
# >= P_FLOOR (the smaller k of equals).  k <= 3: with 5 blocks a larger k leaves table keys
# of one block (13 bits), and the lookup would no longer be flat (see fingerprints.py)
SIMHASH_GRID: dict[str, list[float]] = {"SIMHASH_K": [2, 3]}
STORY_GRID: dict[str, list[float]] = {
    "CONS_MIN_SIMILARITY": [0.28, 0.24, 0.26, 0.30, 0.32],
    "CONS_SMOOTH_K": [3, 2, 4, 5],
    "CONS_SMOOTH_ALPHA": [1.5, 0.5, 1.0],
}
_MODULES = (_thresholds, _copies, _deduper, _stories, _consolidate, _linkage, _features, _smoothing)


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


def run_deduper(docs: Sequence[Doc], consolidate: int = 0) -> dict[str, tuple[str, str, str]]:
    """(family root, story, reason) per doc.  ``consolidate`` > 0: ``Deduper.consolidate``
    after every that many docs (the daemon runs it after each poll) and at the end (as
    `aggregator cluster` does at the end of its input); < 0: only at the end."""
    d = Deduper()
    out: dict[str, tuple[str, str, str]] = {}

    def revise() -> None:
        for id, story in d.consolidate(0.0).items():
            out[id] = (out[id][0], story, out[id][2])

    for i, doc in enumerate(docs):
        r = d.add(DedupItem(id=doc["id"], text=doc["text"], title=doc.get("title") or ""), 0.0)
        out[r.id] = (r.duplicate_of or r.id, r.story, r.reason)
        if consolidate > 0 and (i + 1) % consolidate == 0:
            revise()
    if consolidate:
        revise()
    return out


@contextmanager
def overridden(values: Params) -> Iterator[None]:
    """Set tuned constants (by name) in every dedup module that reads them, for one run."""
    old = []
    for name, v in values.items():
        for m in _MODULES:
            if hasattr(m, name):
                old.append((m, name, getattr(m, name)))
                setattr(m, name, type(getattr(m, name))(v))
    try:
        yield
    finally:
        for m, name, v in reversed(old):
            setattr(m, name, v)


def constants(grid: dict[str, list[float]]) -> Params:
    """The values in force (thresholds.py, or features.py for feature weights)."""
    return {
        name: float(next(getattr(m, name) for m in _MODULES if hasattr(m, name))) for name in grid
    }


def grid_points(grid: dict[str, list[float]]) -> list[Params]:
    names = list(grid)
    return [dict(zip(names, vals, strict=True)) for vals in itertools.product(*grid.values())]


def fmt_params(p: Params) -> str:
    return " ".join(f"{k}={v:g}" for k, v in p.items())


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


def synd_scores(
    docs: Sequence[Doc],
) -> tuple[Scores, dict[str, float], dict[str, tuple[str, str, str]]]:
    res = run_deduper(docs, consolidate=-1)
    fam_of = {k: v[0] for k, v in res.items()}
    s = pair_scores([fam_of[d["id"]] for d in docs], [d["family"] for d in docs])
    return s, variant_recall(docs, fam_of), res


# The gold's families are an ECB+ original and the copies made from it; two originals that are
# themselves one wire story (one a cut or an update of the other) are separate families, so
# collapsing them counts as a false pair.  The audit merges the families of originals whose
# shorter text has at least this share of its sentences (6+ words, case and punctuation
# folded) verbatim in the longer: a reader sees one story twice there.  It uses no code and no
# constant of aggregator.dedup; it is printed beside the gold's figures, never instead.
AUDIT_SHARE = 0.8


def audited_families(docs: Sequence[Doc]) -> dict[str, str]:
    """{doc id: family} with the families of verbatim-sharing originals merged."""

    def sentences(text: str) -> set[str]:
        out = (" ".join(re.sub(r"\W+", " ", s).lower().split()) for s in text.split("\n"))
        return {s for s in out if len(s.split()) >= 6}

    parent = {d["family"]: d["family"] for d in docs}

    def root(f: str) -> str:
        while parent[f] != f:
            f = parent[f]
        return f

    origs = [(d["family"], sentences(d["text"])) for d in docs if d["variant"] == "orig"]
    for i, (fa, sa) in enumerate(origs):
        for fb, sb in origs[i + 1 :]:
            if sa and sb and len(sa & sb) >= AUDIT_SHARE * min(len(sa), len(sb)):
                parent[root(fa)] = root(fb)
    return {d["id"]: root(d["family"]) for d in docs}


def stage_stats(docs: Sequence[Doc], res: dict[str, tuple[str, str, str]]) -> str:
    """Per stage (``reason``): the share of true copies (documents with an earlier member of
    their family) it collapsed into their family, and its precision (share of its collapses
    that were right).  ``missed`` = true copies no stage collapsed."""
    fam = {d["id"]: d["family"] for d in docs}
    seen: set[str] = set()
    true_copies = 0
    right: Counter[str] = Counter()
    made: Counter[str] = Counter()
    for d in docs:
        root, _, reason = res[d["id"]]
        is_copy = d["family"] in seen
        seen.add(d["family"])
        true_copies += is_copy
        if root != d["id"]:
            made[reason] += 1
            right[reason] += fam[root] == d["family"] and is_copy
    parts = [
        f"{r}: share {right[r] / max(1, true_copies):.3f} precision {right[r] / made[r]:.3f}"
        f" ({made[r]})"
        for r in sorted(made)
    ]
    missed = 1 - sum(right.values()) / max(1, true_copies)
    return "; ".join(parts) + f"; missed {missed:.3f} of {true_copies} true copies"


def stage_share(
    docs: Sequence[Doc], res: dict[str, tuple[str, str, str]], stage: str
) -> tuple[float, float]:
    """(share of true copies, precision) of one stage, as in ``stage_stats``."""
    fam = {d["id"]: d["family"] for d in docs}
    seen: set[str] = set()
    true_copies = right = made = 0
    for d in docs:
        root, _, reason = res[d["id"]]
        is_copy = d["family"] in seen
        seen.add(d["family"])
        true_copies += is_copy
        if reason == stage and root != d["id"]:
            made += 1
            right += fam[root] == d["family"] and is_copy
    return right / max(1, true_copies), (right / made if made else 1.0)


def story_runs(docs: Sequence[Doc], keep: Callable[[Doc], bool]) -> dict[str, Scores]:
    """Pair scores of the daemon's mode (consolidate every POLL) in file and shuffled order:
    all ``docs`` go through one Deduper (as a daemon's window holds every topic), and only
    the pairs of documents ``keep`` selects are scored (labels of no other document used)."""
    shuffled = list(docs)
    random.Random(SEED).shuffle(shuffled)
    scored = [d for d in docs if keep(d)]
    out = {}
    for name, order in (("file order", docs), (f"shuffled seed={SEED}", shuffled)):
        res = run_deduper(order, consolidate=POLL)
        out[name] = pair_scores([res[d["id"]][1] for d in scored], [d["story"] for d in scored])
    return out


def choose(points: list[tuple[Params, Scores]], floor: float) -> Params:
    """Best F1 among points with precision >= floor (all points when none has it); the first
    of equals (grids list the current constants first)."""
    ok = [pt for pt in points if pt[1][0] >= floor] or points
    return max(ok, key=lambda pt: round(pt[1][2], 4))[0]


def sweep_synd(tune: Sequence[Doc], name: str) -> Params:
    points = []
    for p in grid_points(SYND_GRID):
        with overridden(p):
            s, vr, _ = synd_scores(tune)
        points.append((p, s))
        print(f"  sweep on {name}: {fmt_params(p)} -> {fmt(s)} trunc30={vr['trunc30']:.3f}")
    chosen = choose(points, P_FLOOR)
    points = []
    for p in grid_points(SIMHASH_GRID):
        with overridden({**chosen, **p}):
            s, _, res = synd_scores(tune)
        share, prec = stage_share(tune, res, "simhash")
        print(
            f"  sweep on {name}: {fmt_params(p)} -> {fmt(s)}; simhash stage share {share:.3f}"
            f" precision {prec:.3f}"
        )
        # ranked by the stage's share; a k whose stage is not precise enough ranks last
        points.append((p, (s[0], s[1], share if prec >= P_FLOOR else 0.0)))
    return {**chosen, **choose(points, 0.0)}


def sweep_stories(docs: Sequence[Doc], name: str) -> Params:
    points = []
    for p in grid_points(STORY_GRID):
        with overridden(p):
            runs = story_runs(docs, HALVES[name])
        mean = tuple(float(np.mean([r[i] for r in runs.values()])) for i in range(3))
        points.append((p, (mean[0], mean[1], mean[2])))
        print(f"  sweep on {name}: {fmt_params(p)} -> mean of orders {fmt(points[-1][1])}")
    return choose(points, 0.0)


def held_out(synd: list[Doc], stor: list[Doc], do_sweep: bool) -> list[str]:
    """Both directions; returns the headline lines (also printed as they come)."""
    lines = []
    names = list(HALVES)
    for tune_name, test_name in ((names[0], names[1]), (names[1], names[0])):
        print(f"== tune on {tune_name}, test on {test_name}")
        for kind, docs, grid, sweep in (
            ("syndication", synd, SYND_GRID, sweep_synd),
            ("stories", stor, STORY_GRID, sweep_stories),
        ):
            if not docs:
                continue
            # syndication: a Deduper sees one half only.  Stories: it sees every document
            # (document frequencies and consolidation are window-wide statistics; a
            # half-size window shifts the threshold), and only one half's pairs are scored
            tune = [d for d in docs if HALVES[tune_name](d)] if kind == "syndication" else docs
            test = [d for d in docs if HALVES[test_name](d)]
            if kind == "syndication":
                grid = {**grid, **SIMHASH_GRID}
            chosen = sweep(tune, tune_name) if do_sweep and grid else constants(grid)
            same = chosen == constants(grid)
            note = "= thresholds.py" if same else "(thresholds.py differs)"
            lines.append(f"[{kind}] chosen on {tune_name}: {fmt_params(chosen)} {note}")
            with overridden(chosen):
                if kind == "syndication":
                    t0 = time.perf_counter()
                    s, vr, res = synd_scores(test)
                    rate = len(test) / (time.perf_counter() - t0)
                    lines.append(
                        f"[syndication] held out {test_name}: {fmt(s)} ({rate:.0f} docs/s)"
                    )
                    lines.append(
                        "   recall per variant: " + " ".join(f"{v}={r:.3f}" for v, r in vr.items())
                    )
                    lines.append("   stages: " + stage_stats(test, res))
                    audit = audited_families(test)
                    a = pair_scores([res[d["id"]][0] for d in test], [audit[d["id"]] for d in test])
                    merged = len({d["family"] for d in test}) - len(set(audit.values()))
                    lines.append(
                        f"   audited gold ({merged} families of originals sharing >= "
                        f"{AUDIT_SHARE:.0%} of sentences verbatim merged): {fmt(a)}"
                    )
                else:
                    for order, s in story_runs(docs, HALVES[test_name]).items():
                        lines.append(f"[stories] held out {test_name}, {order}: {fmt(s)}")
            for line in lines[-5:] if kind == "syndication" else lines[-3:]:
                print(line)
    return lines


def reference(synd: list[Doc], stor: list[Doc]) -> None:
    """Not held out: the whole set with the constants, and plain simhash baselines."""
    if synd:
        s, vr, res = synd_scores(synd)
        print(f"reference, syndication, all 30 topics (not held out): {fmt(s)}")
        print("   recall per variant: " + " ".join(f"{v}={r:.3f}" for v, r in vr.items()))
        print("   stages: " + stage_stats(synd, res))
        base = simhash_baseline(synd)
        best = max(base, key=lambda k: base[k][2])
        print(f"baseline simhash default features k=3: {fmt(base[3])}")
        print(f"baseline simhash default features best k={best} (whole set): {fmt(base[best])}")
    if stor:
        for order, s in story_runs(stor, lambda d: True).items():
            print(f"reference, stories, all 30 topics (not held out), {order}: {fmt(s)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--only", choices=["syndication", "stories"])
    ap.add_argument("--no-sweep", action="store_true", help="score the constants only")
    ap.add_argument("--reference", action="store_true", help="add whole-set figures")
    args = ap.parse_args(argv)
    synd_path = args.data / "ecbplus-syndication.jsonl.gz"
    stor_path = args.data / "ecbplus-stories.jsonl.gz"
    if not synd_path.exists() or not stor_path.exists():
        print(f"SKIP: evaluation data not found under {args.data}")
        return 0
    synd = load(synd_path) if args.only != "stories" else []
    stor = load(stor_path) if args.only != "syndication" else []
    lines = held_out(synd, stor, not args.no_sweep)
    if args.reference:
        reference(synd, stor)
    print("== HEADLINE: held out by topic (numbers chosen on the other half)")
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
