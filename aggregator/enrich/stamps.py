"""Stamps glued to the end of a paragraph: split off, so the sentence stays and the stamp goes.

News sites end the last paragraph of an agency story or an edited piece with a stamp in the
same line: "... teilte das Ministerium mit. (dpa/mv)", "... stimato in 3,2 milioni di euro. —
Riproduzione riservata", "...全部开工。（责任编辑：张丽）", "...(完)". Removing such a block as a
whole loses the article's last sentence; keeping it leaks the stamp. :func:`split_stamps` cuts
the stamp into a block of its own, which the cleaner's ``stamp`` detector then removes like a
stamp that stands alone (``boilerplate.toml``, ``[detector.stamp.*]``: every pattern there
matches a whole stamp, ``^...$``, and the same patterns find it at a paragraph's end here, so
what is split off is always removed).

A stamp is split off only after a sentence end (``.!?…。！？`` or a closing quote or bracket)
and when at least ``MIN_HEAD_CHARS`` of text stand before it; a stamp in the middle of a
sentence ("the agency (dpa) reported") is not at the end and stays. Headings and table rows are
left alone. The blocks are rebuilt, so this runs before :func:`clean.clean_structured`, whose
kept blocks are always a subsequence of its input.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence

from aggregator.enrich.clean import Block
from aggregator.enrich.patterns import PATTERNS
from aggregator.sentences import width

DETECTOR = "stamp"
# Text before a stamp must be at least this wide (a CJK character counts 3) to be a sentence.
MIN_HEAD_CHARS = 20
# Stamps are short: only this many characters at a block's end are searched.
TAIL_WINDOW = 90
_SENTENCE_END = ".!?…。！？\"'”’»)）]】"
_KINDS = frozenset({"p", "quote", "item", "caption"})
_CLOSING_TAGS = re.compile(r"(?:\s|</\w+>)*")
_TAG_OF_KIND = {"quote": "blockquote", "item": "li"}


def _suffix_patterns() -> tuple[re.Pattern[str], ...]:
    """Each whole-stamp pattern of the ``stamp`` detector, as a search for it at a text's end."""
    out = []
    for lang, (strong, weak) in PATTERNS.get(DETECTOR, {}).items():
        for p in (*strong, *weak):
            if not (p.startswith("^") and p.endswith("$")):
                raise ValueError(f"detector.{DETECTOR}.{lang}: {p!r} must match a whole line")
            before = rf"(?:^|\s|(?<=[{re.escape(_SENTENCE_END)}]))"
            out.append(re.compile(rf"{before}(?P<stamp>{p[1:-1]})\s*$", re.I))
    return tuple(out)


_SUFFIXES = _suffix_patterns()


def trailing_stamp(text: str) -> tuple[str, str] | None:
    """``(sentence, stamp)`` when ``text`` ends with a stamp glued to a sentence, else None."""
    text = text.rstrip()
    offset = max(0, len(text) - TAIL_WINDOW)
    tail = text[offset:]
    for pattern in _SUFFIXES:
        m = pattern.search(tail)
        if m is None:
            continue
        head = text[: offset + m.start("stamp")].rstrip()
        if head and head[-1] in _SENTENCE_END and width(head) >= MIN_HEAD_CHARS:
            return head, m.group("stamp").strip()
    return None


def _trimmed_html(block: Block, head: str, stamp: str) -> str:
    """The block's HTML without the stamp (rebuilt from ``head`` when the stamp is not the
    HTML's last text)."""
    if not block.html:
        return ""
    esc = html_lib.escape(stamp, quote=False)
    at = block.html.rfind(esc)
    if at >= 0 and _CLOSING_TAGS.fullmatch(block.html, at + len(esc)):
        return block.html[:at].rstrip() + block.html[at + len(esc) :]
    tag = _TAG_OF_KIND.get(block.kind, "p")
    return f"<{tag}>{html_lib.escape(head, quote=False)}</{tag}>"


def split_stamps(blocks: Sequence[Block]) -> list[Block]:
    """``blocks`` with each trailing stamp split off into a block of its own (after its
    sentence); blocks without one are passed through unchanged."""
    out: list[Block] = []
    for b in blocks:
        cut = trailing_stamp(b.text) if b.kind in _KINDS else None
        if cut is None:
            out.append(b)
            continue
        head, stamp = cut
        out.append(Block(head, b.kind, min(b.link_chars, len(head)), _trimmed_html(b, head, stamp)))
        out.append(Block(stamp, "p", 0, f"<p>{html_lib.escape(stamp, quote=False)}</p>"))
    return out
