"""Boilerplate removal per language on the labelled pages of tests/fixtures/languages (issue 19).

Usage::

    .venv/bin/python bench/languages.py [--show] [--trafeval] [--data ../shared/data/extraction]
                                        [--fixtures tests/fixtures/languages-dev]

For every fixture page (de, fr, es, pt, it, ru, zh; see tests/fixtures/languages/README.md) both
systems run on the same bytes: ours, ``aggregator.enrich.extract.extract_page(html, url).text``
(an ``ExtractError`` counts as empty text), and bare ``trafilatura.extract(html, url=url)``
with default options. Scoring, on the whitespace-collapsed output, case-sensitive:

* a content line is *kept* when its text is contained in the output; a line longer than 120
  characters also counts as kept when its first 80 and its last 40 characters both are;
* a boilerplate (or chrome) line is *removed* when neither its text nor, for a line longer than
  120 characters, its first 80 or its last 40 characters occur in the output.

Per language: pages, boilerplate lines removed % (n/N), content lines kept % (n/N), and chrome
(site navigation, cookie banner, footer) removed, for ours and bare; then an overall row and a
non-English row. ``--show`` lists, per page, the content lines we lose and the boilerplate
lines we leak. ``--trafeval`` also prints the per-language figures of the trafilatura-eval
set, scored by bench/extraction.py (skipped with a message when the data folder is absent).
``--fixtures DIR`` scores another labelled set of the same layout (``DIR/<lang>/NN.html`` +
``NN.json``), e.g. the development set tests/fixtures/languages-dev; the default is the blind
held-out set. Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

from aggregator.enrich.extract import extract_page
from aggregator.errors import ExtractError

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "fixtures" / "languages"
LANGS = ("de", "fr", "es", "pt", "it", "ru", "zh")
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "extraction"
_LONG, _HEAD, _TAIL = 120, 80, 40


def norm(text: str) -> str:
    return " ".join(text.split())


def kept(line: str, text: str) -> bool:
    """The line is in the (normalised) output, or, when long, both its head and its tail are."""
    if line in text:
        return True
    return len(line) > _LONG and line[:_HEAD] in text and line[-_TAIL:] in text


def leaked(line: str, text: str) -> bool:
    """Any of the line, or of a long line's head or tail, is in the (normalised) output."""
    if line in text:
        return True
    return len(line) > _LONG and (line[:_HEAD] in text or line[-_TAIL:] in text)


@dataclass(frozen=True)
class Fixture:
    lang: str
    name: str
    path: Path
    url: str
    content: tuple[str, ...]
    boilerplate: tuple[str, ...]
    chrome: tuple[str, ...]


def load_fixtures(root: Path = FIXTURES) -> list[Fixture]:
    out = []
    for lang in LANGS:
        for page in sorted((root / lang).glob("*.html")):
            lab = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
            out.append(
                Fixture(
                    lang,
                    f"{lang}/{page.stem}",
                    page,
                    lab["url"],
                    tuple(norm(x) for x in lab["content"]),
                    tuple(norm(x) for x in lab["boilerplate"]),
                    tuple(norm(x) for x in lab.get("chrome", [])),
                )
            )
    return out


def ours_text(html: bytes, url: str) -> str:
    try:
        return extract_page(html, url).text
    except ExtractError:
        return ""


def bare_text(html: bytes, url: str) -> str:
    return trafilatura.extract(html, url=url) or ""


@dataclass
class Count:
    pages: int = 0
    kept: int = 0
    content: int = 0
    removed: int = 0
    boilerplate: int = 0
    chrome_removed: int = 0
    chrome: int = 0
    lost: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)

    def add(self, other: Count) -> None:
        self.pages += other.pages
        self.kept += other.kept
        self.content += other.content
        self.removed += other.removed
        self.boilerplate += other.boilerplate
        self.chrome_removed += other.chrome_removed
        self.chrome += other.chrome


def score_page(fx: Fixture, output: str) -> Count:
    text = norm(output)
    c = Count(
        pages=1, content=len(fx.content), boilerplate=len(fx.boilerplate), chrome=len(fx.chrome)
    )
    c.lost = [x for x in fx.content if not kept(x, text)]
    c.leaks = [x for x in fx.boilerplate if leaked(x, text)]
    c.kept = c.content - len(c.lost)
    c.removed = c.boilerplate - len(c.leaks)
    c.chrome_removed = sum(1 for x in fx.chrome if not leaked(x, text))
    return c


def pct(n: int, total: int) -> str:
    share = 100 * n / total if total else 0.0
    return f"{share:5.1f}% ({n}/{total})"


def print_table(groups: dict[str, dict[str, Count]]) -> None:
    """``groups[row][side]``; side is "ours" or "bare"."""
    w = 22
    print(f"{'':<12}{'':>6}  {'--- ours ---':^{3 * w}}  {'--- bare trafilatura ---':^{3 * w}}")
    head = f"{'boilerplate removed':>{w}}{'content kept':>{w}}{'chrome removed':>{w}}"
    print(f"{'language':<12}{'pages':>6}  {head}  {head}")
    for row, sides in groups.items():
        cells = []
        for side in ("ours", "bare"):
            c = sides[side]
            cells.append(
                f"{pct(c.removed, c.boilerplate):>{w}}{pct(c.kept, c.content):>{w}}"
                f"{pct(c.chrome_removed, c.chrome):>{w}}"
            )
        print(f"{row:<12}{sides['ours'].pages:>6}  {cells[0]}  {cells[1]}")


def run_fixtures(fixtures: list[Fixture], show: bool) -> dict[str, dict[str, Count]]:
    groups: dict[str, dict[str, Count]] = {}
    for lang in LANGS:
        groups[lang] = {"ours": Count(), "bare": Count()}
    for fx in fixtures:
        html = fx.path.read_bytes()
        mine, bare = (
            score_page(fx, ours_text(html, fx.url)),
            score_page(fx, bare_text(html, fx.url)),
        )
        groups[fx.lang]["ours"].add(mine)
        groups[fx.lang]["bare"].add(bare)
        if show and (mine.lost or mine.leaks):
            print(f"== {fx.name} {fx.url}")
            for line in mine.lost:
                print(f"   LOST   {line[:150]}")
            for line in mine.leaks:
                print(f"   LEAKED {line[:150]}")
    for row, langs in (("all", LANGS), ("non-English", [x for x in LANGS if x != "en"])):
        groups[row] = {"ours": Count(), "bare": Count()}
        for lang in langs:
            for side in ("ours", "bare"):
                groups[row][side].add(groups[lang][side])
    return groups


def run_trafeval(data: Path, workers: int) -> None:
    """trafilatura-eval per language, through bench/extraction.py's loader, runner and scoring."""
    if not (data / "trafilatura-eval").is_dir():
        print(f"SKIP --trafeval: {data / 'trafilatura-eval'} not found (see ../shared/data)")
        return
    sys.path.insert(0, str(HERE))
    from multiprocessing import Pool  # noqa: PLC0415

    import extraction  # noqa: PLC0415 - bench/extraction.py, a sibling script

    all_pages = list(extraction.load_pages(data, "trafeval"))
    pages = {(p.dataset, p.page_id): p for p in all_pages}
    with Pool(max(1, min(workers, 2))) as pool:
        outs = list(pool.imap_unordered(extraction.run_page, all_pages, chunksize=4))
    print()
    extraction.print_trafeval(pages, outs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--show", action="store_true", help="per page: content we lose, boilerplate we leak"
    )
    ap.add_argument(
        "--trafeval", action="store_true", help="also the trafilatura-eval set per language"
    )
    ap.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="extraction data (for --trafeval)"
    )
    ap.add_argument("--workers", type=int, default=2, help="for --trafeval; at most 2")
    ap.add_argument(
        "--fixtures", type=Path, default=FIXTURES, help="labelled pages (default: the blind set)"
    )
    args = ap.parse_args(argv)
    root = args.fixtures.resolve()
    fixtures = load_fixtures(root)
    if not fixtures:
        print(f"no fixture pages under {root}", file=sys.stderr)
        return 0
    shown = root.relative_to(HERE.parent) if root.is_relative_to(HERE.parent) else root
    print(f"language fixtures ({shown}): {len(fixtures)} pages")
    print_table(run_fixtures(fixtures, args.show))
    if args.trafeval:
        run_trafeval(args.data, args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
