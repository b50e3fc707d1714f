"""Stamps glued to the end of a paragraph (issue 19): the stamp goes, the sentence stays.

Examples written for this test from how agencies and sites stamp their stories; none is copied
from a benchmark or fixture page.
"""

from __future__ import annotations

import pytest

from aggregator.enrich.clean import Block, classify, clean_structured
from aggregator.enrich.extract import clean_feed_html
from aggregator.enrich.stamps import split_stamps, trailing_stamp

GLUED: list[tuple[str, str]] = [
    ("Die Fähre soll ab Mai wieder zweimal täglich fahren.", "(dpa/lni)"),
    ("Die Polizei sucht nach Zeugen.", "(dpa)"),
    ("Le conseil municipal votera le budget en avril.", "(Avec AFP)"),
    ("La compagnie n'a pas souhaité commenter.", "— AFP"),
    ("El ayuntamiento estudiará la propuesta el próximo mes.", "(EFE)"),
    ("O governo promete uma resposta até sexta-feira.", "(Com Agência Brasil)"),
    ("A autarquia vai recorrer da decisão.", "— Lusa"),
    ("Il cantiere dovrebbe chiudersi entro l'estate.", "— Riproduzione riservata"),
    ("I lavori riprenderanno lunedì.", "(ANSA)"),
    ("Работы планируют завершить до конца года.", "(ТАСС)"),
    ("新码头于周一启用，首艘货轮顺利靠泊。", "（责任编辑：张三）"),
    ("该项目预计明年年底前全部完工。", "(完)"),
    ("市民可通过官方网站预约参观。", "【编辑：李四】"),
]


@pytest.mark.parametrize(("sentence", "stamp"), GLUED)
def test_a_glued_stamp_is_split_off_and_removed(sentence: str, stamp: str) -> None:
    glued = f"{sentence}{stamp}" if sentence.endswith("。") else f"{sentence} {stamp}"
    assert trailing_stamp(glued) == (sentence, stamp)
    blocks = split_stamps(
        [Block("Erster Absatz mit genug Text, um ein Artikel zu sein."), Block(glued)]
    )
    assert [b.text for b in blocks][1:] == [sentence, stamp]
    hit = classify(blocks[-1])
    assert hit is not None and hit[1].value == "strong"
    kept = clean_structured(blocks).texts
    assert sentence in kept and stamp not in kept


KEPT: list[str] = [
    "Die Nachrichtenagentur (dpa) meldete am Abend weitere Festnahmen.",
    "Nach Angaben der Agentur meldete dies zuerst die dpa (dpa).",  # no sentence before it
    "Kurz. (dpa)",  # too little text before the stamp to be a paragraph
    "Madrid, 5 feb (EFE).- El precio medio del alquiler subió un 11 % en 2023.",
    "Il sindaco ha parlato di un progetto — riproduzione riservata della piazza storica — in giunta.",
    "记者从港务局获悉，新码头将于明年正式投入使用（编辑部另有报道）。",
]


@pytest.mark.parametrize("text", KEPT)
def test_text_without_a_trailing_stamp_is_left_alone(text: str) -> None:
    assert trailing_stamp(text) is None
    block = Block(text)
    assert split_stamps([block]) == [block]


def test_the_html_loses_only_the_stamp() -> None:
    b = Block(
        "Die Polizei sucht nach Zeugen. (dpa)",
        "p",
        0,
        "<p>Die Polizei sucht nach <b>Zeugen</b>. (dpa)</p>",
    )
    head, stamp = split_stamps([b])
    assert head.html == "<p>Die Polizei sucht nach <b>Zeugen</b>.</p>"
    assert stamp.text == "(dpa)"


def test_headings_are_not_split() -> None:
    b = Block("Neue Fähre für Helgoland. (dpa)", "head")
    assert split_stamps([b]) == [b]


def test_feed_html_keeps_the_sentence() -> None:
    html = (
        "<p>Die Reederei hat am Montag den neuen Fahrplan vorgestellt, der ab Mai gilt.</p>"
        "<p>Die Fähre soll dann zweimal täglich fahren. (dpa/lni)</p>"
    )
    text = clean_feed_html(html).text
    assert "Die Fähre soll dann zweimal täglich fahren." in text
    assert "(dpa/lni)" not in text
