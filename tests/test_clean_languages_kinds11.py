"""The eleventh round of issue 19's cleaning rules (after languages-dev11): listen widgets, a
broadcaster's box ends, players that cannot play, consent the other way round, ad breaks, list
buttons, live-blog links, agency tags, automation notes, programme lines, sponsored labels, job
ads, Chinese editor stamps and disclaimers, messenger sign-ups, member-only paywalls, appeals
that thank subscribers, comment disclaimers, update notes, app prompts and highlight headings;
and a Chinese report of people sharing to their WeChat moments, which is no call to share.

Every line was written for this test, not taken from the development sets
(tests/fixtures/languages-dev*); the negatives are reporting with the same words.
"""

from __future__ import annotations

import pytest

from tests.support.articles import P1, P2, P3, removed

# (kind, line): removed between paragraphs and at the tail (strong)
STRONG = [
    ("listen", "Artikel anhören (2:10)"),
    ("listen", "Écouter l'article 4 min"),
    ("listen", "Этот материал можно послушать"),
    ("listen", "收听本文"),
    ("box end", "Audio 04:12 Min. | hr4 Ende des Audiobeitrags"),
    ("no player", "Vídeo no disponible en tu región."),
    ("no player", "Riproduzione non disponibile. Guarda su RaiPlay."),
    ("no player", "La vidéo ne peut pas être lue. Réessayez plus tard."),
    ("consent", "Pour voir ce contenu, acceptez les cookies de la plateforme."),
    ("consent", "Aceptar y ver"),
    ("ad break", "Publicidad - Sigue leyendo debajo"),
    ("ad break", "Anzeige – Weiterlesen nach der Anzeige"),
    ("list button", "Aggiungi alla mia lista"),
    ("live link", "Suivez ici le direct de la soirée électorale"),
    ("agency tag", "(dpa/lby)"),
    ("agency tag", "(EFE)"),
    ("automation", "Este texto fue generado automáticamente a partir de datos de la agencia."),
    ("automation", "Questo articolo è stato scritto con l'ausilio di strumenti automatici."),
    ("programme", "Sendung: WDR 5 Morgenecho, 02.12.2026, 07:15 Uhr"),
    ("sponsored", "Contenido patrocinado por Banco del Litoral"),
    ("job ad", "Wir suchen eine Redakteurin (m/w/d) für unser Sportressort. Jetzt bewerben!"),
    ("zh stamps", "责任编辑：刘洋 校对：王芳"),
    ("zh stamps", "〔記者王大明／高雄報導〕"),
    ("zh disclaimer", "本文仅代表作者个人观点，不代表本网立场。"),
    ("zh dateline", "财经示例讯 12月1日下午消息"),
    ("zh caption", "▲外滩跨年灯光秀 摄影/张伟"),
    ("messenger", "Receba as notícias da sua cidade no seu WhatsApp"),
    ("messenger", "Recibe las noticias de Cali en tu WhatsApp: únete al canal."),
    ("zh follow", "【按此追蹤我們的Instagram帳號】"),
    ("zh paywall", "本文为会员专享内容，订阅后即可畅读。"),
    ("thanks subscribers", "Restiamo liberi e gratuiti grazie a chi si abbona: scopri come."),
    ("comments disclaimer", "Los comentarios no representan la opinión del medio."),
    ("update", "Esta noticia se está actualizando."),
    ("update", "Aggiornato alle 18:05 con la nota della Regione."),
    ("app", "Alle Tore und Tabellen: Jetzt die Sport-App laden!"),
    ("highlights", "Notizie in evidenza"),
]

REPORTING = [
    "Sendung: Das Wort nutzte der Minister gestern mehrfach, um die Reform zu erklären.",
    "Programa: el Gobierno presentó su programa de vivienda con 20.000 pisos nuevos.",
    "Aggiornato alle 15:40 il bollettino, la Protezione civile ha confermato due vittime.",
    "Il video non può essere riprodotto in tribunale, ha stabilito il giudice, perché è stato girato senza consenso.",
    "Per vedere la partita i tifosi dovevano accettare i cookie di terze parti, denunciano le associazioni.",
    "Os comentários não representam a opinião do jornal, disse o diretor ao tribunal.",
    "Die Firma sucht Fachkräfte und wirbt auf Plakaten: Jetzt bewerben!",
    "Reuters berichtete zuerst über den Fall, später bestätigte die Polizei die Festnahme (dpa).",
    "不少市民一早赶来体验，有人在车厢内拍照、录视频分享到朋友圈。",
    "Receba notícias falsas no WhatsApp e desconfie, alertou o tribunal eleitoral.",
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
