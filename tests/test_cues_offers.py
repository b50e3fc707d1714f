"""The third round of issue 19's cleaning rules: paywall offers, calls to action without a
you-word, appeals with an imperative ask, teasers for "our investigation" and "En Site |",
licence notices, embedded posts and consent placeholders, disclaimers, correction notices and
glued editor stamps (aggregator/enrich/cues.py, signals.py, boilerplate.toml, stamps.py).

Positives are worded unlike the development sets (tests/fixtures/languages-dev*); negatives
are reporting with the same words, which must be kept in the middle and at the edges.
"""

from __future__ import annotations

import pytest

from aggregator.enrich import cues, signals, stamps
from aggregator.enrich.clean import Block, classify, clean_structured
from tests.support.articles import P1, P2, P3, removed

PAYWALL = [
    "Jetzt weiterlesen mit dem Digital-Abo: die ersten vier Wochen für 0,99 €.",
    "Vous souhaitez lire la suite ? Abonnez-vous dès 1 € le premier mois.",
    "Suscríbete desde 1 euro al mes y accede a todos los contenidos sin límites.",
    "Conteúdo exclusivo para assinantes: assine a partir de R$ 9,90 por mês.",
    "Abbonati ora: accesso illimitato al sito a soli 4,99 euro al mese.",
    "Оформите подписку всего от 199 рублей в месяц и читайте все материалы без рекламы.",
]
CALLS = [
    "Hinweise zum Thema? Senden Sie uns eine Nachricht an tipps@zeitung-beispiel.de.",
    "Ricevi ogni mattina le notizie della tua città via e-mail.",
    "Recevez chaque semaine notre sélection d'enquêtes par e-mail.",
    "Gostou deste artigo? Compartilhe com seus amigos.",
    "Salva questa ricetta sulla tua bacheca di Pinterest!",
]
TEASERS = [
    "Lire notre entretien : « Nous ne fermerons aucune école rurale »",
    "Lesen Sie unseren Kommentar: Die Stadt braucht einen Plan für die Brücken",
    "Leia nossa reportagem: Os bairros que ficaram sem ônibus",
    "En Motorpasión | Así funciona el nuevo carnet por puntos",
]
APPEALS = [
    "Wir sind ein gemeinnütziges Magazin ohne Verlag im Rücken. Spenden Sie jetzt einmalig oder "
    "monatlich, schon 5 Euro helfen.",
    # no community word, but what the outlet does without
    "Ce site vit sans publicité ni actionnaire : si vous le pouvez, un don de 3 € par mois nous "
    "aide à continuer.",
    "Somos um projeto sem fins lucrativos e sem anúncios. Apoie com um Pix de qualquer valor, a "
    "partir de R$ 5, e ajude a manter as receitas no ar.",
]
NOTICES = [
    "Dieser Beitrag steht unter einer Creative-Commons-Lizenz und darf mit Quellenangabe "
    "weiterverbreitet werden.",
    "Esta reportagem pode ser republicada gratuitamente, desde que citada a fonte.",
]

REPORTING = [
    # prices and subscriptions in the news
    "Der Streamingdienst erhöht den Preis für das Abo ab April auf 13,99 Euro im Monat, teilte "
    "das Unternehmen mit.",
    "Selon l'éditeur, l'abonnement numérique passe à 9,99 € par mois pour tous les lecteurs.",
    "O jornal disse que a assinatura digital custará R$ 29,90 por mês a partir de junho.",
    # readers asked for support, quoted
    "«Chiediamo a tutti di aiutarci con una donazione, anche piccola», ha detto la presidente "
    "dell'associazione.",
    "„Spenden Sie, was Sie können“, bat der Vorsitzende des Tafelvereins bei der Versammlung.",
    # a mail address and a periodic newsletter in reporting
    "Die Polizei bittet Zeugen, sich unter hinweise@polizei.example zu melden, sagte ein Sprecher.",
    "Os clientes recebem toda semana um e-mail do banco com o extrato, segundo a empresa.",
    # a licence in the news
    "Das Gericht entschied, dass Fotos unter Creative-Commons-Lizenz nur mit Nennung des "
    "Urhebers genutzt werden dürfen, wie eine Sprecherin sagte.",
    # an outlet without ads in the news
    "Le journal, sans publicité ni actionnaire, a été fondé en 2008 et compte 40 000 abonnés, "
    "selon son directeur.",
    # a correction of a law, consent in the news
    "In einer früheren Fassung des Gesetzes war die Grenze noch bei 500 Euro angesetzt.",
    "Websites dürfen externe Videos nur mit Zustimmung der Nutzer laden, urteilte das Gericht.",
]


@pytest.mark.parametrize("text", PAYWALL)
def test_paywall_offers(text: str) -> None:
    assert cues.is_paywall_offer(text)


@pytest.mark.parametrize("text", CALLS)
def test_calls_to_action_without_a_you_word(text: str) -> None:
    assert cues.is_call_to_action(text)


@pytest.mark.parametrize("text", TEASERS)
def test_teasers_for_a_piece_or_a_site(text: str) -> None:
    assert cues.is_teaser(text)


@pytest.mark.parametrize("text", APPEALS)
def test_appeals_with_an_imperative_ask(text: str) -> None:
    assert signals.is_appeal(text)


@pytest.mark.parametrize("text", NOTICES)
def test_licence_notices(text: str) -> None:
    assert cues.is_notice(text)


@pytest.mark.parametrize("text", REPORTING)
def test_reporting_with_the_same_words_is_no_cue(text: str) -> None:
    assert not cues.is_paywall_offer(text)
    assert not cues.is_call_to_action(text)
    assert not cues.is_teaser(text)
    assert not cues.is_notice(text)
    assert not signals.is_appeal(text)


@pytest.mark.parametrize("text", REPORTING)
def test_reporting_with_the_same_words_is_kept_at_the_edges(text: str) -> None:
    blocks = [Block(text), Block(P1), Block(P2), Block(P3), Block(text)]
    assert len(clean_structured(blocks, model=None).kept) == 5


@pytest.mark.parametrize("text", PAYWALL)
def test_a_paywall_offer_goes_at_the_tail_only(text: str) -> None:
    names = {name for name, _, _ in cues.SIGNAL_TESTS}
    assert removed([Block(text), Block(P1), Block(P2), Block(P3)]).get(text) not in names
    assert text in removed([Block(P1), Block(P2), Block(P3), Block(text)])


EMBEDS = [
    # an Instagram embed as trafilatura merges it into one block, in each language
    "Diesen Beitrag auf Instagram ansehen Ein Beitrag geteilt von Stadtwerke (@stadtwerke_bsp)",
    "Voir cette publication sur Instagram Une publication partagée par Mairie (@mairie_exemple)",
    "Ver esta publicación en Instagram Una publicación compartida de Club (@club_ejemplo)",
    "Ver esta publicação no Instagram Uma publicação compartilhada por Time (@time_exemplo)",
    # consent placeholders
    "Externer Inhalt Mit Ihrer Zustimmung wird hier eine externe Karte geladen.",
    "Ce contenu est bloqué car vous n'avez pas accepté les cookies et autres traceurs.",
    "Para ver este contenido, debes aceptar las cookies de terceros.",
    "Per visualizzare il video devi accettare i cookie di profilazione.",
]


def test_a_quoted_tweet_is_kept() -> None:
    # trafilatura-eval counts an embedded tweet (its text and attribution) as the article's
    tweet = (
        "Wir haben gewonnen! Danke an alle Fans #Heimsieg — SV Beispiel (@sv_beispiel) 3. März 2024"
    )
    assert tweet not in removed([Block(P1), Block(tweet, "quote"), Block(P2), Block(P3)])


@pytest.mark.parametrize("text", EMBEDS)
def test_embeds_and_consent_placeholders_go_anywhere(text: str) -> None:
    got = removed([Block(P1), Block(text, "quote"), Block(P2), Block(P3)])
    assert got.get(text) == "embed" and len(got) == 1


EDGE_NOTES = [
    ("disclaimer", "Keine Anlageberatung: Der Beitrag gibt die Meinung des Autors wieder."),
    (
        "correction",
        "Rettifica: nella prima versione dell'articolo il sindaco era indicato come Rossi.",
    ),
    (
        "correction",
        "Une précédente version de cet article situait l'usine à Lyon, et non à Vienne.",
    ),
    ("correction", "Artikel aktualisiert um 16.20 Uhr: Die Polizei hat den Verdächtigen gefasst."),
    ("disclosure", "Werbung wegen Markennennung: Die Produkte habe ich selbst gekauft."),
    ("disclosure", "In qualità di Affiliato Amazon ricevo un guadagno dagli acquisti idonei."),
]


@pytest.mark.parametrize(("name", "text"), EDGE_NOTES)
def test_disclaimers_corrections_and_disclosures_at_the_edges(name: str, text: str) -> None:
    assert removed([Block(P1), Block(P2), Block(P3), Block(text)]).get(text) == name


@pytest.mark.parametrize(("name", "text"), EDGE_NOTES[:4])
def test_disclaimers_and_corrections_stay_in_the_middle(name: str, text: str) -> None:
    assert text not in removed([Block(P1), Block(text), Block(P2), Block(P3)])


# A disclaimer that says the piece itself does not replace a doctor, and a correction that
# names the earlier version, are strong (policies.py): they go from the middle too.
STRONG_NOTES = [
    "Este artículo tiene carácter meramente informativo y no sustituye a un médico.",
    "Correção: numa versão anterior deste texto, o nome do autarca estava errado.",
]


@pytest.mark.parametrize("text", STRONG_NOTES)
def test_self_declared_disclaimers_and_corrections_go_from_the_middle(text: str) -> None:
    assert removed([Block(P1), Block(text), Block(P2), Block(P3)]) == {text: "policy_signals"}


LINES = [
    ("embed", "Weiterlesen nach der Anzeige"),
    ("byline", "4 min de lecture"),
    ("byline", "Lettura: 3 minuti"),
    ("byline", "5 минут на чтение"),
]


@pytest.mark.parametrize(("name", "text"), LINES)
def test_ad_breaks_and_reading_times_go_anywhere(name: str, text: str) -> None:
    assert removed([Block(P1), Block(text), Block(P2), Block(P3)]).get(text) == name


def test_a_comment_prompt_may_point_to_the_bottom_of_the_page() -> None:
    assert signals.is_comment_prompt("Et toi, tu l'as testé ? Raconte-moi ça en bas de la page !")


def test_a_topic_dash_channel_line_goes_at_the_tail() -> None:
    line = "Главные новости региона — в нашем Telegram-канале «Город»."
    assert line in removed([Block(P1), Block(P2), Block(P3), Block(line)])


def test_glued_editor_stamps_are_split_off() -> None:
    cut = stamps.trailing_stamp("Angriffe wurden bislang nicht beobachtet. (fkn)")
    assert cut == ("Angriffe wurden bislang nicht beobachtet.", "(fkn)")
    zh = "项目将于年底完工，届时将缓解周边交通压力。（本报记者 王磊 通讯员 陈静）"
    assert stamps.trailing_stamp(zh) == (zh.split("（")[0], "（本报记者 王磊 通讯员 陈静）")
    # an interview's stage direction, an abbreviation, capitals: no stamp
    assert stamps.trailing_stamp("Das war wirklich nicht geplant. (lacht)") is None
    assert stamps.trailing_stamp("So stand es im Bericht. (sic)") is None
    assert stamps.trailing_stamp("Gewählt wurde der Kandidat der Union. (CDU)") is None


def test_the_foreign_agent_label_goes_anywhere() -> None:
    label = (
        "ДАННОЕ СООБЩЕНИЕ (МАТЕРИАЛ) СОЗДАНО И (ИЛИ) РАСПРОСТРАНЕНО ИНОСТРАННЫМ СРЕДСТВОМ "
        "МАССОВОЙ ИНФОРМАЦИИ, ВЫПОЛНЯЮЩИМ ФУНКЦИИ ИНОСТРАННОГО АГЕНТА."
    )
    hit = classify(Block(label), strong_only=True)
    assert hit is not None and hit[0] == "byline"
    news = "Минюст внес журналиста в реестр иностранных агентов, сообщило ведомство в пятницу."
    assert classify(Block(news)) is None
