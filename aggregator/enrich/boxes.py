"""A quote box made only of boilerplate lines: an embedded player, a podcast widget, a map or
video placeholder that trafilatura hands over as one ``quote`` block, its lines joined by line
breaks ("Erdwärts – Der Podcast · Folge 57 ...<br>00:00 / 41:26<br>Hören auf Spotify ·
Apple Podcasts · RSS").

Judged line by line the box is boilerplate (the clock, the platform row); judged as one block
it is a long line no rule names, and it stayed. :func:`box_hit` names the box after its first
strong line when every line of it is a strong hit or a short label (at most
``LABEL_MAX_WIDTH`` columns, no sentence end): a real quotation has a sentence in it and
stays.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

from aggregator.sentences import width

LABEL_MAX_WIDTH = 60
_BREAK = re.compile(r"<br\s*/?>", re.I)
_TAGS = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”“’‘»«)）」』]*\s*$")


def box_lines(html: str) -> list[str]:
    """The lines of a block's HTML, split at its line breaks, tags dropped."""
    parts = (" ".join(html_lib.unescape(_TAGS.sub(" ", p)).split()) for p in _BREAK.split(html))
    return [p for p in parts if p]


def box_hit(html: str, strong_name: Callable[[str], str | None]) -> str | None:
    """The name of the first strong line of a quote box whose every line is strong or a short
    label (module docstring), else None; ``strong_name`` names a line's strong hit or says
    None."""
    lines = box_lines(html)
    if len(lines) < 2:
        return None
    first: str | None = None
    for line in lines:
        name = strong_name(line)
        if name is not None:
            first = first or name
        elif width(line) > LABEL_MAX_WIDTH or _SENTENCE_END.search(line):
            return None
    return first
