"""A quote box made only of boilerplate lines goes as a whole (aggregator/enrich/boxes.py); a
quotation with a sentence in it stays."""

from __future__ import annotations

from aggregator.enrich import boxes
from aggregator.enrich.clean import Block, clean_structured
from tests.support.articles import P1, P2, P3


def quote(*lines: str) -> Block:
    return Block(" ".join(lines), "quote", 0, "<blockquote>" + "<br>".join(lines) + "</blockquote>")


def kept(blocks: list[Block]) -> list[str]:
    return [b.text for b in clean_structured(blocks).kept]


def test_a_player_box_goes_between_paragraphs() -> None:
    box = quote("Der Klimapodcast · Folge 12: Nasse Wiesen", "00:00 / 38:10", "Weiterhören")
    assert kept([Block(P1), box, Block(P2), Block(P3)]) == [P1, P2, P3]


def test_a_quotation_with_a_sentence_stays() -> None:
    box = quote("„Wir bauen das Moor wieder auf.“", "00:00 / 38:10")
    assert box.text in kept([Block(P1), box, Block(P2), Block(P3)])


def test_short_lines_without_a_strong_one_stay() -> None:
    poem = quote("Der Nebel steigt", "die Wiese schweigt", "und irgendwo ein Licht")
    assert poem.text in kept([Block(P1), poem, Block(P2), Block(P3)])


def test_box_lines_split_at_breaks_and_drop_tags() -> None:
    html = "<blockquote><b>Video</b>: Hochwasser<br/> 00:00 / 02:10 <br>  </blockquote>"
    assert boxes.box_lines(html) == ["Video : Hochwasser", "00:00 / 02:10"]
