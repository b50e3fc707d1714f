"""Text assembly: trafilatura's XML body as :class:`clean.Block` values, words kept apart.

Design
------
* :func:`blocks_from_body` turns trafilatura's XML (``p``, ``head``, ``list``/``item``,
  ``quote``, ``table``/``row``/``cell``, ``code``, with inline ``ref``, ``hi`` and ``lb``) into
  blocks in document order. Text that trafilatura leaves loose in a container (the text after
  a ``</head>``, cells outside a table, a ``ref`` between paragraphs) is gathered into a
  paragraph of its own: dropping it lost whole sections of real articles (issue 20: on the
  trafilatura-eval and WCXB sets, every paragraph that followed a subheading this way).
* Text of one block never glues two boxes together: a block-level element inside a block (a
  ``<p>`` inside a ``quote``, followed by the tweet's "— Name" line) ends with a line break,
  and cells are kept apart by a space. Text is NFC-normalised and loses soft hyphens and
  zero-width spaces (pages in decomposed Unicode, or hyphenated for justified text, otherwise
  never match what a reader searches for or what dedup compares).
* :func:`separate_glued_inlines` works on the page's HTML before trafilatura sees it (and on
  feed HTML): two inline elements that sites style as separate boxes
  (``<a>The Example Times</a><span>Jane Doe</span>``) render apart but are text-adjacent;
  where the junction reads as two words run together (a lower-case letter, a digit or a
  sentence mark directly before an upper-case letter), a space goes in. Inside a word
  (``<b>W</b>ord``, ``H<sub>2</sub>O``) nothing changes.
* Embedded social posts (twitter/X ``blockquote.twitter-tweet``, Instagram, TikTok, Facebook,
  Threads, Bluesky) become one quote line, "post text — Author (@handle) date", linked to the post,
  or go when nothing but debris is left (:func:`embed_block`); the debris of an embed whose
  markup is gone (a bare ``pic.twitter.com/...`` link) is cut from the text.
"""

from __future__ import annotations

import copy
import html as html_lib
import re
import unicodedata
from collections.abc import Iterator, Sequence

from lxml import etree

from aggregator.enrich.clean import Block, _squash

# ---- inline junctions in HTML ----------------------------------------------------------------

# Inline elements whose boundaries can hide a box boundary. Not sub/sup: "H<sub>2</sub>O".
_INLINE: frozenset[str] = frozenset(
    {"a", "span", "strong", "b", "em", "i", "u", "small", "time", "cite", "abbr", "font",
     "label", "mark", "q", "dfn", "data", "bdi"}
)  # fmt: skip
_BEFORE_CAPITAL = frozenset(".,;:!?)]”»")


def _glued(left: str, right: str) -> bool:
    """``left`` (last character) and ``right`` (first) read as two words run together."""
    return (
        bool(left)
        and bool(right)
        and right.isupper()
        and (left.islower() or left.isdigit() or left in _BEFORE_CAPITAL)
    )


def _first_char(el: etree._Element) -> str:
    if el.text:
        return str(el.text[0])
    for c in el:
        if isinstance(c.tag, str):
            got = _first_char(c)
            if got:
                return got
        if c.tail:
            return str(c.tail[0])
    return ""


def _last_char(el: etree._Element) -> str:
    for c in reversed(el):
        if c.tail:
            return str(c.tail[-1])
        if isinstance(c.tag, str):
            got = _last_char(c)
            if got:
                return got
    return str(el.text[-1]) if el.text else ""


def separate_glued_inlines(root: etree._Element) -> None:
    """Put a space where two inline boxes' texts meet as one run-on word (in place)."""
    for el in root.iter(*_INLINE):
        first = _first_char(el)
        if first.isupper():
            prev = el.getprevious()
            if prev is not None:
                if prev.tail:
                    left = prev.tail[-1]
                else:
                    left = _last_char(prev) if isinstance(prev.tag, str) else ""
                if _glued(left, first):
                    prev.tail = (prev.tail or "") + " "
            else:
                parent = el.getparent()
                if parent is not None and parent.text and _glued(parent.text[-1], first):
                    parent.text += " "
        if el.tail and _glued(_last_char(el), el.tail[0]):
            el.tail = " " + el.tail


# ---- embedded social posts -------------------------------------------------------------------

_POST_URL = re.compile(
    r"https?://(www\.|mobile\.)?("
    r"(twitter|x)\.com/\w+/status(es)?/\d+|instagram\.com/(p|reel|tv)/|tiktok\.com/@[\w.]+/video/"
    r"|facebook\.com/.+/(posts|videos|photos)/|threads\.(net|com)/@|bsky\.app/profile/.+/post/)",
    re.I,
)
_EMBED_CLASS = re.compile(
    r"\b(twitter-tweet|instagram-media|tiktok-embed|fb-post|fb-video|text-post-media"
    r"|bluesky-embed)\b"
)
# "— Jane Doe (@janedoe) March 3, 2024" at the end of a tweet
_SIGNATURE = re.compile(
    r"\s*[—–-]+\s*([^—–()\n]{1,80}?\s*\(@[\w.]{1,30}\))\s*(on\s+)?"
    r"(\w+\.? \d{1,2},? \d{4}|\d{1,2}\.? \w+\.? \d{4})?\s*$"
)
_SHARED_BY = re.compile(r"\ba post shared by\s+([^()\n]{1,80}?\s*(\(@[\w.]{1,30}\))?)\s*$", re.I)
_EMBED_DEBRIS = re.compile(
    r"\s*(\bpic\.twitter\.com/\w+|https?://t\.co/\w+|\bview this post on instagram\b"
    r"|\bwatch on tiktok\b|♬ [^\n]{0,100}$)",
    re.I,
)


def is_embed(text: str, hrefs: Sequence[str], css_class: str = "") -> bool:
    """A quote that is an embedded social post rather than a quotation."""
    if _EMBED_CLASS.search(css_class) or any(_POST_URL.match(h) for h in hrefs):
        return True
    low = text.lower()
    return "pic.twitter.com" in low or "a post shared by" in low or bool(_SIGNATURE.search(text))


def embed_block(text: str, hrefs: Sequence[str]) -> Block | None:
    """An embedded post as one quote line, "post text — Author (@handle) date", linked to the post
    (its first post URL, else its last link); None when only debris is left."""
    author = ""
    body = _nfc(_squash(text))
    for pattern in (_SIGNATURE, _SHARED_BY):
        m = pattern.search(body)
        if m:  # the attribution keeps the post's date ("— Jane Doe (@jane) March 3, 2024")
            author = author or _squash(" ".join(g for g in m.groups()[:3:2] if g))
            body = body[: m.start()]
    body = _squash(_EMBED_DEBRIS.sub("", body))
    if not body:
        return None
    url = next((h for h in hrefs if _POST_URL.match(h)), hrefs[-1] if hrefs else "")
    line = f"{body} — {author}" if author else body
    esc = html_lib.escape
    if url:
        linked = f'<a href="{esc(url)}">{esc(author or body)}</a>'
        inner = f"{esc(body)} — {linked}" if author else linked
    else:
        inner = esc(line)
    return Block(line, "quote", 0, f"<blockquote>{inner}</blockquote>")


# ---- trafilatura XML -> blocks ---------------------------------------------------------------

_HI_REND = {"#b": "strong", "#i": "em", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}
# XML elements that are boxes of their own: their text never runs into their neighbours'.
# (Not ``code``: trafilatura marks inline code with it too, "under <code>~/Drive</code>.")
_XML_BLOCKS = frozenset({"p", "head", "list", "item", "quote", "table", "row", "div"})
_XML_CELLS = frozenset({"cell", "td", "th"})
# elements that make blocks of their own when they sit in a container
_BLOCK_LEVEL = _XML_BLOCKS | {"code", "graphic", "body", "main", "section"}


def _joins(el: etree._Element) -> Iterator[tuple[etree._Element, str, str]]:
    """For each child: the space to put before it and before its tail. trafilatura trims a
    whitespace-only tail (``<ref>The Example Times</ref> Jane``), so a run-on junction that
    :func:`separate_glued_inlines` spaced in the page can come back glued: space it again."""
    last = (el.text or "")[-1:]
    for child in el:
        first = _first_char(child) if isinstance(child.tag, str) else ""
        before = " " if _glued(last, first) else ""
        end = (_last_char(child) if isinstance(child.tag, str) else "") or first or last
        tail = child.tail or ""
        yield child, before, " " if tail and _glued(end, tail[0]) else ""
        last = tail[-1:] or end


def _raw_text(el: etree._Element, parts: list[str]) -> None:
    if el.tag == "lb":
        parts.append("\n")
    elif el.text:
        parts.append(el.text)
    for child, before, before_tail in _joins(el):
        if isinstance(child.tag, str):
            sep = "\n" if child.tag in _XML_BLOCKS else " " if child.tag in _XML_CELLS else before
            parts.append(sep)
            _raw_text(child, parts)
            parts.append(sep)
        if child.tail:
            parts.append(before_tail + child.tail)


# invisible characters that only hint at line breaking (soft hyphen, zero-width space, word
# joiner, BOM): they split words for search, dedup and the reader's copy-paste
_INVISIBLE = str.maketrans(dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff")))


_INVISIBLE_CHARS = ("\u00ad", "\u200b", "\u2060", "\ufeff")


def _nfc(text: str) -> str:
    """NFC-normalised text without invisible line-break hints."""
    if text.isascii():
        return text
    if any(map(text.__contains__, _INVISIBLE_CHARS)):  # rare: translate is slow
        text = text.translate(_INVISIBLE)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _text(el: etree._Element) -> str:
    """Text of an element, boxes and line breaks (``<lb/>``) as spaces, whitespace collapsed,
    NFC, embed debris (``pic.twitter.com/...``) cut out."""
    parts: list[str] = []
    _raw_text(el, parts)
    text = "".join(parts)
    if "pic.twitter.com" in text:
        text = _EMBED_DEBRIS.sub("", text)
    return _nfc(_squash(text))


def _link_chars(el: etree._Element) -> int:
    return sum(len(_text(r)) for r in el.iter("ref"))


def _inline_html(el: etree._Element) -> str:
    """Simple HTML for the inside of a block element (links, emphasis, line breaks)."""
    out: list[str] = [html_lib.escape(_nfc(el.text or ""))]
    for child, before, before_tail in _joins(el):
        tag = child.tag if isinstance(child.tag, str) else ""
        out.append(before)
        inner = _inline_html(child)
        if tag == "ref" and child.get("target"):
            out.append(f'<a href="{html_lib.escape(child.get("target", ""))}">{inner}</a>')
        elif tag == "lb":
            out.append("<br>")
        elif tag == "hi" and child.get("rend") in _HI_REND:
            t = _HI_REND[child.get("rend", "")]
            out.append(f"<{t}>{inner}</{t}>")
        elif tag in _XML_BLOCKS:  # a box inside the block: a line of its own
            out.append(f"{inner}<br>")
        elif tag in _XML_CELLS:
            out.append(f" {inner} ")
        else:
            out.append(inner)
        if child.tail:
            out.append(before_tail + html_lib.escape(_nfc(child.tail)))
    return "".join(out)


# line breaks that open or end a run of HTML, inside its inline tags or not: they show nothing
_EDGE_BREAKS = re.compile(
    r"^((?:\s*<[a-z0-9]+\b[^>]*>)*)(?:\s*<br\b[^>]*>)+|(?:<br\b[^>]*>\s*)+((?:</[a-z0-9]+>\s*)*)$",
    re.I,
)


def trim_edge_breaks(html: str) -> str:
    """``html`` without line breaks at its edges (``<span>a<br></span>`` -> ``<span>a</span>``):
    a block cleaned twice must come out the same, and a second pass would drop them."""
    return _EDGE_BREAKS.sub(lambda m: m[1] or m[2] or "", html)


def _block_html(el: etree._Element) -> str:
    """:func:`_inline_html` without line breaks at the block's edges."""
    return trim_edge_breaks(_inline_html(el))


def _head_tag(el: etree._Element) -> str:
    rend = (el.get("rend") or "h2").lower()
    return rend if rend in {"h1", "h2", "h3", "h4", "h5", "h6"} else "h2"


def blocks_from_body(body: etree._Element) -> Iterator[Block]:
    """Blocks of trafilatura's XML body, in document order."""
    yield from _container(body)


def _container(el: etree._Element) -> Iterator[Block]:
    """The blocks of a container: its block children, and the loose text and inline elements
    between them gathered into paragraphs."""
    run = etree.Element("p")
    run.text = el.text
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _BLOCK_LEVEL:
            yield from _flush(run)
            yield from _blocks_of(child)
        elif tag:
            loose = copy.copy(child)  # the element without its tail
            loose.tail = None
            run.append(loose)
        if child.tail:
            if len(run):
                run[-1].tail = (run[-1].tail or "") + child.tail
            else:
                run.text = (run.text or "") + child.tail
    yield from _flush(run)


# Loose text that ends like a sentence is prose; other loose text is mostly the metadata
# trafilatura leaves between blocks (a date line, "Tags", "Publicado por: ..."), kept only when
# it holds table cells (a spec sheet without its table).
_SENTENCE_END = re.compile(r"[.!?…:;\"'”’»)。！？．」』）】]\s*$")


def _flush(run: etree._Element) -> Iterator[Block]:
    if run.text or len(run):
        if _SENTENCE_END.search(_text(run)) or any(c.tag in _XML_CELLS for c in run):
            yield from _blocks_of(run)
        run.text = None
        for c in list(run):
            run.remove(c)


def _blocks_of(el: etree._Element) -> Iterator[Block]:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "list":
        for item in el:
            if not isinstance(item.tag, str):
                continue
            if item.tag == "item":  # a nested list stays inside its item
                text = _text(item)
                if text:
                    yield Block(text, "item", _link_chars(item), f"<li>{_inline_html(item)}</li>")
            else:
                yield from _blocks_of(item)
    elif tag == "table":
        for row in el.iter("row"):
            cells = [_text(c) for c in row if isinstance(c.tag, str)]
            text = " | ".join(c for c in cells if c)
            if text:
                yield Block(text, "table", _link_chars(row), f"<p>{html_lib.escape(text)}</p>")
    elif tag in ("div", "body", "main", "section"):
        yield from _container(el)
    elif tag != "graphic":
        yield from _leaf(el, tag)


def _leaf(el: etree._Element, tag: str) -> Iterator[Block]:
    text = _text(el)
    if not text:
        return
    if tag == "head":
        t = _head_tag(el)
        yield Block(text, "head", _link_chars(el), f"<{t}>{_block_html(el)}</{t}>")
    elif tag == "quote":
        hrefs = [r.get("target", "") for r in el.iter("ref") if r.get("target")]
        if is_embed(text, hrefs):
            post = embed_block(text, hrefs)
            if post is not None:
                yield post
            return
        yield Block(text, "quote", _link_chars(el), f"<blockquote>{_block_html(el)}</blockquote>")
    elif tag == "code":
        yield Block(text, "p", 0, f"<pre>{html_lib.escape(text)}</pre>")
    else:
        yield Block(text, "p", _link_chars(el), f"<p>{_block_html(el)}</p>")
