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

import functools
import html as html_lib
import re
from collections.abc import Sequence

from aggregator.enrich.clean import Block, Strength, classify
from aggregator.enrich.keep import about_the_outlet
from aggregator.enrich.patterns import PATTERNS
from aggregator.enrich.signals import speaks_as_outlet
from aggregator.sentences import sentences, width

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


# A prompt glued after a paragraph's last sentence ("... the mayor said. Subscribe to our
# newsletter for more local news.", "...农村上涨0.3%。关注我们的微信公众号，获取更多财经资讯。"):
# the cleaner removes it as a block of its own (a strong hit), but glued it took the whole
# paragraph with it, or stayed when the paragraph was too long for the pattern. The last
# sentence (or two) is split off when it alone is a strong hit and what stands before it is
# a sentence of no evidence at all (strong or weak) that neither speaks as the outlet (we,
# our readers) nor names what an outlet's prompts are about (reading, subscribing, following:
# keep.py).
PROMPT_SENTENCES = 2
# The detectors of prompts (an ask to the reader). A "Read more" or "Related:" glued to a
# paragraph makes it a teaser of another article, and split off it would start a tail cut
# (clean.py) inside the article: it is left to the whole block. An embedded post's
# attribution ("— Name (@handle) date") or a copyright line ends a block that is an embed or
# a footer as a whole, and goes with it. A credit ("Foto: dpa", "Quelle: ...") after one or
# two sentences ends a caption (captions go whole); after a paragraph of three or more (a
# chart's source under its text, a legal news item's "Quelle:"), it is split off too.
PROMPT_KINDS = frozenset(
    {
        "donation", "comments", "newsletter", "share", "cta", "scraper_stamp",
        "appeal_signals", "prompt_signals", "cta_signals", "paywall_signals",
        "subscriber_signals", "tip_line_signals", "podcast_signals", "outlet_appeal_signals",
    }
)  # fmt: skip
# what stands before a prompt is a sentence of the article: this wide, ending a statement
# (a question leads into the ask: "Want more from ...?", "Have a tip?", "Co zrobić z malin?"),
# with no contact (an e-mail address, a handle, a link: a tip line or an author's box)
PROMPT_MIN_HEAD = 60
_PROMPT_HEAD_END = ".!…。！\"'”’»)）]】"
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.\w|(?<!\w)@\w{2,}|https?://|\bwww\.", re.I)
CREDIT_KINDS = frozenset({"caption", "credit"})
# a credit opens with its label ("Quelle:", "Photo by:", "Bild:", "©"), not inside a sentence
# ("... wird diskutiert: Die elektronische Patientenakte (ePA)" is no EPA photo credit)
_CREDIT_LABEL = re.compile(r"[(\[]?\s*(?:©|[^\W\d_][\w .'’-]{0,24}:)")
CREDIT_HEAD_SENTENCES = 3


@functools.lru_cache(maxsize=4096)
def strong_hit(text: str) -> tuple[str, Strength] | None:
    """``classify(Block(text), strong_only=True)``, cached: a paragraph's last sentences are
    classified here and again by :func:`glued.trailing_note`."""
    return classify(Block(text), strong_only=True)


def trailing_prompt(text: str) -> tuple[str, str] | None:
    """``(sentences, prompt)`` when the last one or two sentences of ``text`` are a strong
    hit of a prompt detector (``PROMPT_KINDS``, or a credit after a paragraph) and the
    sentences before them no hit at all, else None."""
    parts = sentences(text)
    for k in range(1, min(PROMPT_SENTENCES, len(parts) - 1) + 1):
        hit = strong_hit(" ".join(parts[-k:]))
        if hit is None or hit[1] is not Strength.STRONG:
            continue
        credit = (
            hit[0] in CREDIT_KINDS
            and len(parts) - k >= CREDIT_HEAD_SENTENCES
            and _CREDIT_LABEL.match(parts[-k]) is not None
        )
        if hit[0] not in PROMPT_KINDS and not credit:
            return None
        at = text.rfind(parts[-k])
        head, tail = text[:at].rstrip(), text[at:].strip()
        if at <= 0 or head_is_reporting(head) is not True:
            return None  # (an appeal, a tip line: the whole paragraph goes as one)
        return head, tail
    return None


def head_is_reporting(head: str) -> bool | None:
    """What stands before a prompt or note is a sentence of the article: True; False when
    contact data (an author's box, a tip line) or the outlet's voice (an appeal) stand before
    it; None when it fails otherwise (too short, a question, evidence of its own, about
    reading or subscribing), where ``glued.trailing_note`` tries a longer note."""
    if _CONTACT.search(head) or speaks_as_outlet(head):
        return False
    if width(head) < PROMPT_MIN_HEAD or head[-1] not in _PROMPT_HEAD_END:
        return None
    if about_the_outlet(head) or classify(Block(head)) is not None:
        return None
    return True


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
    """``blocks`` with each trailing stamp or prompt split off into a block of its own (after
    its sentence); blocks without one are passed through unchanged."""
    out: list[Block] = []
    for b in blocks:
        cut = (trailing_stamp(b.text) or trailing_prompt(b.text)) if b.kind in _KINDS else None
        if cut is None:
            out.append(b)
            continue
        head, stamp = cut
        out.append(Block(head, b.kind, min(b.link_chars, len(head)), _trimmed_html(b, head, stamp)))
        out.append(Block(stamp, "p", 0, f"<p>{html_lib.escape(stamp, quote=False)}</p>"))
    return out
