"""Boilerplate glued INSIDE a content paragraph: split off, so the reporting stays and the
boilerplate goes (issue 19, the ninth development set).

Sites in German, French, Spanish, Portuguese, Italian, Russian and Chinese put a "read also"
line, an advertising marker, a credit, a correction note or a prompt into the same paragraph
as the reporting: "... sagte Krämer. Lesen Sie auch: <a>Neues Parkhaus ...</a> Die
Stadtvertretung muss ...", "... comum. CONTINUA APÓS A PUBLICIDADE As primeiras obras ...",
"... am Dienstag. (Foto: dpa)", "... a gennaio. Erramos: uma versão anterior ...". Removed as
a whole, the paragraph loses its reporting; kept, it leaks the boilerplate.
:func:`split_glued` runs after :func:`stamps.split_stamps` and cuts, by kind:

* an **insert** (:func:`split_insert`): a "read also" label with its headline, or an
  advertising marker, at the paragraph's start or right after a sentence end. The headline
  is the link that follows the label in the paragraph's HTML; without a link, the rest of the
  paragraph when it is one line, or (Latin scripts) the words up to a capitalised article
  that opens the next sentence ("... des animations Des séances ..."). The insert alone must
  be a strong hit (``related``, a teaser, an ``embed`` marker), so the cleaner removes it;
* a **trailing note** (:func:`trailing_note`): the last one or two sentences when they are a
  strong hit of a note kind (or a correction note, whose weak evidence is an editorial label:
  "Erramos:", "Fe de errores:", "Cet article a été modifié"), after reporting that passes
  the guards of :func:`stamps.head_is_reporting` (a statement of 60 columns or more, no
  evidence of its own, not about reading or subscribing; contact data or the outlet's voice
  before the note stop the split altogether): prompts and shares, a correction note, a
  contact line of the author or the newsroom; a promo only when it names the outlet's own
  channel ("notre newsletter", "наш канал"; not "the ministry urged citizens to download
  the app", "you can track your food with an app"); a credit or a strong copyright line
  after two sentences of 100 columns or more (one short sentence with a credit is a
  caption, and captions go whole; a ``caption`` block is never split); a disclaimer that
  is a sentence of its own. When one sentence is no note but two are, the two go.

Weak evidence of a prompt is not split off: on the English dumps it took how-to sentences
("You can download such apps from the App Store") from the text's end, where the cleaner
peels. A correction note split off is weak: it goes where the cleaner peels (at the text's
edges) and stays in the middle, as the whole paragraph did before.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence

from aggregator.enrich import policies, sitenotes, teasers
from aggregator.enrich.clean import Block, Strength, _squash, classify
from aggregator.enrich.patterns import COMPILED
from aggregator.enrich.signals import speaks_as_outlet
from aggregator.enrich.stamps import (
    PROMPT_KINDS,
    PROMPT_SENTENCES,
    head_is_reporting,
    split_stamps,
    strong_hit,
)
from aggregator.sentences import sentences, width

_KINDS = frozenset({"p", "quote", "item"})
_TAG_OF_KIND = {"quote": "blockquote", "item": "li"}
_END = ".!?…。！？\"'”’»)）]】"
# a "read also" label (the insert's headline follows it)
READ_ALSO = re.compile(
    r"(?:lesen sie (?:auch|mehr)|auch interessant|das könnte sie auch interessieren|"
    r"mehr zum thema|(?:à |a )?lire aussi|à lire également|voir aussi|"
    r"le[ea] también|leer también|te puede interesar|le puede interesar|mirá también|"
    r"ver también|leia também|leia mais|veja também|leggi anche|per approfondire|"
    r"potrebbe interessarti|vedi anche|читайте также|читайте ещё|читайте еще|"
    r"смотрите также|延伸阅读|相关阅读|相关新闻|相关报道|推荐阅读)"
    r"\s*[:：|–—-]?\s*",
    re.I,
)
# any other label of teaser words before a colon ("По теме:", "Ti potrebbe interessare:"):
# up to four words, all teaser words, one a marker (teasers.is_label_words)
_COLON = re.compile(r"\s*[:：]\s*")
LABEL_MAX_WORDS = 4


def _labels(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each "read also" label of ``text``: ``READ_ALSO`` or a short run of
    teaser words from a sentence boundary to a colon."""
    spans = [m.span() for m in READ_ALSO.finditer(text)]
    for m in _COLON.finditer(text):
        before = text[: m.start()]
        # (the last words only: rsplit stops after them, where split() read the whole prefix)
        words = before.rsplit(maxsplit=LABEL_MAX_WORDS)[-LABEL_MAX_WORDS:]
        for n in range(len(words), 0, -1):
            start = len(before) - len(" ".join(words[-n:]))
            if _at_boundary(text, start) and teasers.is_label_words(words[-n:]):
                spans.append((start, m.end()))
                break
    return sorted(set(spans))


# an advertising marker or a bare label in capitals, alone between two sentences
AD_MARKER = re.compile(
    r"(?:CONTINUA (?:APÓS A|DEPOIS DA) PUBLICIDADE|PUBLICIDADE|PUBLICIDAD|ANZEIGE|PUBBLICITÀ|"
    r"РЕКЛАМА|Реклама|LEIA TAMBÉM|LEIA MAIS|VEJA TAMBÉM|LEE TAMBIÉN|LIRE AUSSI|"
    r"LEGGI ANCHE|ЧИТАЙТЕ ТАКЖЕ)(?=\s+[A-ZÀ-ÖØ-ÞА-ЯЁ](?:[a-zà-öø-ÿа-яё]|\s)|\s*$)"
)
# a capitalised article or preposition after a lower-case word: the next sentence starts
_NEXT_SENTENCE = re.compile(
    r"(?<=[a-zà-öø-ÿ0-9])\s+(?=(?:Le|La|Les|L'|L’|Un|Une|Des|El|Los|Las|Il|Lo|Gli|Os|As|"
    r"Der|Die|Das|Ein|Eine|Según|Segundo|Secondo|Selon|Laut)\s)"
)
_CAPITAL_AFTER_LOWER = re.compile(r"(?<=[a-zà-öø-ÿа-яё0-9])\s+(?=[A-ZÀ-ÖØ-ÞА-ЯЁ][a-zà-öø-ÿа-яё])")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.S)
_TAGS = re.compile(r"<[^>]+>")
# kinds of a trailing note; a promo only in the outlet's voice
NOTE_KINDS = PROMPT_KINDS | {
    "share",
    "cta",
    "correction",
    "author_bio",
    "policy_signals",
    "ask_signals",
    "site_note_signals",
}
# a promo names the outlet's own channel: "notre newsletter", "unseren Newsletter", "nuestra
# app", "наш канал" ("we hope to inspire you", "you can track your food with an app": how-to
# and blog wording, not an ask of the outlet)
_OWN_CHANNEL = re.compile(
    r"\b(?:our|notre|nos|unser\w*|nuestr[oa]s?|noss[oa]s?|nostr[oaie]|наш\w*)\s+(?:[\w-]+\s+){0,2}"
    r"(?:newsletter|app|appli\w*|aplica\w*|channel|chaîne|kanal|canal|canale|канал\w*|"
    r"telegram\w*|whatsapp|podcast|lettre|boletín|rassegna|приложени\w*|рассылк\w*)",
    re.I,
)
# a weak hit of these is an editorial label ("Erramos:", "Fe de errores:", "Cet article a
# été modifié"), not how-to wording ("you can download the app"): split off without more
LABELLED_NOTES = frozenset({"correction"})
_CORRECTION = COMPILED["correction"][1]  # the weak patterns of the correction detector
VOICE_KINDS = frozenset({"promo_signals", "promo_line"})
PROSE_KINDS = frozenset({"caption", "credit", "byline"})
# a credit or byline after reporting: at least this many sentences and columns before it
PROSE_HEAD_SENTENCES = 2
PROSE_HEAD_MIN = 100
# a credit opens with its label ("Foto:", "(Foto ...", "©"), not inside a sentence
_CREDIT_OPEN = re.compile(
    r"[(\[（]?\s*(?:©|[^\W\d_][\w .'’-]{0,24}:|(?:foto|photo|bild|фото|imagen|imagem)\b)"
    r"|[(（][^()（）]{1,40}[)）]$",  # or a credit in brackets: "（新华社记者 黄宗治 摄）"
    re.I,
)
# a disclaimer or copyright sentence of its own ("特别声明：以上文章内容仅代表作者本人观点。")
DISCLAIMER_MIN = 60
_HANDLE = re.compile(r"(?<!\w)@\w{2,}")
# a bracketed line at a paragraph's end (a source line, policies.is_source_line)
_END_BRACKET = re.compile(r"\s*([(（][^()（）]{2,70}[)）])\s*$")


def _link_texts(block: Block) -> list[str]:
    return [
        " ".join(html_lib.unescape(_TAGS.sub("", m)).split()) for m in _LINK.findall(block.html)
    ]


def _headline(rest: str, links: Sequence[str]) -> str:
    """The headline that opens ``rest`` (the text after a "read also" label), or ""."""
    for link in links:
        if link and rest.startswith(link):
            return link
    m = _NEXT_SENTENCE.search(rest)
    if m is not None and width(rest[: m.start()]) >= 15:
        return rest[: m.start()]
    if len(sentences(rest)) > 1 or width(rest) > 200:
        return ""
    if rest[-1:] not in ".。":
        return rest  # a headline to the paragraph's end
    # a headline, then a short sentence: the sentence opens at the last capitalised word
    # after a lower-case one ("... na quinta Não houve registro de feridos.")
    starts = [c.start() for c in _CAPITAL_AFTER_LOWER.finditer(rest)]
    return rest[: starts[-1]] if starts and width(rest[: starts[-1]]) >= 15 else ""


def _at_boundary(text: str, at: int) -> bool:
    before = text[:at].rstrip()
    return not before or before[-1] in _END


def _insert_at(block: Block) -> tuple[int, int] | None:
    """``(start, end)`` of the first insert of ``block`` (an advertising marker or a "read
    also" label with its headline) that is a strong hit on its own, else None."""
    text = block.text
    for m in AD_MARKER.finditer(text):
        hit = classify(Block(m.group()), strong_only=True)
        if _at_boundary(text, m.start()) and hit is not None:
            return m.start(), m.end()
    links: list[str] | None = None
    for start, end in _labels(text):
        if not _at_boundary(text, start):
            continue
        links = _link_texts(block) if links is None else links
        head = _headline(text[end:], links)
        if not head:
            continue
        piece = text[start : end + len(head)]
        hit = classify(Block(piece), strong_only=True)
        if hit is not None and hit[1] is Strength.STRONG:
            return start, end + len(head)
    return None


def _block(text: str, kind: str) -> Block:
    tag = _TAG_OF_KIND.get(kind, "p")
    return Block(text, kind, 0, f"<{tag}>{html_lib.escape(text, quote=False)}</{tag}>")


def split_insert(block: Block) -> list[Block]:
    """``block`` cut around each insert: reporting before it, the insert (a block of its
    own, which the cleaner removes), reporting after it; ``[block]`` without one."""
    if block.kind not in _KINDS:
        return [block]
    at = _insert_at(block)
    if at is None:
        return [block]
    text = block.text
    before, piece, after = text[: at[0]].strip(), text[at[0] : at[1]].strip(), text[at[1] :].strip()
    if not before and not after:
        return [block]
    # the insert goes first and the reporting stays one paragraph: a short sentence after
    # the insert, a block of its own, would be taken by the cleaner's tail cut
    joiner = "" if _CJK.search(before[-1:] + after[:1]) else " "
    return [
        _block(piece, "p"),
        *split_insert(_block(joiner.join(filter(None, (before, after))), block.kind)),
    ]


def _note_fits(hit: tuple[str, Strength], tail: str, head_parts: Sequence[str], head: str) -> bool:
    """A hit on the trailing ``tail`` is a note glued to reporting."""
    kind = hit[0]
    if kind in NOTE_KINDS:
        return True
    if kind in VOICE_KINDS:
        return _OWN_CHANNEL.search(tail) is not None
    if kind not in PROSE_KINDS:
        return False
    after_prose = len(head_parts) >= PROSE_HEAD_SENTENCES and width(head) >= PROSE_HEAD_MIN
    if kind == "byline":
        if hit[1] is not Strength.STRONG or _HANDLE.search(tail):
            return False
        statement = width(tail) >= DISCLAIMER_MIN and tail[-1] in _END
        return after_prose or statement
    return after_prose and _CREDIT_OPEN.match(tail) is not None


def _note_hit(tail: str) -> tuple[str, Strength] | None:
    """A strong hit on ``tail``, or a correction note's weak one (other weak evidence is not
    split off, and looking for all of it on every paragraph's last sentences doubled the
    time of this step)."""
    hit = strong_hit(tail)
    if hit is not None and hit[1] is Strength.STRONG:
        return hit
    if _CORRECTION is not None and _CORRECTION(_squash(tail)):
        return "correction", Strength.WEAK
    return None


# a source stamp after one sentence of reporting: "… atteso per le 18. (ANSA-red)", "…
# no sábado. Com Lusa", "… 8 сентября. Источник: официальный сайт клуба"
SOURCE_STAMP_MAX = 48
SOURCE_HEAD_MIN = 24
_SOURCE_KINDS = frozenset({"byline", "scraper_stamp", "policy_signals", "site_note_signals"})


def _is_source_stamp(tail: str) -> bool:
    """A short last sentence that only names where the report comes from."""
    if width(tail) > SOURCE_STAMP_MAX or _HANDLE.search(tail):
        return False
    if policies.is_source_line(tail) or sitenotes.is_lone_credit(tail):
        return True
    hit = _note_hit(tail)
    return hit is not None and hit[0] in _SOURCE_KINDS and sitenotes.names_a_source(tail)


def _source_head(head: str) -> bool:
    """Reporting before a source stamp: a statement (``head_is_reporting``), or one short
    sentence ending as a sentence ends, not the outlet's voice or contact data."""
    reporting = head_is_reporting(head)
    if reporting is not None:
        return reporting
    return width(head) >= SOURCE_HEAD_MIN and head[-1] in ".!。！" and not speaks_as_outlet(head)


def trailing_note(text: str) -> tuple[str, str] | None:
    """``(reporting, note)`` when the last one or two sentences of ``text`` are a note glued
    to reporting (module docstring), else None."""
    end = _END_BRACKET.search(text)  # "... (Com informações da Agência Estado)", "。（综合…报道）"
    if end is not None and policies.is_source_line(end.group(1)):
        head = text[: end.start()].rstrip()
        if head and _source_head(head):
            return head, end.group(1)
    parts = sentences(text)
    if len(parts) >= 2 and _is_source_stamp(parts[-1]):
        at = text.rfind(parts[-1])
        head = text[:at].rstrip()
        if at > 0 and _source_head(head):
            return head, text[at:].strip()
    for k in range(1, min(PROMPT_SENTENCES, len(parts) - 1) + 1):
        tail_parts = parts[-k:]
        hit = _note_hit(" ".join(tail_parts))
        if hit is None:
            continue
        at = text.rfind(tail_parts[0])
        head, tail = text[:at].rstrip(), text[at:].strip()
        if at <= 0 or not _note_fits(hit, tail, parts[:-k], head):
            continue
        reporting = head_is_reporting(head)
        if reporting is False and hit[0] not in LABELLED_NOTES:
            return None  # (a correction note may speak as the newsroom: try it longer)
        if reporting:
            return head, tail
    return None


def _split_trailing(block: Block) -> list[Block]:
    if block.kind not in _KINDS:
        return [block]
    cut = trailing_note(block.text)
    if cut is None:
        return [block]
    head, note = cut
    return [*_split_trailing(_block(head, block.kind)), _block(note, "p")]


def split_glued(blocks: Sequence[Block]) -> list[Block]:
    """``blocks`` after :func:`stamps.split_stamps`, with inserts and trailing notes glued to
    reporting split into blocks of their own; other blocks are passed through unchanged."""
    out: list[Block] = []
    for b in split_stamps(blocks):
        for piece in split_insert(b):
            out.extend(_split_trailing(piece))
    return out
