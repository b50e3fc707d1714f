"""The tenth round of issue 19's cleaning rules (after languages-dev10): players and their
clocks, audio buttons with a length, consent placeholders, button rows, paywall offers in the
text, membership appeals with a price, sign-up links, comment gates, source lists, app promos,
desk initials and broadcast credits at the tail; traditional Chinese matched by the simplified
tables (``hant.fold``); and a link to a topic's other pieces that is no author box.

Every line was written for this test, not taken from the development sets
(tests/fixtures/languages-dev*); the negatives are reporting with the same words.
"""

from __future__ import annotations

import pytest

from aggregator.enrich import hant
from tests.support.articles import P1, P2, P3, removed

# (kind, line): removed between paragraphs and at the tail (strong)
STRONG = [
    ("video label", "Vídeo: los bomberos rescatan a un perro atrapado en el río"),
    ("video label", "Видео: как выглядит новый мост через Неву"),
    ("player clock", "00:00 / 03:12"),
    ("player clock", "1:02:10 / 1:45:00"),
    ("player button", "Reproduzir"),
    ("player button", "Riproduci video"),
    ("audio", "Escuchar (2 min)"),
    ("audio", "Artikel anhören (5 Min.)"),
    ("audio", "Слушать статью 4 мин"),
    ("consent", "Debes aceptar las cookies para ver este contenido."),
    ("consent", "Devi accettare i cookie per visualizzare questo contenuto."),
    ("buttons", "Artikel teilen Merken Drucken"),
    ("paywall", "Diesen Beitrag können Sie mit einem Abo weiterlesen – jetzt 4 Wochen gratis."),
    ("paywall", "开通会员，解锁全文阅读"),
    ("paywall", "購買VIP會員：解鎖全文及獨家報道"),
    ("member", "Unser Journalismus ist frei zugänglich. Werden Sie Mitglied – ab 5 Euro im Monat."),
    ("member", "Hazte socio por 6 euros al mes y apoya el periodismo local."),
    ("member", "成为我们的付费会员，每月只需25元。"),
    ("sign-up", "La newsletter esce ogni lunedì: ci si iscrive qui."),
    ("sign-up", "Notre lettre du soir est gratuite, inscrivez-vous ici."),
    ("subscription", "Faça a sua assinatura e leia sem limites."),
    ("comments", "Diskutieren Sie mit! Kommentare werden vor der Veröffentlichung moderiert."),
    ("comments", "Чтобы оставить комментарий, войдите через Госуслуги."),
    ("sources", "Verwendete Quellen: Deutscher Wetterdienst, eigene Recherche"),
    ("app", "下载App阅读更多独家新闻"),
    ("app", "打開App看更多新聞"),
]

# (kind, line): removed at the tail only (weak evidence)
TAIL_ONLY = [
    ("desk initials", "jcp/dr"),
    ("desk initials", "ao/gm"),
    ("broadcast credit", "Il servizio di Luca Ferraris"),
    ("broadcast credit", "Un reportage de Léa Martin"),
]

# reporting with the same words: kept wherever it stands
REPORTING = [
    "Video: la policía publicó las imágenes del robo, en las que se ve a dos hombres.",
    "Das Video zeigt, wie der Fahrer um 0:45 Uhr flüchtet.",
    "Escuchar 3 minutos de silencio fue el homenaje del estadio a las víctimas.",
    "Die Kommentare werden geprüft, sagte der Sprecher der Plattform über das neue Gesetz.",
    "Die Plattform teilte mit, Kommentare werden vor der Freischaltung geprüft, um Hetze zu verhindern.",
    "Der Club wirbt: Werde jetzt Mitglied – schon ab 3 Euro im Monat, heißt es auf den Plakaten.",
    "Il sindaco ha detto che ci si iscrive qui, all'ufficio anagrafe, fino a venerdì.",
    "Los usuarios deben aceptar las cookies para ver el contenido, según la nueva ley europea.",
    "Il servizio di trasporto pubblico riprenderà lunedì dopo lo sciopero dei tranvieri.",
    "Quellen: Die Polizei nannte zunächst keine Details zu dem Unfall auf der A9.",
]


@pytest.mark.parametrize(("kind", "line"), STRONG)
def test_kinds_are_removed_between_paragraphs(kind: str, line: str) -> None:
    got = removed([P1, P2, line, P3])
    assert line in got, kind
    assert len(got) == 1


@pytest.mark.parametrize(("kind", "line"), STRONG + TAIL_ONLY)
def test_kinds_are_removed_at_the_tail(kind: str, line: str) -> None:
    got = removed([P1, P2, P3, line])
    assert line in got, kind
    assert len(got) == 1


@pytest.mark.parametrize(("kind", "line"), TAIL_ONLY)
def test_weak_kinds_stay_between_paragraphs(kind: str, line: str) -> None:
    assert removed([P1, line, P2, P3]) == {}, kind


@pytest.mark.parametrize("sentence", REPORTING)
def test_reporting_with_the_same_words_is_kept(sentence: str) -> None:
    assert removed([sentence, P1, P2]) == {}
    assert removed([P1, sentence, P2]) == {}
    assert removed([P1, P2, sentence]) == {}


def test_traditional_chinese_is_matched_by_the_simplified_tables() -> None:
    trad = "掃描二維碼關注我們的微信公眾號"
    assert hant.fold(trad) == "扫描二维码关注我们的微信公众号"
    assert trad in removed([P1, P2, trad])
    # the fold is for matching only: what stays keeps its script
    kept = "市政府發言人說，新票價將於下月生效。"
    assert hant.fold(kept) != kept
    assert removed([P1, kept, P2]) == {}


def test_fold_returns_the_same_object_without_han() -> None:
    text = "Plain text, no Han characters 123"
    assert hant.fold(text) is text
    simplified = "新票价将于下月生效"
    assert hant.fold(simplified) is simplified


def test_a_topic_link_is_no_author_box() -> None:
    # "Все новости по теме ..." lists other pieces on the topic; the paragraphs after it are
    # the article's, not an author's bio
    para = (
        "Коммунальные службы вывели на улицы около двухсот единиц техники. Власти попросили "
        "жителей не оставлять машины у обочин до конца недели, пока идет уборка снега."
    )
    line = "Все новости по теме «Снегопад в Приморье»"
    got = removed([P1, P2, line, para, P3])
    assert got == {line: "related"}


def test_a_sign_off_stays_against_the_models_strong_score() -> None:
    # a model that is sure of every block holding the sign-off's words: the rules' keep of a
    # writer's sign-off ("Euer HansEhrlich") holds at the strong threshold too, as at the edges
    from aggregator.enrich.classifier import ParagraphModel, word_buckets
    from aggregator.enrich.clean import Block, clean_structured

    sign_off = "Euer HansEhrlich"
    sure = dict.fromkeys(word_buckets(sign_off), 50.0)
    model = ParagraphModel(weights={}, words=sure, bias=-10.0, scale=1.0, strong=0.9, edge=0.5)
    blocks = [Block(P1), Block(P2), Block(sign_off), Block(P3)]
    assert model.score(blocks)[2] > 0.99 > model.score(blocks)[0]
    assert clean_structured(blocks, model=model).removed == ()
    # the same model takes a line that is no sign-off
    other = "HansEhrlich Euer Abo"
    blocks = [Block(P1), Block(P2), Block(other), Block(P3)]
    assert model.score(blocks)[2] > 0.9
    assert [t for _, t in clean_structured(blocks, model=model).removed] == [other]
