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

The function is idempotent: sanitizing its own output changes nothing (a property test checks
it). Plain text, which dedup and summaries use, comes from :func:`html_to_text`: block
elements become line breaks, runs of blank space collapse, entities are decoded.
"""

from __future__ import annotations

import html as html_lib
import re
import threading
from collections.abc import Callable
from typing import Any
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
    {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math"}
)
_LINK_REL = "noopener noreferrer nofollow"


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


def _nh3_options() -> dict[str, Any]:
    return {
        "tags": set(ALLOWED_TAGS),
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
_CLEANERS: tuple[Any, Any] | None = (
    None
    if _Cleaner is None
    else (
        _Cleaner(**_nh3_options()),
        _Cleaner(**_nh3_options(), attribute_filter=_current_base_filter),
    )
)


def _nh3_clean(html: str, base_url: str | None) -> str:
    if _CLEANERS is None:
        kwargs = _nh3_options()
        if base_url:
            kwargs["attribute_filter"] = _absolutize(base_url)
        return str(nh3.clean(html, **kwargs))
    if not base_url:
        return str(_CLEANERS[0].clean(html))
    _current.base_url = base_url
    try:
        return str(_CLEANERS[1].clean(html))
    finally:
        _current.base_url = None


def sanitize_html(html: str, base_url: str | None = None) -> str:
    """Return ``html`` reduced to the allowlist, links absolute (against ``base_url``).

    Never raises on odd input; an empty or all-hostile input gives ``""``.
    """
    if not html or not html.strip():
        return ""
    cleaned = _nh3_clean(html, base_url)
    if not base_url:
        # Without a base, a relative link cannot be resolved; keep only absolute ones.
        cleaned = _RELATIVE_HREF.sub("", cleaned)
    # Invalid nesting (a <p> inside an inline element) makes the HTML parser split paragraphs
    # and leave empty ones behind; they carry nothing and would change on a second pass.
    while True:  # until none is left: removing <p></p> can empty the <li> around it
        emptier = _EMPTY_BLOCK.sub("", cleaned)
        if emptier == cleaned:
            break
        cleaned = emptier
    return cleaned.strip()


_EMPTY_BLOCK = re.compile(r"<(p|li|ul|ol|blockquote|h[1-6])>\s*</\1>")


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
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: one line per block, spaces collapsed, no markup."""
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
        if block:
            parts.append("\n")
        if el.text and tag:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    walk(root)
    return _collapse("".join(parts))


def _collapse(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
