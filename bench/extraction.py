"""Extraction quality: bare trafilatura vs aggregator.enrich.extract.extract_page, side by side.

Usage::

    .venv/bin/python bench/extraction.py [--data ../shared/data/extraction] [--limit N]
        [--workers 2] [--set scrapinghub|wcxb|both]

Data (see ../shared/data/README.md, extraction section):

* ScrapingHub article-extraction-benchmark (181 pages): official word-4-gram scoring. Per
  page, precision = |pred ∩ truth| / |pred| and recall = |pred ∩ truth| / |truth| over the
  shingle *sets*; both averaged over pages; F1 from the two averages. An empty prediction
  (or truth) counts as P 0 / R 0.
* WCXB dev articles (711 pages): snippet score summed over pages (a ``with`` snippet found in
  the whitespace-collapsed output = TP, missing = FN; a ``without`` snippet found = FP,
  reported also as the count of leaked boilerplate snippets) and word-level F1 against
  ``main_content`` (bag of words, per page, averaged).

For each page both systems run on the same bytes: ``trafilatura.extract(html, url=url)`` with
default settings, and ours split into its two stages (trafilatura, then cleaning) so that the
cleaning overhead can be reported as a percentage of our trafilatura time. Nothing is written
into the repository.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

import trafilatura

from aggregator.enrich import extract as ours
from aggregator.errors import ExtractError

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "extraction"


@dataclass(frozen=True)
class Page:
    dataset: str  # "sh" | "wc"
    page_id: str
    path: Path
    url: str | None
    truth: str
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    dataset: str
    page_id: str
    bare: str
    ours: str
    bare_ms: float
    traf_ms: float  # our trafilatura stage
    clean_ms: float  # our cleaning stage


def load_pages(data: Path, which: str) -> Iterator[Page]:
    if which in ("scrapinghub", "both"):
        root = data / "scrapinghub-aeb"
        gt = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
        for page_id, item in sorted(gt.items()):
            yield Page(
                "sh",
                page_id,
                root / "html" / f"{page_id}.html.gz",
                item.get("url"),
                item["articleBody"],
            )
    if which in ("wcxb", "both"):
        root = data / "wcxb-dev"
        for f in sorted((root / "ground-truth").glob("*.json")):
            item = json.loads(f.read_text(encoding="utf-8"))
            g = item["ground_truth"]
            yield Page(
                "wc",
                f.stem,
                root / "html" / f"{f.stem}.html.gz",
                item.get("url"),
                g.get("main_content") or "",
                tuple(g.get("with") or ()),
                tuple(g.get("without") or ()),
            )


def _bench_model():  # noqa: ANN202 - the classifier to bench (env AGGREGATOR_BENCH_MODEL)
    """``AGGREGATOR_BENCH_MODEL``: a model file written by bench/paragraphs.py (e.g. one trained
    without the set measured here), ``none`` for rules only; unset: the shipped model."""
    import os

    from aggregator.enrich import classifier, clean

    path = os.environ.get("AGGREGATOR_BENCH_MODEL")
    if not path:
        return clean.SHIPPED
    if path == "none":
        return None
    return classifier.ParagraphModel.from_json(json.loads(Path(path).read_text()))


def run_page(page: Page) -> Outcome:
    html = gzip.decompress(page.path.read_bytes())
    t0 = time.perf_counter()
    bare = trafilatura.extract(html, url=page.url) or ""
    t1 = time.perf_counter()
    doc = ours.run_trafilatura(html, page.url)
    t2 = time.perf_counter()
    try:
        text = (
            ours.extracted_from_document(doc, page.url, model=_bench_model()).text
            if doc is not None
            else ""
        )
    except ExtractError:
        text = ""
    t3 = time.perf_counter()
    return Outcome(
        page.dataset,
        page.page_id,
        bare,
        text,
        (t1 - t0) * 1000,
        (t2 - t1) * 1000,
        (t3 - t2) * 1000,
    )


# ---- scoring ---------------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """ScrapingHub's scoring unit, as in its evaluate.py: word n-grams of ``\\w+`` tokens, counted."""
    tokens = _WORD.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 1)) if tokens)


def shingle_pr(pred: str, truth: str) -> tuple[float, float]:
    """Per-page precision and recall over shingle multisets (empty side: P 0, R 0)."""
    p, t = shingles(pred), shingles(truth)
    if not p or not t:
        return 0.0, 0.0
    inter = sum((p & t).values())
    return inter / sum(p.values()), inter / sum(t.values())


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def word_f1(pred: str, truth: str) -> float:
    """Bag-of-words F1 (multiset overlap of lower-cased word tokens)."""
    pw, tw = Counter(_WORD.findall(pred.lower())), Counter(_WORD.findall(truth.lower()))
    if not pw or not tw:
        return 1.0 if not pw and not tw else 0.0
    inter = sum((pw & tw).values())
    return f1(inter / sum(pw.values()), inter / sum(tw.values()))


def norm_ws(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Scores:
    sh_p: float = 0.0
    sh_r: float = 0.0
    sh_f1: float = 0.0
    wc_tp: int = 0
    wc_fn: int = 0
    wc_fp: int = 0
    wc_word_f1: float = 0.0


def score(pages: dict[tuple[str, str], Page], outs: list[Outcome], side: str) -> Scores:
    s = Scores()
    sh = [o for o in outs if o.dataset == "sh"]
    if sh:
        prs = [shingle_pr(getattr(o, side), pages["sh", o.page_id].truth) for o in sh]
        s.sh_p = statistics.fmean(p for p, _ in prs)
        s.sh_r = statistics.fmean(r for _, r in prs)
        s.sh_f1 = f1(s.sh_p, s.sh_r)
    wc = [o for o in outs if o.dataset == "wc"]
    wfs = []
    for o in wc:
        page = pages["wc", o.page_id]
        text = norm_ws(getattr(o, side))
        for snip in page.with_snippets:
            if norm_ws(snip) in text:
                s.wc_tp += 1
            else:
                s.wc_fn += 1
        s.wc_fp += sum(
            1 for snip in page.without_snippets if norm_ws(snip) and norm_ws(snip) in text
        )
        wfs.append(word_f1(getattr(o, side), page.truth))
    if wfs:
        s.wc_word_f1 = statistics.fmean(wfs)
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=None, help="pages per data set")
    ap.add_argument("--workers", type=int, default=2, help="at most 2 (shared machine)")
    ap.add_argument("--set", dest="which", default="both", choices=["scrapinghub", "wcxb", "both"])
    ap.add_argument("--dump", type=Path, default=None, help="write per-page outputs (JSONL)")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"SKIP: extraction data folder {args.data} not found", file=sys.stderr)
        return 0
    all_pages = list(load_pages(args.data, args.which))
    if args.limit:
        per: Counter[str] = Counter()
        kept = []
        for p in all_pages:
            per[p.dataset] += 1
            if per[p.dataset] <= args.limit:
                kept.append(p)
        all_pages = kept
    pages = {(p.dataset, p.page_id): p for p in all_pages}
    workers = max(1, min(args.workers, 2))
    t0 = time.perf_counter()
    if workers == 1:
        outs = [run_page(p) for p in all_pages]
    else:
        with Pool(workers) as pool:
            outs = list(pool.imap_unordered(run_page, all_pages, chunksize=4))
    wall = time.perf_counter() - t0
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as fh:
            for o in outs:
                fh.write(json.dumps(o.__dict__, ensure_ascii=False) + "\n")

    bare, mine = score(pages, outs, "bare"), score(pages, outs, "ours")
    n_sh = sum(1 for o in outs if o.dataset == "sh")
    n_wc = sum(1 for o in outs if o.dataset == "wc")
    rows: list[tuple[str, str, str]] = []
    if n_sh:
        rows += [
            (f"ScrapingHub ({n_sh} pages) precision", f"{bare.sh_p:.4f}", f"{mine.sh_p:.4f}"),
            ("ScrapingHub recall", f"{bare.sh_r:.4f}", f"{mine.sh_r:.4f}"),
            ("ScrapingHub F1 (word 4-grams)", f"{bare.sh_f1:.4f}", f"{mine.sh_f1:.4f}"),
        ]
    if n_wc:

        def snip(s: Scores) -> tuple[float, float, float]:
            p = s.wc_tp / (s.wc_tp + s.wc_fp) if s.wc_tp + s.wc_fp else 0.0
            r = s.wc_tp / (s.wc_tp + s.wc_fn) if s.wc_tp + s.wc_fn else 0.0
            return p, r, f1(p, r)

        bp, br, bf = snip(bare)
        mp, mr, mf = snip(mine)
        rows += [
            (f"WCXB dev ({n_wc} pages) snippet precision", f"{bp:.4f}", f"{mp:.4f}"),
            ("WCXB `with` recall", f"{br:.4f}", f"{mr:.4f}"),
            ("WCXB snippet F1", f"{bf:.4f}", f"{mf:.4f}"),
            ("WCXB leaked `without` snippets", str(bare.wc_fp), str(mine.wc_fp)),
            ("WCXB word-level F1 (page mean)", f"{bare.wc_word_f1:.4f}", f"{mine.wc_word_f1:.4f}"),
        ]
    bare_ms = statistics.fmean(o.bare_ms for o in outs)
    traf_ms = statistics.fmean(o.traf_ms for o in outs)
    clean_ms = statistics.fmean(o.clean_ms for o in outs)
    rows += [
        ("ms per page (mean)", f"{bare_ms:.1f}", f"{traf_ms + clean_ms:.1f}"),
        ("  of which cleaning ms", "-", f"{clean_ms:.2f}"),
        ("cleaning overhead % of trafilatura", "-", f"{100 * clean_ms / traf_ms:.1f}%"),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'metric':<{w}}  {'bare':>10}  {'ours':>10}")
    for name, b, m in rows:
        print(f"{name:<{w}}  {b:>10}  {m:>10}")
    print(f"({len(outs)} pages, {workers} workers, {wall:.0f}s wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
