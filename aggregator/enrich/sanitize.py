"""Sanitizing: the allowlist every piece of HTML passes before it can reach a mail.

Design
------
Mail clients render whatever HTML they get, so anything that leaves the daemon as HTML goes
through :func:`sanitize_html`, an `nh3 <https://nh3.readthedocs.io>`_ (ammonia) allowlist:

* only simple structural tags survive (paragraphs, headings, lists, quotes, tables, emphasis,
  links, line breaks); ``<script>``, ``<style>``, ``<iframe>``, forms, media and everything else
  are dropped, and the *content* of script/style-like tags is dropped with them;
* only a handful of attributes survive (``href``/``title`` on links, ``colspan``/``rowspan``
  on table cells); no ``on*`` handler, no ``style`` (so no CSS ``expression()``), no ``class``;
* link URLs must use ``http``, ``https`` or ``mailto``: ``javascript:``, ``data:``,
  ``vbscript:`` and friends are removed; relative links are made absolute against ``base_url``
  first (a link that cannot be made absolute is dropped rather than left dangling in a mail);
* every kept link gets ``rel="noopener noreferrer nofollow"``.

Text of distinct blocks never runs together into one word, whatever the misnesting. Three
things would glue it:

* nh3 drops a block tag outside the allowlist and keeps its text (``<div>a</div><div>b</div>``
  -> ``ab``). Those tags (:data:`_SEPARATOR_TAGS`) pass nh3 and are removed afterwards,
  leaving a line break where nothing else (a blank, the edge, an allowed block) separates
  their neighbours;
* the HTML5 tree builder (html5ever, like every browser) *foster-parents* content misplaced
  in a table (text, blocks, inline elements between rows or cells): it moves it in front of
  the table, where pieces that rows or cells kept apart meet (``<table><tr>x<td>y</td>z</tr>``
  -> ``xz``);
* it ignores tags out of place: table tags outside a table (``<td>a</td><td>b</td>`` ->
  ``ab``), a form in a form, the end tag of a block closed already
  (``<li>a<li>b</li>c</li>d`` -> ``cd``).

For the last two, marker elements go into the input before nh3 runs, next to the tags around
which something can go astray (:func:`_add_markers`); html5ever moves them along with the
misplaced pieces, and they too become line breaks where needed. One scan tells whether an
input needs any of this: well-formed input within the allowlist is sanitized exactly as
before, and otherwise only line breaks are added. (Tag names in mixed case, ``<Div>``, are
not looked for.) A ``<select>`` goes with its content: options are form controls, not text.

The function is idempotent: sanitizing its own output changes nothing (a property test checks
it). Plain text, which dedup and summaries use, comes from :func:`html_to_text`: block
elements become line breaks, the cells of a row are kept apart by a space, runs of blank space
collapse, entities are decoded.
"""

from __future__ import annotations

import html as html_lib
import itertools
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any, NotRequired, TypedDict
from urllib.parse import urljoin, urlsplit

import lxml.html
import nh3
from lxml import etree

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
ALLOWED_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
# Tags whose text content must vanish with the tag (nh3 keeps the text of unknown tags).
_DROP_CONTENT_TAGS: frozenset[str] = frozenset(
    {
        "script",
        "style",
        "template",
        "noscript",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "select",
    }
)
_LINK_REL = "noopener noreferrer nofollow"
# The marker element (see the module docstring): a name no real tag has.
_MARK = "x-sep"
# Block-level tags outside the allowlist: nh3 keeps them, so that sanitize_html can turn each
# into a separator instead of gluing the text on its two sides.
# Never a raw-text element (xmp, plaintext, noembed...): the serializer writes their text
# unescaped, so removing the tags afterwards would let markup in that text through.
_SEPARATOR_TAGS: frozenset[str] = frozenset(
    {
        _MARK,
        "address",
        "article",
        "aside",
        "button",
        "center",
        "details",
        "dialog",
        "dd",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "header",
        "hgroup",
        "legend",
        "listing",
        "main",
        "menu",
        "nav",
        "optgroup",
        "option",
        "search",
        "section",
        "summary",
        "textarea",
    }
)


def _absolute_href(base_url: str, tag: str, attr: str, value: str) -> str | None:
    if tag == "a" and attr == "href":
        target = urljoin(base_url, value.strip())
        scheme = urlsplit(target).scheme.lower()
        return target if scheme in ALLOWED_SCHEMES else None
    return value


def _absolutize(base_url: str) -> Callable[[str, str, str], str | None]:
    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        return _absolute_href(base_url, tag, attr, value)

    return attribute_filter


class _Nh3Options(TypedDict):
    """Keyword arguments of ``nh3.clean`` / ``nh3.Cleaner`` that we pass."""

    tags: set[str]
    clean_content_tags: set[str]
    attributes: dict[str, set[str]]
    url_schemes: set[str]
    link_rel: str
    strip_comments: bool
    attribute_filter: NotRequired[Callable[[str, str, str], str | None]]


def _nh3_options(*, keep_separators: bool = False) -> _Nh3Options:
    return {
        "tags": set(ALLOWED_TAGS | _SEPARATOR_TAGS if keep_separators else ALLOWED_TAGS),
        "clean_content_tags": set(_DROP_CONTENT_TAGS),
        "attributes": {k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        "url_schemes": set(ALLOWED_SCHEMES),
        "link_rel": _LINK_REL,
        "strip_comments": True,
    }


# The base URL of the sanitize_html call running in this thread, for the one reusable
# cleaner's attribute filter (building nh3's cleaner costs more than cleaning a feed entry).
_current = threading.local()


def _current_base_filter(tag: str, attr: str, value: str) -> str | None:
    base_url: str = _current.base_url
    return _absolute_href(base_url, tag, attr, value)


_Cleaner: Any = getattr(nh3, "Cleaner", None)  # nh3 >= 0.2.18; nh3.clean before that
# Indexed by (keep_separators, with a base URL).
_CLEANERS: dict[tuple[bool, bool], Any] | None = (
    None
    if _Cleaner is None
    else {(keep, False): _Cleaner(**_nh3_options(keep_separators=keep)) for keep in (False, True)}
    | {
        (keep, True): _Cleaner(
            **_nh3_options(keep_separators=keep), attribute_filter=_current_base_filter
        )
        for keep in (False, True)
    }
)


def _nh3_clean(html: str, base_url: str | None, *, keep_separators: bool = False) -> str:
    if _CLEANERS is None:
        kwargs = _nh3_options(keep_separators=keep_separators)
        if base_url:
            kwargs["attribute_filter"] = _absolutize(base_url)
        return str(nh3.clean(html, **kwargs))
    if not base_url:
        return str(_CLEANERS[keep_separators, False].clean(html))
    _current.base_url = base_url
    try:
        return str(_CLEANERS[keep_separators, True].clean(html))
    finally:
        _current.base_url = None


def sanitize_html(html: str, base_url: str | None = None) -> str:
    """Return ``html`` reduced to the allowlist, links absolute (against ``base_url``).

    Never raises on odd input; an empty or all-hostile input gives ``""``.
    """
    if not html or not html.strip():
        return ""
    # Most input (well-formed, no block outside the allowlist) needs none of the care taken
    # to keep blocks apart; one scan tells.
    careful = _NEEDS_CARE.search(html) is not None
    if careful:
        html = _add_markers(html)
    cleaned = _nh3_clean(html, base_url, keep_separators=careful)
    if not base_url:
        # Without a base, a relative link cannot be resolved; keep only absolute ones.
        cleaned = _RELATIVE_HREF.sub("", cleaned)
    if careful:
        if _MARK in cleaned:
            cleaned = _ESCAPED_MARKER.sub("", cleaned)
        cleaned = _SEPARATOR_RUN.sub(_separate, cleaned)
    # Invalid nesting (a <p> inside an inline element) makes the HTML parser split paragraphs
    # and leave empty ones behind; they carry nothing and would change on a second pass.
    while True:  # until none is left: removing <p></p> can empty the <li> around it
        emptier = _EMPTY_BLOCK.sub(_separate, cleaned)
        if emptier == cleaned:
            break
        cleaned = emptier
    return cleaned.strip()


# ---- keeping blocks apart (see the module docstring) ---------------------------------------

_MARKER = f"<{_MARK}></{_MARK}>"


def _names(names: Iterable[str], *, upper: bool = True) -> str:
    """A regex alternation of tag names, in lower (and upper) case, followed by the end of a
    name. Grouped by first letter, and without re.IGNORECASE (which doubles the time of a
    scan), it costs the regex engine little at each "<" of a document."""
    spelled = sorted({n for name in names for n in ((name, name.upper()) if upper else (name,))})
    groups = (
        first + "(?:" + "|".join(n[1:] for n in group) + ")"
        for first, group in itertools.groupby(spelled, key=lambda n: n[0])
    )
    return f"(?:{'|'.join(groups)})(?=[\\s/>])"


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_TABLE_TAGS = frozenset({"table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption"})
_ALLOWED_BLOCKS = frozenset({"p", "li", "ul", "ol", "blockquote", "pre"})
_CELLS = frozenset({"td", "th", "caption"})
_TABLE_OR_FORM = _names(_TABLE_TAGS | {"colgroup", "col", "form"})
_BLOCKS = _names(_SEPARATOR_TAGS - {_MARK} | _ALLOWED_BLOCKS | _HEADINGS)
# The end tag of a block followed by anything but a blank or another block or table tag: the
# tree builder ignores the end tag of a block it closed already (``<li>a<li>b</li>c</li>d``:
# the second </li> is ignored, so "c" and "d" would meet).
_BLOCK_END_THEN_TEXT = (
    rf"</(?=[^>]*+>(?:[^\s<]|<(?!/?{_BLOCKS}|/?{_TABLE_OR_FORM}))){_BLOCKS}[^>]*+>"
)
# Where a marker goes:
# * after a table or form tag, around which the tree builder foster-parents misplaced content
#   and which it ignores out of place (a form in a form, a row outside a table), unless what
#   follows is a blank, the end tag of a table part or, after a start tag, another table or
#   form tag: nothing can be misplaced there;
# * before a table or form start tag that follows text or another end tag (the tree builder
#   ignores a cell outside a table: ``<td>a<td>b``), rather than after the start tag of each
#   cell, where nothing is ever foster-parented;
# * after the end tag of a block followed by text.
_MARKED_TAG = re.compile(
    rf"<{_names(_TABLE_TAGS - _CELLS | {'colgroup', 'col', 'form'})}[^>]*+>"
    rf"(?=[^\s<]|<(?!/?{_TABLE_OR_FORM}))"
    rf"|</{_TABLE_OR_FORM}[^>]*+>(?=[^\s<]|<(?!/{_TABLE_OR_FORM}))"
    rf"|</(?!{_TABLE_OR_FORM})[a-zA-Z][^>]*+>(?=<{_TABLE_OR_FORM})"
    rf"|{_BLOCK_END_THEN_TEXT}"
)
# (A separate pass: its marker goes before the match. The lookbehind comes after the "<" so
# that the regex engine can skip from "<" to "<".)
_TEXT_THEN_TABLE_TAG = re.compile(rf"<(?<=[^\s>]<)(?={_TABLE_OR_FORM})")
# Input that needs markers, or has blocks outside the allowlist: a table or form tag, a
# separator tag, an element within which the tree builder ignores the end tags of blocks
# opened outside it, or the end tag of an allowed block followed by text, as above (but for
# </p>: a stray one makes an empty paragraph, see _EMPTY_BLOCK). Tag names in mixed case,
# "<Div>", rare, are not looked for: such input is sanitized as if it were well-formed.
_SCOPES = frozenset({"object", "applet", "marquee", "template", "svg", "math", "select"})
_NEEDS_CARE = re.compile(
    rf"</?{_TABLE_OR_FORM}|<{_names(_SEPARATOR_TAGS | _SCOPES)}"
    rf"|</{_names(_ALLOWED_BLOCKS - {'p'} | _HEADINGS)}[^>]*+>"
    rf"(?=[^\s<]|<(?!/?(?:p|li|ul|ol|h[1-6])[\s/>])(?!/?{_BLOCKS}|/?{_TABLE_OR_FORM}))"
)
_TABLE_START = re.compile(r"<[tT][aA][bB][lL][eE][\s/>]")
# A blank between an end tag and a start tag. In a table, the parser would leave a bare blank
# where it is and move the elements on its two sides together in front of the table
# (``<table><b>a</b> <b>b</b>``); wrapped in a marker, the blank moves with them. (Not before
# a table tag: such a blank belongs in the table.)
_BLANK_BETWEEN_TAGS = re.compile(
    rf"(</[a-zA-Z][^>]*+>)([ \t\n\r\f]++)(?=<(?!/?{_names(_TABLE_TAGS)})[a-zA-Z])"
)
# These patterns do not tokenize HTML: a marker can land in an attribute value or in text
# that is no markup (a <textarea>, say). nh3 escapes it there, and it is removed afterwards.
_ESCAPED_MARKER = re.compile(f"&lt;/?{_MARK}&gt;")


def _add_markers(html: str) -> str:
    """The input with markers (see the module docstring)."""
    html = _MARKED_TAG.sub(rf"\g<0>{_MARKER}", html)
    html = _TEXT_THEN_TABLE_TAG.sub(f"{_MARKER}<", html)
    table = _TABLE_START.search(html)
    if table is None:
        return html
    # Blanks matter from the first table on, up to the end of the last one.
    start, end = table.start(), max(html.rfind("</table"), html.rfind("</TABLE"))
    if end < start:
        end = len(html)
    wrapped = _BLANK_BETWEEN_TAGS.sub(rf"\1<{_MARK}>\2</{_MARK}>", html[start:end])
    return html[:start] + wrapped + html[end:]


# A run of separator tags in nh3's output, which escapes ">" inside attribute values and
# writes tag names in lower case (nh3 keeps its default generic attributes, lang and title,
# on these tags as on any other). Blanks end a run: a blank already keeps text apart.
_SEPARATOR_TAG = rf"</?{_names(_SEPARATOR_TAGS, upper=False)}[^>]*+>"
_SEPARATOR_RUN = re.compile(rf"{_SEPARATOR_TAG}(?:{_SEPARATOR_TAG})*+")
# Empty blocks, a run at a time (so that none counts as its neighbour's separator). In nh3's
# well-formed output an end tag right after a start tag closes that same element.
_EMPTY_BLOCK_TAG = r"(?:p|li|ul|ol|blockquote|h[1-6])>"
_EMPTY_BLOCK = re.compile(
    rf"<{_EMPTY_BLOCK_TAG}\s*+</{_EMPTY_BLOCK_TAG}(?:<{_EMPTY_BLOCK_TAG}\s*+</{_EMPTY_BLOCK_TAG})*+"
)
# Allowed tags that end a line where they stand: no separator is needed next to them.
_BREAKING_TAGS = frozenset(
    {"p", "li", "ul", "ol", "blockquote", "pre", "hr", "br", "table", "caption"}
    | {"tbody", "thead", "tfoot", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_TAG_NAME = re.compile(r"</?([a-z0-9]+)")


def _separate(m: re.Match[str]) -> str:
    """What replaces a run of separator tags (or of empty blocks) in nh3's output: a line
    break, unless something already keeps the text on its two sides apart (the start or the
    end, a blank, a tag that breaks the line)."""
    text, start, end = m.string, m.start(), m.end()
    if start == 0 or end == len(text):
        return ""
    before, after = text[start - 1], text[end]
    if before.isspace() or after.isspace():
        return ""
    if before == ">":  # nh3 escapes ">" everywhere else, so this ends a tag
        tag = _TAG_NAME.match(text, text.rfind("<", 0, start))
        if tag and tag.group(1) in _BREAKING_TAGS:
            return ""
    if after == "<":
        tag = _TAG_NAME.match(text, end)
        if tag and tag.group(1) in _BREAKING_TAGS:
            return ""
    return "\n"


# nh3 serialises attributes with double quotes; an href whose value has no scheme is relative.
_RELATIVE_HREF = re.compile(r'\shref="(?![a-zA-Z][a-zA-Z0-9+.-]*:)[^"]*"')

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "tr",
        "table",
        "caption",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "figure",
        "figcaption",
        "dt",
        "dd",
    }
)
# Table cells sit side by side: a space, not a line, keeps the text of two cells apart.
_CELL_TAGS = frozenset({"td", "th"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: one line per block (cells of a row on one line, apart),
    spaces collapsed, no markup."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return _collapse(html_lib.unescape(re.sub(r"<[^>]*>", " ", html)))
    return element_text(root)


def element_text(root: etree._Element) -> str:
    """:func:`html_to_text` of a parsed fragment (the ``<div>`` that
    ``lxml.html.fragment_fromstring(html, create_parent="div")`` returns)."""
    parts: list[str] = []

    def walk(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _DROP_CONTENT_TAGS:
            if el.tail:
                parts.append(el.tail)
            return
        block = tag in _BLOCK_TAGS
        cell = tag in _CELL_TAGS
        if block:
            parts.append("\n")
        elif cell:
            parts.append(" ")
        if el.text and tag:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append("\n")
        elif cell:
            parts.append(" ")
        if el.tail:
            parts.append(el.tail)

    walk(root)
    return _collapse("".join(parts))


def _collapse(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
