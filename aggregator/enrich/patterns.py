"""The boilerplate pattern tables (``boilerplate.toml``), compiled, and the fast matching of
a block's text against all of them.

The tables are data apart from the engine: ``boilerplate.toml`` ships inside the package and is
read once, at import, by :func:`load_boilerplate` (checked by :func:`parse_boilerplate`); this
module compiles it and :mod:`aggregator.enrich.clean` decides with it.

:func:`pattern_hit` returns exactly what asking every pattern detector in turn returns (the
first one whose patterns match; tests/test_clean.py checks it against the plain definition),
but does the pattern work once per block instead of once per detector:

* a detector's anchored patterns are tried only when one of them can start with the text's
  first character (:class:`Dispatch`; the first characters come from
  :func:`aggregator.enrich.firstchars.first_chars`, which reads the pattern text and needs no
  ``re`` internals);
* the text is lower-cased once, and the trigger gates of all detectors are evaluated once per
  text (cached), not again for the weak pass at the edges, through the text's words: a
  trigger can only be in a text one of whose whitespace-separated tokens holds the
  trigger's longest run of non-space characters, and what each token holds is cached (words
  recur), so most texts are ruled out without one substring search per trigger.

Floating patterns are searched only behind their gates, exactly as :class:`Matcher` does.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from aggregator.enrich import hant
from aggregator.enrich.firstchars import first_chars

# PATTERNS[detector][language] = (strong patterns, weak patterns). Patterns are searched
# case-insensitively in the whitespace-collapsed block text (see boilerplate.toml).
PatternTable = dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]]

DATA_FILE = "boilerplate.toml"


@dataclass(frozen=True)
class Boilerplate:
    """The tables of ``boilerplate.toml``, in file order."""

    patterns: PatternTable  # detector -> language -> (strong, weak)
    triggers: dict[str, tuple[str, ...]]  # detector -> gate substrings of its floating patterns
    tail_markers: tuple[str, ...]  # anchored patterns of headings that start a tail
    promo_words: str  # regex of the words that make a heading a signup box title


def _strings(value: object, where: str, *, regex: bool = True) -> tuple[str, ...]:
    """A list of strings (regular expressions unless ``regex`` is off), checked."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{DATA_FILE}: {where} must be a list of strings")
    for pattern in value if regex else ():
        try:
            re.compile(pattern)
        except re.error as e:
            raise ValueError(f"{DATA_FILE}: {where}: bad pattern {pattern!r}: {e}") from e
    return tuple(value)


def _detector(name: str, table: object) -> tuple[PatternTable, dict[str, tuple[str, ...]]]:
    """One ``[detector.NAME]`` table: ``{name: {language: (strong, weak)}}`` and its triggers
    (``{name: triggers}``, empty when it has none)."""
    if not isinstance(table, dict):
        raise ValueError(f"{DATA_FILE}: detector.{name} must be a table")
    langs: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    triggers: dict[str, tuple[str, ...]] = {}
    for key, value in table.items():
        where = f"detector.{name}.{key}"
        if key == "triggers":
            triggers[name] = _strings(value, where, regex=False)
        elif isinstance(value, dict):
            unknown = set(value) - {"strong", "weak"}
            if unknown:
                raise ValueError(f"{DATA_FILE}: {where}: unknown key {sorted(unknown)[0]!r}")
            langs[key] = (
                _strings(value.get("strong", []), f"{where}.strong"),
                _strings(value.get("weak", []), f"{where}.weak"),
            )
        else:
            raise ValueError(f"{DATA_FILE}: {where}: expected `triggers` or a language table")
    return {name: langs}, triggers


def parse_boilerplate(text: str) -> Boilerplate:
    """Read and check the tables (ValueError naming the key when they are malformed)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{DATA_FILE}: {e}") from e
    unknown = set(data) - {"tail_markers", "promo_words", "detector"}
    if unknown:
        raise ValueError(f"{DATA_FILE}: unknown key {sorted(unknown)[0]!r}")
    detectors = data.get("detector")
    if not isinstance(detectors, dict) or not detectors:
        raise ValueError(f"{DATA_FILE}: [detector.NAME] tables are missing")
    patterns: PatternTable = {}
    triggers: dict[str, tuple[str, ...]] = {}
    for name, table in detectors.items():
        langs, trig = _detector(name, table)
        patterns.update(langs)
        triggers.update(trig)
    tail_markers = _strings(data.get("tail_markers"), "tail_markers")
    if not all(p.startswith("^") for p in tail_markers):
        raise ValueError(f"{DATA_FILE}: tail_markers must be anchored (start with ^)")
    (promo_words,) = _strings([data.get("promo_words")], "promo_words")
    return Boilerplate(patterns, triggers, tail_markers, promo_words)


def load_boilerplate() -> Boilerplate:
    """The tables shipped with the package."""
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_boilerplate(text)


BOILERPLATE = load_boilerplate()
PATTERNS: PatternTable = BOILERPLATE.patterns
TRIGGERS: dict[str, tuple[str, ...]] = BOILERPLATE.triggers
TAIL_MARKERS: tuple[str, ...] = BOILERPLATE.tail_markers
PROMO_WORDS = re.compile(BOILERPLATE.promo_words, re.I)

_DETECTOR_NAMES: tuple[str, ...] = tuple(PATTERNS)


@dataclass(frozen=True)
class Matcher:
    """Patterns of one detector and strength, split for speed: the anchored ones (``^...``)
    are tried only at the start of the text (``re.match``), the others searched."""

    anchored: re.Pattern[str] | None
    floating: re.Pattern[str] | None
    triggers: tuple[str, ...] | None  # None: no gate

    @classmethod
    def of(cls, patterns: Sequence[str], triggers: tuple[str, ...] | None) -> Matcher | None:
        if not patterns:
            return None
        anchored = [p for p in patterns if p.startswith("^")]
        floating = [p for p in patterns if not p.startswith("^")]

        def join(ps: list[str], flags: int) -> re.Pattern[str] | None:
            return re.compile("|".join(f"(?:{p})" for p in ps), flags) if ps else None

        # Floating patterns are lower-case and run on lower-cased text: searching without
        # re.IGNORECASE is about twice as fast.
        return cls(join(anchored, re.I), join(floating, 0), triggers)

    def __call__(self, text: str) -> bool:
        """The text, or its traditional Chinese folded to simplified (:mod:`hant`), matches."""
        return hant.or_folded(self._hit, text)

    def _hit(self, text: str) -> bool:
        if self.anchored is not None and self.anchored.match(text):
            return True
        if self.floating is None:
            return False
        low = text.lower()
        if self.triggers is not None and not any(t in low for t in self.triggers):
            return False
        return self.floating.search(low) is not None


def _compile(table: PatternTable) -> dict[str, tuple[Matcher | None, Matcher | None]]:
    out: dict[str, tuple[Matcher | None, Matcher | None]] = {}
    for name, langs in table.items():
        out[name] = (
            Matcher.of([p for s, _ in langs.values() for p in s], TRIGGERS.get(name)),
            Matcher.of([p for _, w in langs.values() for p in w], TRIGGERS.get(name)),
        )
    return out


COMPILED = _compile(PATTERNS)
TAIL_MARKER = re.compile("|".join(f"(?:{p})" for p in TAIL_MARKERS), re.I)  # all anchored


def _matchers(strength: int) -> tuple[tuple[str, Matcher], ...]:
    pairs = ((name, COMPILED[name][strength]) for name in _DETECTOR_NAMES)
    return tuple((name, m) for name, m in pairs if m is not None)


_Entry = tuple[str, re.Pattern[str] | None, Matcher]  # name, anchored regex to try, matcher
_Anchored = tuple[tuple[str, re.Pattern[str]], ...]  # (name, anchored regex) to try


class Dispatch:
    """The pattern detectors of one strength, in order, for a text's first character: the
    anchored patterns of a detector are tried only when one of them can start with it
    (``first_chars``). Built lazily, per first character."""

    def __init__(self, strength: int) -> None:
        self._strength = strength
        self._matchers = _matchers(strength)
        self._firsts: dict[str, frozenset[str] | None] | None = None
        # first character ("": non-ASCII or empty) -> (all entries, anchored entries)
        self._table: dict[str, tuple[tuple[_Entry, ...], _Anchored]] = {}

    def for_text(self, text: str) -> tuple[tuple[_Entry, ...], _Anchored]:
        first = text[:1] if text[:1].isascii() else ""
        try:
            return self._table[first]
        except KeyError:
            got = self._table[first] = self._build(first)
            return got

    def _build(self, first: str) -> tuple[tuple[_Entry, ...], _Anchored]:
        if self._firsts is None:
            self._firsts = {name: self._detector_firsts(name) for name, _ in self._matchers}
        entries: list[_Entry] = []
        for name, m in self._matchers:
            chars = self._firsts[name]
            can_start = not first or chars is None or first in chars
            entries.append((name, m.anchored if can_start else None, m))
        anchored = tuple((name, a) for name, a, _ in entries if a is not None)
        return tuple(entries), anchored

    def _detector_firsts(self, name: str) -> frozenset[str] | None:
        """The first characters of the detector's anchored patterns (None: any)."""
        out: set[str] = set()
        for langs in PATTERNS[name].values():
            for pattern in langs[self._strength]:
                if pattern.startswith("^"):
                    chars = first_chars(pattern)
                    if chars is None:
                        return None
                    out |= chars
        return frozenset(out)


STRONG = Dispatch(0)
WEAK = Dispatch(1)
# detectors with floating patterns but no trigger gate (none today)
_UNGATED: frozenset[str] = frozenset(
    name for name, m in _matchers(0) + _matchers(1) if m.floating and m.triggers is None
)
_GATES: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (name, frozenset(trig)) for name, trig in TRIGGERS.items()
)
_CLOSED: frozenset[str] = frozenset()


def _trigger_pieces() -> tuple[tuple[tuple[str, frozenset[str]], ...], frozenset[str]]:
    """Each trigger's longest run of non-space characters (its "piece"), grouped by piece;
    and the triggers without one. A trigger found in a text has its piece inside one of the
    text's whitespace-separated tokens, so tokens without pieces rule triggers out cheaply."""
    by_piece: dict[str, set[str]] = {}
    bare: set[str] = set()
    for t in (t for trig in TRIGGERS.values() for t in trig):
        runs = t.split()
        if runs:
            by_piece.setdefault(max(runs, key=len), set()).add(t)
        else:
            bare.add(t)
    return tuple((p, frozenset(ts)) for p, ts in by_piece.items()), frozenset(bare)


_PIECES, _BARE_TRIGGERS = _trigger_pieces()
# token -> the triggers whose piece it contains. Tokens recur (words), so this stays small; a
# full cache is replaced, not cleared, so that a call in progress keeps a consistent one.
_TOKEN_TRIGGERS: dict[str, frozenset[str]] = {}
_TOKEN_CACHE_MAX = 50_000


def _token_cache() -> dict[str, frozenset[str]]:
    global _TOKEN_TRIGGERS
    if len(_TOKEN_TRIGGERS) >= _TOKEN_CACHE_MAX:
        _TOKEN_TRIGGERS = {}
    return _TOKEN_TRIGGERS


@functools.lru_cache(maxsize=1024)
def _open_gates(low: str) -> frozenset[str]:
    """Names of the detectors whose trigger gate lets ``low`` (lower-cased text) through:
    those with a trigger that is a substring of ``low``."""
    cache = _token_cache()
    tokens = set(low.split())
    for token in tokens.difference(cache):  # new tokens
        hit = frozenset(t for piece, ts in _PIECES if piece in token for t in ts)
        cache[token] = hit or _CLOSED
    candidates = _BARE_TRIGGERS.union(*map(cache.__getitem__, tokens))
    present = {t for t in candidates if t in low}
    if not present:  # most text
        return _CLOSED
    return frozenset(name for name, trig in _GATES if not present.isdisjoint(trig))


def pattern_hit(dispatch: Dispatch, text: str) -> str | None:
    """The first detector whose patterns (of the dispatch's strength) match ``text``, or else
    its traditional Chinese folded to simplified (:mod:`hant`)."""
    return hant.or_folded(lambda t: _pattern_hit(dispatch, t), text)


def _pattern_hit(dispatch: Dispatch, text: str) -> str | None:
    entries, anchored = dispatch.for_text(text)
    low = text.lower()
    gates = _open_gates(low)
    if not gates and not _UNGATED:  # every floating pattern is gated shut: anchored ones only
        for name, regex in anchored:
            if regex.match(text):
                return name
        return None
    for name, maybe_regex, m in entries:
        if maybe_regex is not None and maybe_regex.match(text):
            return name
        if (
            m.floating is not None
            and (m.triggers is None or name in gates)
            and m.floating.search(low) is not None
        ):
            return name
    return None
