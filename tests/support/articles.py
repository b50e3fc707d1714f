"""Plain news paragraphs to put boilerplate between, and what cleaning removed from them
(the phrase-kind tests of issues 19 and 20)."""

from __future__ import annotations

from collections.abc import Sequence

from aggregator.enrich.clean import Block, clean_structured

# a German council report, three paragraphs
P1 = (
    "Der Stadtrat hat am Dienstag den Haushalt für das kommende Jahr beschlossen. Die größten "
    "Posten sind die Sanierung von drei Schulen und der Ausbau der Radwege am Hafen."
)
P2 = (
    "Die Opposition kritisierte, dass die Gebühren für Kitas erneut steigen. Der Kämmerer "
    "verwies auf höhere Personalkosten und die Inflation der vergangenen zwei Jahre."
)
P3 = (
    "Im Frühjahr soll ein Bürgerforum über die Verteilung der übrigen Mittel beraten. Der "
    "Termin wird noch bekannt gegeben, teilte die Verwaltung am Abend mit."
)


def removed(blocks: Sequence[str | Block]) -> dict[str, str]:
    """{removed text: reason} of ``clean_structured`` without the paragraph classifier."""
    bs = [b if isinstance(b, Block) else Block(b) for b in blocks]
    return {t: r for r, t in clean_structured(bs, model=None).removed}
