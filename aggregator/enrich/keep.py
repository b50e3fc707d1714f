"""Blocks that weak evidence at an article's edges must not take (issue 19).

Edge rules and the paragraph classifier remove short lines at the start and the end of an
article: stamps, bare links, credits. Two kinds of short line there are the article's own:

* **An address the text introduces**: a sentence ending with a colon announces a bare link
  ("... unterschreibt bitte alle diese Petition:" and then the petition's address). Only a
  bare link: what else follows a colon may be a widget's caption ("In unserer Galerie findest
  du Rezepte:" and then "Top-Themen bei ...") or a disclosure the colon opens. A colon after
  a removed block (a "Read also:" marker) introduces nothing of the article.
* **The writer's sign-off** closing a blog post: a greeting and a name ("x Franzi", "Liebe
  Grüße, Anna", "Bisous, Claire", "Un abrazo, Marta", "Baci, Giulia", "Обнимаю, Оля").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

from aggregator.sentences import width

INTRO_MIN_WIDTH = 40
_BARE_LINK = re.compile(r"^(?:https?://|www\.)\S+$")

_UPPER = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_SIGN_OFF = re.compile(
    r"^(?i:x{1,3}|xo|xoxo|liebe grüße|viele grüße|lg|alles liebe|eure?|deine?|bisous|gros bisous"
    r"|à bientôt|besos|un abrazo|abrazos|saludos|beijos|beijinhos|abraços|baci|un abbraccio"
    r"|cheers|love|hugs|xx|обнимаю|целую|ваша|ваш|твоя|твой)[,!]?\s+"
    rf"[{_UPPER}][\w'’.-]*(?:\s+[{_UPPER}][\w'’.-]*)?\s*[!.♥❤️😀😘]*(?:<3)?$"
)


class _Text(Protocol):
    @property
    def text(self) -> str: ...


def introduces(text: str) -> bool:
    """A sentence that ends with a colon, announcing what follows."""
    text = text.strip()
    return text.endswith(":") and width(text) >= INTRO_MIN_WIDTH


def is_sign_off(text: str) -> bool:
    return width(text) <= 40 and bool(_SIGN_OFF.match(text.strip()))


def kept_anyway(blocks: Sequence[_Text], k: int, hit_at: Callable[[int], object | None]) -> bool:
    """Block ``k`` stays whatever weak evidence says: a sign-off, or a bare link introduced by
    the (kept) sentence before it."""
    if is_sign_off(blocks[k].text):
        return True
    if k == 0 or not _BARE_LINK.match(blocks[k].text.strip()):
        return False
    return introduces(blocks[k - 1].text) and hit_at(k - 1) is None
