"""Which characters can an anchored regular expression start with? Public syntax only.

The cleaner tries a detector's anchored patterns only when the text's first character can
start one of them (:class:`aggregator.enrich.patterns.Dispatch`). This module answers that
question for the patterns of ``boilerplate.toml`` by reading the pattern *text* with a small
recursive-descent parser of the documented ``re`` syntax, so it relies on no private module of
``re`` (``re._parser`` is an implementation detail that changed name in 3.11 and may change
again).

The analysis is conservative and deliberately small:

* literals (also escaped ones and ``\\n``-style escapes) count with their ASCII case variants
  when the pattern is case-insensitive; a non-ASCII literal gives up (under ``re.I`` a
  non-ASCII letter may match an ASCII one, e.g. U+212A KELVIN SIGN and ``k``);
* classes ``[...]`` of literals and ranges below U+0080 are expanded; negated classes,
  categories (``\\w``, ``\\d``, ``\\s``...), ``.`` and back references give up;
* ``^``, ``$``, ``\\b``, ``\\B``, ``\\A``, ``\\Z``, lookarounds and comments match empty;
* groups (capturing, ``(?:...)``, ``(?P<name>...)``, with ``(?i:...)`` / ``(?-i:...)``),
  alternation and the repeats ``? * + {m} {m,} {,n} {m,n}`` (greedy or lazy) are followed;
  possessive repeats, atomic groups and conditionals give up.

"Give up" means :func:`first_chars` returns ``None`` (any character may start a match); a
character left out of a returned set can never start a match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (first characters, can match empty); first characters None: unknown, any may start a match
First = tuple[set[str] | None, bool]
_EMPTY_WIDTH: First = (set(), True)
_UNKNOWN: First = (None, False)

_ZERO_WIDTH_ESCAPES = frozenset("bBAZ")
_CHAR_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_HEX2 = re.compile(r"[0-9a-fA-F]{2}")
_REPEAT = re.compile(r"\{(\d*),?(\d*)\}")
_FLAGS = re.compile(r"\?([aiLmsux]*)(?:-([imsx]+))?:")


class _Syntax(Exception):
    """The pattern text is not read here (malformed, or a construct this parser skips)."""


def _cased(ch: str, icase: bool) -> set[str] | None:
    if not ch.isascii():  # non-ASCII letters may match ASCII ones under re.I (e.g. U+212A)
        return None
    return {ch, ch.lower(), ch.upper()} if icase else {ch}


def _union(parts: list[First]) -> First:
    """Alternatives: any of them may match."""
    out: set[str] = set()
    for chars, _ in parts:
        if chars is None:
            return _UNKNOWN
        out |= chars
    return out, any(nullable for _, nullable in parts)


def _concat(parts: list[First]) -> First:
    """A sequence: its first non-empty item decides, the items before it may be skipped."""
    out: set[str] = set()
    for chars, nullable in parts:
        if chars is None:
            return _UNKNOWN
        out |= chars
        if not nullable:
            return out, False
    return out, True


@dataclass
class _Parser:
    """Recursive descent over the pattern text; every method returns the :data:`First` of
    what it read, leaving ``pos`` after it."""

    src: str
    pos: int = 0

    def peek(self, n: int = 1) -> str:
        return self.src[self.pos : self.pos + n]

    def alternatives(self, icase: bool) -> First:
        """``a|b|...`` up to an unmatched ``)`` or the end."""
        parts = [self.sequence(icase)]
        while self.peek() == "|":
            self.pos += 1
            parts.append(self.sequence(icase))
        return _union(parts)

    def sequence(self, icase: bool) -> First:
        parts: list[First] = []
        while self.pos < len(self.src) and self.peek() not in "|)":
            parts.append(self.repeat(self.atom(icase)))
        return _concat(parts)

    def repeat(self, item: First) -> First:
        ch = self.peek()
        if ch in ("?", "*", "+"):
            self.pos += 1
            low = 1 if ch == "+" else 0
        elif ch == "{" and (m := _REPEAT.match(self.src, self.pos)) and (m[1] or m[2]):
            self.pos = m.end()
            low = int(m[1] or 0)
        else:
            return item
        if self.peek() == "+":  # possessive: not analysed
            self.pos += 1
            return _UNKNOWN
        if self.peek() == "?":  # lazy: matches the same strings
            self.pos += 1
        return item[0], low == 0 or item[1]

    def atom(self, icase: bool) -> First:
        ch = self.peek()
        self.pos += 1
        if ch == "(":
            return self.group(icase)
        if ch == "[":
            return self.char_class(icase)
        if ch == "\\":
            return self.escape(icase)
        if ch in ("^", "$"):
            return _EMPTY_WIDTH
        if ch == ".":
            return _UNKNOWN
        if ch in ("*", "+", "?"):
            raise _Syntax("nothing to repeat")
        return _cased(ch, icase), False

    def group(self, icase: bool) -> First:
        """After ``(``: a group, lookaround or comment, up to and including its ``)``."""
        result: First | None = None  # None: the group's own content decides
        if self.peek(3) == "?P<":
            self.pos = self.src.index(">", self.pos) + 1
        elif self.peek(2) == "?#":
            self.pos = self.src.index(")", self.pos)
            result = _EMPTY_WIDTH
        elif self.peek(2) in ("?=", "?!") or self.peek(3) in ("?<=", "?<!"):
            self.pos += 2 if self.peek(2) in ("?=", "?!") else 3
            result = _EMPTY_WIDTH  # zero width, whatever it looks for
        elif self.peek(2) in ("?>", "?(") or self.peek(3) == "?P=":
            self.pos += 2  # atomic group, conditional, back reference: not analysed
            result = _UNKNOWN
        elif m := _FLAGS.match(self.src, self.pos):
            self.pos = m.end()
            if "i" in m[1] or "i" in (m[2] or ""):
                icase = "i" in m[1]
        elif self.peek() == "?":  # global flags and anything newer than this parser
            raise _Syntax("group (" + self.peek(3))
        content = self.alternatives(icase)
        if self.peek() != ")":
            raise _Syntax("missing )")
        self.pos += 1
        return content if result is None else result

    def escape(self, icase: bool, *, in_class: bool = False) -> First:
        """After a backslash."""
        ch = self.peek()
        self.pos += 1
        if not ch:
            raise _Syntax("trailing backslash")
        if ch == "b" and in_class:
            return _cased("\b", icase), False
        if ch in _ZERO_WIDTH_ESCAPES and not in_class:
            return _EMPTY_WIDTH
        if ch in _CHAR_ESCAPES:
            return _cased(_CHAR_ESCAPES[ch], icase), False
        if ch == "x" and _HEX2.fullmatch(self.peek(2)):
            self.pos += 2
            return _cased(chr(int(self.src[self.pos - 2 : self.pos], 16)), icase), False
        if ch.isascii() and ch.isalnum():  # \d \w \s..., back references, \u, \N, octal
            return _UNKNOWN
        return _cased(ch, icase), False

    def char_class(self, icase: bool) -> First:
        """After ``[``: the class up to and including its ``]``."""
        negated = self.peek() == "^"
        self.pos += negated
        parts: list[First] = []
        first = True
        while first or self.peek() != "]":
            if not self.peek():
                raise _Syntax("unterminated class")
            first = False
            lo = self.class_member()
            if self.peek() == "-" and self.peek(2)[1:] not in ("]", ""):
                self.pos += 1
                hi = self.class_member()
                if lo is None or hi is None:
                    raise _Syntax("bad range")
                parts.append(_range(ord(lo), ord(hi), icase))
            else:
                parts.append(_UNKNOWN if lo is None else (_cased(lo, icase), False))
        self.pos += 1
        return _UNKNOWN if negated else _union(parts)

    def class_member(self) -> str | None:
        """One character of a class; None for a category (``\\w``, ``\\d``...)."""
        ch = self.peek()
        self.pos += 1
        if ch != "\\":
            return ch
        chars, _ = self.escape(False, in_class=True)
        return None if chars is None else next(iter(chars))


def _range(lo: int, hi: int, icase: bool) -> First:
    """The characters of ``[lo-hi]`` (with their case variants when ``icase``)."""
    if hi >= 128:
        return _UNKNOWN
    out: set[str] = set()
    for code in range(128):
        c = chr(code)
        variants = {c, c.lower(), c.upper()} if icase else {c}
        if any(lo <= ord(v) <= hi for v in variants):
            out.add(c)
    return out, False


def first_chars(pattern: str, *, icase: bool = True) -> frozenset[str] | None:
    """The ASCII characters a match of ``pattern`` (tried at the start of a text, compiled
    with ``re.I`` when ``icase``) can start with; None when any character may start it, it
    can match the empty string, or it uses a construct not analysed here."""
    parser = _Parser(pattern)
    try:
        chars, nullable = parser.alternatives(icase)
        if parser.pos != len(pattern):
            raise _Syntax("unbalanced )")
    except (_Syntax, ValueError):  # ValueError: str.index found no end
        return None
    return None if chars is None or nullable else frozenset(chars)
