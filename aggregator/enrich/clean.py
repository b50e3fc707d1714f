"""In-article boilerplate removal, block by block.

trafilatura removes page chrome (menus, footers) but keeps what sits inside the article body:
donation appeals, author bios, "Related:" lists, newsletter boxes, share prompts, captions,
embed debris. This module removes those, from extracted pages and feed HTML alike.

Design
------
Input is a sequence of :class:`Block` (a paragraph, heading, list item, quote or table row as
trafilatura or the feed HTML gives it, with its link text length). Output is a
:class:`CleanResult`: the kept blocks (always a subsequence of the input, never rewritten) and
the removed ones with the name of the detector that removed them.

0. **Title**: a leading heading that repeats the page title is dropped; the caller keeps the
   title apart (``title=``). The standfirst heading after it is kept (``STANDFIRST``).
1. **Detectors** are pure functions ``(Block, text, strong_only) -> Strength | None`` with a
   name (``DETECTORS``). Each combines a pattern table (per language, ``PATTERNS``; English,
   German, French, Spanish, Portuguese, Italian, Russian, Chinese, Polish, Dutch and a few Korean
   and any-language entries (issue 19); data in ``boilerplate.toml``, compiled by
   :mod:`aggregator.enrich.patterns`) with block features: length, link density, kind. A detector says ``STRONG`` (the block is boilerplate wherever it is, e.g. "Leave a
   Reply", "Related: ...", "Your email address will not be published") or ``WEAK``
   (boilerplate only at the edge of the article, e.g. "Maya Ortiz covers city hall").
   Patterns are anchored (``^...``, tried at the start only) or floating; floating ones are
   gated by cheap substring ``TRIGGERS`` so that cleaning stays a small fraction of the
   trafilatura time.
2. **Learned blocks**: a block whose normalised hash (:func:`block_hash`) is in ``learned`` was
   seen verbatim in at least ``LEARN_MIN_ARTICLES`` distinct articles of the same site; that is
   boilerplate by definition (real reporting is not repeated word for word under unrelated
   articles), so it is removed anywhere, like a strong hit. Very short blocks (fewer than
   ``LEARN_MIN_CHARS`` characters, e.g. "Photo" or a one-word heading) are not hashed for
   learning, so a recurring section heading never deletes itself from a real article.
3. **Zones**: the article middle is protected. Weak hits are removed only by *peeling*: walking
   in from the end (and from the start) of the text, removing blocks while each one is a weak
   or strong hit, stopping at the first block that is not. A weak hit between two real
   paragraphs stays. Weak evidence is computed lazily, only for blocks peeling reaches.
4. **Tail markers**: a strong marker heading such as "Related articles", "Leave a Reply",
   "About the author" or "More from ..." starts a tail: the blocks after it are removed while
   they look like a list (list items, link-dense or short lines without sentence ending);
   the cut stops at the first real paragraph and at the next ordinary heading.

Thresholds are named constants below with the data they were tuned on: the whole ScrapingHub
article-extraction benchmark (181 pages) and the whole WCXB dev article split (711 pages),
via ``bench/extraction.py``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from aggregator.enrich import boxes, cues, hant, keep
from aggregator.enrich.classifier import ParagraphModel, shipped_model
from aggregator.enrich.hashing import LEARN_MIN_ARTICLES as LEARN_MIN_ARTICLES
from aggregator.enrich.hashing import LEARN_MIN_CHARS as LEARN_MIN_CHARS
from aggregator.enrich.hashing import block_hash as block_hash
from aggregator.enrich.hashing import learnable_hashes as learnable_hashes
from aggregator.enrich.hashing import normalise as normalise
from aggregator.enrich.patterns import (
    COMPILED,
    PATTERNS,
    PROMO_WORDS,
    STRONG,
    TAIL_MARKER,
    WEAK,
    pattern_hit,
)
from aggregator.sentences import width

# ---- thresholds ------------------------------------------------------------------------------

# Sensitivity of the thresholds below, measured on the whole ScrapingHub (181) + WCXB dev (711)
# sets (bench/out sweep over cached trafilatura output; SH F1 / WCXB `with` recall / leaked):
#   base values                0.9717 / 0.8619 / 55
#   WEAK_MAX_CHARS 400 | 1000  0.9717 / 0.8625 / 57  |  0.9717 / 0.8619 / 55
#   STRONG_MAX_CHARS 250 | 600 0.9714 / 0.8619 / 58  |  0.9716 / 0.8619 / 54
#   LINK_DENSE 0.4 | 0.8       0.9718 / 0.8619 / 54  |  0.9716 / 0.8619 / 58
#   TAIL_LINE_MAX_CHARS 100    0.9715 / 0.8619 / 55 (250: unchanged); PROSE_MIN_CHARS 120-300 flat
# i.e. the results are flat around these values; the patterns matter, not the cut-offs.
#
# Weak (edge-only) hits must be at most this long; a longer block is real prose even when it
# mentions subscriptions or donations.
WEAK_MAX_CHARS: int = 700
# Strong hits must be at most this long (strong prompts are one or two lines).
STRONG_MAX_CHARS: int = 400
# Link density (link characters / characters) above which a short block counts as a link line.
LINK_DENSE: float = 0.6
# ... unless it is a sentence of at least this many words ending with a period.
LINKED_SENTENCE_MIN_WORDS: int = 6
# In a tail after a marker, a line shorter than this without sentence ending counts as a list
# line (related headlines are mostly 30-120 characters).
TAIL_LINE_MAX_CHARS: int = 160
# The title heading is not body text (the page title is kept apart): both benchmarks'
# references leave it out (ScrapingHub + WCXB dev). Containment match needs this many chars.
TITLE_MIN_CHARS: int = 10
# Also drop a heading right after the title (a standfirst/dek)? ScrapingHub references leave
# standfirsts out, trafilatura-eval counts them as main text (leads and subtitles set as
# headings). Issue 20, whole sets: on, SH F1 0.9719, trafilatura-eval `with` kept 1405/1497;
# off, 0.9701 and 1411/1497 (WCXB `with` recall 0.8635 vs 0.8638). Off: a dek is the
# article's own summary, and the reader should not lose it.
STANDFIRST: bool = False
# Weak evidence of these detectors counts only at the tail: an article may open with the very
# sentence a bio box ends with (WCXB dev: profiles opening "X is a garden writer ...").
TAIL_ONLY_DETECTORS: frozenset[str] = frozenset(
    {"author_bio", "disclosure", *cues.TAIL_ONLY}  # and cues' bios, prompts, calls to action...
)
# A block at least this long with a sentence ending is "prose" and stops peeling and tail cuts.
PROSE_MIN_CHARS: int = 200
# After an author box heading ("About the author", "Author Profile"), this many blocks of up to
# WEAK_MAX_CHARS, up to the next heading, are the box (name, bio, links), prose or not.
BIO_BOX_BLOCKS: int = 3
LABEL_MAX_CHARS: int = 40


class Strength(enum.Enum):
    WEAK = "weak"  # boilerplate at the edges of the article only
    STRONG = "strong"  # boilerplate anywhere


@dataclass(frozen=True)
class Block:
    """One unit of article text as extracted."""

    text: str
    kind: str = "p"  # p | head | item | quote | table | caption
    link_chars: int = 0  # characters of text inside links
    html: str = ""  # simple HTML of the block (for the sanitized output), optional

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


@dataclass(frozen=True)
class CleanResult:
    kept: tuple[Block, ...]
    removed: tuple[tuple[str, str], ...]  # (detector name, block text), in input order
    kept_indices: tuple[int, ...]

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(b.text for b in self.kept)


_WS = re.compile(r"\s+")
# (with the CJK marks and closing brackets: 。！？ and 」』）】)
_SENTENCE_END = re.compile(r"[.!?…:;\"'”’)\]。！？．」』）】]\s*$")


# The whitespace characters (``\s``) of ASCII other than " ".
_ASCII_OTHER_SPACES: tuple[str, ...] = tuple(
    c for c in map(chr, range(128)) if c.isspace() and c != " "
)


def _squash(text: str) -> str:
    """Whitespace runs collapsed to one space, ends stripped."""
    # Fast path: when the only whitespace is single spaces the substitution changes nothing.
    # Outside ASCII every whitespace character but " " is non-printable.
    if "  " not in text and (
        not any(map(text.__contains__, _ASCII_OTHER_SPACES))
        if text.isascii()
        else text.isprintable()
    ):
        return text.strip()
    return _WS.sub(" ", text).strip()


# ---- detectors -------------------------------------------------------------------------------

# A detector sees the block and its whitespace-collapsed text; with ``strong_only`` it may skip
# its (costlier) weak checks, which only matter at the edges of the article.
Detector = Callable[[Block, str, bool], Strength | None]


def _pattern_detector(name: str) -> Detector:
    strong, weak = COMPILED[name]

    def detect(block: Block, text: str, strong_only: bool = False) -> Strength | None:
        if strong is not None and width(text) <= STRONG_MAX_CHARS and strong(text):
            return Strength.STRONG
        if not strong_only and weak is not None and width(text) <= WEAK_MAX_CHARS and weak(text):
            return Strength.WEAK
        return None

    detect.__name__ = name
    return detect


def detect_link_line(block: Block, text: str, strong_only: bool = False) -> Strength | None:
    """A short line that is mostly link text: a headline link, a tag, a menu leftover. Not a
    linked sentence ("So cold a winter we have not had in years."): headlines end without a
    period."""
    if block.link_density >= LINK_DENSE and len(text) <= TAIL_LINE_MAX_CHARS:
        if text.endswith(".") and text.count(" ") >= LINKED_SENTENCE_MIN_WORDS - 1:
            return None
        return Strength.WEAK
    return None


_ALT_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# sentence marks and digits of any script (Bengali "২৯", "।"): a text with them is not alt text
_NOT_ALT = re.compile(r"[.!?।。！？]|\d")
# Keyword-stuffed alt text: many words, no sentence punctuation, one word repeated a lot.
ALT_MIN_WORDS = 8
ALT_MAX_UNIQUE_RATIO = 0.5


def detect_alt_text(block: Block, text: str, strong_only: bool = False) -> Strength | None:
    """Keyword-stuffed image alt text ("best shoes best running shoes cheap shoes ...")."""
    if _NOT_ALT.search(text):  # sentences and dated lists are not alt text
        return None
    words = [w.casefold() for w in _ALT_WORD.findall(text)]
    if len(words) >= ALT_MIN_WORDS and len(set(words)) / len(words) <= ALT_MAX_UNIQUE_RATIO:
        return Strength.WEAK
    return None


# A short heading that names a newsletter or a subscription is the title of a signup box.
# (WCXB dev: "Join Our Genius Newsletter", "Tech World With Milan Newsletter"...; 90 chars
# covers them while real sentences about a newsletter are longer and end with a period.)
PROMO_LINE_MAX_CHARS = 90


def detect_promo_line(block: Block, text: str, strong_only: bool = False) -> Strength | None:
    """A short heading/line that names a newsletter or subscription (a signup box title)."""
    if len(text) > PROMO_LINE_MAX_CHARS or not PROMO_WORDS.search(text):
        return None
    if text[0].isdigit() or text.endswith("?"):  # a numbered section or a question: content
        return None
    return Strength.STRONG if block.kind == "head" else Strength.WEAK


def _signal_detector(test: Callable[[str, str], bool], strong: bool) -> Detector:
    """A detector from an evidence-counting test of (text, kind) (``cues.SIGNAL_TESTS``); weak
    evidence is looked for only at the edges (not with ``strong_only``)."""
    strength = Strength.STRONG if strong else Strength.WEAK

    def detect(block: Block, text: str, strong_only: bool = False) -> Strength | None:
        if strong_only and not strong:
            return None
        return strength if hant.or_folded(lambda t: test(t, block.kind), text) else None

    return detect


_SIGNAL_DETECTORS = tuple((n, _signal_detector(t, s)) for n, t, s in cues.SIGNAL_TESTS)
_STRONG_SIGNALS = tuple(
    nd for nd, (_, _, strong) in zip(_SIGNAL_DETECTORS, cues.SIGNAL_TESTS, strict=True) if strong
)


DETECTORS: tuple[tuple[str, Detector], ...] = (
    *((name, _pattern_detector(name)) for name in PATTERNS),
    ("promo_line", detect_promo_line),
    *_SIGNAL_DETECTORS,
    ("link_line", detect_link_line),
    ("alt_text", detect_alt_text),
)


# ---- classification --------------------------------------------------------------------------
#
# classify() returns exactly what asking every detector of DETECTORS in turn returns (the first
# strong hit, else the first weak one; tests/test_clean.py checks the two against each other),
# but the pattern detectors are asked all at once (``patterns.pattern_hit``, see there), and
# the weak pass at the edges does not repeat the strong checks (a block reaches it only when
# the strong pass found nothing, and strong evidence does not depend on ``strong_only``).

_FEATURE_DETECTORS: tuple[tuple[str, Detector], ...] = tuple(
    (name, det) for name, det in DETECTORS if name not in PATTERNS
)
# the weak pass leaves out the signal detectors that only ever say STRONG (_strong_hit asked
# them already): with the strong offers, policies and machine notes they were a third of it
_WEAK_FEATURE_DETECTORS: tuple[tuple[str, Detector], ...] = tuple(
    nd for nd in _FEATURE_DETECTORS if nd not in _STRONG_SIGNALS
)


def _strong_hit(block: Block, text: str) -> str | None:
    """The first detector that says STRONG for ``text`` (``block.text`` squashed)."""
    if width(text) <= STRONG_MAX_CHARS:  # as the detectors measure (a CJK character is 3)
        name = pattern_hit(STRONG, text)
        if name is not None:
            return name
    # promo_line and the strong ones of cues.SIGNAL_TESTS can say STRONG among feature detectors
    if block.kind == "head" and detect_promo_line(block, text) is Strength.STRONG:
        return "promo_line"
    return next((name for name, det in _STRONG_SIGNALS if det(block, text, True)), None)


def _weak_hit(block: Block, text: str, *, patterns: bool) -> str | None:
    """The first detector that says WEAK (when none says STRONG); pattern detectors look for
    weak evidence only with ``patterns`` (classify's ``strong_only`` off)."""
    if patterns and width(text) <= WEAK_MAX_CHARS:
        name = pattern_hit(WEAK, text)
        if name is not None:
            return name
    for name, det in _WEAK_FEATURE_DETECTORS:
        if det(block, text, not patterns) is Strength.WEAK:
            return name
    return None


def classify(block: Block, *, strong_only: bool = False) -> tuple[str, Strength] | None:
    """The first detector that fires on ``block`` and how strongly (strong wins over weak).

    With ``strong_only`` weak evidence is not looked for (a weak result may still come back
    from the cheap feature detectors).
    """
    text = _squash(block.text)
    if not text:
        return ("empty", Strength.STRONG)
    if strong_only and len(text) > max(STRONG_MAX_CHARS, PROMO_LINE_MAX_CHARS):
        return None
    name = _strong_hit(block, text)
    if name is not None:
        return name, Strength.STRONG
    name = _weak_hit(block, text, patterns=not strong_only)
    return None if name is None else (name, Strength.WEAK)


def _classify_weak(block: Block) -> tuple[str, Strength] | None:
    """``classify(block)`` for a block whose ``classify(block, strong_only=True)`` was not a
    strong hit: no detector can say STRONG for it, so only weak evidence is looked for."""
    name = _weak_hit(block, _squash(block.text), patterns=True)
    return None if name is None else (name, Strength.WEAK)


def _is_prose(block: Block) -> bool:
    text = block.text.strip()
    return (
        block.kind in ("p", "quote")
        and width(text) >= PROSE_MIN_CHARS
        and block.link_density < LINK_DENSE
        and bool(_SENTENCE_END.search(text))
    )


# The classifier removes lines, teasers, prompts and credits at the edges; a sentence this long
# is left to the rules (reporting at the end reads like an appeal too often for a score alone).
CLASSIFIER_SENTENCE_CHARS = 40


def _is_sentence(block: Block) -> bool:
    text = block.text.strip()
    return width(text) >= CLASSIFIER_SENTENCE_CHARS and bool(_SENTENCE_END.search(text))


def _is_tail_line(block: Block) -> bool:
    text = block.text.strip()
    if block.kind in ("item", "head"):
        return width(text) <= WEAK_MAX_CHARS
    if block.link_density >= LINK_DENSE:
        return True
    return width(text) <= TAIL_LINE_MAX_CHARS and not _SENTENCE_END.search(text)


# ---- the cleaning decision -------------------------------------------------------------------


def same_title(heading: str, title: str) -> bool:
    """The heading is the page title (equal after normalising, or one contains the other,
    as in "Headline | Site name")."""
    a, b = normalise(heading), normalise(title)
    if len(a) < TITLE_MIN_CHARS or len(b) < TITLE_MIN_CHARS:
        return a == b and bool(a)
    return a == b or a in b or b in a


def _mark_title(blocks: Sequence[Block], title: str, reason: list[str | None]) -> None:
    """Step 0 of :func:`clean_structured`: mark the title headings (and a standfirst)."""
    first: int | None = None
    for k, b in enumerate(blocks):
        if _is_prose(b):
            break
        if b.kind == "head" and same_title(b.text, title):
            reason[k] = "title"
            first = k if first is None else first
    nxt = None if first is None else first + 1
    if STANDFIRST and nxt is not None and nxt < len(blocks) and blocks[nxt].kind == "head":
        reason[nxt] = reason[nxt] or "title"


def _cut_tails(
    blocks: Sequence[Block],
    reason: list[str | None],
    hit_at: Callable[[int], tuple[str, Strength] | None],
) -> None:
    """Step 2 of :func:`clean_structured`: after each removed tail marker, mark the list-like
    blocks that follow it, up to the first prose block."""
    n = len(blocks)
    i = 0
    while i < n:
        marker = reason[i] is not None and TAIL_MARKER.match(_squash(blocks[i].text))
        if not marker and reason[i] in LABEL_REASONS and _is_label(blocks[i]):
            # a "read also" label removed anywhere: the headline links right after it go too
            j = i + 1
            while j < n and (reason[j] is not None or _is_link_headline(blocks[j])):
                reason[j] = reason[j] or f"tail:{reason[i]}"
                j += 1
            i = j
        elif marker:
            # an author box ("About the author", "Author Profile") holds a bio of a paragraph
            # or a few; it ends at the next heading
            box = BIO_BOX_BLOCKS if reason[i] == "author_bio" else 0
            j = i + 1
            while j < n and (
                (not _is_prose(blocks[j]) or (box and j - i <= box))
                and (
                    reason[j] is not None
                    or hit_at(j) is not None
                    or (blocks[j].kind != "head" and _is_tail_line(blocks[j]))
                    or (box and j - i <= box and _is_bio_line(blocks[j]))
                )
            ):
                if reason[j] is None:
                    reason[j] = f"tail:{reason[i]}"
                j += 1
            i = j
        else:
            i += 1


_LABEL_END = re.compile(r"[.!?…。！？]\s*$")
LABEL_REASONS = frozenset({"related", "teaser_signals"})


def _is_label(block: Block) -> bool:
    text = block.text.strip()
    return width(text) <= LABEL_MAX_CHARS and not _LABEL_END.search(text)


def _is_link_headline(block: Block) -> bool:
    """A link line (:func:`detect_link_line`) within ``TAIL_LINE_MAX_CHARS`` columns."""
    text = block.text.strip()
    return detect_link_line(block, text) is not None and width(text) <= TAIL_LINE_MAX_CHARS


def _is_bio_line(block: Block) -> bool:
    return block.kind in ("p", "item") and len(block.text) <= WEAK_MAX_CHARS


def _peel(
    blocks: Sequence[Block],
    reason: list[str | None],
    hit_at: Callable[[int], tuple[str, Strength] | None],
) -> set[int]:
    """Step 3 of :func:`clean_structured`: from each edge, mark blocks while they are hits.
    Returns the indices it marked."""
    n = len(blocks)
    marked: set[int] = set()
    for order, from_start in ((range(n - 1, -1, -1), False), (range(n), True)):
        title_skip = 1 if from_start else 0
        run: list[int] = []  # the link lines peeled last, next to where peeling stops
        for k in order:
            if reason[k] is not None:
                run = []  # a removed marker between: the lines beyond it are not that list
                continue
            hit = hit_at(k)
            if hit is not None and from_start and hit[0] in TAIL_ONLY_DETECTORS:
                hit = None  # e.g. a profile that opens "Nina Koziol is a garden writer ..."
            if hit is None:
                if title_skip and blocks[k].kind == "head":
                    title_skip -= 1
                    continue
                if _is_list_line(blocks[k]):  # the article's own list goes on: keep its items
                    for j in run:
                        reason[j] = None
                        marked.discard(j)
                break
            reason[k] = hit[0]
            marked.add(k)
            run = [*run, k] if hit[0] == "link_line" else []
    return marked


def _is_list_line(block: Block) -> bool:
    """A short line of the article's own list ("Earcuff: Zoeca"), not a heading or sentence."""
    text = block.text.strip()
    short = 0 < len(text) <= TAIL_LINE_MAX_CHARS
    return block.kind in ("p", "item") and short and not _SENTENCE_END.search(text)


def _quote_box(block: Block) -> tuple[str, Strength] | None:
    """A quote box of boilerplate lines (:mod:`aggregator.enrich.boxes`) as a strong hit."""
    if block.kind != "quote" or "<br" not in block.html:
        return None

    def strong_name(line: str) -> str | None:
        hit = classify(Block(line), strong_only=True)
        return hit[0] if hit is not None and hit[1] is Strength.STRONG else None

    name = boxes.box_hit(block.html, strong_name)
    return None if name is None else (f"box:{name}", Strength.STRONG)


class _Shipped(enum.Enum):
    MODEL = "shipped"


SHIPPED = _Shipped.MODEL
# what ``model=`` takes: a model, ``None`` (rules only) or ``SHIPPED`` (the packaged model)
ModelArg = ParagraphModel | None | _Shipped


def clean_structured(
    blocks: Sequence[Block],
    *,
    learned: Collection[str] = (),
    title: str | None = None,
    model: ModelArg = SHIPPED,
) -> CleanResult:
    """Decide which blocks to keep. Pure: no I/O, no state; see the module docstring.

    ``model``: the paragraph classifier (the shipped one by default; ``None``: rules only)."""
    n = len(blocks)
    reason: list[str | None] = [None] * n
    scorer = shipped_model() if model is SHIPPED else model
    assert not isinstance(scorer, _Shipped)
    probs = scorer.score(blocks, title) if scorer is not None and blocks else None
    # Strong evidence is checked everywhere; weak evidence only where it can matter (the edges
    # and tails), lazily: that keeps cleaning cheap on long articles.
    strong = [
        keep.unless_reported(classify(b, strong_only=True), b.text) or _quote_box(b) for b in blocks
    ]
    memo: dict[int, tuple[str, Strength] | None] = {}

    def hit_at(k: int) -> tuple[str, Strength] | None:
        if k not in memo:
            first = strong[k]
            memo[k] = (
                first
                if first is not None and first[1] is Strength.STRONG
                else _classify_weak(blocks[k])
            )
            if (
                memo[k] is None
                and probs is not None
                and scorer
                and probs[k] >= scorer.edge
                and not _is_sentence(blocks[k])
            ):
                memo[k] = ("classifier", Strength.WEAK)
            if memo[k] is not None and keep.kept_anyway(blocks, k, hit_at):
                memo[k] = None  # a sign-off, a line the text introduces (keep.py)
        return memo[k]

    learned_set = learned if isinstance(learned, (set, frozenset)) else set(learned)
    # 0. headings before the first prose block that repeat the page title (kept apart as
    #    ``title``), and a standfirst heading right after the first of them (``STANDFIRST``)
    if title:
        _mark_title(blocks, title, reason)
    # 1. strong hits and learned blocks, anywhere
    for i, b in enumerate(blocks):
        hit = strong[i]
        if reason[i] is not None:
            continue
        if hit is not None and hit[1] is Strength.STRONG:
            reason[i] = hit[0]
        elif learned_set and len(b.text) >= LEARN_MIN_CHARS and block_hash(b.text) in learned_set:
            reason[i] = "learned"
        elif probs is not None and scorer and probs[i] >= scorer.strong:
            # removed anywhere (a sign-off stays); named after a rule with (weak) evidence too
            kept_anyway = keep.kept_anyway(blocks, i, hit_at)
            reason[i] = None if kept_anyway else (hit_at(i) or ("classifier", Strength.WEAK))[0]
    # a site's learned blocks never take the whole article (a site of one template, numbers
    # aside), nor does the classifier (a one-paragraph article of calls to action is one)
    if all(r is not None for r in reason):
        reason = [None if r in ("learned", "classifier") else r for r in reason]
    # 2. tail markers: cut list-like blocks after them, up to the first prose block
    _cut_tails(blocks, reason, hit_at)
    # 3. peel weak hits from both edges (from the start, step over a leading title heading)
    peeled = _peel(blocks, reason, hit_at)
    if all(r is not None for r in reason):
        # peeling took the rest: weak evidence (and learning, and the classifier) never
        # empties an article; an item that is one appeal-like paragraph is still the item
        reason = [
            None if r in ("learned", "classifier") or k in peeled else r
            for k, r in enumerate(reason)
        ]
    kept = tuple(b for b, r in zip(blocks, reason, strict=True) if r is None)
    idx = tuple(i for i, r in enumerate(reason) if r is None)
    removed = tuple((r, b.text) for b, r in zip(blocks, reason, strict=True) if r is not None)
    return CleanResult(kept, removed, idx)


def clean_blocks(blocks: Sequence[str], *, learned: Collection[str] = ()) -> CleanResult:
    """:func:`clean_structured` for plain text blocks (no link or structure information)."""
    return clean_structured([Block(b) for b in blocks], learned=learned)
