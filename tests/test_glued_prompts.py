"""A prompt glued after a paragraph's last sentence (stamps.trailing_prompt): the prompt goes,
the reporting stays. Before, the strong hit of the prompt took the whole paragraph (a
one-paragraph feed item came out empty) or, in a long paragraph, the prompt stayed.

Examples written for this test in the way outlets in these languages phrase such prompts;
none is copied from a benchmark or fixture page.
"""

from __future__ import annotations

import pytest

from aggregator.enrich.extract import clean_feed_html
from aggregator.enrich.stamps import trailing_prompt

GLUED: list[tuple[str, str]] = [
    (
        "The county board approved the new bus routes on Tuesday by five votes to two.",
        "Sign up for our newsletter to get local news every morning.",
    ),
    (
        "Die Stadtwerke erhöhen die Preise für Fernwärme zum 1. Januar um acht Prozent.",
        "Folgen Sie uns auf Instagram und Facebook!",
    ),
    (
        "La mairie a annoncé la fermeture du pont pendant trois semaines à partir de lundi.",
        "Abonnez-vous à notre newsletter pour ne rien manquer.",
    ),
    (
        "El Gobierno aprobó este martes una subida del salario mínimo del 4,4% para 2027.",
        "Suscríbete a nuestro boletín para recibir las noticias más importantes.",
    ),
    (
        "Государственная дума приняла во вторник закон о бюджете на 2027 год.",
        "Подписывайтесь на наш канал в Telegram.",
    ),
    (
        "国家统计局周三公布，11月份全国规模以上工业增加值同比增长5.4%。",
        "关注我们的微信公众号，获取更多财经资讯。",
    ),
]


@pytest.mark.parametrize(("sentence", "prompt"), GLUED)
def test_a_glued_prompt_goes_and_the_sentence_stays(sentence: str, prompt: str) -> None:
    glued = f"{sentence}{prompt}" if sentence.endswith("。") else f"{sentence} {prompt}"
    assert trailing_prompt(glued) == (sentence, prompt)
    out = clean_feed_html(f"<p>{glued}</p>", "https://news.example/a")
    assert out.text == sentence
    assert [r[1] for r in out.removed] == [prompt]


KEPT_WHOLE: list[str] = [
    # reporting that ends a paragraph with the same words is no prompt
    "The museum reopened on Saturday after a two-year renovation. Visitors queued for hours"
    " in the rain, the director said.",
    # the sentences before the prompt are the outlet's own appeal: the paragraph goes as one
    "Il Giornale Esempio è libero e indipendente, ma ha bisogno dei suoi lettori."
    " Abbonati per sostenerlo, a partire da 8 euro al mese.",
    "Мы продолжаем работать, несмотря на блокировку. Подпишитесь на наш канал в Telegram.",
    # too short a head to be a sentence of the article
    "Tipps? Folgen Sie uns auf Instagram!",
    # a question leads into the ask: the whole block is the prompt
    "Looking for a weekend project that the whole family will enjoy this autumn? Sign up for"
    " our newsletter.",
    # contact data before the prompt: a tip line or an author's box
    "Got a story idea for the metro desk? Reach the reporter at desk@news.example any time."
    " Follow her on Twitter.",
    # a credit after one or two sentences ends a caption, which goes whole
    "Firefighters on the roof of the depot on Sunday evening. Foto: dpa",
    # an embedded post's attribution ends the post
    "Proud of the volunteers who cleared the beach this morning. Thank you all."
    " — Jane Doe (@janedoe) May 3, 2026",
]


@pytest.mark.parametrize("text", KEPT_WHOLE)
def test_no_split_without_a_reporting_sentence_before_a_prompt(text: str) -> None:
    assert trailing_prompt(text) is None


def test_a_credit_after_a_paragraph_is_split_off() -> None:
    head = (
        "Im Schnitt zahlten die Haushalte 2025 rund 1.250 Euro für Strom. Das waren acht"
        " Prozent mehr als im Vorjahr. Besonders stark stiegen die Netzentgelte."
    )
    assert trailing_prompt(f"{head} Quelle: Statistisches Bundesamt (Stand: März 2026)") == (
        head,
        "Quelle: Statistisches Bundesamt (Stand: März 2026)",
    )


def test_an_appeal_paragraph_still_goes_whole() -> None:
    text = KEPT_WHOLE[2]
    out = clean_feed_html(
        "<p>Центробанк сохранил ключевую ставку на уровне 21%, сообщил регулятор.</p>"
        f"<p>{text}</p>",
        "https://news.example/b",
    )
    assert out.text == "Центробанк сохранил ключевую ставку на уровне 21%, сообщил регулятор."


def test_a_one_paragraph_item_keeps_its_text() -> None:
    """The case found in the new-user pass: a Chinese feed item of one paragraph."""
    sentence, prompt = GLUED[-1]
    out = clean_feed_html(f"<p>{sentence}{prompt}</p>")
    assert out.text == sentence
