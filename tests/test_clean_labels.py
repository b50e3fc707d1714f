"""A "read also" label removed between paragraphs takes the headline links right after it
(clean._cut_tails): "LEIA MAIS" then a linked headline, "Te recomendamos:" then two."""

from __future__ import annotations

import pytest

from aggregator.enrich import teasers
from aggregator.enrich.clean import Block, clean_structured

P1 = Block(
    "A prefeitura anunciou nesta terça-feira que a tarifa zero aos domingos será mantida em "
    "2027, depois de um aumento de 18% no número de passageiros."
)
P2 = Block(
    "Segundo a secretaria de transportes, o custo anual do programa é de R$ 42 milhões, "
    "pagos com recursos do orçamento municipal."
)


def link(text: str) -> Block:
    return Block(text, link_chars=len(text))


@pytest.mark.parametrize("label", ["LEIA MAIS", "Te recomendamos:", "Читайте также"])
def test_headline_links_after_a_label_go(label: str) -> None:
    teasers = [link("Região metropolitana perde 12% dos passageiros"), link("Ônibus elétricos")]
    got = clean_structured([P1, Block(label), *teasers, P2])
    assert [b.text for b in got.kept] == [P1.text, P2.text]


def test_the_cut_stops_at_the_first_line_that_is_not_a_headline_link() -> None:
    short = Block("Os ônibus circulam das 6h às 23h")  # short, no link: the article's own
    got = clean_structured(
        [P1, Block("LEIA MAIS"), link("Tarifa zero chega a Curitiba"), short, P2]
    )
    assert [b.text for b in got.kept] == [P1.text, short.text, P2.text]


def test_a_linked_sentence_after_a_label_stays() -> None:
    linked = link("A decisão foi publicada no Diário Oficial do município nesta manhã de terça.")
    got = clean_structured([P1, Block("LEIA MAIS"), linked, P2])
    assert linked.text in [b.text for b in got.kept]


def test_without_a_label_a_headline_link_between_paragraphs_stays() -> None:
    teaser = link("Região metropolitana perde 12% dos passageiros")
    got = clean_structured([P1, teaser, P2])
    assert teaser.text in [b.text for b in got.kept]


@pytest.mark.parametrize(
    "line",
    ["Lisez aussi", "À voir en vidéo", "Seguí leyendo: Expensas: cuánto aumentan en octubre"],
)
def test_labels_of_teaser_words_are_teasers(line: str) -> None:
    assert teasers.is_teaser(line)


@pytest.mark.parametrize("line", ["See more photos:", "Watch the video", "Sigue la lluvia"])
def test_english_labels_and_other_words_are_not(line: str) -> None:
    assert not teasers.is_teaser(line)
