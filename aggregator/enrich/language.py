"""An article's language: the page's or feed's declared language when the text agrees,
else detection on the cleaned title + text (py3langid); pure, runs in the worker processes.

``decide_language(title, text, declared)`` returns a lower-case ISO 639 code (``"en"``,
``"zh"``, ``"ru"``) or None.  Rules, in order:

1. No letters in title + text: None (nothing to tell, whatever was declared).
2. A declared language (``<html lang>``, trafilatura's metadata, the feed's ``language``;
   ``en-US`` -> ``en``, ``zh-Hans-CN`` -> ``zh``) is kept when it is *plausible*: the text's
   dominant script is one the language is written in (a CMS that says ``en-US`` above
   Russian text is wrong) and, when the text is long enough to judge
   (``MIN_DETECT_LETTERS``), the detector gives it at least ``DECLARED_MIN_PROB`` of the
   probability mass (a Spanish page declared ``en`` loses).
3. Otherwise detection, when the text has at least ``MIN_DETECT_LETTERS`` letters (CJK
   characters count ``CJK_LETTER_WEIGHT`` each: one carries about a word); shorter: None.

Cost: the detector sees at most ``DETECT_CHARS`` characters (title, then the start of the
text); py3langid's model loads once per process (~1-4 s, on first use only).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import cache

# Letters below which detection is a guess (langid's own advice: a sentence or more).
# A tweet-length teaser (~60 letters) still gets a language; "Video" or "Photo" does not.
MIN_DETECT_LETTERS = 40
CJK_LETTER_WEIGHT = 3  # a Han/kana/Hangul character carries about as much as a short word
DETECT_CHARS = 1000  # the detector's input: enough for a stable answer, cheap (~0.5 ms)
# The declared language keeps its place unless the detector gives it less than this (after
# softmax over the detector's log-likelihoods, scaled by 1/sqrt(bytes) as py3langid 0.4 does
# for its own ``norm_probs``): a wrong CMS default loses, a close neighbour (no/da) stays.
DECLARED_MIN_PROB = 0.02

_CODE = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")
# Languages py3langid reports that we fold into one code (its Chinese varieties and the
# Norwegian written standards), so a declared "zh" matches a detected "wuu".
_FOLD = {"wuu": "zh", "yue": "zh", "nb": "no", "nn": "no", "iw": "he", "in": "id", "ji": "yi"}

# Script of a character by Unicode name prefix -> the languages written in it (a declared
# language outside its text's dominant script is implausible).  Languages not listed are
# accepted with any script.
_SCRIPT_LANGS: dict[str, frozenset[str]] = {
    "CJK": frozenset({"zh", "ja", "ko"}),
    "HIRAGANA": frozenset({"ja"}),
    "KATAKANA": frozenset({"ja"}),
    "HANGUL": frozenset({"ko"}),
    "CYRILLIC": frozenset({"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg", "ba"}),
    "GREEK": frozenset({"el"}),
    "ARMENIAN": frozenset({"hy"}),
    "GEORGIAN": frozenset({"ka"}),
    "HEBREW": frozenset({"he", "yi"}),
    "ARABIC": frozenset({"ar", "fa", "ur", "ps", "ku", "ug", "sd"}),
    "DEVANAGARI": frozenset({"hi", "mr", "ne", "sa"}),
    "BENGALI": frozenset({"bn", "as"}),
    "THAI": frozenset({"th"}),
    "TAMIL": frozenset({"ta"}),
}
_LANG_SCRIPTS: dict[str, frozenset[str]] = {}
for _script, _langs in _SCRIPT_LANGS.items():
    for _lang in _langs:
        _LANG_SCRIPTS[_lang] = _LANG_SCRIPTS.get(_lang, frozenset()) | {_script}
_LATIN_ONLY = frozenset(
    [
        "en",
        "fr",
        "de",
        "es",
        "it",
        "pt",
        "nl",
        "sv",
        "da",
        "no",
        "fi",
        "pl",
        "cs",
        "sk",
        "sl",
        "hr",
        "ro",
        "hu",
        "tr",
        "id",
        "ms",
        "vi",
        "et",
        "lv",
        "lt",
        "ca",
        "eu",
        "ga",
        "is",
        "sq",
        "af",
        "sw",
        "tl",
    ]
)
for _lang in _LATIN_ONLY:
    _LANG_SCRIPTS[_lang] = frozenset({"LATIN"})
_LANG_SCRIPTS["sr"] = _LANG_SCRIPTS["sr"] | {"LATIN"}
_LANG_SCRIPTS["ja"] = _LANG_SCRIPTS["ja"] | {"CJK"}
_LANG_SCRIPTS["ko"] = _LANG_SCRIPTS["ko"] | {"CJK"}


def normalise_code(code: str | None) -> str | None:
    """``en-US`` -> ``en``, ``zh_Hant`` -> ``zh``; anything that is no language tag -> None."""
    if not code:
        return None
    m = _CODE.match(code.strip())
    if m is None:
        return None
    lang = m.group(1).lower()
    return _FOLD.get(lang, lang)


@cache
def _script_of(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith("CJK"):
        return "CJK"
    return name.split(" ", 1)[0]


def _letters(text: str) -> Counter[str]:
    """Letters of ``text`` by script (only letters: digits, marks and punctuation say
    nothing about the language)."""
    return Counter(_script_of(c) for c in text if c.isalpha())


def _weight(scripts: Counter[str]) -> int:
    cjk = sum(scripts[s] for s in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL"))
    return sum(scripts.values()) + (CJK_LETTER_WEIGHT - 1) * cjk


def _ranked(sample: str) -> Sequence[tuple[str, float]]:
    """(language, probability) best first: py3langid's log-likelihoods, softmax-normalised
    (the public ``rank`` of every version >= 0.2; the scaling is 0.4's ``norm_probs``)."""
    import py3langid

    ranked = py3langid.rank(sample)
    if not ranked or not math.isfinite(ranked[0][1]) or ranked[0][1] < -1e30:
        return []
    scale = 1.0 / math.sqrt(len(sample.encode("utf-8")) or 1)
    top = ranked[0][1]
    weights = [(_FOLD.get(lang, lang), math.exp((s - top) * scale)) for lang, s in ranked[:20]]
    total = sum(w for _, w in weights)
    out: dict[str, float] = {}
    for lang, w in weights:
        out[lang] = out.get(lang, 0.0) + w / total
    return sorted(out.items(), key=lambda kv: -kv[1])


def decide_language(title: str, text: str, declared: Sequence[str | None] = ()) -> str | None:
    """The article's language (module docstring): the first plausible declared code, else
    the detector's answer on a long enough text, else None."""
    sample = f"{title}\n{text}"[:DETECT_CHARS].strip()
    scripts = _letters(sample)
    if not scripts:
        return None
    dominant = scripts.most_common(1)[0][0]
    judged = _weight(scripts) >= MIN_DETECT_LETTERS
    ranked = _ranked(sample) if judged else []
    probs = dict(ranked)
    for code in declared:
        lang = normalise_code(code)
        if lang is None:
            continue
        allowed = _LANG_SCRIPTS.get(lang)
        if allowed is not None and dominant not in allowed:
            continue
        if ranked and probs.get(lang, 0.0) < DECLARED_MIN_PROB:
            continue
        return lang
    return ranked[0][0] if ranked else None
