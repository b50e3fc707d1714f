"""Cleaning in other languages (issue 19): boilerplate removed, reporting on the same topics kept.

Every example below was written for this test from how sites in these languages phrase such
things; none is copied from a benchmark page.
"""

from __future__ import annotations

import pytest

from aggregator.enrich import signals
from aggregator.enrich.clean import Block, classify, clean_structured

# Real reporting around the block under test (German, since most of our feeds are German;
# the detectors do not look at the neighbours' language).
P1 = (
    "Der Stadtrat hat am Dienstag beschlossen, die Sanierung der Hafenbrücke bis zum Frühjahr zu "
    "verschieben, weil die Baufirma nicht genug Stahlträger liefern kann und ein Gutachten fehlt."
)
P2 = (
    "Die Lotsen warnen seit Monaten, dass die Fahrrinne versandet ist und große Containerschiffe "
    "auf die Flut warten müssen, was jede Überfahrt um Stunden verlängert."
)
P3 = (
    "Die Reedereien rechnen mit Mehrkosten von rund 12.000 Euro pro Schiff und haben den "
    "Ausschuss gebeten, die Entscheidung im Januar noch einmal zu prüfen."
)


def removed_by(blocks: list[str]) -> dict[str, str]:
    res = clean_structured([Block(b) for b in blocks])
    return {text: name for name, text in res.removed}


# (language, detector, boilerplate block): removed at the tail of an article
POSITIVE: list[tuple[str, str, str]] = [
    # German
    ("de", "donation", "Unterstützen Sie unabhängigen Journalismus – jetzt spenden!"),
    ("de", "donation", "Unterstütze Hafenblick schon ab 3 Euro im Monat!"),
    (
        "de",
        "newsletter",
        "Mit unserem Newsletter erhalten Sie jeden Freitag die wichtigsten Meldungen.",
    ),
    ("de", "newsletter", "Sie sind aktuell nicht eingeloggt."),
    ("de", "related", "Weitere Informationen zum Hochwasser in Sachsen:"),
    (
        "de",
        "comments",
        "Ihre E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind mit * markiert.",
    ),
    ("de", "share", "Folgt uns gerne auf Instagram und TikTok für mehr Einblicke!"),
    ("de", "share", "Abonnieren Sie unseren WhatsApp-Kanal für Eilmeldungen."),
    ("de", "caption", "Symbolbild: Ein Containerschiff im Hamburger Hafen."),
    ("de", "caption", "Die Brücke am Abend. (Foto: Max Muster / dpa)"),
    ("de", "byline", "Mit Material von dpa und AFP"),
    ("de", "byline", "(dpa/lno)"),
    ("de", "author_bio", "Redakteurin im Ressort Wirtschaft."),
    ("de", "author_bio", "Kontakt:"),
    ("de", "disclosure", "Dieser Beitrag enthält Affiliate-Links."),
    (
        "de",
        "embed",
        "Klicken Sie auf den Button, um den Inhalt von www.example-karten.de zu laden.",
    ),
    ("de", "ui", "Artikel drucken"),
    ("de", "scraper_stamp", "Weitere Infos unter www.hafenverein-beispiel.de."),
    # French
    ("fr", "donation", "Soutenez notre rédaction : faites un don dès aujourd'hui."),
    ("fr", "newsletter", "Recevez chaque matin notre newsletter, c'est gratuit."),
    ("fr", "related", "À lire aussi : Le port de Brest mise sur l'éolien en mer"),
    ("fr", "share", "Suivez-nous sur Instagram et sur Google Actualités."),
    ("fr", "byline", "Avec AFP"),
    ("fr", "caption", "La digue après la tempête. (Photo : Jean Exemple)"),
    ("fr", "comments", "Votre adresse e-mail ne sera pas publiée."),
    # Spanish
    ("es", "donation", "Hazte socio y apoya el periodismo independiente."),
    (
        "es",
        "newsletter",
        "Suscríbete a nuestro boletín y recibe las noticias cada mañana. Cancela cuando quieras.",
    ),
    ("es", "related", "Te puede interesar: El puerto de Valencia amplía su terminal"),
    ("es", "share", "Únete a nuestro canal de WhatsApp para recibir las últimas noticias."),
    ("es", "byline", "Con información de EFE y Reuters"),
    ("es", "scraper_stamp", "Fuente: Ministerio de Transportes"),
    # Portuguese
    ("pt", "donation", "Apoie o nosso jornalismo independente."),
    ("pt", "related", "Leia também: Porto de Santos bate recorde de cargas"),
    ("pt", "share", "Entre no nosso canal do WhatsApp e receba as notícias do dia."),
    ("pt", "byline", "Com informações da Agência Brasil"),
    ("pt", "scraper_stamp", "Fonte: Secretaria de Infraestrutura"),
    # Italian
    (
        "it",
        "donation",
        "Sostienici con una donazione: il tuo contributo ci permette di restare liberi.",
    ),
    ("it", "related", "Leggi anche: Il porto di Genova apre il nuovo molo"),
    ("it", "share", "Seguici su Telegram e su Google News."),
    ("it", "byline", "Riproduzione riservata © Gruppo Editoriale Esempio"),
    # Russian
    ("ru", "donation", "Поддержите редакцию — каждый рубль помогает нам работать."),
    ("ru", "related", "Читайте также: В порту Мурманска открыли новый причал"),
    ("ru", "share", "Подписывайтесь на наш Telegram-канал, чтобы первыми узнавать новости."),
    (
        "ru",
        "byline",
        "При использовании материалов сайта активная гиперссылка на источник обязательна.",
    ),
    ("ru", "caption", "Фото: пресс-служба администрации порта"),
    # Chinese: no word boundaries, full-width punctuation
    ("zh", "byline", "责任编辑：王小明"),
    ("zh", "byline", "（编辑：李华）"),
    ("zh", "scraper_stamp", "来源：新华网"),
    ("zh", "scraper_stamp", "原标题：港口新码头正式启用"),
    ("zh", "related", "【相关阅读】"),
    ("zh", "share", "欢迎关注我们的微信公众号，获取更多港口资讯！"),
    ("zh", "comments", "欢迎在评论区留言讨论。"),
    ("zh", "byline", "本文仅代表作者个人观点，不代表本平台立场。"),
    # Polish and Dutch
    ("pl", "donation", "Wesprzyj nas darowizną lub przekaż nam 1,5% podatku."),
    ("pl", "newsletter", "Zapraszamy też do subskrypcji naszego tygodnika."),
    ("pl", "caption", "Fot. Jan Przykład / Agencja Przykładowa"),
    ("nl", "related", "Lees ook: Haven van Rotterdam krijgt nieuwe kade"),
    ("nl", "comments", "Je e-mailadres wordt niet gepubliceerd."),
]


@pytest.mark.parametrize(("lang", "detector", "block"), POSITIVE)
def test_boilerplate_is_removed_at_the_tail(lang: str, detector: str, block: str) -> None:
    got = removed_by([P1, P2, P3, block])
    assert got.get(block) == detector, (lang, got)
    assert P1 not in got and P2 not in got and P3 not in got


# Reporting in each language that mentions the same topics: kept wherever it stands.
NEGATIVE: list[str] = [
    "Mit einer Spende von 20.000 Euro unterstützt die Sparkasse die Tafel, die im Winter mehr "
    "Familien versorgen muss als je zuvor.",
    "Der Verein hat seine Mitglieder per Newsletter über die neue Satzung informiert, die im "
    "April in Kraft tritt.",
    "Von Hamburg aus fahren die Schiffe künftig zweimal täglich nach Helgoland, teilte die Reederei mit.",
    "Quellen aus dem Ministerium bestätigten, dass die Förderung im Herbst ausläuft.",
    "Die Redakteurin war zwanzig Jahre im Lokalteil tätig und wurde am Freitag verabschiedet.",
    "Par ailleurs, la mairie a lancé un appel aux dons pour reconstruire la digue après la tempête.",
    "Les lecteurs du quotidien ont été nombreux à réagir à la fermeture de la ligne de ferry.",
    "Por su parte, la cofradía pidió a los vecinos apoyar la campaña de donación de sangre del hospital.",
    "Los comentarios del ministro sobre el puerto provocaron críticas de los sindicatos.",
    "A campanha de doação de alimentos arrecadou 12 toneladas em uma semana, segundo a prefeitura.",
    "Il sindaco ha chiesto ai cittadini di sostenere la raccolta fondi per il nuovo ospedale.",
    "Жители города собрали пожертвования на ремонт причала, сообщили в администрации.",
    "市政府表示，将继续支持港口扩建项目，并为受影响的渔民提供补贴。",
    "记者从港务局获悉，新码头将于明年正式投入使用。",
    "Mieszkańcy zebrali pieniądze na remont przystani, poinformował burmistrz.",
    "De gemeente steunt het plan om de haven uit te breiden, zei de wethouder.",
]


@pytest.mark.parametrize("block", NEGATIVE)
def test_reporting_on_the_same_topics_is_kept(block: str) -> None:
    assert removed_by([P1, block, P2, P3]) == {}
    assert removed_by([P1, P2, block]) == {}
    assert removed_by([block, P1, P2]) == {}


def test_chinese_patterns_need_no_word_boundaries() -> None:
    # the stamp alone, with full-width brackets and colon (glued to the end of the last
    # sentence it is split off first: tests/test_stamps.py; the sentence is never removed)
    hit = classify(Block("（编辑：李华）"))
    assert hit is not None and hit[0] == "byline"
    assert classify(Block("新码头于周一启用，首艘货轮顺利靠泊。（责任编辑：张三）")) is None
    # an ordinary sentence that happens to contain 编辑 is not a stamp
    assert classify(Block("这位编辑在港口工作了二十年，见证了码头的变化。")) is None


def test_bylines_do_not_take_a_sentence() -> None:
    # "von/par/por" opens sentences too; a byline names a person and ends without a period
    assert (
        removed_by([P1, P2, "von Open Source Software ein und entwickeln einen Leitfaden."]) == {}
    )
    byline = "von Anna Beispiel"
    assert removed_by([P1, P2, byline]) == {byline: "byline"}


@pytest.mark.parametrize(
    "text",
    [
        "Wir finanzieren uns ausschließlich über unsere Leserinnen und Leser. Wenn dir unsere "
        "Arbeit gefällt, unterstütze uns schon mit einem kleinen Beitrag im Monat.",
        "Notre journal est indépendant et sans publicité. Si vous appréciez notre travail, "
        "soutenez-nous avec un don de 5 euros par mois.",
        "Somos un medio independiente y solo dependemos de nuestros lectores. Si te gusta lo "
        "que hacemos, apóyanos con una aportación de 3 euros al mes.",
        "如果您喜欢我们的报道，欢迎成为会员支持独立新闻。每月只需一杯咖啡的钱，就能帮助我们的编辑部继续"
        "做深入调查。",
    ],
)
def test_appeals_in_other_languages_have_all_four_kinds_of_evidence(text: str) -> None:
    assert signals.is_appeal(text)


@pytest.mark.parametrize(
    "text",
    [
        "Und was meinst du? Schreib es uns in die Kommentare!",
        "Et vous, qu'en pensez-vous ? Dites-nous tout dans les commentaires.",
        "¿Y tú qué opinas? Déjanos tu opinión en los comentarios.",
        "你觉得新码头怎么样？欢迎在评论区告诉我们。",
    ],
)
def test_comment_prompts_in_other_languages(text: str) -> None:
    assert signals.is_comment_prompt(text)


def test_reporting_on_readers_and_money_is_no_appeal() -> None:
    # a community, money and a verb, but nobody is addressed and nothing is asked of the reader
    text = (
        "Die Genossenschaft hat im vergangenen Jahr 300 neue Mitglieder gewonnen; der Beitrag "
        "liegt bei 5 Euro im Monat, teilte der Vorstand mit."
    )
    assert not signals.is_appeal(text)


def test_chinese_paragraphs_after_a_related_box_are_prose() -> None:
    # a Chinese paragraph of ~70 characters ends in 。 and says as much as a long English
    # one: the cut after "相关阅读" stops at it instead of taking the rest of the article
    zh = [
        "市政府昨天宣布，全市老旧小区加装电梯的补贴标准将从每部二十万元提高到二十五万元，"
        "新政策自下月起施行，首批涉及八十多个小区。",
        "住建部门负责人表示，补贴提高后，居民自筹部分将明显减少，预计今年全市新增加装电梯"
        "超过三百部，比去年增加约一半。",
        "不过，也有居民担心电梯运行后的维护费用。对此，负责人说，维保费用将纳入物业服务范围"
        "统一管理，并由街道定期检查。",
    ]
    related = ["相关阅读", "老旧小区改造进入快车道", "加装电梯：低楼层居民怎么看"]
    got = removed_by([zh[0], *related, zh[1], zh[2]])
    assert set(got) == set(related)


# In-article boilerplate in the idioms of issue 19's development set
# (tests/fixtures/languages-dev), each example worded afresh for this test.
IDIOMS: list[tuple[str, str, str]] = [
    # app download prompts, follow and messenger channel prompts
    # (the reader addressed about the app, and "free": an offer, strong, named before "share")
    (
        "de",
        "offer_signals",
        "Immer informiert: Laden Sie sich jetzt die kostenlose Hafenblick-App herunter.",
    ),
    ("de", "share", "Unser Telegram-Kanal: Eilmeldungen aus der Region direkt aufs Handy."),
    ("de", "share", "Folgen Sie dem Hafenblick auch auf Instagram und YouTube."),
    ("fr", "share", "Téléchargez gratuitement notre application pour suivre les matchs en direct."),
    ("es", "offer_signals", "Descárgate la app y no te pierdas ninguna noticia de tu barrio."),
    ("es", "share", "Súmate gratis a nuestro canal de WhatsApp para recibir las alertas."),
    ("pt", "share", "Baixe o nosso aplicativo e receba alertas das principais notícias."),
    ("pt", "share", "Siga o Jornal Exemplo no Instagram e no TikTok."),
    ("it", "share", "Segui il nostro canale Telegram per restare aggiornato."),
    ("ru", "share", "Следите за новостями региона в нашем Telegram-канале."),
    ("ru", "share", "Подписывайтесь на нас в Дзене и VK."),
    ("zh", "share", "更多新闻，请下载示例新闻客户端。"),
    ("zh", "share", "关注示例日报官方微博，获取最新资讯。"),
    # "liked it?" and comment prompts, comment policies
    ("de", "comments", "Hat Ihnen der Artikel gefallen? Dann empfehlen Sie ihn weiter."),
    ("de", "comments", "Die Kommentarfunktion ist für diesen Beitrag geschlossen."),
    ("fr", "comments", "Cette recette vous a plu ? Partagez-la autour de vous."),
    ("fr", "comments", "Les commentaires sont modérés par la rédaction."),
    ("es", "comments", "¿Te ha gustado el artículo? Compártelo con tus amigos."),
    (
        "es",
        "comments",
        "Los comentarios con insultos serán eliminados por el equipo de moderación.",
    ),
    ("pt", "comments", "Gostou do texto? Deixe sua opinião e compartilhe."),
    ("it", "comments", "Vi è piaciuta la ricetta? Condividetela con gli amici."),
    ("it", "comments", "I commenti sono moderati e vengono pubblicati entro 24 ore."),
    ("ru", "comments", "Комментарии к статьям проходят модерацию и публикуются после проверки."),
    # error reports and reader tips
    ("de", "cta", "Haben Sie einen Fehler entdeckt? Schreiben Sie uns."),
    ("fr", "cta", "Vous avez repéré une erreur ? Signalez-la à la rédaction."),
    ("es", "cta", "¿Has visto algo en tu calle? Escríbenos y cuéntanos qué pasa."),
    ("it", "cta", "Vuoi segnalare un disservizio? Scrivici, ti risponderemo."),
    ("ru", "cta", "Нашли опечатку? Выделите фрагмент и нажмите Ctrl+Enter."),
    ("ru", "cta", "Есть новость? Присылайте нам фото и видео."),
    # appeals and subscriptions without the usual keywords
    (
        "fr",
        "newsletter",
        "Cet article vous est offert par la rédaction, abonnez-vous pour lire la suite.",
    ),
    # (the mailbox, the reader and the period: an offer, strong, named before "newsletter")
    ("fr", "offer_signals", "Chaque vendredi, le meilleur de la semaine dans votre boîte mail."),
    ("es", "newsletter", "Suscríbete por 2 euros al mes y lee sin límites."),
    ("pt", "newsletter", "Assine por R$ 9,90 e leia sem limites."),
    ("it", "newsletter", "Abbonati ora: il primo mese costa solo 1 euro."),
    ("ru", "newsletter", "Оформите подписку и читайте все материалы без ограничений."),
    ("ru", "donation", "Оформите ежемесячное пожертвование, чтобы мы могли продолжать работу."),
    ("de", "newsletter", "Unser Newsletter bringt Ihnen die Nachrichten des Tages ins Postfach."),
    # read-also teasers without a separator, tag lines, disclaimers, stamps
    ("it", "related", "Leggi anche Genova, il nuovo molo apre a settembre"),
    ("pt", "related", "Veja também Chuva deve continuar até sexta no litoral"),
    ("es", "related", "Noticia relacionada: El puerto amplía su terminal de contenedores"),
    ("es", "byline", "Archivado en: Puertos · Transporte · Empleo"),
    ("de", "byline", "Schlagwörter: Hafen, Fähre, Helgoland"),
    ("ru", "byline", "Мнение автора может не совпадать с мнением редакции."),
    ("fr", "byline", "La Gazette Exemple avec AFP"),
    ("zh", "byline", "特别声明：本文转载自其他媒体，仅提供信息存储服务。"),
    ("zh", "byline", "本文系示例日报原创，转载请注明出处。"),
    ("it", "stamp", "— Lusa"),
]


@pytest.mark.parametrize(("lang", "detector", "block"), IDIOMS)
def test_idioms_are_removed_at_the_tail(lang: str, detector: str, block: str) -> None:
    got = removed_by([P1, P2, P3, block])
    assert got.get(block) == detector, (lang, got)
    assert P1 not in got and P2 not in got and P3 not in got


# Reporting that uses the same words: kept wherever it stands.
IDIOMS_NEGATIVE: list[str] = [
    "Die Stadtwerke empfehlen, die App der Verkehrsbetriebe herunterzuladen, um Verspätungen zu sehen.",
    "Der Verein folgt damit den Empfehlungen des Landessportbunds, die seit Januar gelten.",
    "Les commentaires du ministre ont été vivement critiqués par les syndicats de marins.",
    "La aplicación de la nueva ley de puertos empezará en junio, según el ministerio.",
    "O aplicativo do banco ficou fora do ar por duas horas na manhã desta terça-feira.",
    "Il sindaco ha detto che il giornalismo locale ha un ruolo importante nella vita della città.",
    "Журналисты заметили ошибку в отчёте министерства и попросили его исправить.",
    "港口管理局表示，将在春节前完成新码头的验收工作。",
]


@pytest.mark.parametrize("block", IDIOMS_NEGATIVE)
def test_reporting_with_the_idioms_words_is_kept(block: str) -> None:
    assert removed_by([P1, block, P2, P3]) == {}
    assert removed_by([P1, P2, block]) == {}


ZH_LEAD = "新华社北京12月7日电 国家地震台网测定，今天凌晨四川省发生5.8级地震。地震发生后，应急管理部立即启动应急响应。"
ZH_NEXT = "据四川省应急管理厅通报，截至上午10时，地震已造成部分房屋倒塌，多条道路因山体滑坡中断。"


@pytest.mark.parametrize(
    "block",
    [
        "支持我们的新闻工作，请订阅本刊。",
        "请订阅我们的频道。",
        "欢迎订阅本报。",
        "支持我们的新闻工作。",
    ],
)
def test_chinese_subscribe_and_support_prompts_go_anywhere(block: str) -> None:
    res = clean_structured([Block(ZH_LEAD), Block(block), Block(ZH_NEXT)])
    assert [b.text for b in res.kept] == [ZH_LEAD, ZH_NEXT]


@pytest.mark.parametrize(
    "block",
    [
        "村民们说：“政府一直支持我们的工作。”",
        "政府支持我们的报道工作，他说。",
        "读者可以订阅该报的电子版。",
    ],
)
def test_chinese_reporting_on_support_and_subscriptions_is_kept(block: str) -> None:
    assert classify(Block(block)) is None
