"""Traditional Chinese folded to simplified, for matching the boilerplate tables (issue 19).

The tables of ``boilerplate.toml`` write Chinese in simplified script ("成为我们的会员",
"扫码关注"); Taiwanese and Hong Kong sites write the same appeals, prompts and stamps in
traditional script ("成為我們的會員", "掃碼關注"). Rather than list every phrase twice, a pattern
that misses a text is tried once more on the text with its traditional characters folded to
simplified ones, character by character (``hant.tsv``, from OpenCC's table). The fold is only
for matching: the article's text is never changed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from importlib import resources
from typing import TypeVar

T = TypeVar("T")

DATA_FILE = "hant.tsv"
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@functools.cache
def _table() -> dict[int, str]:
    raw = resources.files("aggregator.enrich").joinpath(DATA_FILE).read_text("utf-8")
    table: dict[int, str] = {}
    for line in raw.splitlines():
        if line and not line.startswith("#"):
            trad, simp = line.split("\t")
            table[ord(trad)] = simp
    return table


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """``text`` with traditional characters replaced by simplified ones; ``text`` itself (the
    same object) when it holds no Han character or none to fold."""
    if not _HAN.search(text):
        return text
    folded = text.translate(_table())
    return text if folded == text else folded


def or_folded(test: Callable[[str], T], text: str) -> T:
    """``test(text)``; when that is falsy and the text has traditional characters, ``test`` of
    the text folded to simplified (the one retry every table lookup makes)."""
    first = test(text)
    if first:
        return first
    folded = fold(text)
    return first if folded is text else test(folded)
