"""Wrapping a plain-text line that holds CJK (or other wide) characters, by display columns.

``textwrap`` breaks only at spaces and counts every character as one column: a Chinese
paragraph (no spaces) came out as one 150-column line, and the long-token fallback cut it
every N characters, inside numbers ("1.1" / "%"). Here a wide character takes two columns and
a line may break before or after any wide character, except before closing punctuation
(，。）% ...) and after opening punctuation (（“ ...); runs of narrow characters (words,
numbers, URLs) are never split, and spaces are break points as in ``textwrap``.
"""

from __future__ import annotations

import re

from aggregator.sentences import WIDE_CHARS as _WIDE
from aggregator.sentences import wide_count

_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3]")
# no line starts with these (they close what came before) ...
_NO_START = frozenset("，。、；：？！）」』】》〉〕”’％‰・…ー〜,.;:!?)]}%")
# ... and none ends with these (they open what follows)
_NO_END = frozenset("（「『【《〈〔“‘([{")


def columns(text: str) -> int:
    """Display width: a wide character takes two columns."""
    return len(text) + wide_count(text)


def _breaks_anywhere(ch: str) -> bool:
    """A wide character a line may break around: Chinese and Japanese, not Hangul (Korean
    separates words with spaces, and its words stay whole)."""
    return _WIDE.match(ch) is not None and _HANGUL.match(ch) is None


def _units(body: str) -> list[str]:
    """Unbreakable pieces in order: a run of other non-space characters (a word, a number, a
    URL, a Korean word), one Chinese or Japanese character, or one space; closing punctuation
    is glued to what it closes, opening punctuation to what it opens."""
    units: list[str] = []
    for ch in body:
        last = units[-1] if units else " "
        glue = (
            last != " "
            and ch != " "
            and (
                ch in _NO_START
                or last[-1] in _NO_END
                or not _breaks_anywhere(ch)
                and not _breaks_anywhere(last[-1])
            )
        )
        if glue:
            units[-1] += ch
        elif ch in _NO_START and last == " " and len(units) > 1:  # "word 、": kept together
            units.pop()
            units[-1] += " " + ch
        else:
            units.append(ch)
    return units


def wrap_wide(body: str, width: int, first: str, hanging: str) -> list[str]:
    """``body`` in lines of at most ``width`` columns (a longer unbreakable piece gets a line
    of its own), the first prefixed by ``first``, the others by ``hanging``."""
    lines: list[str] = []
    line, used, space = first, columns(first), False
    prefix_only = True
    for unit in _units(body):
        if unit == " ":
            space = not prefix_only
            continue
        need = columns(unit) + (1 if space else 0)
        if not prefix_only and used + need > width:
            lines.append(line)
            line, used, space = hanging, columns(hanging), False
            need = columns(unit)
        line += (" " if space else "") + unit
        used += need
        space, prefix_only = False, False
    if not prefix_only:
        lines.append(line)
    return lines
