"""Evidence-counting detectors for calls to action, read-also teasers, author boxes and
notices (aggregator/enrich/cues.py), in every language of the phrase tables.

Positives are worded unlike the phrase tables and the development sets; negatives are real
reporting with the same words, which must be kept (in the middle always, and at the edges
where the detector is weak).
"""

from __future__ import annotations

import pytest

from aggregator.enrich import cues
from aggregator.enrich.clean import Block, classify, clean_structured
from tests.support.articles import P1, P2, P3, removed

CALLS = [
    "Kein Update mehr verpassen: Holen Sie sich unseren Eilmeldungs-Kanal auf Telegram.",
    "Abonniere unseren Podcast „Stadtgespräch“ und hör jeden Freitag rein.",
    "Suivez-nous aussi sur Instagram pour les coulisses de la rédaction.",
    "Vous aimez nos reportages ? Inscrivez-vous à la lettre du dimanche, c'est gratuit.",
    "Descarga la aplicación de Noticias del Valle y activa las alertas de tu barrio.",
    "Baixe o nosso aplicativo e receba os alertas de trânsito da sua cidade.",
    "Iscriviti alla nostra newsletter del mattino: ogni giorno le notizie della tua provincia.",
    "Читайте нас в Telegram: подпишитесь на канал, чтобы не пропустить новости района.",
    "扫码关注我们的微信公众号，获取更多本地资讯。",
]
TEASERS = [
    "Ebenfalls lesenswert: Die Fähre nach Sassnitz fährt wieder täglich",
    "À lire également : Le port de Sète investit dans l'électrification des quais",
    "Lee también: Los ayuntamientos piden más fondos para la dana",
    "Veja mais: Governo anuncia novo programa de habitação",
    "Leggi anche questo: La Regione taglia i fondi ai piccoli comuni",
    "Смотрите также: Власти города обещают отремонтировать мост к осени",
    "更多阅读：杭州地铁新线路开通首日客流创新高",
]
BOXES = [
    "Lena Brandt ist Redakteurin im Ressort Wirtschaft und schreibt über Mittelstand und Handel.",
    "Hugo Lemaire est journaliste au service Société. Il couvre l'éducation et la santé.",
    "Marta Gil es corresponsal en Bruselas y escribe sobre política europea.",
    "Ana Ribeiro é repórter de economia e escreve sobre emprego e inflação.",
    "Paolo Conti è giornalista della redazione Esteri e si occupa di Medio Oriente.",
    "Олег Смирнов — корреспондент отдела экономики, пишет о банках и финансах.",
    "Wirtschaftsredakteurin",
    "作者：李明",
]
NOTICES = [
    "© Rheinpfalz Beispiel. Nachdruck und Weiterverbreitung dieses Beitrags nur mit Erlaubnis.",
    "Reproduction interdite sans l'accord de la rédaction.",
    "Prohibida la reproducción de este contenido sin autorización expresa.",
    "Proibida a reprodução deste conteúdo sem autorização.",
    "Riproduzione vietata senza l'autorizzazione della redazione.",
    "Перепечатка материалов без разрешения редакции запрещена.",
    "未经本网授权，不得转载、摘编。",
    "Quelle: Deutsche Presse-Agentur",
]

# Reporting with the very same words: kept.
REPORTING = [
    "Die Stadt empfiehlt Pendlern, sich rechtzeitig über die App der Verkehrsbetriebe zu "
    "informieren.",
    "Laden Sie keine Apps aus unbekannten Quellen herunter, sagte der Sprecher der Polizei.",
    "Les commentaires du ministre sur Facebook ont été vivement critiqués par les syndicats.",
    "Selon la préfecture, il faut télécharger l'application pour signaler les dégâts.",
    "Los suscriptores del canal de Telegram del partido se duplicaron en un año.",
    "Os moradores podem baixar o aplicativo da prefeitura para receber alertas, disse o prefeito.",
    "Secondo la polizia, le vittime erano state contattate su WhatsApp da un falso operatore.",
    "Подписчики канала в Telegram узнали о закрытии завода раньше сотрудников.",
    "警方提醒，不要扫描陌生人发来的二维码，也不要添加陌生微信。",
    "Subscribers to the city's alert service got a text message at 3 a.m.",
    # teaser words, but reporting: no headline after a prefix made only of teaser words
    "Auch das Land zahlt mit",
    "También el Gobierno regional anunció ayudas.",
    "Anche Roma ha chiesto più fondi",
    "Также по сообщениям МЧС, пострадавших нет.",
    # a journalist in the news, not a box
    "Der Journalist Karl Weber, der seit Jahren über Korruption berichtet, wurde am Montag "
    "festgenommen, teilte sein Anwalt mit.",
    "La journaliste, qui couvre la guerre depuis 2014, a été libérée, selon son employeur.",
    # copyright in the news
    "Das Gericht entschied, dass der Verlag die Fotos ohne Zustimmung des Urhebers nicht "
    "vervielfältigen durfte, und verurteilte ihn zu einer Entschädigung von 12.000 Euro, wie "
    "eine Sprecherin des Landgerichts am Mittwoch bestätigte. Der Verlag kündigte Berufung an.",
]


@pytest.mark.parametrize("text", CALLS)
def test_calls_to_action(text: str) -> None:
    assert cues.is_call_to_action(text)


@pytest.mark.parametrize("text", TEASERS)
def test_teasers(text: str) -> None:
    assert cues.is_teaser(text)


@pytest.mark.parametrize("text", BOXES)
def test_author_boxes(text: str) -> None:
    assert cues.is_author_box(text, "p")


@pytest.mark.parametrize("text", NOTICES)
def test_notices(text: str) -> None:
    assert cues.is_notice(text)


@pytest.mark.parametrize("text", REPORTING)
def test_reporting_with_the_same_words_is_no_cue(text: str) -> None:
    assert not cues.is_call_to_action(text)
    assert not cues.is_teaser(text)
    assert not cues.is_author_box(text, "p")
    assert not cues.is_notice(text)


@pytest.mark.parametrize("text", REPORTING)
def test_reporting_with_the_same_words_is_kept_at_the_edges(text: str) -> None:
    blocks = [Block(text), Block(P1), Block(P2), Block(P3), Block(text)]
    assert len(clean_structured(blocks, model=None).kept) == 5


@pytest.mark.parametrize("text", TEASERS)
def test_a_teaser_is_removed_between_paragraphs(text: str) -> None:
    got = removed([Block(P1), Block(text), Block(P2), Block(P3)])
    assert text in got and len(got) == 1


# the weak cues; a strong one (a teaser, a house promo that addresses the reader about *our*
# channel, tests/test_cues_notes.py) may take a block anywhere
CUE_NAMES = {name for name, _, strong in cues.SIGNAL_TESTS if not strong}


@pytest.mark.parametrize("text", CALLS + BOXES)
def test_calls_and_boxes_go_at_the_tail_only(text: str) -> None:
    # (a phrase of the tables may still remove one anywhere: only the cues are weak)
    assert removed([Block(P1), Block(text), Block(P2), Block(P3)]).get(text) not in CUE_NAMES
    assert removed([Block(text), Block(P1), Block(P2), Block(P3)]).get(text) not in CUE_NAMES
    assert text in removed([Block(P1), Block(P2), Block(P3), Block(text)])


@pytest.mark.parametrize("text", NOTICES)
def test_notices_go_at_the_edges_only(text: str) -> None:
    assert removed([Block(P1), Block(text), Block(P2), Block(P3)]).get(text) not in CUE_NAMES
    assert text in removed([Block(P1), Block(P2), Block(P3), Block(text)])


def test_a_list_of_steps_is_no_call_to_action() -> None:
    assert not cues.is_call_to_action("Lade die App der Stadtwerke herunter.", "item")
    assert cues.is_call_to_action("Lade dir jetzt unsere App herunter.", "p")


def test_the_teaser_is_strong_and_the_others_weak() -> None:
    strong = classify(Block(TEASERS[0]), strong_only=True)
    assert strong is not None and strong[0] == "teaser_signals"
    assert classify(Block(BOXES[0]), strong_only=True) is None


def test_a_name_line_is_a_box_only_above_a_box_line() -> None:
    bio = BOXES[0]
    assert cues.author_name_lines([(P1, "p"), ("Lena Brandt", "p"), (bio, "p")]) == {1}
    assert cues.author_name_lines([(P1, "p"), ("European Space Agency", "p")]) == set()
    assert cues.author_name_lines([("European Space Agency", "p"), (P1, "p")]) == set()
    assert cues.is_author_box("Lena Brandt", cues.AUTHOR_KIND)
    assert not cues.is_author_box("Lena Brandt", "p")


SHORT_ZH_PAGE = """<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">
<title>江边公园周末开放</title></head><body><header><nav><a href="/">首页</a></nav></header>
<article><h1>江边公园周末开放</h1><div class="byline">记者 王明</div>
<div class="article-body">
<p>经过一年的改造，江边公园将于本周六重新向市民开放。公园新增了两条步道和一座儿童游乐场。</p>
<p>管理处表示，开放初期每天上午八点至晚上九点开放，节假日可能延长开放时间。</p>
<p>下载城市通App，随时查看公园实时客流信息。</p>
</div></article><footer><p>版权所有</p></footer></body></html>"""


def test_a_short_chinese_article_is_cleaned_block_by_block() -> None:
    # under trafilatura's 250-character minimum the page used to fall back to the baseline:
    # one paragraph holding the title, the byline, the article and the prompt
    from aggregator.enrich.extract import extract_page

    text = extract_page(SHORT_ZH_PAGE.encode(), "https://example.cn/a.html").text
    assert "经过一年的改造" in text and "节假日可能延长开放时间" in text
    assert "下载城市通App" not in text and "记者 王明" not in text
