"""Feed-provided HTML (an entry's content or summary) as the cleaner's blocks.

Moved from extract.py (its size limit); ``extract.feed_blocks`` re-exports ``feed_blocks``.
Leaf block elements become blocks in document order; the inline content between them
(text and inline elements) is gathered into one paragraph block at each block boundary.
"""

from __future__ import annotations

import html as html_lib

import lxml.html
from lxml import etree

from aggregator.enrich.assemble import (
    _nfc,
    embed_block,
    is_embed,
    separate_glued_inlines,
    trim_edge_breaks,
)
from aggregator.enrich.clean import Block, _squash
from aggregator.enrich.sanitize import ALLOWED_TAGS, element_text, html_to_text

_BLOCK_TAGS = {
    "p": "p",
    "h1": "head",
    "h2": "head",
    "h3": "head",
    "h4": "head",
    "h5": "head",
    "h6": "head",
    "li": "item",
    "blockquote": "quote",
    "pre": "p",
    "tr": "table",
    "figcaption": "caption",
    "dt": "p",
    "dd": "p",
}
_CONTAINER_TAGS = {
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "aside",
    "figure",
    "ul",
    "ol",
    "dl",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "body",
    "html",
    "center",
    "form",
    "nav",
}
_SKIP_TAGS = {"script", "style", "noscript", "template", "iframe", "svg", "head", "title", "button"}


_NESTED_TAGS: frozenset[str] = frozenset(_BLOCK_TAGS.keys() | _CONTAINER_TAGS)


def _has_nested_block(el: etree._Element) -> bool:
    return any(isinstance(d.tag, str) and d.tag in _NESTED_TAGS for d in el.iterdescendants())


def feed_blocks(html: str) -> list[Block]:
    """Split feed-provided HTML into blocks (leaf block elements, and inline runs between them)."""
    if not html or not html.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        text = html_to_text(html)
        return [Block(line) for line in text.split("\n") if line.strip()]
    # script/style-like elements carry no article text anywhere, not even inside a <p>
    for el in list(root.iter(*_SKIP_TAGS)):
        if el is not root:
            el.drop_tree()
    separate_glued_inlines(root)
    walker = _FeedWalker()
    walker.walk(root)
    walker.flush()
    return walker.blocks


def _lines_of(el: etree._Element) -> str:
    """``element_text`` of an element inside a tree, without the text that follows it."""
    tail, el.tail = el.tail, None
    try:
        return element_text(el)
    finally:
        el.tail = tail


def _leaf_block(child: etree._Element, tag: str) -> Block | None:
    """The block of a block element (``tag`` in ``_BLOCK_TAGS``); None when it has no text."""
    if len(child):  # an element without children has no links nor blocks in it
        links = sum(len(_squash(a.text_content())) for a in child.iter("a"))
        inner_blocks = _has_nested_block(child)
        nested = tag not in ALLOWED_TAGS or inner_blocks
    else:
        links, inner_blocks, nested = 0, False, tag not in ALLOWED_TAGS
    # blocks inside the block (a <p> in a <blockquote>) are lines of their own, not glued
    raw = _lines_of(child) if inner_blocks else child.text_content()
    text = _nfc(_squash(raw))
    if not text:
        return None
    if tag == "blockquote":
        hrefs = [a.get("href", "") for a in child.iter("a") if a.get("href")]
        if is_embed(text, hrefs, child.get("class") or ""):
            return embed_block(raw, hrefs)
    if nested:
        # figcaption, or blocks inside blocks (<h2><h2>..</h2></h2>) that an
        # HTML parser would split apart: keep the block as its plain text
        wrap = "li" if tag == "li" else "p"
        outer = f"<{wrap}>{html_lib.escape(text)}</{wrap}>"
    else:
        outer = etree.tostring(child, encoding="unicode", method="html", with_tail=False)
    return Block(text, _BLOCK_TAGS[tag], links, outer)


class _FeedWalker:
    """Walks feed HTML in document order: leaf block elements become blocks; the inline
    content (text and inline elements) between them is gathered in a run that becomes one
    paragraph block when a block boundary flushes it."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.run: list[etree._Element | str] = []

    def flush(self) -> None:
        run = self.run
        while run and not isinstance(run[-1], str) and run[-1].tag == "br":
            run.pop()  # a line break that ends the paragraph adds nothing
        if not run:
            return
        frag = "".join(
            [
                html_lib.escape(x)
                if isinstance(x, str)
                else etree.tostring(x, encoding="unicode", method="html", with_tail=False)
                for x in run
            ]
        )
        run.clear()
        frag = trim_edge_breaks(frag)  # "<span>a<br></span>" -> "<span>a</span>"
        if not frag.strip():
            return
        # html_to_text(frag), parsing once for the text and the link count
        tree: etree._Element | None
        try:
            tree = lxml.html.fragment_fromstring(frag, create_parent="div")
        except (etree.ParserError, ValueError):
            tree, text = None, html_to_text(frag)
        else:
            text = element_text(tree)
        if text:
            if tree is None:
                tree = lxml.html.fragment_fromstring(frag, create_parent="div")
            links = sum(len(_squash(a.text_content())) for a in tree.iter("a"))
            nested_block = _has_nested_block(tree)
            # block elements inside inline ones (<span><p>..</p></span>) would be split apart
            # by the HTML parser; such a run is kept as its plain text
            inner = html_lib.escape(_squash(text)) if nested_block else frag
            self.blocks.append(Block(_nfc(_squash(text)), "p", links, f"<p>{inner}</p>"))

    def walk(self, el: etree._Element) -> None:
        run = self.run
        if el.text:
            run.append(el.text)
        for child in el:
            tag = child.tag.lower() if isinstance(child.tag, str) else ""
            if tag in _SKIP_TAGS or not tag:
                pass
            elif tag == "p" and child.find("br") is not None:
                # a paragraph of lines ("Work starts next week.<br>Share this article"):
                # each line a block, as between the paragraphs of the feed itself
                self.flush()
                self.walk(child)
                self.flush()
            elif tag in _BLOCK_TAGS:
                self.flush()
                block = _leaf_block(child, tag)
                if block is not None:
                    self.blocks.append(block)
            elif tag in _CONTAINER_TAGS:
                self.flush()
                self.walk(child)
                self.flush()
            elif tag == "br":
                # a line break ends a line: each line is a block of its own, so that a prompt
                # on the line after a sentence ("...<br>Share this article") goes alone and
                # the two sides are never glued
                self.flush()
                if child.tail and child.tail.strip():
                    run.append(child.tail)
                continue
            else:
                run.append(child)
            if child.tail:
                run.append(child.tail)
