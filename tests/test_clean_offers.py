"""Reader offers in other languages (aggregator/enrich/offers.py): an outlet's service offered
to the reader is removed anywhere; reporting about the same services stays."""

from __future__ import annotations

import pytest

from aggregator.enrich import offers
from aggregator.enrich.clean import Block, clean_structured

OFFERS = [
    "Lust auf mehr Nachrichten aus Kassel? Unser Newsletter kommt jeden Freitag – gratis.",
    "Was meinen Sie zur neuen Ampel? Schreiben Sie es uns in den Kommentarbereich.",
    "Envie de suivre l'actualité de Namur ? Rejoignez notre chaîne WhatsApp.",
    "Cet article vous est offert. Abonnez-vous dès 2 € par mois pour lire la suite.",
    "¿Querés recibir más noticias de Rosario? Sumate a nuestro canal de Telegram.",
    "Recibe nuestro boletín cada mañana en tu correo, es gratis.",
    "Quer ler a reportagem completa? Assine a partir de R$ 1,90 no primeiro mês.",
    "Ti è piaciuto? Iscriviti alla nostra newsletter settimanale, è gratuita.",
    "Больше новостей Казани — в нашем телеграм-канале.",
    "Хотите получать главное за день? Подпишитесь на нашу рассылку.",
    "关注我们的公众号，每天为您推送本地要闻。",
    "訂閱我們的電子報，每週為你精選好文。",
]

REPORTING = [
    # a service named in reporting, one family at most
    "Die Stadtwerke haben ihre App überarbeitet; Fahrgäste können Tickets nun direkt kaufen.",
    "Les habitants ont créé un groupe WhatsApp pour partager les horaires des navettes.",
    "La campaña reunió 3.000 comentarios en la consulta pública del ayuntamiento.",
    "O jornal tem hoje 40 mil assinantes digitais, segundo o balanço anual.",
    "Il sindaco ha risposto ai commenti dei cittadini durante il consiglio comunale.",
    "В Telegram-канале администрации опубликовали график отключений воды.",
    "该市推出政务App，市民可在线办理社保业务。",
    # German "Sie" opening a sentence is she or they, and "jeder" is not a period there
    "Die TER zählt zu den Kosten. Sie steht im Factsheet und in jeder Broker-App.",
    # a teaser whose own question comes later ("welche App?"): the piece's question, not ours
    "18.10.2017 Sie zeigen Tausende Touren und sind immer dabei: Touren-Apps boomen. Doch "
    "welche App eignet sich für Sie? Die vier ...",
    # someone quoted at length about the service
    "„Unser Newsletter erreicht jeden Morgen 20.000 Leser, das hätten wir nie gedacht“, sagt sie.",
    "«Abonnez-vous, c'est gratuit et vous aurez plus d'infos », a lancé le maire en riant.",
    # English is left to its own tables
    "Want more news? Subscribe to our free newsletter every morning.",
    # too long for a prompt: a paragraph of reporting
    "Wer sich für den Newsletter der Bürgerinitiative anmeldet, erhält jeden Monat einen Bericht "
    "über den Stand der Klage; die Initiative hofft, so bis zum Frühjahr mehr als 5.000 "
    "Unterstützerinnen und Unterstützer zu gewinnen, sagte ihr Sprecher am Dienstag.",
]


@pytest.mark.parametrize("text", OFFERS)
def test_offer_is_recognised(text: str) -> None:
    assert offers.is_reader_offer(text), offers.families(text)


@pytest.mark.parametrize("text", REPORTING)
def test_reporting_about_services_is_not_an_offer(text: str) -> None:
    assert not offers.is_reader_offer(text), offers.families(text)


def test_offer_between_paragraphs_is_removed_and_reporting_kept() -> None:
    body = [
        "Der Gemeinderat hat am Dienstag den Haushalt für das kommende Jahr beschlossen, mit "
        "Investitionen von 12 Millionen Euro in Schulen und Straßen.",
        OFFERS[0],
        REPORTING[0],
        "Die Opposition kritisierte die Pläne als zu vage und kündigte Anträge an.",
    ]
    got = clean_structured([Block(t) for t in body])
    assert [b.text for b in got.kept] == [body[0], body[2], body[3]]
    assert [r for r, _ in got.removed] == ["offer_signals"]


def test_a_list_item_is_never_an_offer() -> None:
    steps = [Block("So geht's:", kind="p")] + [
        Block(t, kind="item")
        for t in ("Laden Sie die App herunter.", OFFERS[0], "Melden Sie sich an.")
    ]
    got = clean_structured(steps)
    assert OFFERS[0] in [b.text for b in got.kept]


APPEALS = [
    "Wir gehören keinem Verlag und zeigen keine Werbung. Wenn Ihnen unsere Recherchen etwas wert "
    "sind, unterstützen Sie die Redaktion mit 5 Euro im Monat.",
    "Sans publicité ni actionnaire, notre rédaction ne vit que grâce à ses lecteurs : soutenez-nous "
    "avec un don de 10 euros par mois.",
]
FUNDRAISING_REPORTS = [
    "Leur collectif a lancé une cagnotte pour financer des analyses indépendantes. En trois "
    "semaines, près de 9 000 euros ont été collectés auprès de lecteurs et de voisins.",
    "Die Bürgerinitiative bittet ihre Mitglieder um Spenden von 20 Euro im Monat für ein "
    "unabhängiges Lärmgutachten.",
]


@pytest.mark.parametrize("text", APPEALS)
def test_an_appeal_in_the_outlets_voice_to_the_reader_is_strong(text: str) -> None:
    assert offers.is_reader_appeal(text)


@pytest.mark.parametrize("text", FUNDRAISING_REPORTS)
def test_reporting_about_a_fundraiser_is_no_appeal_to_the_reader(text: str) -> None:
    assert not offers.is_reader_appeal(text)


@pytest.mark.parametrize(
    "text",
    [
        # a blogger's own accounts: "wir" and a bare sum are no offer
        "Gekündigt haben wir daraufhin drei Abos und eine Fitness-App. Das allein brachte 41 Euro.",
        # Portuguese "nos" is "in the", "do dia" a day's routine
        "O aplicativo da escola mostra a rotina do dia e me deu paz nos primeiros dias.",
    ],
)
def test_held_out_reporting_that_first_versions_took(text: str) -> None:
    assert not offers.is_promotion(text)
