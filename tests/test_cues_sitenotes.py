"""Widget and newsroom lines between paragraphs (aggregator/enrich/sitenotes.py) and broadcast
notes (policies.is_broadcast_note): removed anywhere, reporting with the same words kept.

Positives are worded unlike the development sets (tests/fixtures/languages-dev*).
"""

from __future__ import annotations

import pytest

from aggregator.enrich import policies, sitenotes
from tests.support.articles import P1, P2, P3, removed

NOTES = [
    "Umfrage: Fahren Sie im Winter mit dem Rad? Ja · Nein · Nur bei Sonne",
    "Vidéo non disponible dans votre pays",
    "Este contenido no está disponible en tu dispositivo.",
    "Durata del video: 3 min",
    "Um das Video anzuzeigen, müssen Sie der Nutzung von Drittanbieter-Cookies zustimmen.",
    "（新聞局／提供）",
    "Об этом сообщает пресс-служба «Водоканала».",
    "Nach mehreren beleidigenden Beiträgen haben wir die Kommentare zu diesem Artikel geschlossen.",
    "Vous avez repéré une erreur ? Signalez-la à notre rédaction.",
    "Нашли опечатку? Выделите текст и нажмите Ctrl+Enter.",
    "Este viaje fue financiado por la oficina de turismo de Galicia.",
    "* Организация признана в России нежелательной.",
    "Salva questa ricetta nei preferiti per ritrovarla.",
    "En cours de lecture : le journal de la mi-journée (12:04)",
    "Chargement du lecteur vidéo…",
    "Regardez le reportage du JT de 20 heures dans le lecteur ci-dessus.",
    "Contenu fourni par L'Écho de Bamako",
    "/Казахстан-Инфо/",
    "Das Interview wurde aus Gründen der Lesbarkeit gekürzt.",
    "Смартфон предоставлен производителем для тестирования на две недели.",
    "Il presente comunicato è riportato integralmente così come ricevuto dall'azienda.",
    "© Agencia Norte, AN-2403-118/1",
    "(BTA)",
    "Jetzt abstimmen",
    "Cliquez ici pour actualiser le direct",
    "Voir la publication sur Instagram",
]
BROADCAST = [
    "Reportage diffusé dans le 12/13 de France 3 Bretagne le 4 mai.",
    "Servizio andato in onda nel Tg regionale delle 14.",
    "Сюжет вышел в эфир в программе «Новости» 3 апреля в 19:00.",
    "Der Beitrag lief am Montag in der Abendschau um 19.30 Uhr.",
]
REPORTING = [
    "Die Umfrage zeigt: 42 Prozent fahren im Winter mit dem Rad, 31 Prozent nur bei Sonne.",
    "Le service de vidéo à la demande n'est plus disponible en Belgique depuis lundi.",
    "La plataforma dejó de estar disponible tras el apagón, explicó la empresa.",
    "Nach beleidigenden Kommentaren hat die Stadt ihre Facebook-Seite geschlossen.",
    "Le reportage diffusé mardi par la chaîne a suscité la colère des éleveurs, selon le syndicat.",
    "Il viaggio della delegazione è stato pagato dalla Regione, ha detto l'assessore.",
    "(Die Namen wurden geändert)",
    "(dati provvisori)",
    "Guarda il figlio giocare ogni sabato, racconta la madre, anche quando piove.",
    "Umfrage: Wie viele Deutsche würden sie heute noch wählen?",
    "Der Hersteller hat das Gerät im Mai zurückgerufen, nachdem Akkus überhitzten.",
]


@pytest.mark.parametrize("line", NOTES)
def test_site_notes(line: str) -> None:
    assert sitenotes.is_site_note(line)
    assert line in removed([P1, P2, line, P3])


@pytest.mark.parametrize("line", BROADCAST)
def test_broadcast_notes(line: str) -> None:
    assert policies.is_broadcast_note(line)
    assert line in removed([P1, P2, line, P3])


@pytest.mark.parametrize("line", REPORTING)
def test_reporting_with_the_same_words_is_kept(line: str) -> None:
    assert not sitenotes.is_site_note(line)
    assert not policies.is_broadcast_note(line)


def test_comment_rules_of_someone_else_s_page_are_reporting() -> None:
    line = (
        "Il sindaco è stato denunciato per non aver rimosso dalla sua pagina Facebook decine di "
        "commenti offensivi contro un consigliere."
    )
    assert not policies.is_house_policy(line)
    assert line not in removed([P1, P2, line, P3])
    rules = (
        "Partecipa alla discussione. I commenti sono moderati: niente insulti o messaggi offensivi."
    )
    assert policies.is_comment_rules(rules)
