"""The eighth round of issue 19's cleaning rules (after languages-dev7): the newsroom's notes
to its reader, found by evidence (:mod:`aggregator.enrich.desk`: AI and machine-translation
notes, tip lines, podcast prompts, an outlet's appeal for itself) and kinds added as patterns
across languages (home links, push and app prompts, login walls, messenger channels,
discussion prompts, read-also headings, zh picture credits, sponsor labels, dated agency and
CNA stamps, print stamps, contributor credits, corrections and update notes, zh platform and
copyright statements, breaking-news stubs).

Every line was written for this test, not taken from the development sets
(tests/fixtures/languages-dev*); the negatives are reporting with the same words.
"""

from __future__ import annotations

import pytest

from aggregator.enrich.stamps import trailing_stamp
from tests.support.articles import P1, P2, P3, removed

# (language, line): removed at the tail of an article (weak kinds: the edges only)
TAIL = [
    ("de", "Dieser Beitrag wurde mithilfe von KI aus dem Englischen übersetzt."),
    (
        "de",
        "Hinweis: Dieser Text wurde mit Hilfe einer künstlichen Intelligenz erstellt und redaktionell geprüft.",
    ),
    (
        "fr",
        "Cet article a été traduit de l'anglais à l'aide d'un outil d'intelligence artificielle.",
    ),
    (
        "es",
        "Este artículo fue traducido con ayuda de inteligencia artificial y revisado por la redacción.",
    ),
    (
        "pt",
        "Esta reportagem foi traduzida com recurso a inteligência artificial e revista por um jornalista.",
    ),
    ("it", "Questo articolo è stato tradotto con l'ausilio dell'intelligenza artificiale."),
    ("ru", "Эта статья переведена с помощью нейросети и отредактирована."),
    ("zh", "本文由AI翻译，经编辑校对。"),
    (
        "de",
        "Sie wissen mehr über diesen Fall? Schreiben Sie unserer Redaktion an tipps@zeitung-beispiel.de.",
    ),
    (
        "fr",
        "Vous avez des informations sur ce dossier ? Contactez la rédaction en toute confidentialité.",
    ),
    ("es", "¿Sabes algo más de esta historia? Cuéntaselo a la redacción en el 600 000 000."),
    ("pt", "Tem uma informação que merece ser investigada? Envie para a redação pelo WhatsApp."),
    (
        "it",
        "Hai informazioni su questa vicenda? Scrivi alla redazione: la tua identità resterà riservata.",
    ),
    ("ru", "Если у вас есть информация об этом случае, напишите в редакцию."),
    ("zh", "新闻线索请拨打本报热线：0571-00000000"),
    ("pt", "Erramos: a versão anterior desta matéria informava a data errada da votação."),
    ("ru", "Поправка: в предыдущей версии статьи была неверно указана фамилия министра."),
    ("zh", "【更正】本報前日報道有關數字有誤，特此更正。"),
    ("fr", "Mise à jour, 18 h 05 : ajout de la réaction du maire."),
    ("it", "Questo articolo è stato aggiornato alle 19:10 con la replica dell'azienda."),
    ("es", "Esta noticia fue actualizada a las 20:15 con nuevos datos del ministerio."),
    ("pt", "Colaboraram Ana Ribeiro e João Costa, do Rio"),
    ("es", "Colaboró Daniela Ortiz, desde Lima"),
    ("de", "Zur Startseite"),
    ("it", "Torna alla home"),
    ("ru", "Вернуться на главную"),
    ("zh", "返回首頁"),
    ("zh", "本文僅代表作者個人觀點，不代表本網立場。"),
    ("zh", "未經本網授權，不得轉載、摘編或以其他方式使用。"),
    ("es", "Si ya tienes una cuenta, inicia sesión aquí."),
    ("fr", "Vous êtes déjà abonné ? Connectez-vous."),
    # probe lines written as sites word these kinds (not from any fixture)
    ("fr", "Les informations de cet article sont susceptibles d'évoluer."),
    ("fr", "Publié aujourd'hui à 10h32, mis à jour à 12h05"),
    ("pt", "Atualizado há 3 horas"),
    ("fr", "Réservé aux abonnés"),
    ("es", "Ya soy suscriptor"),
    ("es", "Continúa leyendo con tu suscripción"),
    ("it", "Leggi l'articolo completo"),
    ("ru", "Уже подписаны? Войдите"),
    ("fr", "Offre spéciale : 1€ par mois pendant 6 mois"),
    ("fr", "Ajoutez notre site à vos favoris sur Google Actualités"),
    ("it", "Ricevi le notizie su WhatsApp"),
    ("fr", "Nos journalistes ont sélectionné pour vous ces articles"),
    ("fr", "Les plus partagés"),
    ("es", "Las más leídas"),
    ("es", "Lee más noticias de Colombia aquí"),
    ("pt", "Fotografia: Lusa"),
    ("it", "Fonte foto: Imagoeconomica"),
    ("it", "ANSA/Ciro Fusco"),
    ("pt", "Agência Lusa"),
    ("fr", "Photo d'illustration Pixabay"),
    ("zh", "视觉中国供图"),
    ("zh", "中央社記者攝"),
    ("zh", "圖片來源：中央社"),
    ("zh", "本文已于12月3日更新"),
    ("zh", "更新時間：2024/12/03 12:05"),
    ("es", "Por: Redacción"),
    ("fr", "Avec notre correspondant à Bruxelles, Pierre Durand"),
    ("it", "Con la collaborazione di Marco Verdi"),
    ("ru", "Редакция может не разделять мнение автора"),
    ("pt", "Os comentários são da responsabilidade dos seus autores."),
    ("fr", "Cet article a été traduit de l'anglais."),
    ("it", "Articolo tradotto automaticamente."),
    ("it", "Questo articolo è disponibile anche in inglese."),
    ("ru", "Олег Петров"),
]

# (language, line): removed between paragraphs and at the tail (strong kinds)
MIDDLE = [
    (
        "de",
        "Hören Sie unseren Podcast „Tagesgespräch“ – jeden Morgen neu bei Spotify und in der App.",
    ),
    ("fr", "Écoutez le nouvel épisode de notre podcast sur l'actualité locale."),
    ("es", "Nuevo episodio cada lunes: nuestro pódcast de economía, en todas las plataformas."),
    ("pt", "Ouça o podcast de política da redação, disponível em todas as plataformas."),
    ("it", "Ascolta il podcast del giorno su tutte le piattaforme."),
    ("ru", "Послушайте новый выпуск нашего подкаста о городе на всех площадках."),
    ("de", "Wir brauchen Ihre Unterstützung, damit unser Journalismus unabhängig bleibt."),
    ("fr", "Nous avons besoin de vous pour continuer à enquêter en toute indépendance."),
    ("es", "Necesitamos tu apoyo para seguir haciendo periodismo independiente."),
    ("ru", "Нам нужна ваша поддержка, чтобы и дальше работать независимо."),
    ("fr", "Sans lecteurs, pas de journalisme libre."),
    ("de", "Der „Tagesbote“ bleibt frei lesbar. Wir brauchen Ihre Hilfe, um weiter zu berichten."),
    ("de", "Aktivieren Sie Push-Benachrichtigungen, um keine Eilmeldung zu verpassen"),
    ("zh", "更多精彩內容，盡在示例新聞App"),
    ("pt", "Cadastre-se gratuitamente para continuar lendo"),
    ("it", "Registrati gratis per continuare a leggere"),
    ("de", "Jetzt kostenlos registrieren und weiterlesen"),
    ("zh", "登录后即可阅读全文"),
    ("es", "Únete a nuestro canal de Telegram para recibir las noticias de la región"),
    ("it", "Unisciti al canale WhatsApp della redazione"),
    ("zh", "關注我們的Telegram頻道，第一時間獲取新聞"),
    ("de", "Passend dazu"),
    ("fr", "A lire également"),
    ("zh", "图片说明，当地居民在广场排队领取物资。"),
    ("it", "Contenuto sponsorizzato da Banca Esempio"),
    ("es", "Contenido patrocinado"),
    ("de", "Dieses Projekt wird gefördert von der Stiftung Lokaljournalismus Beispiel."),
    ("ru", "Журнал «Пример» №12 от 01.12.2024, с. 14"),
    ("pt", "Nossos jornalistas estão acompanhando o caso. Matéria em atualização."),
    ("es", "Nuestros periodistas siguen la sesión en directo."),
    # promo boxes and stamps probed between paragraphs
    ("pt", "Baixe o aplicativo e receba notícias em tempo real"),
    ("ru", "Скачайте наше приложение"),
    ("es", "Recibe nuestra newsletter diaria"),
    ("fr", "L'essentiel de l'actu chaque matin dans votre boîte mail"),
    ("pt", "Esta matéria é exclusiva para assinantes"),
    ("ru", "Материал доступен только подписчикам"),
    ("pt", "Continue lendo com acesso ilimitado"),
    ("fr", "Vous lisez un article en accès libre. Pour soutenir notre travail, abonnez-vous."),
    ("es", "Actualizado el 3 de diciembre de 2024 a las 10:15"),
    ("it", "Ultimo aggiornamento: 3 dicembre 2024"),
    ("fr", "Propos recueillis par Marie Martin"),
    ("pt", "Por Redação, com informações do Estadão Conteúdo"),
    ("zh", "（本文来自示例新闻，更多原创资讯请下载“示例新闻”APP）"),
    ("zh", "扫码下载客户端"),
    ("it", "Riproduzione vietata"),
    # a second probe round, German-led
    ("de", "Umfrage: Was halten Sie von der neuen Grundsteuer?"),
    ("es", "Encuesta: ¿Estás de acuerdo con cerrar el centro a los coches?"),
    ("ru", "Опрос: вы поддерживаете продление линии метро?"),
    ("de", "Artikel vorlesen lassen"),
    ("de", "Zum Kommentarbereich"),
    ("de", "Mit Plus weiterlesen"),
    ("de", "Liveticker: Alle Entwicklungen im Überblick"),
    ("de", "Schlagworte"),
    ("de", "Mehr aus Hamburg"),
    ("de", "mit dpa"),
    ("it", "Video: Reuters"),
    # a third probe round: buttons, live labels, datelines, headings, partner labels
    ("fr", "Lire plus tard"),
    ("es", "Guardar artículo"),
    ("ru", "В закладки"),
    ("pt", "Ir para os comentários"),
    ("fr", "Voir les 12 commentaires"),
    ("zh", "进入评论区"),
    ("es", "Escuchar artículo"),
    ("es", "Directo | Última hora del temporal"),
    ("ru", "Срочно"),
    ("zh", "突发"),
    ("fr", "Envoyée spéciale à Gaza"),
    ("ru", "Специальный корреспондент в Харькове"),
    ("ru", "Другие новости Москвы"),
    ("zh", "更多上海新闻"),
    ("zh", "本文标签：经济"),
    ("fr", "Contenu partenaire"),
    ("pt", "Conteúdo de marca"),
    ("ru", "На правах рекламы"),
    ("zh", "品牌内容"),
    ("fr", "Cet article vous est proposé par notre partenaire"),
]

# (sentence, stamp) glued at a paragraph's end: the stamp is split off
GLUED = [
    ("Die Gemeinde will die Gebühren im kommenden Jahr nicht erhöhen.", "(APA, 12.3.2024)"),
    ("Der Landtag entscheidet im April über den Entwurf.", "(Eva Muster, 12.3.2024)"),
    ("行政院表示將審慎評估。", "（譯者：王小華／核稿：陳大文）1130312"),
]

# reporting with the same words: kept at the head, the tail and in the middle
REPORTING = [
    "Der Verlag will künftig Agenturtexte mit KI übersetzen lassen, kündigte die Chefredaktion an.",
    "Ce texte, rédigé par la Commission, encadre l'usage de l'IA dans les écoles primaires.",
    "La universidad presentó una herramienta de inteligencia artificial que traduce textos legales.",
    "Die Polizei bittet um Hinweise: Wer etwas gesehen hat, soll sich unter 0911 2112 melden.",
    "Hinweise an die Redaktion nahm der Verlag früher nur per Post entgegen.",
    "La policía pide a quien tenga información que llame al 091; ya hay dos detenidos.",
    "Der Podcast des Senders erreichte im November 1,2 Millionen Abrufe.",
    "El pódcast más escuchado en Spotify este año fue un programa de historia.",
    "Il nuovo episodio della serie sarà girato a Matera la prossima primavera.",
    "«Нам нужна ваша помощь, чтобы и дальше помогать детям», — говорит директор фонда.",
    "Wir brauchen Ihre Unterstützung, um weiter unabhängig zu bleiben, schrieb der Verein auf seiner Website.",
    "Sans lecteurs, les bibliothèques de quartier ferment les unes après les autres.",
    "Cet article de la loi a été modifié par les députés en commission.",
    "Статья была дополнена новыми положениями о штрафах.",
    "Gesponsert wird das Turnier seit zehn Jahren von der örtlichen Sparkasse.",
    "Colaboró con la investigación el Instituto Nacional de Toxicología.",
    "При участии Минобороны в регионе прошли учения.",
    "并提醒市民关注官方公众号发布的办理指南，按时提交材料。",
    "Die App soll Push-Benachrichtigungen bei Unwettern verschicken, sobald der Dienst startet.",
    "O aplicativo permite que o usuário se cadastre para continuar recebendo o benefício.",
    "Il canale WhatsApp del Comune conta ormai 40.000 iscritti.",
    "Los periodistas siguen la sesión desde la tribuna de prensa del Congreso.",
    "La Stiftung Lokaljournalismus ha finanziato dieci progetti nel 2023.",
    "Publicado hoy en el BOE, el decreto entra en vigor mañana.",
    "Les plus partagés des messages de la campagne venaient de comptes automatisés.",
    "La agencia EFE distribuyó las imágenes del accidente a medios de todo el mundo.",
    "Avec notre aide, la commune a rénové l'école en six mois, a expliqué le maire.",
    "Cet article du règlement a été traduit dans les 24 langues de l'Union.",
    "Le informazioni sul cantiere sono state pubblicate dal Comune ieri sera.",
    "Google News ha eliminado los enlaces a medios españoles durante ocho años.",
    "Редакция журнала переехала в новое здание на Тверской.",
    "Os comentários do ministro irritaram a oposição na Câmara.",
    "Recibe la ayuda quien tenga ingresos inferiores al salario mínimo.",
    "Actualizado el censo, la ciudad supera por primera vez el millón de habitantes.",
    "Por redacción del contrato se entiende también cada anexo firmado por las partes.",
    "下载量最高的应用中，有三款来自本地企业。",
    "Umfrage: Wie viele Deutsche würden sie heute noch wählen?",
    "Merken Sie sich den Termin: Am 12. März beginnt die Anmeldung.",
    "Themen der Sitzung waren die Schulen und der Hafen.",
    "Video zeigt, wie das Wasser in die Tiefgarage läuft.",
    "Guardar silencio fue la estrategia de la defensa durante todo el juicio.",
    "Enviado especial a Kiev, el ministro se reunió con su homólogo ucraniano.",
    "Más noticias llegaron por la tarde: el puerto reabrirá el lunes.",
    "La corresponsal en Bruselas del diario fue premiada por su cobertura de la cumbre.",
    "广告投放量今年下降了百分之十。",
    "Срочно эвакуировать жителей потребовал глава района.",
]


@pytest.mark.parametrize(("lang", "line"), TAIL)
def test_newsroom_notes_are_removed_at_the_tail(lang: str, line: str) -> None:
    got = removed([P1, P2, P3, line])
    assert line in got, lang
    assert len(got) == 1


@pytest.mark.parametrize(("lang", "line"), MIDDLE)
def test_strong_kinds_are_removed_between_paragraphs(lang: str, line: str) -> None:
    got = removed([P1, P2, line, P3])
    assert line in got, lang
    assert len(got) == 1


@pytest.mark.parametrize(("lang", "line"), MIDDLE)
def test_strong_kinds_are_removed_at_the_tail(lang: str, line: str) -> None:
    got = removed([P1, P2, P3, line])
    assert line in got, lang
    assert len(got) == 1


@pytest.mark.parametrize(("sentence", "stamp"), GLUED)
def test_dated_stamps_are_split_off(sentence: str, stamp: str) -> None:
    assert trailing_stamp(f"{sentence} {stamp}") == (sentence, stamp)
    assert stamp in removed([P1, P2, stamp])


@pytest.mark.parametrize("sentence", REPORTING)
def test_reporting_with_the_same_words_is_kept(sentence: str) -> None:
    assert removed([sentence, P1, P2]) == {}
    assert removed([P1, sentence, P2]) == {}
    assert removed([P1, P2, sentence]) == {}


def test_a_capitalised_my_word_names_a_service_and_is_no_house_promo() -> None:
    # "Meu INSS" is an app's name, not the writer's own page; (at the edges a share
    # pattern still takes an app's download step: a known limit)
    step = "Baixe o aplicativo Meu INSS e faça login com sua senha."
    assert removed([P1, step, P2]) == {}
