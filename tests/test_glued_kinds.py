"""Boilerplate glued INSIDE a content paragraph (aggregator.enrich.glued), by kind: a "read
also" insert, an advertising marker, a credit after reporting, a correction note, a contact
line, a messenger prompt. The reporting stays, the boilerplate goes; reporting that uses
the same words, captions and the outlet's appeals are left whole.

Examples written for this test in the way outlets in these languages phrase them; none is
copied from a benchmark or fixture page (tests/fixtures/languages-dev9 phrases them
differently).
"""

from __future__ import annotations

import pytest

from aggregator.enrich.clean import Block
from aggregator.enrich.extract import clean_feed_html
from aggregator.enrich.glued import split_glued, split_insert, trailing_note

URL = "https://news.example/a"
OPENING = "<p>Der Landtag hat am Mittwoch den Haushalt für das kommende Jahr beschlossen.</p>"


def _clean(paragraph: str) -> tuple[str, list[str]]:
    out = clean_feed_html(f"{OPENING}<p>{paragraph}</p>", URL)
    return out.text, [r[1] for r in out.removed]


# ---- inserts: a "read also" line or an advertising marker inside the paragraph ----------

LINKED: list[tuple[str, str, str, str]] = [
    (
        "Die Feuerwehr war mit 40 Kräften im Einsatz und löschte den Brand nach zwei Stunden.",
        "Lesen Sie auch:",
        "Großbrand in Lagerhalle: Polizei ermittelt",
        "Verletzt wurde nach Angaben der Polizei niemand.",
    ),
    (
        "Il consiglio comunale ha approvato il nuovo piano della sosta con 21 voti favorevoli.",
        "Leggi anche:",
        "Strisce blu, le nuove tariffe quartiere per quartiere",
        "Le nuove regole entreranno in vigore a marzo.",
    ),
    (
        "Городские власти выделили на ремонт моста 1,2 млрд рублей.",
        "Читайте также:",
        "Какие улицы перекроют в выходные",
        "Работы начнутся весной и займут полтора года.",
    ),
]


@pytest.mark.parametrize(("before", "label", "headline", "after"), LINKED)
def test_a_read_also_link_inside_a_paragraph_goes(
    before: str, label: str, headline: str, after: str
) -> None:
    html = f'{before} <strong>{label}</strong> <a href="/x/1.html">{headline}</a> {after}'
    text, removed = _clean(html)
    assert before in text and after in text
    assert headline not in text
    assert f"{label} {headline}" in removed


def test_a_read_also_line_without_a_link_ends_the_paragraph() -> None:
    before = "La commune a voté mardi soir la gratuité des cantines pour les familles modestes."
    piece = "À lire aussi : Cantines scolaires, ces villes qui passent au bio"
    text, removed = _clean(f"{before} {piece}")
    assert text.endswith(before)
    assert removed == [piece]


def test_a_read_also_line_without_a_link_before_the_next_sentence() -> None:
    """The headline ends where a capitalised article opens the next sentence."""
    before = "A prefeitura anunciou a reforma de 12 praças da zona norte até o fim do ano."
    piece = "LEIA TAMBÉM: Obras da avenida principal atrasam mais uma vez"
    after = "Os moradores pediram mais iluminação e bancos novos."
    blocks = split_insert(Block(f"{before} {piece} {after}"))
    assert [b.text for b in blocks] == [piece, f"{before} {after}"]


@pytest.mark.parametrize(
    ("marker", "second"),
    [
        ("CONTINUA DEPOIS DA PUBLICIDADE", "Analistas esperam nova alta de juros em janeiro."),
        ("Реклама", "Аналитики ждут повышения ставки в январе."),
        # a bare label in capitals before a sentence that opens with a one-letter article
        ("VEJA TAMBÉM", "O Banco Central deve subir os juros em janeiro."),
    ],
)
def test_an_advertising_marker_between_two_sentences_goes(marker: str, second: str) -> None:
    first = "A inflação de serviços subiu 0,6% no mês, puxada por aluguéis e planos de saúde."
    text, removed = _clean(f"{first} {marker} {second}")
    assert f"{first} {second}" in text
    assert removed == [marker]


NO_INSERT: list[str] = [
    # a label in capitals before more capitals is a heading of its own, left whole
    "LIRE AUSSI SUR NOTRE SITE >> Réforme des retraites : ce qui change en janvier",
    # a label inside a sentence is no insert
    "Der Anwalt riet den Mietern, lesen Sie auch das Kleingedruckte, bevor Sie unterschreiben.",
    # reporting about reading and advertising
    "Die Verbraucherzentrale rät, vor dem Kauf auch die Testberichte zu lesen. Werbung für"
    " Kredite sei oft irreführend.",
    "Продажи рекламы в интернете выросли на 18%. Реклама на телевидении подешевела.",
]


@pytest.mark.parametrize("text", NO_INSERT)
def test_no_insert_in_reporting(text: str) -> None:
    assert split_insert(Block(text)) == [Block(text)]


# ---- trailing notes: after the paragraph's last sentence ---------------------------------

NOTES: list[tuple[str, str]] = [
    # a credit after two sentences of reporting
    (
        "Der Bahnhofsvorplatz wird ab Montag für sechs Monate umgebaut. Busse halten in dieser"
        " Zeit an der Ersatzhaltestelle in der Lindenstraße.",
        "(Foto: Reuters)",
    ),
    (
        "Lo sciopero dei mezzi pubblici ha bloccato la città per tutta la mattina. Metro e tram"
        " sono ripartiti solo nel primo pomeriggio.",
        "(foto Ansa)",
    ),
    (
        "В Казани открылся новый терминал аэропорта площадью 30 тысяч квадратных метров. Он"
        " сможет обслуживать до пяти миллионов пассажиров в год.",
        "Фото: пресс-служба аэропорта",
    ),
    (
        "12月5日，成都天府国际机场第二条航站楼正式投入使用。新航站楼设计年旅客吞吐量达到4000万人次。",
        "（中新社记者 刘忠俊 摄）",
    ),
    # a correction note
    (
        "El Ayuntamiento aprobó el presupuesto con los votos del equipo de gobierno.",
        "Fe de erratas: una versión anterior de esta noticia situaba la votación en jueves.",
    ),
    (
        "La Regione ha stanziato 40 milioni di euro per le piste ciclabili.",
        "Questo articolo è stato modificato il 5 dicembre per correggere la cifra dello stanziamento.",
    ),
    # the author's contact line
    (
        "Das Landgericht hat den Prozess gegen die drei Angeklagten auf März vertagt.",
        "Sie erreichen die Autorin unter justiz@zeitung.example",
    ),
    # a messenger prompt of the outlet
    (
        "Мэрия объявила конкурс на проект новой набережной с призовым фондом 10 млн рублей.",
        "Читайте «Вести Примера» в Telegram.",
    ),
]


@pytest.mark.parametrize(("head", "note"), NOTES)
def test_a_trailing_note_goes_and_the_reporting_stays(head: str, note: str) -> None:
    glued = f"{head}{note}" if head.endswith("。") else f"{head} {note}"
    assert trailing_note(glued) == (head, note)
    text, removed = _clean(glued)
    assert text.endswith(head)
    assert note in removed


KEPT: list[str] = [
    # reporting with the words of a prompt
    "Le ministère a invité les habitants à télécharger l'application de signalement des"
    " nids-de-poule. Plus de 8 000 signalements ont déjà été envoyés.",
    "« Je reçois trois newsletters par jour, mais je lis surtout le journal local », sourit"
    " la retraitée.",
    "Die Polizei bittet Zeugen, Fotos und Videos vom Unfallort über ein Hinweisportal hochzuladen.",
    "El alcalde pidió a los vecinos que se suscriban a las alertas por SMS del ayuntamiento.",
    # a caption: one sentence and its credit go whole
    "Polizisten vor dem Rathaus am Montagabend. (Foto: dpa)",
    # the outlet's appeal goes whole
    "Noi di Esempio crediamo in un giornalismo libero e indipendente dalla pubblicità."
    " Abbonati per sostenerci.",
    # a quote in the first person before a correction-like line
    "« Nous avons corrigé le tir après les critiques », a reconnu le maire. Cet article a été"
    " modifié pour préciser la date.",
]


@pytest.mark.parametrize("text", KEPT)
def test_no_note_split_off_reporting(text: str) -> None:
    assert trailing_note(text) is None


def test_a_figure_caption_is_never_split() -> None:
    caption = Block(
        "Der neue Zug bei der Probefahrt am Dienstag. Er soll ab Juni fahren. Foto: Bahn AG",
        "caption",
    )
    assert split_glued([caption]) == [caption]


# a source stamp after one short sentence of reporting (worded for this test)
SOURCE_STAMPS = [
    ("Die Sperrung soll bis Freitag dauern.", "(dpa-lnw)"),
    ("La séance reprendra lundi à 14 heures.", "(AFP)"),
    ("O novo horário entra em vigor em março.", "Com Lusa"),
    ("Il cantiere riaprirà a settembre.", "(ANSA)"),
    ("Матч перенесён на воскресенье.", "Источник: пресс-служба клуба"),
]
# a short last sentence that names a person, not a source: reporting
NOT_STAMPS = [
    "Der Stadtrat tagt am Montag. Mit Peter Müller.",
    "El concierto empieza a las nueve. Con Ana Belén.",
    "Le film sort mercredi. Avec Juliette Binoche.",
]


@pytest.mark.parametrize(("head", "stamp"), SOURCE_STAMPS)
def test_a_source_stamp_after_one_sentence_is_split_off(head: str, stamp: str) -> None:
    assert trailing_note(f"{head} {stamp}") == (head, stamp)


@pytest.mark.parametrize("text", NOT_STAMPS)
def test_a_name_after_a_sentence_stays(text: str) -> None:
    assert trailing_note(text) is None
