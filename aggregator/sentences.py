"""Sentences and text width, in the scripts news is written in (pure): digest summaries and
the cleaner's sense of a paragraph's length.

``sentences(paragraph)`` splits at the end marks of each script, with any closing quotes
or brackets after the mark kept on the sentence (``.”``, ``。」``, ``?)``):

- Latin, Cyrillic and the rest: ``. ! ? …`` followed by a space or the end, except after
  common abbreviations and initials ("Dr.", "U.S.", "J.") and before a lower-case word
  ("3 p.m. yesterday"; Spanish "¿Vendrá? preguntó él": skipping ``¿¡`` openers).
- CJK: ``。！？．｡`` (and ``!?`` right after a CJK character), with no space needed after
  them; ``……`` (an ellipsis) inside a Chinese sentence is no end, nor is a mark inside a
  closing quote that the sentence goes on after (``“行动！”他说。`` is one sentence).
- Devanagari ``।`` / ``॥``; Arabic ``؟`` and the Urdu ``۔``; Greek ``;`` (the Greek
  question mark) after a Greek letter; Armenian ``։`` and the ``:`` typed in its place
  after an Armenian letter.
- Thai and other scripts without sentence marks: one paragraph is one sentence; the
  summary then cuts it at a space (``cut``).

Pieces are stripped of surrounding whitespace and nothing else: joined, they give back the
paragraph's non-space characters in order.

Width (``width``): a summary's limit counts East Asian wide and full-width characters
(Han, kana, Hangul, full-width punctuation) as ``WIDE_WEIGHT`` each, every other character
as 1.  A CJK character carries about as much as a short English word: a 300 limit that fits
~50 English words fits 100 Chinese characters (~60 words' worth in translation), one or two
first sentences, not a whole article (docs/decisions.md).
"""

from __future__ import annotations

import re

WIDE_WEIGHT = 3
ELLIPSIS = "…"

ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "gen",
        "col",
        "lt",
        "sgt",
        "rep",
        "sen",
        "gov",
        "pres",
        "inc",
        "ltd",
        "co",
        "corp",
        "vs",
        "etc",
        "no",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    ]
)

_CLOSE = "\"'”’»)\\]」』）】〉》〕〗〙〛｣"
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
# One alternative per family of end marks (module docstring); group "w": western marks,
# which need a space or the end after them and the abbreviation check.
_END = re.compile(
    rf"(?P<w>[.!?…]+[{_CLOSE}]*(?=\s|$))"
    rf"|[。！？．｡]+[{_CLOSE}]*"
    rf"|(?<=[{_CJK}])[!?]+[{_CLOSE}]*"
    rf"|[।॥؟۔]+[{_CLOSE}]*"
    rf"|(?<=[\u0370-\u03ff\u1f00-\u1fff]);[{_CLOSE}]*(?=\s|$)"
    rf"|։[{_CLOSE}]*|(?<=[\u0531-\u0587]):[{_CLOSE}]*(?=\s|$)"
)
_END_AT_END = re.compile(
    rf"(?:[.!?…。！？．｡।॥؟۔։]|(?<=[\u0370-\u03ff\u1f00-\u1fff]);"
    rf"|(?<=[\u0531-\u0587]):)[{_CLOSE}]*\s*$"
)
WIDE_CHARS = re.compile(r"[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
                         r"\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60"
                         r"\uffe0-\uffe6\U00020000-\U0003fffd]")  # fmt: skip
# Where a CJK line may be cut without splitting a word: after clause punctuation
_CJK_CLAUSE = "，、；：,;:"


def wide_count(text: str) -> int:
    """How many wide characters (``WIDE_CHARS``: CJK, Hangul, full-width forms) ``text`` has."""
    return 0 if text.isascii() else len(WIDE_CHARS.findall(text))


def width(text: str) -> int:
    """Length with wide characters (``WIDE_CHARS``) counted ``WIDE_WEIGHT`` times."""
    return len(text) + (WIDE_WEIGHT - 1) * wide_count(text)


def ends_sentence(text: str) -> bool:
    return _END_AT_END.search(text) is not None


# what follows a sentence mark: spaces, then Spanish opening marks, then the next character
_NEXT = re.compile(r"\s*[¿¡]*(.?)", re.S)
# the word before a "." is looked for this far back (a longer word is no abbreviation)
_WORD_LOOKBACK = 64


def _is_boundary(text: str, start: int, m: re.Match[str]) -> bool:
    # Every look is anchored at the match, never a copy of the rest of the text: a long
    # paragraph (an entry of megabytes) stays linear in its number of sentence marks.
    mark = m.group()
    if mark[-1] in _CLOSE and m.group("w") is None and WIDE_CHARS.match(text, m.end()):
        return False  # “行动！”他说 / 「…！」と述べた: the quote goes on into its sentence
    if m.group("w") is not None and mark.startswith("."):
        before = text[max(start, m.start() - _WORD_LOOKBACK) : m.start() + 1].split()
        last = before[-1].rstrip(".").casefold() if before else ""
        if last in ABBREVIATIONS or len(last) == 1:
            return False
    nxt = _NEXT.match(text, m.end())
    return not (nxt and nxt.group(1).islower())  # "e.g. this" / "3 p.m. yesterday": no boundary


def sentences(text: str) -> list[str]:
    """Split one paragraph into sentences (module docstring)."""
    out: list[str] = []
    start = 0
    for m in _END.finditer(text):
        if m.end() <= start or not _is_boundary(text, start, m):
            continue
        piece = text[start : m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out


def join(parts: list[str]) -> str:
    """Sentences joined as written: with a space, none after a CJK end mark."""
    out = ""
    for p in parts:
        wide_end = bool(out) and WIDE_CHARS.match(out[-1]) is not None
        out = p if not out else out + ("" if wide_end else " ") + p
    return out


def cut(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` (``width``) at a word boundary, with an ellipsis.

    Never cuts inside a word, unless the first word alone is too long.  In CJK text every
    character boundary is a word boundary, and a cut after clause punctuation (``，、``)
    in the last half is preferred."""
    if width(text) <= limit:
        return text
    if len(text) == width(text):  # no wide characters: the plain rule
        room = text[: limit - 1]
        space = room.rfind(" ")
        if text[limit - 1] == " ":  # the cut falls exactly on a boundary
            space = limit - 1
    else:
        n, used = 0, 0
        while n < len(text) and used + width(text[n]) <= limit - 1:
            used += width(text[n])
            n += 1
        room = text[:n]
        space = _wide_boundary(text, n)
    head = room[:space] if space > 0 else room
    return head.rstrip(" ,;:-–—([{\"'“‘，、；：「『（") + ELLIPSIS


def _wide_boundary(text: str, n: int) -> int:
    """The last place at or before ``n`` where text with wide characters may be cut: after
    clause punctuation in the last half, else before a space or next to a wide character."""
    clause = max(text.rfind(c, 0, n) for c in _CJK_CLAUSE)
    if clause >= n // 2:
        return clause + 1
    for i in range(n, 0, -1):
        nxt = text[i] if i < len(text) else ""
        if nxt == " " or WIDE_CHARS.match(nxt) or WIDE_CHARS.match(text[i - 1]):
            return i
    return 0
