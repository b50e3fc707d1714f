"""The sixth round of issue 19's cleaning rules (after languages-dev5): kinds of in-article
boilerplate enumerated across languages: support and funding notes, Russia's advertising
label, shop deal boxes, read and view counters, lone "keep reading" links, rows of the
outlet's subscribe / send-news links, a portal's way back to its front page, WeChat's
"在看" asks, traditional-script editor stamps and app prompts, voseo and pictograph-led
teasers, an outlet's offers, self-promotion by the writer (my page,
this article, a like), and two kinds of short line the edges must keep (a sign-off, a bare
link the text introduces with a colon); then players' "listen to this article", reading times,
update stamps with a time only, comment links and headings, save/copied buttons, "was this
useful?" asks, most-read and all-news headings, traditional-script list headings, licence and
editor's notes, partner-content notes.

Every line was written for this test, not taken from the development sets
(tests/fixtures/languages-dev*); the negatives are reporting with the same words.
"""

from __future__ import annotations

import pytest

from aggregator.enrich.clean import Block, clean_structured
from tests.support.articles import P1, P2, P3, removed

# (language, boilerplate block): removed at the tail of an article
TAIL = [
    ("en", "This story was produced with the support of the Local News Fund."),
    ("de", "Dieser Beitrag entstand mit Unterstützung der Stiftung Lokaljournalismus."),
    ("fr", "Cet article a été réalisé avec le soutien du Fonds pour la presse régionale."),
    ("es", "Este reportaje se realizó con el apoyo de la Fundación Periodismo Local."),
    ("pt", "Esta reportagem foi produzida com apoio do Instituto Jornalismo Regional."),
    ("it", "Questo articolo è stato realizzato con il sostegno della Fondazione Territori."),
    ("ru", "Материал создан при поддержке Фонда президентских грантов."),
    ("ru", "Реклама. ООО «Ромашка», ИНН 7700000000, erid: 4CQwVszH9pW"),
    ("it", "Offerta del giorno: robot aspirapolvere scontato del 40%"),
    ("fr", "Bon plan : la friteuse sans huile à 59 euros. Voir l'offre"),
    ("es", "Auriculares inalámbricos con un 30 % de descuento. Ver la oferta"),
    ("zh", "阅读 12万"),
    ("zh", "閱讀 (8,812)"),
    ("ru", "1 204 просмотра"),
    ("pt", "Visualizações: 3.120"),
    ("es", "Sigue leyendo"),
    ("it", "Continua a leggere"),
    ("fr", "Lire la suite »"),
    ("zh", "展开全文"),
    ("ru", "Подписаться | Предложить новость"),
    ("es", "Suscribirse | Envía tu noticia"),
    ("zh", "返回网易，查看更多"),
    ("zh", "喜欢这篇文章，记得点个“在看”"),
    ("zh", "（責任編輯：黃志明）"),
    ("zh", "立即下載新聞App，掌握第一手消息"),
    ("zh", "加入LINE官方帳號，獨家新聞不漏接"),
    ("es", "Mirá también: El Gobierno anunció un nuevo plan de obras"),
    ("pt", "👉 Leia também: Prefeitura anuncia mutirão de limpeza"),
    ("fr", "Découvrez toutes nos offres numériques à partir de 1 € le premier mois"),
    ("pt", "*Com informações do Estadão Conteúdo"),
    ("it", "Questo post contiene link di affiliazione."),
    # players, reading times, update stamps, comment links, feedback asks, list headings
    ("es", "Escuchar esta noticia"),
    ("pt", "Ouvir a matéria"),
    ("it", "Ascolta questo articolo"),
    ("ru", "Прослушать материал"),
    ("zh", "听全文"),
    ("pt", "Tempo de leitura: 4 min"),
    ("de", "Lesedauer: ca. 6 Minuten"),
    ("zh", "本文阅读时间约5分钟"),
    ("es", "Actualizado a las 09:40 h."),
    ("pt", "Atualizado às 14h20"),
    ("es", "Ver todos los comentarios"),
    ("fr", "Rejoignez la discussion"),
    ("it", "Leggi i commenti"),
    ("ru", "Показать все комментарии"),
    ("es", "Copiado"),
    ("pt", "Salvar"),
    ("fr", "Cette page vous a-t-elle été utile ?"),
    ("es", "¿Te ha resultado útil esta información?"),
    ("it", "Questo articolo ti è stato utile?"),
    ("zh", "點擊查看全文"),
    ("zh", "熱門文章"),
    ("zh", "看更多"),
    ("pt", "Mais lidas do dia"),
    ("ru", "Последние новости"),
    ("it", "Tutte le notizie"),
    ("zh", "本文經作者授權轉載"),
    ("zh", "編者按：本文為讀者投書，不代表本報立場"),
    ("zh", "更多精彩內容請下載App"),
    ("fr", "Ce contenu provient de notre partenaire Ouest Régions."),
]

# promotion by the writer or the outlet: removed also between paragraphs
MIDDLE = [
    ("it", "Seguitemi sulla mia pagina Instagram per altre ricette!"),
    ("es", "Sígueme en mi canal de YouTube para ver más rutas."),
    ("fr", "Épinglez cette recette sur Pinterest pour la retrouver !"),
    ("ru", "Ставьте лайк и подписывайтесь на канал, чтобы не пропустить продолжение."),
]

# reporting with the same words: kept at the head, the tail and in the middle
REPORTING = [
    "Die Stiftung fördert mit Unterstützung des Landes zwölf Schulprojekte, sagte der Minister.",
    "Le projet a été financé par la Région avec le soutien de l'Europe, selon le maire.",
    "La obra se hizo con el apoyo de los vecinos, que aportaron 20.000 euros, según el alcalde.",
    "Реклама на остановках будет запрещена с июня, сообщили в мэрии.",
    "L'offerta del giorno dopo è arrivata dai sindacati, che hanno chiesto un nuovo incontro.",
    "Le nombre de vues de la vidéo a dépassé le million en deux jours.",
    "Il sindaco ha invitato i cittadini a continuare a leggere i bollettini della protezione civile.",
    "Подписаться на рассылку можно на сайте ведомства, уточнили в пресс-службе.",
    "该视频的阅读量已超过十万，网友纷纷留言。",
    "編輯部表示，將在下週公布調查結果。",
    "Mirá también lo que pasó en el Congreso, dijo el diputado a los periodistas en la puerta.",
    "Clicca qui, diceva il messaggio truffa che ha colpito migliaia di utenti su WhatsApp.",
    "Nos offres de logement social restent insuffisantes, reconnaît la ministre.",
    "Com informações da polícia, a família conseguiu localizar o carro no dia seguinte.",
    "Escuchar a los vecinos es la prioridad del nuevo alcalde, según su portavoz.",
    "Guardar silencio fue la estrategia de la defensa durante todo el juicio.",
    "Все новости о выборах публикуются на сайте избиркома.",
    "Mais lidas do que nunca, as bibliotecas públicas ampliaram o horário de funcionamento.",
    "Actualizado a las 18:05, el parte médico indica que el paciente sigue estable.",
    "Ver comentarios ofensivos en las redes afecta a los adolescentes, según un estudio.",
    "O estudo vem de um parceiro da universidade, que financiou a pesquisa, disse o reitor.",
    "本文由记者根据现场采访整理。",
    "阅读时间越长，孩子的词汇量往往越大。",
    "Tempo de leitura e compreensão melhoraram entre os alunos da rede municipal em 2023.",
]

# short lines the edges keep: a sign-off, a line the text introduces
KEEP_AT_TAIL = [
    ("de", ["Ich wünsche euch ein schönes Wochenende!", "Liebe Grüße, Anna"]),
    ("fr", ["À très vite pour la suite de nos aventures.", "Bisous, Claire"]),
    ("it", ["Alla prossima ricetta!", "Baci, Giulia"]),
    (
        "de",
        [
            "Wer den Aufruf unterstützen will, findet die Unterschriftenliste auf dieser Seite:",
            "https://www.beispiel-petition.de/radweg-hafen",
        ],
    ),
]


@pytest.mark.parametrize(("lang", "block"), TAIL + MIDDLE)
def test_boilerplate_kinds_are_removed_at_the_tail(lang: str, block: str) -> None:
    got = removed([P1, P2, P3, block])
    assert block in got, lang
    assert len(got) == 1


@pytest.mark.parametrize(("lang", "block"), MIDDLE)
def test_self_promotion_is_removed_between_paragraphs(lang: str, block: str) -> None:
    got = removed([P1, P2, block, P3])
    assert block in got, lang
    assert len(got) == 1


@pytest.mark.parametrize("sentence", REPORTING)
def test_reporting_with_the_same_words_is_kept(sentence: str) -> None:
    for blocks in ([sentence, P1, P2, P3], [P1, P2, sentence, P3], [P1, P2, P3, sentence]):
        assert removed(blocks) == {}, sentence


@pytest.mark.parametrize(("lang", "lines"), KEEP_AT_TAIL)
def test_sign_offs_and_introduced_lines_are_kept(lang: str, lines: list[str]) -> None:
    assert removed([P1, P2, P3, *lines]) == {}, lang
    # with the shipped classifier too
    got = clean_structured([Block(b) for b in [P1, P2, P3, *lines]])
    assert not got.removed, lang
