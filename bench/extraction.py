"""Extraction quality: bare trafilatura vs aggregator.enrich.extract.extract_page, side by side.

Usage::

    .venv/bin/python bench/extraction.py [--data ../shared/data/extraction] [--limit N]
        [--workers 2] [--set scrapinghub|wcxb|trafeval|both|all] [--no-cache] [--diff]

Data (see ../shared/data/README.md, extraction section):

* ScrapingHub article-extraction-benchmark (181 pages): official word-4-gram scoring. Per
  page, precision = |pred ∩ truth| / |pred| and recall = |pred ∩ truth| / |truth| over the
  shingle *sets*; both averaged over pages; F1 from the two averages. An empty prediction
  (or truth) counts as P 0 / R 0.
* WCXB dev articles (711 pages): snippet score summed over pages (a ``with`` snippet found in
  the whitespace-collapsed output = TP, missing = FN; a ``without`` snippet found = FP,
  reported also as the count of leaked boilerplate snippets) and word-level F1 against
  ``main_content`` (bag of words, per page, averaged).
* trafilatura-eval (500 pages, mostly German; its README.md): per language, the share of
  ``with`` snippets kept and of ``without`` snippets removed (whitespace-collapsed,
  case-sensitive containment). Bare trafilatura runs as in the README's anchor
  (``extract(html, include_comments=False)``, no URL).

Cache: trafilatura's output (bare text, and our run's XML body and metadata) is kept per page
in ``bench/out/extraction-cache/`` (git-ignored), keyed by the trafilatura version and our
``TRAFILATURA_OPTIONS``; a second run only re-does the cleaning, so changes to clean.py or
the block assembly can be measured in seconds. ``--no-cache`` ignores it (timings are then
fresh; cached timings are those of the run that filled the cache).

``--diff`` prints, per page, the ``with`` snippets that bare trafilatura keeps and we lose,
with the reason: the detector that removed the block holding it (``CleanResult.removed``),
"assembly" when it is in our blocks but not in our text, or "extraction" when our
trafilatura run never produced it (options, block assembly).

For each page both systems run on the same bytes: ``trafilatura.extract(html, url=url)`` with
default settings, and ours split into its two stages (trafilatura, then cleaning) so that the
cleaning overhead can be reported as a percentage of our trafilatura time. Nothing is written
into the repository.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import inspect
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
from typing import Any

import trafilatura
from lxml import etree

from aggregator.enrich import assemble
from aggregator.enrich import extract as ours
from aggregator.enrich.assemble import blocks_from_body, separate_glued_inlines
from aggregator.errors import ExtractError

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "extraction"


@dataclass(frozen=True)
class Page:
    dataset: str  # "sh" | "wc" | "te"
    page_id: str
    path: Path
    url: str | None
    truth: str
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()
    lang: str = ""


@dataclass(frozen=True)
class Outcome:
    dataset: str
    page_id: str
    bare: str
    ours: str
    bare_ms: float
    traf_ms: float  # our trafilatura stage
    clean_ms: float  # our cleaning stage
    removed: tuple[tuple[str, str], ...] = ()  # (reason, block text) our cleaning removed
    blocks: str = ""  # all our blocks' text before cleaning (for --diff)


def load_pages(data: Path, which: str) -> Iterator[Page]:
    if which in ("scrapinghub", "both", "all"):
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
    if which in ("wcxb", "both", "all"):
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
    if which in ("trafeval", "all"):
        root = data / "trafilatura-eval"
        ev = json.loads((root / "eval.json").read_text(encoding="utf-8"))
        for name, item in sorted(ev.items()):
            yield Page(
                "te",
                name,
                root / "html" / f"{name}.html.gz",
                None,
                "",
                tuple(item.get("with") or ()),
                tuple(item.get("without") or ()),
                item.get("lang") or "",
            )


@functools.cache  # read once per worker process, not once per page
def _model_file(path: str):  # noqa: ANN202 - a ParagraphModel
    from aggregator.enrich import classifier

    return classifier.ParagraphModel.from_json(json.loads(Path(path).read_text()))


@functools.cache
def _page_folds(folder: str) -> dict[str, int]:
    got: dict[str, int] = json.loads((Path(folder) / "pages.json").read_text())
    return got


def _bench_model(page: Page):  # noqa: ANN202 - the classifier to bench (env AGGREGATOR_BENCH_MODEL)
    """``AGGREGATOR_BENCH_MODEL``: a model file written by bench/paragraphs.py (e.g. one trained
    without the set measured here), ``none`` for rules only, ``folds:DIR`` for the fold models
    of ``bench/paragraphs.py --write-folds DIR`` (each page cleaned by the model that never saw
    its site: the figures held out by site); unset: the shipped model."""
    import os

    from aggregator.enrich import clean

    path = os.environ.get("AGGREGATOR_BENCH_MODEL")
    if not path:
        return clean.SHIPPED
    if path == "none":
        return None
    if path.startswith("folds:"):
        folder = path.removeprefix("folds:")
        fold = _page_folds(folder)[f"{page.dataset}:{page.page_id}"]
        return _model_file(str(Path(folder) / f"fold-{fold}.json"))
    return _model_file(path)


# ---- trafilatura output cache ----------------------------------------------------------------

CACHE_DIR = Path(__file__).resolve().parent / "out" / "extraction-cache"
_USE_CACHE = True
# what separate_glued_inlines (our trafilatura stage's input) depends on
_SEPARATION_HELPERS = (assemble._glued, assemble._first_char, assemble._last_char)


def _cache_key() -> str:
    """Changes with trafilatura's version, our options and our trafilatura stage's code."""
    opts = json.dumps(ours.TRAFILATURA_OPTIONS, sort_keys=True)
    code = "".join(
        inspect.getsource(f)
        for f in (ours.run_trafilatura, separate_glued_inlines, *_SEPARATION_HELPERS)
    )
    return hashlib.sha1(f"{trafilatura.__version__}|{opts}|{code}".encode()).hexdigest()[:12]


def _cache_path(page: Page) -> Path:
    name = hashlib.sha1(page.page_id.encode("utf-8")).hexdigest()[:20]
    return CACHE_DIR / _cache_key() / page.dataset / f"{name}.json"


def _xml(el: etree._Element | None) -> str | None:
    return None if el is None else etree.tostring(el, encoding="unicode")


def _trafilatura_stage(page: Page) -> dict[str, Any]:
    """Bare trafilatura's text and our trafilatura run (serialisable), from the cache or fresh."""
    path = _cache_path(page)
    if _USE_CACHE and path.exists():
        cached: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cached
    html = gzip.decompress(page.path.read_bytes())
    t0 = time.perf_counter()
    if page.dataset == "te":  # the README's anchor
        bare = trafilatura.extract(html, include_comments=False) or ""
    else:
        bare = trafilatura.extract(html, url=page.url) or ""
    t1 = time.perf_counter()
    doc = ours.run_trafilatura(html, page.url)
    t2 = time.perf_counter()
    got: dict[str, Any] = {"bare": bare, "bare_ms": (t1 - t0) * 1000, "traf_ms": (t2 - t1) * 1000}
    if doc is not None:
        got |= {
            "body": _xml(doc.body),
            "comments": _xml(getattr(doc, "commentsbody", None)),
            "title": doc.title,
            "author": doc.author,
            "date": doc.date,
            "language": getattr(doc, "language", None),
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(got, ensure_ascii=False), encoding="utf-8")
    return got


@dataclass
class CachedDoc:
    """The parts of trafilatura's Document that ``extracted_from_document`` reads."""

    body: etree._Element | None
    commentsbody: etree._Element | None
    title: str | None
    author: str | None
    date: str | None
    language: str | None


def _doc(got: dict[str, Any]) -> CachedDoc | None:
    if "body" not in got:
        return None

    def tree(x: str | None) -> etree._Element | None:
        return None if x is None else etree.fromstring(x)

    return CachedDoc(
        tree(got["body"]),
        tree(got.get("comments")),
        got.get("title"),
        got.get("author"),
        got.get("date"),
        got.get("language"),
    )


def run_page(page: Page) -> Outcome:
    got = _trafilatura_stage(page)
    doc = _doc(got)
    t2 = time.perf_counter()
    removed: tuple[tuple[str, str], ...] = ()
    first = None
    try:
        if doc is None or doc.body is None:
            raise ExtractError("no document")
        first = ours.extracted_from_document(doc, page.url, model=_bench_model(page))  # type: ignore[arg-type]
    except ExtractError:
        pass
    t3 = time.perf_counter()
    # extract_page's second pass (uncached: it runs trafilatura again, on some pages only)
    html = gzip.decompress(page.path.read_bytes())
    ex = ours.second_pass(html, page.url, first, model=_bench_model(page)) or first
    text, removed = (ex.text, ex.removed) if ex is not None else ("", ())
    blocks = ""
    if doc is not None and doc.body is not None:
        blocks = "\n".join(b.text for b in blocks_from_body(doc.body))
        if doc.commentsbody is not None:
            blocks += "\n" + "\n".join(b.text for b in blocks_from_body(doc.commentsbody))
    return Outcome(
        page.dataset,
        page.page_id,
        got["bare"],
        text,
        got["bare_ms"],
        got["traf_ms"],
        (t3 - t2) * 1000,
        removed,
        blocks,
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


@dataclass
class SnippetCount:
    kept: int = 0
    with_total: int = 0
    leaked: int = 0
    without_total: int = 0
    pages: int = 0

    def row(self) -> str:
        k = self.kept / self.with_total if self.with_total else 0.0
        r = 1 - self.leaked / self.without_total if self.without_total else 0.0
        return (
            f"{100 * k:5.1f}% ({self.kept}/{self.with_total})  "
            f"{100 * r:5.1f}% ({self.without_total - self.leaked}/{self.without_total})"
        )


def score_trafeval(
    pages: dict[tuple[str, str], Page], outs: list[Outcome], side: str
) -> dict[str, SnippetCount]:
    """trafilatura-eval per group (all, non-English, each language with 5+ pages, other)."""
    groups: dict[str, SnippetCount] = {}
    for o in outs:
        if o.dataset != "te":
            continue
        page = pages["te", o.page_id]
        text = norm_ws(getattr(o, side))
        lang = page.lang
        big = sum(1 for p in pages.values() if p.dataset == "te" and p.lang == lang) >= 5
        names = ["all", lang if big else "other"] + (["non-English"] if lang != "en" else [])
        for name in names:
            c = groups.setdefault(name, SnippetCount())
            c.pages += 1
            for snip in page.with_snippets:
                c.with_total += 1
                c.kept += norm_ws(snip) in text
            for snip in page.without_snippets:
                c.without_total += 1
                c.leaked += bool(norm_ws(snip)) and norm_ws(snip) in text
    return groups


def print_trafeval(pages: dict[tuple[str, str], Page], outs: list[Outcome]) -> None:
    bare, mine = score_trafeval(pages, outs, "bare"), score_trafeval(pages, outs, "ours")
    if not bare:
        return
    order = sorted(bare, key=lambda g: (g not in ("all", "non-English"), -bare[g].pages, g))
    print("trafilatura-eval  group (pages): content kept  boilerplate removed")
    for g in order:
        print(f"  {g:<12} ({bare[g].pages:3d}) bare {bare[g].row()}")
        print(f"  {'':<12}       ours {mine[g].row()}")


def _why_lost(snip: str, o: Outcome) -> str:
    """Why a ``with`` snippet bare trafilatura keeps is not in our text."""
    for reason, text in o.removed:
        t = norm_ws(text)
        if snip in t or (len(t) >= 20 and t in snip):
            return f"removed:{reason}"
    for reason, text in o.removed:  # a snippet across blocks: the first piece found
        t = norm_ws(text)
        if len(snip) >= 20 and (snip[:20] in t or snip[-20:] in t):
            return f"removed(part):{reason}"
    if snip in norm_ws(o.blocks):
        return "assembly (in our blocks, not in our text)"
    return "extraction (not in our blocks)"


def print_diff(pages: dict[tuple[str, str], Page], outs: list[Outcome]) -> Counter[str]:
    """Per page, the ``with`` snippets bare trafilatura keeps and we lose, with the reason."""
    reasons: Counter[str] = Counter()
    for o in sorted(outs, key=lambda o: (o.dataset, o.page_id)):
        page = pages[o.dataset, o.page_id]
        bare, mine = norm_ws(o.bare), norm_ws(o.ours)
        lost = [
            norm_ws(s)
            for s in page.with_snippets
            if norm_ws(s) and norm_ws(s) in bare and norm_ws(s) not in mine
        ]
        if not lost:
            continue
        print(f"== {o.dataset} {o.page_id} {page.lang}")
        for snip in lost:
            why = _why_lost(snip, o)
            reasons[f"{o.dataset} {why.split(':')[0] if ':' not in why else why}"] += 1
            print(f"   [{why}] {snip[:160]}")
    print("-- lost `with` snippets by reason")
    for r, n in reasons.most_common():
        print(f"   {n:4d}  {r}")
    return reasons


def _set_cache(use: bool) -> None:
    global _USE_CACHE
    _USE_CACHE = use


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=None, help="pages per data set")
    ap.add_argument("--workers", type=int, default=2, help="at most 2 (shared machine)")
    ap.add_argument(
        "--set",
        dest="which",
        default="all",
        choices=["scrapinghub", "wcxb", "trafeval", "both", "all"],
        help="both: ScrapingHub and WCXB; all: and trafilatura-eval",
    )
    ap.add_argument("--dump", type=Path, default=None, help="write per-page outputs (JSONL)")
    ap.add_argument("--no-cache", action="store_true", help="re-run trafilatura on every page")
    ap.add_argument("--diff", action="store_true", help="list `with` snippets bare keeps, we lose")
    args = ap.parse_args(argv)
    global _USE_CACHE
    _USE_CACHE = not args.no_cache
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
        with Pool(workers, initializer=_set_cache, initargs=(_USE_CACHE,)) as pool:
            outs = list(pool.imap_unordered(run_page, all_pages, chunksize=4))
    wall = time.perf_counter() - t0
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as fh:
            for o in outs:
                fh.write(json.dumps(o.__dict__, ensure_ascii=False) + "\n")

    if args.diff:
        print_diff(pages, outs)
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
    print_trafeval(pages, outs)
    print(f"({len(outs)} pages, {workers} workers, {wall:.0f}s wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
