"""An outlet's statements about its own pages (aggregator/enrich/policies.py), machine notes
as strong evidence (desk.is_machine_note), and a "read also" label of teaser words glued
into a paragraph (glued._labels): removed anywhere; reporting with the same words stays."""

from __future__ import annotations

import pytest

from aggregator.enrich import desk, offers, policies
from aggregator.enrich.clean import Block, clean_structured
from aggregator.enrich.glued import split_glued

POLICIES = [
    "Die Kommentare werden moderiert. Beleidigende Beiträge löschen wir ohne Rückfrage.",
    "Les commentaires sont modérés. Tout propos insultant sera supprimé.",
    "Los comentarios son responsabilidad de sus autores; el medio se reserva el derecho de "
    "eliminarlos.",
    "Ao comentar, aceita as regras da comunidade. Comentários ofensivos serão removidos.",
    "I commenti sono moderati: non saranno pubblicati messaggi offensivi o discriminatori.",
    "Комментарии проходят модерацию. Оскорбления будут удалены.",
    "Las opiniones de este artículo son responsabilidad exclusiva del autor y no "
    "necesariamente reflejan la línea de la redacción.",
    "Мнение автора может не совпадать с позицией редакции.",
    "Um diesen Inhalt zu sehen, müssen Sie Cookies von Drittanbietern akzeptieren.",
    "Pour afficher ce contenu, vous devez accepter les cookies.",
    "此影片由YouTube提供。",
    "Atualização às 14h20: a prefeitura confirmou o fechamento da via.",
    "Обновлено в 18:40: добавлен комментарий министерства.",
    "Korrektur: In einer früheren Fassung stand, die Brücke sei 40 Meter lang.",
    "Alguns links deste texto são de afiliados: se comprar por eles, recebo uma pequena comissão.",
    "Cet article est publié à titre informatif et ne remplace pas l'avis d'un médecin.",
    "(Con información de la agencia EFE)",
    "12:04 / 38:10",
    "Video: Hochwasser an der Mosel | 3 Min | Verfügbar bis 01.10.2027",
    "Hier steht ein Inhalt eines Drittanbieters. Wenn Sie ihn laden, werden personenbezogene "
    "Daten übermittelt.",
    "(ANSA)",
    "— Avec l'Agence France-Presse",
    "Ce billet n'est pas sponsorisé : j'ai tout payé de ma poche.",
    "＊本文所有費用自付，並無收取任何贊助。",
    "Материал подготовлен с использованием информации ТАСС.",
    "Mit Material von dpa und AFP.",
    "Com Lusa",
    "(ANSA-red)",
    "Umfrage: Fahren Sie mit dem Rad zur Arbeit? Stimmen Sie ab!",
    "Transparenzhinweis: Der Hersteller hat uns das Gerät kostenlos überlassen.",
    "（文中当事人均为化名）",
    "Este post não é patrocinado. As opiniões são minhas.",
    "更正啟事：本文原誤植數量為36家，特此更正。",
    "Le opinioni espresse in questa rubrica sono personali dell'autore.",
]

REPORTING = [
    "Die Stadt hat die Kommentarfunktion auf ihrer Seite abgeschaltet, teilte ein Sprecher mit.",
    "Le réseau social a supprimé des milliers de commentaires haineux, selon le rapport.",
    "Per vedere la partita i tifosi dovevano accettare i cookie di terze parti, denunciano le "
    "associazioni.",
    "Actualizado a las 18:05, el parte médico indica que el paciente sigue estable.",
    "Update 2019-01-26: the day after posting this I spilled water on my laptop.",
    "La opinión de los vecinos es clara: el autor del proyecto debe rectificar.",
    "Der Arzt betonte, eine App ersetzt keine ärztliche Untersuchung, sie könne aber helfen.",
    "Korrektur der Prognose: Die Bundesbank erwartet nun 0,8 Prozent Wachstum.",
    "Les liens entre le club et son sponsor rapportent une commission au maire, selon l'enquête.",
    "(Source: Power BI Dashboard Templates)",
    "Il match è finito 2:1 / 3:0 ai rigori.",
    "(NASA/GSFC)",
    "Le sponsor du club a payé les maillots, selon le président.",
    "По информации ТАСС, в городе открыли новый парк.",
    "Die Umfrage ergab, dass 60 Prozent für das Verbot stimmen.",
    "Der Kanzler sagte, die dpa habe falsch berichtet.",
    "Die Namen der Straßen wurden geändert, um Verwechslungen zu vermeiden, sagte der Bürgermeister.",
    # a forecast with its source glued on: the paragraph is reporting (glued.py splits it)
    "Se prevé que el frente frío se disipe a partir del jueves. Con información de Agencia NL.",
]


@pytest.mark.parametrize("text", POLICIES)
def test_house_policy_is_recognised(text: str) -> None:
    assert policies.is_house_policy(text)


@pytest.mark.parametrize("text", REPORTING)
def test_reporting_is_no_house_policy(text: str) -> None:
    assert not policies.is_house_policy(text)


P1 = Block(
    "Il consiglio comunale ha approvato martedì il piano per il nuovo ponte sul fiume, con un "
    "investimento di 40 milioni di euro distribuito su cinque anni."
)
P2 = Block("I lavori dovrebbero iniziare in primavera, secondo l'assessore ai trasporti.")


def test_machine_note_goes_from_the_middle() -> None:
    note = (
        "Il sommario in apertura è stato scritto con l’aiuto di uno strumento di intelligenza "
        "artificiale e verificato dalla redazione."
    )
    assert desk.is_machine_note(note)
    got = clean_structured([P1, Block(note), P2])
    assert [b.text for b in got.kept] == [P1.text, P2.text]


@pytest.mark.parametrize(
    "note",
    [
        "Статья переведена с латышского языка с помощью машинного перевода и отредактирована.",
        "以上内容由AI辅助整理，经编辑审核后发布。",
    ],
)
def test_machine_notes_in_russian_and_chinese(note: str) -> None:
    assert desk.is_machine_note(note)


def test_reporting_about_ai_stays_in_the_middle() -> None:
    text = "La Commissione ha scritto una guida sull'uso dell'intelligenza artificiale a scuola."
    assert not desk.is_machine_note(text)
    got = clean_structured([P1, Block(text), P2])
    assert text in [b.text for b in got.kept]


def _html(before: str, label: str, headline: str) -> Block:
    text = f"{before} {label} {headline}"
    return Block(
        text,
        "p",
        len(headline),
        f'<p>{before} <br> <strong>{label}</strong> <a href="/x">{headline}</a></p>',
    )


def test_a_label_of_teaser_words_glued_after_reporting_is_split_off() -> None:
    before = "Стоимость работ составила 312 миллионов рублей из областного бюджета."
    block = _html(before, "По теме:", "В Калининграде выбрали пять территорий для парков")
    got = split_glued([block])
    assert [b.text for b in got] == [
        "По теме: В Калининграде выбрали пять территорий для парков",
        before,
    ]


def test_a_colon_after_ordinary_words_is_no_label() -> None:
    before = "Стоимость работ составила 312 миллионов рублей."
    block = _html(before, "Глава района:", "Работы закончат к осени")
    assert [b.text for b in split_glued([block])] == [block.text]


DEALS = [
    "Per i lettori di Quinta Esempio: biglietti ridotti a 18 euro con il codice QE25.",
    "Читателям «Сцены» – скидка 10% на билеты по промокоду SCENA10.",
    "Anzeige · Jetzt zu OstalbStrom wechseln und 50 Euro Neukundenbonus sichern.",
    "贊助內容｜樂齡理財講座，名額有限，立即登記。",
    "Jobs bei Beispielwelt: Wir suchen eine Redakteurin oder einen Redakteur (m/w/d).",
    "Offres d'emploi : 38 postes de chauffeurs à pourvoir sur Terres Emploi.",
    "PUBLI-INFORMATION – Semis d'automne : découvrez la nouvelle gamme de semoirs.",
    "Suscríbete al Diario del Ejemplo por $49 al mes y lee sin límites en tu celular.",
    "記得Follow我哋專頁，睇更多香港周末好去處！",
]
NO_DEALS = [
    "Los lectores del diario votaron el mejor bar; el ganador ofrece un descuento a jubilados, "
    "dijo su dueño.",
    "Werbung für Tabak ist in Deutschland weitgehend verboten.",
    "Die Klinik sucht dringend Pflegekräfte (m/w/d), sagte der Geschäftsführer.",
    "А мы предлагаем вам выбрать самого крутого фудблогера Instagram по версии журнала!",
]


@pytest.mark.parametrize("text", DEALS)
def test_reader_deals_and_advertising_lines_are_promotions(text: str) -> None:
    assert offers.is_promotion(text)


@pytest.mark.parametrize("text", NO_DEALS)
def test_reporting_about_discounts_and_advertising_is_not(text: str) -> None:
    assert not offers.is_promotion(text)


def test_a_source_line_glued_to_reporting_is_split_off() -> None:
    before = (
        "O técnico do Goiás elogiou a reação e disse que a conversa no intervalo foi dura, mas "
        "necessária para o time."
    )
    block = Block(f"{before} (Com informações da Agência Estado)", "p", 0, "")
    assert [b.text for b in split_glued([block])] == [before, "(Com informações da Agência Estado)"]
