"""The fourth round of issue 19's cleaning rules (after languages-dev4): notes about the article
itself (provenance, subscriber notes; aggregator/enrich/notes.py), the outlet's own promos
between paragraphs (cues.is_house_promo), comment counts, credit and update lines, video and
audio player texts (boilerplate.toml), and more ways to address the reader in a call to action.

Positives are worded unlike the development sets (tests/fixtures/languages-dev*); negatives
are reporting with the same words, which must be kept in the middle and at the edges.
"""

from __future__ import annotations

import pytest

from aggregator.enrich import cues, notes
from aggregator.enrich.clean import Block, clean_structured
from tests.support.articles import P1, P2, P3, removed

PROVENANCE = [
    "Dieser Beitrag erschien zuerst im Magazin der Wochenendausgabe.",
    "Cet entretien a d'abord été publié dans notre édition du week-end.",
    "Este reportaje se publicó originalmente en la edición impresa del domingo.",
    "Esta reportagem foi publicada originalmente na revista de fevereiro.",
    "Questo articolo è stato pubblicato sul numero di aprile della rivista.",
    "Эта статья впервые опубликована в мартовском номере журнала.",
    "本文首发于微信公众号“城市笔记”。",
    "Diese Nachricht wurde automatisch erstellt und nicht redaktionell bearbeitet.",
]
SUBSCRIBER = [
    "Bereits Abonnent? Dann melden Sie sich hier an, um weiterzulesen.",
    "Déjà abonné ? Connectez-vous pour lire la suite.",
    "¿Ya eres suscriptor? Inicia sesión para seguir leyendo.",
    "Sei già abbonato? Accedi per leggere l'articolo completo.",
    "Уже есть подписка? Войдите, чтобы читать дальше.",
]
PROMOS = [
    "Ihr wollt keine Folge verpassen? Dann abonniert unseren Podcast auf Spotify.",
    "¿Quieres recibir nuestras guías? Suscríbete a nuestro boletín y te las enviamos gratis.",
    "Vous aimez nos tests ? Abonnez-vous à notre chaîne YouTube.",
]
LINES = [
    ("comments", "14 Kommentare zu „Wie wir unseren Garten umgebaut haben“"),
    ("comments", "23 commentaires sur « Notre voyage en Bretagne »"),
    ("comments", "Commenti (12)"),
    ("comments", "Identifiez-vous pour commenter cet article."),
    ("credit", "Revisão: Carla Mendes"),
    ("credit", "题图来源｜图虫创意"),
    ("media", "Video abspielen"),
    ("media", "Dieses Video ist in Ihrem Land leider nicht verfügbar"),
    ("media", "Cet article est lu par une voix de synthèse."),
]
CALLS = [
    "Hat dir der Beitrag gefallen? Dann teile ihn mit deinen Freunden!",
    "Se gostou, partilhe com quem também gosta de jardinagem.",
    "Contadnos en los comentarios qué os ha parecido.",
    "Если статья была полезной, оцените её и подпишитесь на канал.",
    "Envie d'en parler ? Rejoignez notre serveur Discord.",
]

REPORTING = [
    # an article, an edition and publishing in the news
    "Der Artikel erschien 1998 in der Zeitschrift Nature und wurde seither tausendfach zitiert.",
    "La nouvelle édition du festival a été publiée au Journal officiel, selon la préfecture.",
    "El informe fue publicado en la edición de marzo de la revista, según el ministerio.",
    # subscribers and logging in
    "Die Zahl der Abonnenten stieg im vergangenen Jahr auf 1,2 Millionen, teilte der Verlag mit.",
    "Les abonnés devront se connecter avec un mot de passe à partir de juin, selon l'opérateur.",
    # a newsroom, comments and videos in the news
    "Le ministre a commenté la vidéo diffusée par la rédaction de la chaîne, selon l'AFP.",
    "Il video della protesta è stato visto da migliaia di persone, secondo la questura.",
    "Die Stadt hat eine App für Hinweise auf Schlaglöcher gestartet, sagte der Bürgermeister.",
]


@pytest.mark.parametrize("text", PROVENANCE)
def test_provenance_notes(text: str) -> None:
    assert notes.is_provenance_note(text)


@pytest.mark.parametrize("text", SUBSCRIBER)
def test_subscriber_notes(text: str) -> None:
    assert notes.is_subscriber_note(text)


@pytest.mark.parametrize("text", PROMOS)
def test_house_promos_go_anywhere(text: str) -> None:
    assert cues.is_house_promo(text)
    got = removed([Block(P1), Block(text), Block(P2), Block(P3)])
    assert list(got) == [text]


@pytest.mark.parametrize("text", CALLS)
def test_more_calls_to_action(text: str) -> None:
    assert cues.is_call_to_action(text)


@pytest.mark.parametrize(("name", "text"), LINES)
def test_comment_credit_and_player_lines(name: str, text: str) -> None:
    assert removed([Block(P1), Block(P2), Block(P3), Block(text)]).get(text) == name


@pytest.mark.parametrize("text", PROVENANCE + SUBSCRIBER)
def test_notes_go_at_the_edges_and_stay_in_the_middle(text: str) -> None:
    assert text in removed([Block(P1), Block(P2), Block(P3), Block(text)])
    # a phrase of boilerplate.toml may take a note anywhere ("Déjà abonné ?"); these tests not
    middle = removed([Block(P1), Block(text), Block(P2), Block(P3)])
    assert middle.get(text) not in {"provenance_signals", "subscriber_signals"}


@pytest.mark.parametrize("text", REPORTING)
def test_reporting_with_the_same_words_is_no_note(text: str) -> None:
    assert not notes.is_provenance_note(text)
    assert not notes.is_subscriber_note(text)
    assert not cues.is_house_promo(text)
    assert not cues.is_call_to_action(text)


@pytest.mark.parametrize("text", REPORTING)
def test_reporting_with_the_same_words_is_kept_at_the_edges(text: str) -> None:
    blocks = [Block(text), Block(P1), Block(P2), Block(P3), Block(text)]
    assert len(clean_structured(blocks, model=None).kept) == 5
