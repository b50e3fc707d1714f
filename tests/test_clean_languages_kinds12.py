"""The twelfth round of issue 19's cleaning rules (after languages-dev12): health and finance
disclaimers about the article itself, expert-review notes, funding notes, recipe buttons, a
live ticker's link and whistle lines, how to read a blocked outlet, reader-service lines,
"only with Plus" offers, bloggers' and outlets' follow prompts, Chinese app promos and
bracketed related labels, rating links, broadcast video lines, footnotes on organisations
banned in Russia and appeals for donations in Russian.

Every line was written for this test, not taken from the development sets
(tests/fixtures/languages-dev*); the negatives are reporting with the same words.
"""

from __future__ import annotations

import pytest

from tests.support.articles import P1, P2, P3, removed

STRONG = [
    (
        "health",
        "Dieser Artikel ersetzt keine ärztliche Beratung. Bei Beschwerden wenden Sie sich an Ihren Arzt.",
    ),
    ("health", "Este contenido es informativo y no sustituye la consulta con un profesional."),
    ("health", "Данный материал не заменяет консультацию врача."),
    ("health", "本文内容仅供参考，不能替代医生的诊断和治疗建议。"),
    ("finance", "As informações acima não constituem recomendação de compra ou venda de ativos."),
    ("finance", "Questo articolo non costituisce una raccomandazione di investimento."),
    ("review", "Validé par le Dr Claire Noël, pédiatre"),
    ("review", "Medizinisch geprüft von Dr. Jana Roth"),
    ("review", "Статья проверена врачом: Ольга Смирнова, терапевт"),
    ("funding", "Esta investigación fue realizada con el apoyo de la Fundación Prensa Libre."),
    ("recipe", "Zum Rezept springen"),
    ("recipe", "Stampa ricetta"),
    ("ticker", "Zum Liveticker: 1. FC Köln – Hertha BSC"),
    ("ticker", "90.+3 Abpfiff: Schluss in Köln!"),
    ("blocked", "Как читать «Новую газету», если сайт заблокирован"),
    (
        "reader service",
        "Fragen zur Zustellung? Unser Leserservice hilft werktags von 7 bis 18 Uhr.",
    ),
    ("plus", "Alle Spiele in voller Länge – nur mit Kicker Plus"),
    ("follow", "Me siga no Instagram e no TikTok para mais receitas!"),
    ("follow", "Vous pouvez nous suivre sur Instagram et Facebook."),
    ("zh app", "下載新聞APP 即時新聞隨時看"),
    ("zh related", "【延伸阅读】暴雨预警升级 多地停课"),
    ("ratings", "Fantacalcio: voti e pagelle di Roma-Lazio"),
    ("broadcast", "Il servizio del Tg3 – Video"),
    ("footnote", "* Meta признана в России экстремистской организацией и запрещена."),
    ("appeal", "Поддержите «Вечерний город» — даже 100 рублей в месяц помогают нам работать."),
]

REPORTING = [
    "Der Arzt betonte, eine App ersetzt keine ärztliche Untersuchung, sie könne aber helfen.",
    "Según el tribunal, el informe no constituye una recomendación de inversión y el banco no responde.",
    "El Ministerio de Salud advirtió que los remedios caseros no sustituyen la consulta médica.",
    "Validé par le Parlement en juin, le texte entre en vigueur lundi.",
    "Revisado por el Tribunal Supremo, el fallo quedó firme.",
    "Поддержите нас, — призвал губернатор жителей, пообещав выплаты до 10 тысяч рублей.",
    "Unser Leserservice wurde gestern für einen Preis nominiert, teilte der Verlag mit.",
    "Puedes seguir la sesión en YouTube, informó el Congreso.",
    "90. Minute: Tor für Bayern, das Spiel ist entschieden.",
]


@pytest.mark.parametrize(("kind", "line"), STRONG)
def test_kinds_are_removed_between_paragraphs(kind: str, line: str) -> None:
    got = removed([P1, P2, line, P3])
    assert line in got, kind
    assert len(got) == 1


@pytest.mark.parametrize(("kind", "line"), STRONG)
def test_kinds_are_removed_at_the_tail(kind: str, line: str) -> None:
    got = removed([P1, P2, P3, line])
    assert line in got, kind
    assert len(got) == 1


@pytest.mark.parametrize("sentence", REPORTING)
def test_reporting_with_the_same_words_is_kept(sentence: str) -> None:
    assert removed([P1, sentence, P2]) == {}
