"""Detectors that combine kinds of evidence instead of matching a phrase.

Outlets word their appeals and bios differently every time ("you could simply close this tab
... our crew of four ... less than a coffee a month ... come aboard as a patron"), so a phrase
table never covers them all. What does not change is what such a paragraph has to *do*: an
appeal addresses the reader, names the outlet's community or its readers, and asks for money
or for an action; a bio names a person and says what they do for a living. These detectors
count those kinds of evidence (families of words, each family counted once), and say WEAK:
the cleaner removes such a block only at the edges of the article (peeling), never from the
middle, where reporting may legitimately talk about readers, members and money.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)

_YOU = frozenset(["you", "your", "yours", "you're", "you'll", "you've", "yourself"])
_WE = frozenset(["we", "our", "ours", "us", "we're", "we've", "we'll"])
_COMMUNITY = frozenset(
    [
        "community",
        "patron",
        "patrons",
        "member",
        "members",
        "membership",
        "supporter",
        "supporters",
        "readers",
        "reader",
        "subscribers",
        "subscriber",
        "newsroom",
        "independent",
        "journalism",
        "ad-free",
        "paywall",
    ]
)
_ASK = frozenset(
    [
        "join",
        "become",
        "support",
        "subscribe",
        "donate",
        "contribute",
        "chip",
        "pledge",
        "sustain",
        "fund",
        "back",
        "keep",
        "help",
        "sign",
    ]
)
_MONEY = re.compile(
    r"[$€£]\s?\d|\b\d+\s?(?:dollars?|euros?|pounds?|cents?)\b"
    r"|\b(?:a|per|each|every) (?:month|week|year|day)\b|\bcoffee\b|\bmonthly\b|\bfree\b",
    re.I,
)
# An appeal is a paragraph, not a button: shorter blocks are left to the phrase tables.
APPEAL_MIN_CHARS = 80
APPEAL_MAX_CHARS = 900


def _appeal_evidence(text: str) -> Iterator[bool]:
    """Each kind of appeal evidence in turn, cheapest first (the money search is the costly
    one): addressing the reader (you/we), naming a community of readers, asking for an
    action, a money or time offer. Lazy, so that :func:`is_appeal` stops at the first miss."""
    words = {w.casefold().replace("’", "'") for w in _WORD.findall(text)}
    yield bool(words & _YOU or words & _WE)
    stems = {_stem(w) for w in words}
    yield bool(words & _COMMUNITY or stems & _COMMUNITY)
    yield bool(stems & _ASK)
    yield bool(_MONEY.search(text))


def appeal_signals(text: str) -> int:
    """How many kinds of appeal evidence the text holds (0-4), see :func:`_appeal_evidence`."""
    return sum(_appeal_evidence(text))


def _stem(word: str) -> str:
    """Crude English suffix stripping, enough for "keeps", "joining", "backed"."""
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def is_appeal(text: str) -> bool:
    """All four kinds of evidence, in a paragraph-sized block (most blocks name no
    community, so the checks mostly stop there)."""
    return APPEAL_MIN_CHARS <= len(text) <= APPEAL_MAX_CHARS and all(_appeal_evidence(text))


# A bio opens with a person's name (two to four capitalised words) and a verb of being or
# doing, and speaks of a career.
_BIO_OPENING = re.compile(
    r"^(?:(?:Dr|Prof|Mr|Ms|Mrs)\.? )?[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3},? "
    r"(?:is|was|has|had|covers|covered|writes|wrote|reports|reported|joined|spent|lives|"
    r"holds|previously|worked|leads|edits)\b"
)
_CAREER = re.compile(
    r"\b(?:reporter|correspondent|journalist|editor|writer|columnist|author|contributor|"
    r"photographer|producer|critic|freelancer?|blogger|newsroom|newspaper|magazine|"
    r"reported|reporting|covering|covered|decades?|years? of experience|years? as an?|previously|"
    r"lives (?:in|with)|based in|graduated?|degree)\b",
    re.I,
)
BIO_MAX_CHARS = 600


def is_bio(text: str) -> bool:
    """A short paragraph that opens with a name and a verb and speaks of a career (at least two
    career words)."""
    if len(text) > BIO_MAX_CHARS or not _BIO_OPENING.match(text):
        return False
    if text.split(" ", 1)[0] in ("The", "A", "An", "This", "That", "These", "It"):
        return False
    return len({m.group(0).casefold() for m in _CAREER.finditer(text)}) >= 2


# A comment prompt asks the reader something and asks for the answer somewhere: "What do you
# think? Tell us below", "Have you been to Japan? Share your tips in the comments".
_RESPOND = frozenset(
    [
        "tell",
        "let",
        "share",
        "leave",
        "drop",
        "comment",
        "comments",
        "reply",
        "replies",
        "write",
        "post",
        "join",
        "sound",
    ]
)
_WHERE = re.compile(
    r"\b(?:below|comments?|comment section|let us know|tell us|write to us)\b", re.I
)
PROMPT_MAX_CHARS = 300


def is_comment_prompt(text: str) -> bool:
    """A short block that addresses the reader with a question and invites an answer below or
    in the comments (all three kinds of evidence)."""
    if len(text) > PROMPT_MAX_CHARS or "?" not in text:
        return False
    words = {w.casefold().replace("’", "'") for w in _WORD.findall(text)}
    return bool(words & _YOU) and bool(words & _RESPOND) and bool(_WHERE.search(text))
