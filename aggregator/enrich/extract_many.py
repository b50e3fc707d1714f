"""``aggregator extract FILE...``: many saved pages in one process, learning across each site.

Each file is extracted and cleaned on its own (:func:`extract.extract_page`), then the files
of one site are compared as the daemon compares a site's articles (``repeats.learn``): a block
that recurs across them (an appeal, a bio box) is removed from every one. The site of a file
is the host of ``--url`` when given, else of the page's canonical link or ``og:url``, else the
file's directory (pages saved together from one site). One file alone learns nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from aggregator.enrich import repeats
from aggregator.enrich.extract import Extracted, extract_page, read_page
from aggregator.enrich.learning import doc_blocks
from aggregator.errors import ExtractError
from aggregator.urls import site_of

# The page's own URL, from its head: <link rel="canonical" href=...> or <meta property="og:url">.
_CANONICAL = re.compile(
    rb"<link\b[^>]*\brel\s*=\s*[\"']?canonical[\"']?[^>]*>"
    rb"|<meta\b[^>]*\bproperty\s*=\s*[\"']?og:url[\"']?[^>]*>",
    re.IGNORECASE,
)
_HREF = re.compile(rb"\b(?:href|content)\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
HEAD_BYTES = 65536  # the canonical link sits in the head


def page_site(raw: bytes, path: Path, url: str | None) -> str:
    """The site a saved page belongs to (see the module docstring)."""
    if url and site_of(url):
        return site_of(url)
    for tag in _CANONICAL.finditer(raw[:HEAD_BYTES]):
        m = _HREF.search(tag.group(0))
        if m:
            site = site_of(m.group(1).decode("ascii", "replace"))
            if site:
                return site
    return f"dir:{path.resolve().parent}"


def extract_files(paths: Sequence[Path], url: str | None = None) -> list[Extracted | ExtractError]:
    """Extract every file (in order; a failure is its ``ExtractError``), then remove what each
    site repeats across its files."""
    out: list[Extracted | ExtractError] = []
    sites: dict[str, list[int]] = {}
    for i, path in enumerate(paths):
        try:
            raw = read_page(path)
            out.append(extract_page(raw, url))
        except ExtractError as e:
            out.append(e)
            continue
        sites.setdefault(page_site(raw, path, url), []).append(i)
    for idx in sites.values():
        if len(idx) < repeats.EDGE_MIN_ARTICLES:
            continue
        docs = [doc_blocks(p.text) for p in (out[i] for i in idx) if isinstance(p, Extracted)]
        taught = repeats.learn(docs)
        if not taught:
            continue
        rules = repeats.BlockRules(learned=tuple(taught))
        for i in idx:
            page = out[i]
            if isinstance(page, Extracted):
                text, html = repeats.drop_from_stored(page.text, page.html, rules)
                out[i] = replace(page, text=text, html=html)
    return out
