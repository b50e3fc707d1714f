"""Normalised block hashes: what site learning counts (``learnable_hashes``) and what the
cleaner looks up (``block_hash``); split out of :mod:`aggregator.enrich.clean`, which
re-exports them."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Sequence

# A block seen verbatim in this many distinct articles of one site is boilerplate for the site.
# 3 rather than 2: two articles may legitimately quote the same statement; by three the block
# is template text. (Fixture site of 12 articles; not tunable on the benchmarks, which hold one
# page per site.)
LEARN_MIN_ARTICLES: int = 3
# Blocks shorter than this are not hashed for learning (section headings, "Photo", "Share").
LEARN_MIN_CHARS: int = 25


_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


# ASCII text needs neither NFKC nor the regexes: letters lower-cased, digits to "0", every
# other character (the ASCII part of ``[\W_]``) to a space.
_ASCII_FOLD = str.maketrans(
    {c: chr(c).lower() if chr(c).isalnum() else " " for c in range(128)}
    | {ord(d): "0" for d in "0123456789"}
)


def normalise(text: str) -> str:
    """Case-folded, digits collapsed to ``0``, punctuation and whitespace collapsed."""
    if text.isascii():  # same result as below, ~3x faster (NFKC and casefold are no-ops)
        t = text.translate(_ASCII_FOLD)
        while "00" in t:  # a run of digits, now of "0"s, becomes one "0"
            t = t.replace("00", "0")
        while "  " in t:  # and a run of spaces one space
            t = t.replace("  ", " ")
        return t.strip(" ")
    t = unicodedata.normalize("NFKC", text).casefold()
    t = _DIGITS.sub("0", t)
    return _NON_WORD.sub(" ", t).strip()


@functools.lru_cache(maxsize=4096)
def block_hash(block: str) -> str:
    """Short hash of the normalised block text (case, whitespace, digits, punctuation ignored).

    Cached: a block is hashed for learning and again for the learned check, and a site's
    boilerplate recurs across its entries."""
    return hashlib.blake2b(normalise(block).encode("utf-8"), digest_size=8).hexdigest()


def learnable_hashes(blocks: Sequence[str]) -> tuple[str, ...]:
    """Distinct hashes of the blocks long enough to be learned (what the store counts)."""
    seen: dict[str, None] = {}
    for b in blocks:
        if len(b) >= LEARN_MIN_CHARS:
            seen.setdefault(block_hash(b), None)
    return tuple(seen)
