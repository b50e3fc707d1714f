"""Support, share and comment asks in an outlet's or a blogger's own words
(aggregator/enrich/asks.py): removed anywhere in the article, reporting with the same words
kept.

Positives are worded unlike the development sets (tests/fixtures/languages-dev*); negatives
are reporting and blog narration with the same words, which must stay in the middle of an
article.
"""

from __future__ import annotations

import pytest

from aggregator.enrich import asks
from tests.support.articles import P1, P2, P3, removed

SUPPORT = [
    "Unabhängiger Lokaljournalismus kostet Geld. Unterstützen Sie den Weserboten ab 4 Euro im "
    "Monat.",
    "Ce blog vit sans publicité. Si mes carnets vous sont utiles, vous pouvez me soutenir sur "
    "Ko-fi. Merci !",
    "¿Te gustó esta nota? Con un aporte de 3 euros al mes sostienes el periodismo de barrio.",
    "O Diário do Sertão é feito por leitores: apoie o nosso jornalismo a partir de R$ 15 por mês.",
    "Se apprezzi il lavoro della nostra redazione, sostienici con una donazione: grazie!",
    "Нравится наш проект? Поддержите независимую редакцию — даже 100 рублей в месяц помогают.",
    "支持本報的獨立報道，每月只需港幣30元即可成為會員。",
    "Merci pour votre soutien, et bonne lecture !",
]
SHARE = [
    "Gostou deste guia? Compartilhe com quem está planejando a primeira viagem!",
    "Ti è piaciuto questo articolo? Condividilo con chi ama la montagna.",
    "Понравилась статья? Поделитесь ей с друзьями!",
    "如果你喜欢这篇文章，请分享给身边的朋友。",
]
COMMENT = [
    "Und ihr? Schreibt mir in den Kommentaren, welche Sorte bei euch am besten wächst!",
    "Vous avez une astuce pour les semis ? Dites-nous tout en commentaire !",
    "¿Ya probaste esta receta? Contame abajo cómo te quedó.",
    "Fatemi sapere nei commenti quale sentiero preferite.",
    "Напишите в комментариях, какой маршрут вы бы выбрали.",
    "Прислать новость в редакцию можно в Telegram-бот или на почту tips@gazeta.example",
]
# reporting and narration with support, share and comment words: content
REPORTING = [
    "Der Tierschutzverein bittet um Spenden: Schon 10 Euro im Monat finanzieren das Futter für "
    "eine Katze, teilte die Vorsitzende mit.",
    "L'association a lancé une cagnotte en ligne ; en deux semaines, 14 000 euros de dons ont "
    "été collectés pour reconstruire la salle.",
    "La cooperativa cuenta con 1.200 socios que aportan 5 euros al mes para mantener la escuela "
    "de música.",
    "Muitos leitores escreveram nos comentários do post anterior que também pagaram a mais na "
    "conta de luz.",
    "Nei commenti sotto il post del Comune molti residenti chiedevano più parcheggi.",
    "В комментариях под постом мэрии жители жаловались на сугробы во дворах.",
    # a service in the news, a site describing itself, narration: support without the outlet
    "Benötigen Sie Hilfe beim Antrag? Die Caritas unterstützt Familien mit 50 Euro im Monat.",
    "Vous cherchez un soutien scolaire ? La médiathèque propose des cours gratuits le mercredi.",
    "Seit Jahren unterstützen wir dich hier im Forum bei allen Fragen rund um die Katze.",
    "Brauchen Sie psychologische Unterstützung?, fragte die Hebamme. „Nein danke“, sagte ich.",
    "Il comitato raccoglie donazioni per il progetto: chi vuole può contribuire da 10 euro.",
    "Der Verein unterstützt seit 2019 junge Musikerinnen mit Stipendien von 300 Euro im Monat.",
    "Die Zeitung hat ihre Abopreise erhöht; Leserinnen, die den Journalismus unterstützen "
    "wollen, zahlen nun 19 Euro im Monat, sagte der Verlagsleiter.",
]


@pytest.mark.parametrize("line", SUPPORT)
def test_support_asks(line: str) -> None:
    assert asks.is_support_ask(line)
    assert line in removed([P1, P2, line, P3])


@pytest.mark.parametrize("line", SHARE)
def test_share_asks(line: str) -> None:
    assert asks.is_ask(line)
    assert line in removed([P1, P2, line, P3])


@pytest.mark.parametrize("line", COMMENT)
def test_comment_asks(line: str) -> None:
    assert asks.is_ask(line)
    assert line in removed([P1, P2, line, P3])


@pytest.mark.parametrize("line", REPORTING)
def test_reporting_with_the_same_words_is_kept(line: str) -> None:
    assert not asks.is_ask(line)
    assert line not in removed([P1, P2, line, P3])


def test_english_is_left_to_its_tables() -> None:
    assert not asks.is_ask("If you liked this story, support our journalism from $3 a month.")
