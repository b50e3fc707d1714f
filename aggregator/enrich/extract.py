"""Full-text extraction: teaser detection, trafilatura on a fetched page, then cleaning.

Design
------
* :func:`is_teaser` is the pure decision behind ``full_text: auto``: fetch the article page
  when the feed gives only a summary, a short text, or a text that ends like a teaser
  ("…", "[...]", "Read more", "Continue reading").
* :func:`extract_page` runs trafilatura on HTML we already hold (``bare_extraction`` on the
  bytes or string; trafilatura is never given a URL to download, the URL only helps its
  metadata and link resolution; run-on inline boxes are spaced first,
  :func:`assemble.separate_glued_inlines`), converts trafilatura's XML body into
  :class:`clean.Block` values (:func:`assemble.blocks_from_body`: paragraphs, headings, list
  items, quotes, table rows, with their link-text length; embedded posts as one quote line),
  cleans them (:mod:`aggregator.enrich.clean`) and renders the kept blocks as plain text (what dedup
  and summaries use) and as simple HTML passed through :func:`sanitize.sanitize_html`.
  It raises :class:`errors.ExtractError` with a reason when nothing usable comes out.
  The two stages are public (:func:`run_trafilatura`, :func:`extracted_from_document`) so the
  benchmark can time them separately.
* :func:`clean_feed_html` applies the same cleaning to HTML that a feed provides, split into
  blocks by a small lxml walker (with the same inline spacing, NFC text and embed handling).
* :func:`extract_file` is the CLI's entry point for saved ``.html`` / ``.html.gz`` pages.

trafilatura options (``TRAFILATURA_OPTIONS``) were chosen by measuring on the whole
ScrapingHub benchmark and WCXB dev split (``bench/extraction.py``); see the constant.
"""

from __future__ import annotations

import functools
import gzip
import html as html_lib
import logging
import re
import time
from collections.abc import Collection, Sequence
from configparser import ConfigParser
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import lxml.html
from lxml import etree

from aggregator.enrich import cues
from aggregator.enrich.assemble import (
    blocks_from_body,
    separate_glued_inlines,
)
from aggregator.enrich.clean import (
    SHIPPED,
    Block,
    CleanResult,
    ModelArg,
    clean_structured,
    learnable_hashes,
)
from aggregator.enrich.feedblocks import feed_blocks
from aggregator.enrich.glued import split_glued
from aggregator.enrich.repeats import BlockRules, apply_rules
from aggregator.enrich.sanitize import html_to_text, sanitize_html
from aggregator.errors import ExtractError

if TYPE_CHECKING:  # trafilatura is imported where it runs: it is slow to import
    from trafilatura.settings import Document

logger = logging.getLogger(__name__)

# ---- teaser decision -------------------------------------------------------------------------

# Feed content shorter than this (characters of plain text) is a teaser. Typical teasers are
# one or two sentences (100-400 chars); full articles run to thousands.
TEASER_MAX_CHARS: int = 500
_TEASER_END = re.compile(
    r"(\.\.\.|…|\[\s*(\.\.\.|…)\s*\]|\b(read|continue|keep) (more|reading)\b.{0,40}"
    r"|\bthe post\b.{0,200}\bappeared first on\b.{0,80})\s*[»›>→.]*\s*$",
    re.I,
)


# A feed that gives only a summary (RSS <description>, no content:encoded) gives a teaser,
# unless the summary is this long (characters of plain text) and does not end like one: many
# RSS feeds carry the whole article there, and fetching every page of such a feed is neither
# polite nor useful (the page adds chrome, not text).
SUMMARY_FULL_CHARS: int = 2000


def summary_is_teaser(summary_html: str) -> bool:
    """For an entry that has only a summary: True unless it is clearly the whole article."""
    text = html_to_text(summary_html)
    if len(text) < SUMMARY_FULL_CHARS:
        return True
    return bool(_TEASER_END.search(text[-300:]))


def is_teaser(content_html: str | None, summary_html: str | None) -> bool:
    """True when the feed's text is only a teaser and the article page should be fetched."""
    body = content_html if content_html and content_html.strip() else None
    if body is None:
        return True  # only a summary, or nothing at all
    text = html_to_text(body)
    if len(text) < TEASER_MAX_CHARS:
        return True
    return bool(_TEASER_END.search(text[-300:]))


# ---- result type -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Extracted:
    """Cleaned article text, as stored."""

    title: str | None
    text: str  # cleaned plain text, one block per line
    html: str  # sanitized simple HTML of the kept blocks
    author: str | None
    date: str | None
    language: str | None
    block_hashes: tuple[str, ...]  # normalised hashes of all (learnable) blocks, for learning
    removed: tuple[tuple[str, str], ...]  # (detector name, block text), for debugging


# trafilatura options, measured on the whole ScrapingHub (181) + WCXB dev (711) sets with
# bench/extraction.py's scorers, before our cleaning (uncleaned text of the XML body):
#   defaults:                 SH F1 0.957, WCXB `with` recall 0.866, leaked 112, word F1 0.934
#   include_links=True:       SH F1 0.961, recall 0.865 (with the fallback below), leaked 118
#   + favor_precision=True:   SH F1 0.961, recall 0.824 (too much real text lost: rejected)
#   comments section kept:    SH precision 0.943 -> 0.933 (so include_comments=False)
# include_links also gives link density to the cleaner.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_links": True,
    "include_comments": False,
    "include_tables": True,
    "favor_precision": False,
    "deduplicate": False,
}


def run_trafilatura(html: str | bytes, url: str | None, *, recall: bool = False) -> Document | None:
    """trafilatura's ``bare_extraction`` on HTML we hold; ``None`` when it finds no text.

    Returns trafilatura's ``Document`` (``.body`` is its XML tree). Never fetches. ``recall``:
    with trafilatura's ``favor_recall`` (the second pass of :func:`extract_page`).
    """
    from trafilatura import bare_extraction
    from trafilatura.utils import load_html

    if not html.strip():
        return None
    try:
        # trafilatura's own parse (it copies a tree it is given), with run-on inline boxes
        # ("The Example Times<span>Jane Doe</span>") separated first
        tree = load_html(html)
        if tree is not None:
            separate_glued_inlines(tree)
        page = html if tree is None else tree
        options = {**TRAFILATURA_OPTIONS, "favor_recall": True} if recall else TRAFILATURA_OPTIONS
        if _is_cjk_page(html):
            options = {**options, "config": _cjk_config()}
        doc = bare_extraction(page, url=url, with_metadata=True, **options)
        if doc is None and options.get("include_links"):
            # Rarely, link handling makes trafilatura give up on a page it extracts without.
            doc = bare_extraction(
                page, url=url, with_metadata=True, **{**options, "include_links": False}
            )
    except (ValueError, TypeError, etree.LxmlError) as e:  # malformed input
        raise ExtractError(f"trafilatura failed: {e}") from e
    if isinstance(doc, dict):  # only with as_dict=True, which we never pass
        raise ExtractError("trafilatura returned a dict instead of a Document")
    return doc


# trafilatura falls back to its baseline (the whole <article>, title and byline included, as
# one paragraph) when the text it found is under MIN_EXTRACTED_SIZE (250) characters: a few
# Chinese sentences. A CJK character says about what three Latin ones do (sentences.width), so
# CJK pages take a third of the size. (Issue 19: 2 of 6 zh pages of languages-dev and 3 of 5 of
# languages-dev2 were such fallbacks, their prompts and boxes glued into the one paragraph.)
CJK_MIN_EXTRACTED_SIZE = 84
# a page is CJK when this many of the first CJK_PROBE_CHARS characters of its HTML are
CJK_PAGE_MIN_CHARS = 100
CJK_PROBE_CHARS = 40_000
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _is_cjk_page(html: str | bytes) -> bool:
    text = (
        html[: CJK_PROBE_CHARS * 3].decode("utf-8", "ignore") if isinstance(html, bytes) else html
    )
    return len(_CJK.findall(text[:CJK_PROBE_CHARS])) >= CJK_PAGE_MIN_CHARS


@functools.cache
def _cjk_config() -> ConfigParser:
    """trafilatura's default configuration with ``CJK_MIN_EXTRACTED_SIZE``."""
    from trafilatura.settings import DEFAULT_CONFIG

    config = ConfigParser()
    config.read_dict(DEFAULT_CONFIG)
    config["DEFAULT"]["MIN_EXTRACTED_SIZE"] = str(CJK_MIN_EXTRACTED_SIZE)
    return config


_HTML_LANG = re.compile(rb"<html[^>]*?\blang\s*=\s*[\"']?([a-zA-Z]{2,3})", re.I)


def _page_language(html: str | bytes) -> str | None:
    head = html[:4096] if isinstance(html, bytes) else html[:4096].encode("utf-8", "replace")
    m = _HTML_LANG.search(head)
    return m.group(1).decode("ascii").lower() if m else None


def extract_page(
    html: str | bytes,
    url: str | None,
    *,
    learned: Collection[str] = (),
    rules: BlockRules | None = None,
) -> Extracted:
    """Extract and clean the main text of an article page (HTML already fetched); ``rules``:
    a site's near-copy learned blocks and a feed's keep/drop patterns (``repeats``)."""
    t0 = time.perf_counter()
    doc = run_trafilatura(html, url)
    first: Extracted | None = None
    failure = ExtractError("no main text found in page")
    if doc is not None and doc.body is not None:
        try:
            first = extracted_from_document(doc, url, learned=learned, rules=rules)
        except ExtractError as e:
            failure = e
    result = second_pass(html, url, first, learned=learned, rules=rules) or first
    if result is None:
        raise failure
    if result.language is None:
        result = _with_language(result, _page_language(html))
    logger.debug(
        "extracted url=%s blocks_removed=%d chars=%d ms=%.1f",
        url,
        len(result.removed),
        len(result.text),
        (time.perf_counter() - t0) * 1000,
    )
    return result


# The second pass. When the cleaned text is under RECALL_COVERAGE of the page's visible text
# (or there is none), trafilatura runs again with ``favor_recall`` and its result is taken if
# it holds at least RECALL_GAIN times as much text: trafilatura's precision mode sometimes
# keeps one section of a long article. Chosen on WCXB dev (24% of pages get a second pass;
# word F1 0.9368 -> 0.9410, `with` recall 0.8638 -> 0.8685, leaks unchanged); checked on the
# sets it was not chosen on: ScrapingHub unchanged, trafilatura-eval content kept 94.1% ->
# 94.3%. A gain of 1.5x took in boilerplate (ScrapingHub F1 -0.001); 3x gained half as much.
RECALL_COVERAGE = 0.4
RECALL_GAIN = 2.0


def visible_chars(html: str | bytes) -> int:
    """Characters of text a reader sees on the page (scripts and styles aside), roughly."""
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return 0
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return len(" ".join(tree.text_content().split()))


def second_pass(
    html: str | bytes,
    url: str | None,
    first: Extracted | None,
    *,
    learned: Collection[str] = (),
    rules: BlockRules | None = None,
    model: ModelArg = SHIPPED,
) -> Extracted | None:
    """The recall-minded extraction when ``first`` kept too little of the page and it gives
    at least ``RECALL_GAIN`` times the text; else ``None`` (keep ``first``)."""
    have = len(first.text) if first is not None else 0
    if have and have >= RECALL_COVERAGE * visible_chars(html):
        return None
    doc = run_trafilatura(html, url, recall=True)
    if doc is None or doc.body is None:
        return None
    try:
        second = extracted_from_document(doc, url, learned=learned, rules=rules, model=model)
    except ExtractError:
        return None
    return second if len(second.text) >= RECALL_GAIN * max(have, 1) else None


def _with_language(e: Extracted, language: str | None) -> Extracted:
    return Extracted(e.title, e.text, e.html, e.author, e.date, language, e.block_hashes, e.removed)


def extracted_from_document(
    doc: Document,
    url: str | None,
    *,
    learned: Collection[str] = (),
    model: ModelArg = SHIPPED,
    rules: BlockRules | None = None,
) -> Extracted:
    """Turn a trafilatura Document into :class:`Extracted` (blocks -> clean -> render)."""
    blocks = list(blocks_from_body(doc.body))
    comments = getattr(doc, "commentsbody", None)
    if comments is not None:
        # trafilatura's "comments" section sometimes holds real text; cleaning decides.
        blocks += blocks_from_body(comments)
    if not blocks:
        raise ExtractError("extracted page has no text blocks")
    blocks = mark_author_names(split_glued(blocks))
    result = clean_structured(blocks, learned=learned, title=doc.title or None, model=model)
    if rules:
        result = apply_rules(blocks, result, rules)
    if not result.kept:
        raise ExtractError("every block of the page was boilerplate")
    return _render(
        result,
        blocks,
        url,
        title=doc.title or None,
        author=doc.author or None,
        date=doc.date or None,
        language=getattr(doc, "language", None) or None,
    )


def _render(
    result: CleanResult,
    blocks: Sequence[Block],
    url: str | None,
    *,
    title: str | None,
    author: str | None,
    date: str | None,
    language: str | None,
) -> Extracted:
    lines = [("- " + b.text if b.kind == "item" else b.text) for b in result.kept]
    parts: list[str] = []
    in_list = False
    for b in result.kept:
        if b.kind == "item" and not in_list:
            parts.append("<ul>")
            in_list = True
        elif b.kind != "item" and in_list:
            parts.append("</ul>")
            in_list = False
        parts.append(b.html or f"<p>{html_lib.escape(b.text)}</p>")
    if in_list:
        parts.append("</ul>")
    return Extracted(
        title=title,
        text="\n".join(lines),
        html=sanitize_html("".join(parts), url),
        author=author,
        date=date,
        language=language,
        block_hashes=learnable_hashes([b.text for b in blocks]),
        removed=result.removed,
    )


def clean_feed_html(
    html: str,
    url: str | None = None,
    *,
    learned: Collection[str] = (),
    rules: BlockRules | None = None,
) -> Extracted:
    """Clean feed-provided HTML content the same way as extracted pages (never raises).

    Some decisions depend on the neighbours: the paragraph classifier reads the blocks
    around each one, and a kept caption is rendered as a paragraph, next to which its
    neighbours are judged differently. When the first cleaning made such a decision, the
    rendered HTML is cleaned again (at most ``RECLEAN_PASSES`` times) until it no longer
    changes, so that cleaning the output again changes nothing
    (tests/faults/test_properties.py)."""
    first, unsettled = _clean_feed_once(html, url, learned, rules)
    out = first
    for _ in range(RECLEAN_PASSES if unsettled else 0):
        again, unsettled = _clean_feed_once(out.html, url, learned, rules)
        if again.html == out.html:
            break
        # what was removed, and the blocks to learn from, are the first pass's and more
        out = replace(again, block_hashes=first.block_hashes, removed=out.removed + again.removed)
        if not unsettled:
            break
    return out


RECLEAN_PASSES = 3


def _clean_feed_once(
    html: str, url: str | None, learned: Collection[str], rules: BlockRules | None
) -> tuple[Extracted, bool]:
    """One cleaning of feed HTML, and whether a decision read the neighbours: a kept
    caption (read back as a paragraph), or a block the classifier removed."""
    blocks = mark_author_names(split_glued(feed_blocks(html)))
    result = clean_structured(blocks, learned=learned)
    if rules:
        result = apply_rules(blocks, result, rules)
    unsettled = any(b.kind == "caption" for b in result.kept) or any(
        reason == "classifier" for reason, _ in result.removed
    )
    rendered = _render(result, blocks, url, title=None, author=None, date=None, language=None)
    return rendered, unsettled


# ---- files -----------------------------------------------------------------------------------


def mark_author_names(blocks: list[Block]) -> list[Block]:
    """The name line of an author box ("Marlene Voss" above her bio) marked as such
    (:func:`cues.author_name_lines`), so that peeling takes it with the box."""
    names = cues.author_name_lines([(b.text, b.kind) for b in blocks])
    if not names:
        return blocks
    return [replace(b, kind=cues.AUTHOR_KIND) if i in names else b for i, b in enumerate(blocks)]


def read_page(path: Path) -> bytes:
    """A saved page's bytes (``.html`` or ``.html.gz``)."""
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz" or raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise ExtractError(f"cannot read {path}: {e}") from e
    return raw


def extract_file(path: Path, url: str | None = None) -> Extracted:
    """Extract a saved page (``.html`` or ``.html.gz``), as the pipeline would store it."""
    return extract_page(read_page(path), url)
