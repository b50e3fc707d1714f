"""Train and evaluate the paragraph classifier (aggregator/enrich/classifier.py), split by site.

Usage::

    .venv/bin/python bench/paragraphs.py [--data ../shared/data/extraction] [--folds 5]
        [--write]            # also train on every labelled paragraph and write the shipped model

Labelled paragraphs come from the three extraction sets in ``../shared/data/extraction``: each
page goes through our trafilatura stage and block assembly (what the cleaner sees), and each
block is labelled against the page's ground truth:

* ScrapingHub (``articleBody``) and WCXB dev (``main_content``): a block whose word 3-shingles
  are at least 80% inside the main text is content, at most 20% boilerplate, in between
  unlabelled; a block of one or two words is content only when it is a line of the main text.
  WCXB's ``with``/``without`` snippets override (a block holding a ``without`` snippet and no
  ``with`` snippet is boilerplate).
* trafilatura-eval (no full main text): a block holding a ``with`` snippet is content, one
  holding only ``without`` snippets is boilerplate, the rest unlabelled.

Evaluation never mixes a site between training and test: GroupKFold over sites (host without
``www.``; for trafilatura-eval pages the canonical or og:url host, else the page itself). In each
fold the two thresholds are chosen on the training sites only (inner GroupKFold): ``edge`` is the
lowest probability at which content precision stays >= 0.99; ``strong`` the one at which
content precision stays >= 0.999. The test fold is scored with them. The printed headline is
boilerplate recall and content precision at ``edge`` over all held-out folds, by data set.

Trafilatura output is cached in ``bench/out/paragraphs.jsonl.gz`` (gitignored); delete it after
changing block assembly.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from scipy import sparse
from trafilatura import bare_extraction

from aggregator.enrich import classifier as clf
from aggregator.enrich import extract as ours

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "extraction"
CACHE = ROOT / "bench" / "out" / "paragraphs.jsonl.gz"
MODEL_PATH = ROOT / "aggregator" / "enrich" / clf.MODEL_FILE

_WORD = re.compile(r"\w+", re.UNICODE)
_CANON = re.compile(
    rb"""<(?:link[^>]+rel=["']?canonical["']?[^>]*href|meta[^>]+property=["']og:url["'][^>]*content)=["']([^"']+)""",
    re.I,
)


def _host(url: str | None) -> str:
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.")


def _pages(data: Path) -> Iterator[dict[str, object]]:
    sh = data / "scrapinghub-aeb"
    for pid, item in sorted(json.loads((sh / "ground-truth.json").read_text()).items()):
        yield {"set": "sh", "id": pid, "path": str(sh / "html" / f"{pid}.html.gz"),
               "url": item.get("url"), "truth": item["articleBody"]}  # fmt: skip
    wc = data / "wcxb-dev"
    for f in sorted((wc / "ground-truth").glob("*.json")):
        item = json.loads(f.read_text())
        g = item["ground_truth"]
        yield {"set": "wc", "id": f.stem, "path": str(wc / "html" / f"{f.stem}.html.gz"),
               "url": item.get("url"), "truth": g.get("main_content") or "",
               "with": g.get("with") or [], "without": g.get("without") or []}  # fmt: skip
    te = data / "trafilatura-eval"
    for name, item in sorted(json.loads((te / "eval.json").read_text()).items()):
        yield {"set": "te", "id": name, "path": str(te / "html" / f"{name}.html.gz"),
               "url": None, "truth": None, "lang": item["lang"],
               "with": item["with"], "without": item["without"]}  # fmt: skip


LANG_SETS = ROOT / "tests" / "fixtures"


def language_pages(names: Sequence[str]) -> Iterator[dict[str, object]]:
    """The labelled pages of the language development sets (``tests/fixtures/<name>``, issue
    19), as snippet-labelled pages (set ``lg``): content lines are ``with`` snippets, boilerplate
    and chrome lines ``without`` ones. Each page is its own site (its URL's host)."""
    for name in names:
        for meta in sorted((LANG_SETS / name).glob("*/[0-9]*.json")):
            item = json.loads(meta.read_text(encoding="utf-8"))
            yield {"set": "lg", "id": f"{name}/{meta.parent.name}/{meta.stem}",
                   "path": str(meta.with_suffix(".html")), "url": item.get("url"),
                   "truth": None, "lang": meta.parent.name, "with": item["content"],
                   "without": [*item["boilerplate"], *item.get("chrome", [])]}  # fmt: skip


def _extract(page: dict[str, object]) -> dict[str, object]:
    data = Path(str(page["path"])).read_bytes()
    raw = gzip.decompress(data) if str(page["path"]).endswith(".gz") else data
    url = page["url"] if isinstance(page["url"], str) else None
    site = _host(url)
    if not site:
        m = _CANON.search(raw[:200_000])
        site = _host(m.group(1).decode("utf-8", "replace")) if m else ""
    try:
        doc = ours.run_trafilatura(raw, url)
    except Exception:
        doc = None
    blocks: list[list[object]] = []
    title = None
    if doc is not None and doc.body is not None:
        title = doc.title or None
        blocks = _blocks_of(doc)
    extra: list[list[object]] = []
    if page["set"] != "sh":  # snippet-labelled sets: also what a recall-minded extraction keeps
        try:
            wide = bare_extraction(
                raw,
                url=url,
                with_metadata=True,
                **{**ours.TRAFILATURA_OPTIONS, "favor_recall": True, "include_comments": True},
            )
        except Exception:
            wide = None
        if wide is not None and wide.body is not None:
            extra = _blocks_of(wide)
    return {**page, "site": site or f"{page['set']}:{page['id']}", "title": title,
            "blocks": blocks, "extra": extra}  # fmt: skip


def _blocks_of(doc) -> list[list[object]]:  # noqa: ANN001 - trafilatura Document
    found = list(ours.blocks_from_body(doc.body))
    if getattr(doc, "commentsbody", None) is not None:
        found += ours.blocks_from_body(doc.commentsbody)
    return [[b.text, b.kind, b.link_chars] for b in found]


def collect(data: Path, workers: int, languages: Sequence[str] = ()) -> list[dict[str, object]]:
    """Every page's blocks (the extraction sets cached in ``CACHE``; the language sets, small
    and edited often, extracted on every run)."""
    lang = list(language_pages(languages))
    if lang:
        with Pool(workers) as pool:
            lang = pool.map(_extract, lang, chunksize=8)
    return _collect_sets(data, workers) + lang


def _collect_sets(data: Path, workers: int) -> list[dict[str, object]]:
    if CACHE.exists():
        with gzip.open(CACHE, "rt", encoding="utf-8") as fh:
            return [json.loads(line) for line in fh]
    pages = list(_pages(data))
    with Pool(workers) as pool:
        out = pool.map(_extract, pages, chunksize=8)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(CACHE, "wt", encoding="utf-8") as fh:
        for p in out:
            fh.write(json.dumps(p) + "\n")
    return out


# ---- labels ----------------------------------------------------------------------------------


def _toks(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _shingles(toks: Sequence[str], n: int = 3) -> set[tuple[str, ...]]:
    return {tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)}


def _ws(text: str) -> str:
    return " ".join(text.split())


LABELS = ROOT / "bench" / "paragraph_labels.tsv"
BOILERPLATE_KINDS = frozenset("ASHBMRPNDK")  # see the header of paragraph_labels.tsv
ISSUE_KINDS = frozenset("ASHBMR")  # appeals, sign-up, share, bios, comments, related teasers


def manual_labels() -> dict[str, str]:
    """Hand labels of the blocks outside a page's ground truth: key -> letter."""
    out = {}
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, letter = line.split("\t")
            out[key] = letter.strip()
    return out


def block_key(page: dict[str, object], i: int, text: str) -> str:
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{page['set']}/{page['id']}/{i}/{digest}"


@dataclass(frozen=True)
class _Truth:
    """What a page's ground truth says, in the forms the labels compare against."""

    with_: list[str]  # whitespace-normalised snippets
    without: list[str]
    shingles: set[tuple[str, ...]]  # word 3-shingles of the main text (empty without one)
    lines: set[str]  # its lines as joined tokens

    @classmethod
    def of(cls, page: dict[str, object]) -> _Truth:
        truth = page.get("truth")
        text = truth if isinstance(truth, str) else ""
        return cls(
            [_ws(s) for s in page.get("with") or []],  # type: ignore[union-attr]
            [_ws(s) for s in page.get("without") or []],  # type: ignore[union-attr]
            _shingles(_toks(text)) if text else set(),
            {" ".join(_toks(line)) for line in text.splitlines() if line.strip()},
        )

    def has_with(self, norm: str) -> bool:
        return any(s and s in norm for s in self.with_)

    def has_without(self, norm: str) -> bool:
        return any(s and s in norm for s in self.without)


def auto_label(page: dict[str, object]) -> list[int]:
    """1 outside the ground truth, 0 content, -1 unknown, per block (before hand labels)."""
    blocks = page["blocks"]
    assert isinstance(blocks, list)
    truth = _Truth.of(page)
    t_sh, t_lines = truth.shingles, truth.lines
    labels = []
    for text, _kind, _links in blocks:
        norm = _ws(str(text))
        has_with, has_without = truth.has_with(norm), truth.has_without(norm)
        label = -1
        if t_sh or t_lines:
            toks = _toks(str(text))
            if len(toks) < 3:
                label = 0 if " ".join(toks) in t_lines else (1 if toks else -1)
            else:
                sh = _shingles(toks)
                inside = len(sh & t_sh) / len(sh)
                label = 0 if inside >= 0.8 else 1 if inside <= 0.2 else -1
        if has_with:
            label = 0
        elif has_without:
            label = 1
        labels.append(label)
    return labels


def label_page(page: dict[str, object], hand: dict[str, str]) -> list[str]:
    """Per block: "C" content, a boilerplate letter, or "" (unlabelled).

    Blocks inside the ground truth are content. On ScrapingHub and WCXB a block outside it
    takes its hand label (a main text often leaves out tables or product lists that are real
    content); unreviewed ones are left out. trafilatura-eval blocks take their snippet labels
    (a ``without`` snippet: "N", the generic boilerplate letter)."""
    out = []
    for i, (lab, (text, _k, _l)) in enumerate(zip(auto_label(page), page["blocks"], strict=True)):  # type: ignore[arg-type]
        if lab == 0:
            out.append("C")
        elif page["set"] in ("te", "lg"):
            out.append("N" if lab == 1 else "")
        else:
            letter = hand.get(block_key(page, i, str(text)), "")
            out.append("" if letter == "X" else letter)
    return out


def label_extra(page: dict[str, object]) -> list[str]:
    """Labels of the blocks of the recall-minded extraction: snippets only (and the main text
    for content): "C", "W" (a human-labelled ``without`` snippet), or "" (unlabelled)."""
    extra = page.get("extra") or []
    truth = _Truth.of(page)
    t_sh = truth.shingles
    out = []
    for text, _k, _l in extra:  # type: ignore[union-attr]
        norm = _ws(str(text))
        toks = _toks(str(text))
        if truth.has_with(norm):
            out.append("C")
        elif truth.has_without(norm):
            out.append("W")
        elif t_sh and len(toks) >= 3 and len(_shingles(toks) & t_sh) >= 0.8 * len(_shingles(toks)):
            out.append("C")
        else:
            out.append("")
    return out


# ---- features --------------------------------------------------------------------------------

DENSE = list(clf.article_features([clf.Para("x")], None)[0])
WORD_SCALE = 1.0


@dataclass
class Data:
    x: sparse.csr_matrix
    y: np.ndarray  # 1 boilerplate, 0 content
    letters: np.ndarray
    sites: np.ndarray
    sets: np.ndarray
    extra: np.ndarray  # True: a block of the recall-minded extraction (training only)

    def take(self, idx: np.ndarray) -> Data:
        return Data(self.x[idx], self.y[idx], self.letters[idx], self.sites[idx],
                    self.sets[idx], self.extra[idx])  # fmt: skip


def featurize(pages: Sequence[dict[str, object]], hand: dict[str, str]) -> Data:
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    letters: list[str] = []
    meta: list[tuple[str, str, bool]] = []
    nd = len(DENSE)
    for page in pages:
        title = page["title"] if isinstance(page["title"], str) else None
        for key, labels in (("blocks", label_page(page, hand)), ("extra", label_extra(page))):
            paras = [clf.Para(str(t), str(k), int(str(lc))) for t, k, lc in page.get(key) or []]  # type: ignore[union-attr]
            feats = clf.article_features(paras, title)
            for i, letter in enumerate(labels):
                if not letter:
                    continue
                r = len(letters)
                for j, v in enumerate(feats[i][name] for name in DENSE):
                    if v:
                        rows.append(r), cols.append(j), vals.append(v)
                for k, v in clf.word_vector(paras[i].text, WORD_SCALE).items():
                    rows.append(r), cols.append(nd + k), vals.append(v)
                letters.append(letter)
                meta.append((str(page["site"]), str(page["set"]), key == "extra"))
    shape = (len(letters), nd + (1 << clf.HASH_BITS))
    lt = np.array(letters)
    return Data(
        sparse.csr_matrix((vals, (rows, cols)), shape=shape), (lt != "C").astype(int), lt,
        np.array([m[0] for m in meta]), np.array([m[1] for m in meta]),
        np.array([m[2] for m in meta]),
    )  # fmt: skip


def fit(x: sparse.csr_matrix, y: np.ndarray, c: float):  # noqa: ANN201 - sklearn model
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=2000, solver="liblinear").fit(x, y)


def threshold_for(p: np.ndarray, y: np.ndarray, precision: float) -> float:
    """The highest probability t such that calling p >= t boilerplate leaves the blocks called
    content (p < t) at least ``precision`` content: the most conservative threshold that
    reaches the precision target."""
    order = np.argsort(p)  # ascending: the most content-like first
    ps = p[order]
    prec = np.cumsum(y[order] == 0) / np.arange(1, len(p) + 1)
    # walk from the most blocks called content down to the fewest; the first k (largest) at
    # which precision holds gives threshold ps[k]: blocks 0..k-1 are called content
    for k in range(len(p), 0, -1):
        if prec[k - 1] >= precision and (k == len(p) or ps[k] > ps[k - 1]):
            return float(ps[k]) if k < len(p) else 1.0
    return 0.0


def threshold_by_loss(p: np.ndarray, y: np.ndarray, loss: float) -> float:
    """The probability above which at most ``loss`` of the content blocks lie: what the
    product uses (a share of real paragraphs it may lose), not a precision target."""
    content = np.sort(p[y == 0])
    if not len(content):
        return 1.0
    k = min(int(np.ceil((1.0 - loss) * len(content))), len(content) - 1)
    return float(content[k])


# The product's two operating points, as shares of content blocks the classifier may call
# boilerplate (held out by site): at the edges of an article (peeling) and anywhere.
EDGE_LOSS = 0.005
STRONG_LOSS = 0.0005
# The issue's measure: recall where the blocks called content reach this precision.
PRECISION_TARGET = 0.99


def inner_thresholds(d: Data, idx: np.ndarray, c: float) -> tuple[float, float, float]:
    """(edge, strong, precision-target) thresholds from training sites only (inner folds)."""
    from sklearn.model_selection import GroupKFold

    x, y, groups, extra = d.x[idx], d.y[idx], d.sites[idx], d.extra[idx]
    p = np.zeros(len(y))
    for tr, te in GroupKFold(3).split(x, y, groups):
        p[te] = fit(x[tr], y[tr], c).predict_proba(x[te])[:, 1]
    p, y = p[~extra], y[~extra]  # thresholds for the blocks the product sees
    return (
        threshold_by_loss(p, y, EDGE_LOSS),
        threshold_by_loss(p, y, STRONG_LOSS),
        threshold_for(p, y, PRECISION_TARGET),
    )


def report(name: str, p: np.ndarray, y: np.ndarray, t: np.ndarray) -> str:
    pred = p >= t
    b = y == 1
    rec = (pred & b).sum() / max(b.sum(), 1)
    kept = ~pred
    cprec = (kept & ~b).sum() / max(kept.sum(), 1)
    crec = (kept & ~b).sum() / max((~b).sum(), 1)
    return (
        f"{name:<22} blocks {len(y):>6}  boilerplate {b.sum():>5}  "
        f"recall {rec:.3f}  content precision {cprec:.4f}  content kept {crec:.4f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--c", type=float, default=1.0)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--languages", default="",
                    help="comma-separated language development sets under tests/fixtures "
                         "(e.g. languages-dev,languages-dev2) whose labelled pages join the "
                         "data as set 'lg' (never the blind tests/fixtures/languages)")  # fmt: skip
    ap.add_argument("--exclude", choices=("sh", "wc", "te", "lg"), action="append", default=[],
                    help="train the written model without this data set (for a held-out "
                         "bench/extraction.py run); use with --out")  # fmt: skip
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--write-folds", type=Path, default=None, metavar="DIR",
                    help="write one model per site fold (trained without that fold's sites) "
                         "and which fold each page is in, for bench/extraction.py's "
                         "AGGREGATOR_BENCH_MODEL=folds:DIR (extraction figures held out by "
                         "site)")  # fmt: skip
    ap.add_argument("--eval", choices=("classifier", "cleaner", "both", "none"), default="both",
                    help="what to measure held out by site: the classifier alone, the whole "
                         "cleaner (rules + classifier), both, or nothing (with --write)")  # fmt: skip
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    languages = [n for n in args.languages.split(",") if n]
    if "languages" in languages:
        print("the blind set tests/fixtures/languages is never trained on", file=sys.stderr)
        return 2
    pages = collect(args.data, args.workers, languages)
    d = featurize(pages, manual_labels())
    print(f"{len(pages)} pages, {len(set(d.sites))} sites, {len(d.y)} labelled blocks "
          f"({int(d.y.sum())} boilerplate)")  # fmt: skip
    if args.eval in ("classifier", "both"):
        evaluate(d, args.folds, args.c)
    if args.eval in ("cleaner", "both"):
        evaluate_cleaner(pages, d, manual_labels(), args.folds, args.c)
    if args.write_folds is not None:
        write_folds(pages, d, args.folds, args.c, args.write_folds)
    if args.write:
        write_model(d.take(np.flatnonzero(~np.isin(d.sets, args.exclude))), args.c, args.out)
    return 0


def evaluate(d: Data, folds: int, c: float) -> None:
    from sklearn.model_selection import GroupKFold

    p = np.zeros(len(d.y))
    t = {"precision": np.zeros(len(d.y)), "edge": np.zeros(len(d.y)), "strong": np.zeros(len(d.y))}
    for k, (tr, te) in enumerate(GroupKFold(folds).split(d.x, d.y, d.sites)):
        edge, strong, prec = inner_thresholds(d, tr, c)
        p[te] = fit(d.x[tr], d.y[tr], c).predict_proba(d.x[te])[:, 1]
        t["edge"][te], t["strong"][te], t["precision"][te] = edge, strong, prec
        print(f"fold {k}: {len(set(d.sites[te]))} test sites; thresholds from the training "
              f"sites: precision {prec:.3f} edge {edge:.3f} strong {strong:.3f}")  # fmt: skip
    extra = d.extra
    print(f"\n(the {int(extra.sum())} snippet-labelled blocks of a recall-minded extraction, "
          f"{int(d.y[extra].sum())} boilerplate, train only; scores below are on the "
          f"{int((~extra).sum())} blocks the product sees)")  # fmt: skip
    d = d.take(np.flatnonzero(~extra))
    p = p[~extra]
    t = {k: v[~extra] for k, v in t.items()}
    heads = {
        "precision": f"where kept blocks reach content precision {PRECISION_TARGET} (issue 20)",
        "edge": f"edge threshold (content loss budget {EDGE_LOSS})",
        "strong": f"strong threshold (content loss budget {STRONG_LOSS})",
    }
    for label, head in heads.items():
        print(f"\nheld out by site, {head}:")
        tt = t[label]
        print(report("all", p, d.y, tt))
        for s, name in (
            ("sh", "ScrapingHub"),
            ("wc", "WCXB dev"),
            ("te", "trafilatura-eval"),
            ("lg", "language dev sets"),
        ):
            m = d.sets == s
            print(report(name, p[m], d.y[m], tt[m]))
        issue = np.isin(d.letters, list(ISSUE_KINDS)) | (d.y == 0)
        print(report("issue kinds (ASHBMR)", p[issue], d.y[issue], tt[issue]))
        print("  recall by kind: " + "  ".join(
            f"{x} {(p[m] >= tt[m]).mean():.2f} ({int(m.sum())})"
            for x in sorted(BOILERPLATE_KINDS) if (m := d.letters == x).any()
        ))  # fmt: skip


def _model_of(d: Data, idx: np.ndarray, c: float) -> clf.ParagraphModel:
    sub = d.take(idx)
    edge, strong, _ = inner_thresholds(sub, np.arange(len(sub.y)), c)
    model = fit(sub.x, sub.y, c)
    coef = model.coef_[0]
    nd = len(DENSE)
    return clf.ParagraphModel(
        weights=dict(zip(DENSE, map(float, coef[:nd]), strict=True)),
        words={k: float(v) for k, v in enumerate(coef[nd:]) if abs(v) >= 1e-3},
        bias=float(model.intercept_[0]), scale=WORD_SCALE, strong=strong, edge=edge,
    )  # fmt: skip


def site_folds(d: Data, folds: int) -> dict[str, int]:
    """Each site's test fold (GroupKFold over sites, as in :func:`evaluate`)."""
    from sklearn.model_selection import GroupKFold

    site_fold: dict[str, int] = {}
    for k, (_tr, te) in enumerate(GroupKFold(folds).split(d.x, d.y, d.sites)):
        site_fold.update(dict.fromkeys(d.sites[te].tolist(), k))
    return site_fold


def fold_models(
    d: Data, folds: int, c: float
) -> tuple[dict[str, int], dict[int, clf.ParagraphModel]]:
    """The site folds and, per fold, the model trained (thresholds included) without its sites."""
    site_fold = site_folds(d, folds)
    models = {}
    for k in range(folds):
        train = np.flatnonzero(np.array([site_fold[s] != k for s in d.sites.tolist()]))
        models[k] = _model_of(d, train, c)
    return site_fold, models


def write_folds(pages: Sequence[dict[str, object]], d: Data, folds: int, c: float,
                out: Path) -> None:  # fmt: skip
    """``fold-K.json`` per fold and ``pages.json`` ({"set:id": K}); a page whose site has no
    labelled block is in no fold's test sites: it gets fold 0 (its site is in no training set)."""
    site_fold, models = fold_models(d, folds, c)
    out.mkdir(parents=True, exist_ok=True)
    for k, model in models.items():
        (out / f"fold-{k}.json").write_text(json.dumps(model.to_json(), separators=(",", ":")))
    where = {f"{p['set']}:{p['id']}": site_fold.get(str(p["site"]), 0) for p in pages}
    (out / "pages.json").write_text(json.dumps(where, sort_keys=True))
    print(f"\nwrote {folds} fold models and {len(where)} page folds to {out}")


def evaluate_cleaner(pages: Sequence[dict[str, object]], d: Data, hand: dict[str, str],
                     folds: int, c: float) -> None:  # fmt: skip
    """The whole cleaner (rules, then the classifier at its operating points) on the labelled
    blocks, each page cleaned with a model that never saw its site: what the product does."""
    from aggregator.enrich.clean import Block, clean_structured

    site_fold, models = fold_models(d, folds, c)
    counts: dict[tuple[str, str, bool], int] = defaultdict(int)
    for page in pages:
        blocks = [Block(str(t), str(k), int(str(lc))) for t, k, lc in page["blocks"]]  # type: ignore[union-attr]
        if not blocks:
            continue
        title = page["title"] if isinstance(page["title"], str) else None
        labels = label_page(page, hand)
        model = models[site_fold.get(str(page["site"]), 0)]
        for name, m in (("rules", None), ("rules+classifier", model)):
            result = clean_structured(blocks, title=title, model=m)
            kept = set(result.kept_indices)
            gone = [i for i in range(len(blocks)) if i not in kept]
            # the title heading is kept apart as the article's title, not lost: not counted
            titles = {i for i, (why, _) in zip(gone, result.removed, strict=True) if why == "title"}
            for i, letter in enumerate(labels):
                if letter and i not in titles:
                    counts[name, "C" if letter == "C" else "B", i not in kept] += 1
    print("\nthe whole cleaner on the labelled blocks (classifier held out by site):")
    for name in ("rules", "rules+classifier"):
        b_rm, b_kept = counts[name, "B", True], counts[name, "B", False]
        c_rm, c_kept = counts[name, "C", True], counts[name, "C", False]
        print(f"  {name:<17} boilerplate removed {b_rm / max(b_rm + b_kept, 1):.3f} "
              f"({b_rm}/{b_rm + b_kept})  content kept {c_kept / max(c_rm + c_kept, 1):.4f} "
              f"({c_kept}/{c_rm + c_kept})  content precision "
              f"{c_kept / max(c_kept + b_kept, 1):.4f}")  # fmt: skip


def write_model(d: Data, c: float, path: Path) -> None:
    out = _model_of(d, np.arange(len(d.y)), c)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out.to_json(), separators=(",", ":")) + "\n")
    print(f"\nwrote {path} from {len(d.y)} blocks of {sorted(set(d.sets))} "
          f"(edge {out.edge:.3f}, strong {out.strong:.3f})")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
