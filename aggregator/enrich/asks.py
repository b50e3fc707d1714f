"""An outlet or a blogger asking the reader for support or for a share, in its own words: strong.

Between the paragraphs of a French, Italian or Russian article sit lines such as "Le
journalisme local a un coût. Soutenez Le Jurassien dès 12 francs par mois", "Ti è stato
utile questo racconto? Se vuoi sostenere il blog, puoi offrirmi un caffè", "Если вам
нравится то, что я делаю, блог можно поддержать донатом" or "Gostou? Manda esse texto pra
aquela amiga". Every writer words them differently, and most name none of the phrases of
``boilerplate.toml`` nor the outlet's "we" that ``offers.is_reader_appeal`` asks for. What
they must contain does not change:

* a support ask: a word of support, of donating or of joining (``_SUPPORT``); what it goes
  to, the outlet's or the writer's work (journalism, the blog, this medium, "what I do");
  and the reader turned to (a you-word, "if you liked it", thanks, or money as an appeal
  states it: a price, per month, a coffee). Or such money with an imperative ask, or the
  outlet thanking the reader for support ("Danke für Ihre Unterstützung");
* a share ask: "did you like it?" (a liking or usefulness question, or "if you liked it")
  and a share imperative or a share verb with the piece as its object ("share this text",
  "send it to a friend", "点个在看").

Reporting about a fundraiser names the support and the money, but not the outlet's own work
as what is supported, nor does it turn to the reader in the same short line; reported speech
(``signals.REPORTED``) and long quotations are left alone. English is left to its own tables
(``offers._is_english``).

Chosen on the labelled lines of tests/fixtures/languages-dev … dev23 and screened on the
English reference paragraphs of ScrapingHub and WCXB and trafilatura-eval's main-text
snippets; held-out figures in docs/decisions.md.
"""

from __future__ import annotations

import re

from aggregator.enrich import offers, signals
from aggregator.sentences import width

ASK_MAX_WIDTH = 420
SHARE_MAX_WIDTH = 240

_SUPPORT = re.compile(
    r"\b(?:unterstütz\w*|rückhalt|spende[nt]?\b|spendier\w*|förder(?:mitglied|er)\w*|braucht sie"
    r"|braucht ihre|soutien\w*|souten\w*|don(?:s|ner|nez)?\b|faites un don|a besoin de vous"
    r"|contribu\w*|apoy\w*|apóy\w*|aporte\w*|don(?:a|ar|ación|aciones|e)\b|socios?\b|socias?\b"
    r"|hazte|únete|apoi\w*|doaç\w*|doar\b|doe\b|colabor\w*|sosten\w*|sostien\w*|sostegno"
    r"|donazion\w*|donar(?:e|mi)\b|abbonati\b|поддерж\w*|донат\w*|пожертв\w*|помоги\w*|помочь"
    r"|меценат\w*|patreon|boosty|ko-fi|cafecito|offrirmi un caff[èe]|paye[rz]?[- ]moi un café"
    r"|spendiere? mir einen kaffee|invit(?:ame|arme|ar un) (?:un )?caf\w*"
    r"|paga(?:-me|r-me) um café|paypal|(?:kleinen|einen) beitrag|petite contribution"
    r"|pequeño aporte|pequena contribuição|piccolo contributo|hilfst du mir|möglich machen"
    r"|rendez possible|hacen posible|tornam possível|rendete possibile|rejoi(?:gnez|ns|ndre)|(?:nous|me) accompagner|accompagnez"
    r"|súmate|sumate|sumarte|(?:nos )?banca[ns]?\b|unisciti|entra nella nostra comunità"
    r"|junte-se|junta-te|acompanh(?:ar|e|em)-nos|присоединяйтесь|a besoin de vous"
    r"|precisa de (?:si|você|vocês)|ha bisogno di (?:te|voi)|necesita(?:mos)? (?:de )?(?:ti|vos"
    r"|usted|ustedes)|нуждается в (?:вас|вашей)|(?:offr|pag|invit|spendier|pay)\w*[- ](?:mi |ci "
    r"|me |nous |uns )?(?:un |einen |um )?(?:café|caffè|cafecito|kaffee|кофе))",
    re.I,
)
_SUPPORT_KEYS = (
    "unterstütz", "rückhalt", "spend", "förder", "braucht", "soutien", "souten", "don",
    "contribu", "apoy", "apóy", "aporte", "socio", "socia", "hazte", "únete", "apoi", "doaç",
    "doar", "doe", "colabor", "sosten", "sostien", "sostegno", "поддерж", "донат", "пожертв",
    "помог", "помоч", "меценат", "patreon", "boosty", "ko-fi", "cafecito", "caff", "café",
    "kaffee", "besoin", "rejoi", "accompagn", "súmate", "sumate", "sumarte", "banca", "unisciti",
    "comunità", "junte-se", "junta-te", "acompanh", "присоединяйтесь", "precisa de", "bisogno",
    "necesit", "нуждается", "кофе", "paypal", "beitrag", "contribution", "aporte", "contribuição",
    "contributo", "hilfst", "möglich", "possible", "possível", "possibile",
)  # fmt: skip
_CJK_SUPPORT = ("支持", "捐助", "捐款", "赞助", "贊助", "打赏", "打賞", "赞赏", "贊賞", "會員",
                "会员", "訂戶", "订户")  # fmt: skip
# the outlet's or the writer's work as what is supported
_WORK = re.compile(
    r"\b(?:\w*journalismus|journalism\w*|periodismo|jornalismo|giornalismo|журналистик\w*"
    r"|redaktion|rédaction|redacción|redação|redazione|редакци\w*|blog(?:s|ue)?\b|блог(?:а|у|е|ом)?\b|portal\w*"
    r"|zeitung|journal\b|periódico|jornal\b|giornale|testata|газет\w*|издани\w*"
    r"|(?:este|nuestro|esse|este|nosso|questo) (?:medio|meio|media)\b|média\b|mídia|сми\b"
    r"|podcast\w*|подкаст\w*|newsletter|ce que (?:je|nous) fai\w*|lo que hago|o que faço"
    r"|quello che faccio|то, что (?:я|мы) делаю|was (?:ich|wir) (?:hier )?mache\w*"
    r"|meine arbeit|notre travail|nuestro trabajo|nosso trabalho|il nostro lavoro)",
    re.I,
)
_CJK_WORK = ("媒体", "媒體", "新闻", "新聞", "报道", "報道", "報導", "本报", "本報", "本刊",
             "週刊", "周刊", "日報", "日报", "时报", "時報", "博客", "公众号", "公眾號", "記錄",
             "记录", "創作", "创作")  # fmt: skip
# "did you like it" / "if you liked it / it helped you": the reader asked about this piece
_LIKED = re.compile(
    r"\b(?:gefällt ihnen|gefallen hat|hat (?:ihnen|dir) (?:\w+ )?gefallen|wenn ihnen \w+ \w+"
    r" (?:etwas )?wert|etwas wert ist|vous a plu|vous avez aimé|si vous aimez|vous a été utile"
    r"|te gustó|le gustó|si te (?:sirvió|gustó|ayudó)|te sirvió|te ha gustado|gostou|gostaram"
    r"|foi útil|se (?:você )?gostou|ti è (?:piaciut\w|stat\w utile)|vi è piaciut\w|se ti è"
    r"|è stato utile|если (?:вам|тебе) (?:нравится|понравил\w*)|понравил\w* (?:статья|текст"
    r"|материал)|была полезна|был полезен)",
    re.I,
)
_CJK_LIKED = ("觉得有", "覺得有", "如果你喜欢", "如果你喜歡", "喜欢这篇", "喜歡這篇", "有帮助",
              "有幫助", "有共鸣", "有共鳴")  # fmt: skip
_THANKS = re.compile(
    r"\b(?:danke|vielen dank|merci|gracias|obrigad[oa]|grazie|спасибо|благодар\w*)\b|谢谢|謝謝"
    r"|感谢|感謝",
    re.I,
)
_NO_THANKS = re.compile(
    r"\b(?:nein,? danke|non,? merci|no,? gracias|não,? obrigad\w|no,? grazie|нет,? спасибо)\b",
    re.I,
)
# money as an appeal states it (with ``offers._FREE``: "dès 12 francs"): per month, a coffee
_MONEY = re.compile(
    r"\b(?:im|pro) monat\b|\bmonatlich\w*|\bpar mois\b|\bal mes\b|\bpor mês\b"
    r"|\bal mese\b|\bв месяц\b|\bежемесячн\w*|каждый месяц|\bcaf(?:é|ecito|fè)\b|\bkaffee\b"
    r"|\bкофе\b|\bcada mes\b|\btodos los meses\b|\bchaque mois\b|\bogni mese\b"
    r"|\btodos os meses\b|\bjeden monat\b|每月|每個月|每个月|咖啡|\$\s?\d",
    re.I,
)
# share: an imperative or a verb of passing the piece on, with what is passed on
_SHARE = re.compile(
    r"\b(?:teilen sie|teile (?:ihn|es|den|diesen)|leiten sie|weiterleiten|partagez|partage[rz]?"
    r" (?:cet|cette|ce|l['’])|transférez|envoyez(?:-le)?|comparte|compartí|compartilh\w*"
    r"|manda (?:esse|este|essa|pra|para)|encaminh\w*|envi[ae] (?:esse|este|para)|condividi\w*"
    r"|inoltra\w*|manda(?:lo|la)\b|поделитесь|поделись|перешлите|отправьте (?:эт|друз))",
    re.I,
)
_CJK_SHARE = ("分享", "转发", "轉發", "在看", "点赞", "點讚", "按讚", "点个", "點個", "转给",
              "轉給")  # fmt: skip


# the outlet thanking the reader for support: "Danke für Ihre Unterstützung", "感謝您的支持"
_THANKS_FOR_SUPPORT = re.compile(
    r"\b(?:danke|vielen dank|merci|gracias|obrigad[oa]|grazie|спасибо)\s+(?:für|pour|de|por|pelo"
    r"|pela|per|за)\s+(?:ihre|deine|eure|votre|ton|vos|tu|su|vuestro|seu|sua|o seu|a sua|il tuo"
    r"|la tua|il vostro|la vostra|вашу|твою)\s+(?:unterstützung|treue|soutien|fidélité|apoyo"
    r"|fidelidad|apoio|fidelidade|sostegno|fedeltà|поддержку)\b|感謝您的支持|感谢您的支持"
    r"|謝謝你的支持|谢谢你的支持|感謝支持|感谢支持",
    re.I,
)


# the outlet saying whom it does not belong to or live from: its work, as "journalism" is
_OWNERLESS = re.compile(
    r"\b(?:(?:no tiene|sin) dueños|n['’]appartient à aucun|sans actionnaires?|ohne (?:verlag"
    r"|konzern|investor\w*)|(?:non ha|senza) editori|sem (?:patrões|donos|acionistas)"
    r"|aucune subvention|sin subvenciones|sem subsídios|keine (?:staatlichen )?(?:förderung"
    r"|subventionen)|nessun finanziamento pubblico|без (?:рекламы|инвесторов|владельц\w*"
    r"|спонсоров|грантов))|不收政府資助|不收政府资助|不依賴|不依赖",
    re.I,
)
# "if you want to (support)": the reader turned to without a you-word
_WISH = re.compile(
    r"\b(?:если (?:вы )?хотите|si vous (?:le )?souhaitez|si quieres|si querés|se quiser"
    r"|se vuoi|se volete|wenn du magst|wenn sie möchten)\b",
    re.I,
)


def _is_support_ask_body(text: str, low: set[str]) -> bool:
    """What the support goes to, the outlet's work (or its independence: "sans publicité ni
    actionnaire"), and the reader turned to: a you-word, "if you liked it", thanks, or money
    as an appeal states it. Or an imperative ask opening a sentence with such money
    ("Spenden Sie ab 5 Euro"), or the outlet thanking the reader for support. Support, money
    and a you-word alone are a service in the news ("Benötigen Sie Hilfe? Die Caritas
    unterstützt Familien mit 50 Euro im Monat"); a you-word and "we" alone a site describing
    itself; support alone narration ("Benötigen Sie psychologische Unterstützung?")."""
    if _THANKS_FOR_SUPPORT.search(text):
        return True
    money = bool(offers._FREE.search(text) or _MONEY.search(text)) and not _LARGE.search(text)
    if money and signals._ASK_FIRST.search(text):
        return True
    if not (
        _WORK.search(text)
        or any(m in text for m in _CJK_WORK)
        or signals._INDEPENDENCE.search(text)
        or _OWNERLESS.search(text)
    ):
        return False
    reader = offers._addresses(text, low) or bool(
        _LIKED.search(text) or _WISH.search(text) or any(m in text for m in _CJK_LIKED)
    )
    return money or reader or bool(_THANKS.search(text) and not _NO_THANKS.search(text))


# a sum no appeal asks of a reader ("900.000 Euro im Monat", "14 000 euros"): a budget
# reported, not a price offered (years, 4 digits without a separator, are not sums)
_BIG = r"(?:\d{1,3}(?:[.,\u202f\u00a0 ]\d{3})+(?![.,]?\d)|\d{5,}|\d+(?:[.,]\d+)? (?:mio|mrd|millions?|milliards?|millones|milhões|milioni|млн|млрд)\.?)"
_LARGE = re.compile(
    rf"{_BIG}\s?(?:de |di |d['’])?(?:€|euros?|eur\b|francs?|franken|chf|руб\w*|₽|元|reais|dólares|dollars?)"
    rf"|(?:€|\$|R\$|CHF)\s?{_BIG}",
    re.I,
)
# an inquit after a comma: "…, schrieb der Verein auf seiner Website", "…, écrit l'association"
_INQUIT = re.compile(
    r"[,»“”\"]\s*(?:schrieb|schreibt (?:der|die|das)|heißt es|écri(?:t|vait)|a écrit|escribió"
    r"|escribe (?:el|la)|escreveu|escreve (?:o|a)|ha scritto|scrive (?:il|la|l['’])|scriveva"
    r"|написал\w*|пишет|пишут)\b",
    re.I,
)


def _left_alone(text: str, low: set[str]) -> bool:
    """English, reported speech or a long quotation: not this module's."""
    return (
        offers._is_english(low)
        or bool(signals.REPORTED.search(text))
        or bool(_INQUIT.search(text))
        or bool(offers._SPEECH.search(text))
    )


def is_support_ask(text: str) -> bool:
    """A short line asking the reader to support the outlet or the writer (module docstring)."""
    text = text.strip()
    if width(text) > ASK_MAX_WIDTH:
        return False
    if not (
        (signals.has_any(text, _SUPPORT_KEYS) and _SUPPORT.search(text))
        or any(m in text for m in _CJK_SUPPORT)
    ):
        return False
    low = offers._words(text)
    if _left_alone(text, low):
        return False
    return _is_support_ask_body(text, low)


def is_share_ask(text: str) -> bool:
    """ "Did you like it? Pass it on": a liking question and a share imperative."""
    text = text.strip()
    if width(text) > SHARE_MAX_WIDTH:
        return False
    liked = _LIKED.search(text) or any(m in text for m in _CJK_LIKED)
    if not liked:
        return False
    if not (_SHARE.search(text) or any(m in text for m in _CJK_SHARE)):
        return False
    return not _left_alone(text, offers._words(text))


# ---- the reader asked to answer in the comments or to the newsroom ---------------------------

COMMENT_ASK_MAX_WIDTH = 260
# an imperative (or "let me know") of telling, writing or leaving a comment, said to the reader
_TELL = re.compile(
    r"\b(?:raconte[zs]?(?:-le)?-moi|raconte[zs]?-nous|racontez|dites[- ](?:-le)?nous|dites-moi"
    r"|écri(?:vez|s)-(?:nous|moi)|laisse[zr]? (?:un|votre|ton|vos|tes) commentaire\w*|partagez"
    r"|partage[sz]?-(?:nous|moi)|réagissez|commentez|schreib(?:t|en sie)? (?:mir|uns)"
    r"|erzähl(?:t|en sie)? (?:mir|uns)|hinterlass(?:t|en sie)?|lass(?:t)? (?:mir|uns) \w+"
    r"|verrat(?:et|en sie)? (?:mir|uns)|cuénta(?:me|nos)|contame|contanos|déja(?:me|nos)"
    r"|deja(?:me|nos|d)? (?:un|tu|tus|su) comentario|escríbe(?:me|nos)|comentá\b"
    r"|me conta|conta(?:-me| pra gente| para a gente)|deix(?:e|a|em) (?:seu|sua|um|o seu|nos)"
    r"|comente|escreva|lasciami|lasciate(?:mi|ci)?|lascia(?:te)? (?:un|il tuo|la tua|i vostri)"
    r" comment\w*|scrivi(?:mi|temi|teci)|fatemi sapere|fammi sapere|raccontate(?:mi|ci)"
    r"|raccontami|raccontaci|dimmi|ditemi|diteci|напишите|расскажите|пишите|делитесь"
    r"|поделитесь|оставьте|оставляйте|задавайте|спрашивайте|posez(?:-nous|-moi)?|pregúnta(?:me|nos)"
    r"|pergunte|chiedete(?:mi|ci)?|fragen sie (?:uns|mich))",
    re.I,
)
_PLACE = re.compile(
    r"\b(?:en commentaires?|dans les commentaires|ci-dessous|kommentar\w*|unten\b"
    r"|comentarios?|comentários?|abajo|abaixo|comment[oi]|qui sotto|sotto\b"
    r"|комментари\w*|ниже|(?:à|a) la rédaction|an die redaktion|alla redazione|a la redacción"
    r"|à redação|в редакцию)",
    re.I,
)
_CJK_COMMENT_ASK = ("欢迎留言", "歡迎留言", "在评论区", "在評論區", "留言告诉", "留言告訴",
                    "歡迎電郵", "欢迎来信", "歡迎來信")  # fmt: skip


def is_comment_ask(text: str) -> bool:
    """ "Raconte-moi tes réussites en commentaire", "Me conta nos comentários!", "如對本文內容
    有任何意見，歡迎電郵至編輯部": an imperative to tell, write or comment, and where (the
    comments, below, the newsroom)."""
    text = text.strip()
    if width(text) > COMMENT_ASK_MAX_WIDTH:
        return False
    if any(m in text for m in _CJK_COMMENT_ASK):
        return not signals.REPORTED.search(text)
    if not (_TELL.search(text) and _PLACE.search(text)):
        return False
    return not _left_alone(text, offers._words(text))


# a tip line: news sent to the newsroom, and how ("через бот в MAX или по почте news@…")
_TIP = re.compile(
    r"\b(?:(?:сообщить|прислать|предложить) (?:новость|тему|информацию)|есть (?:новость|тема)"
    r"|news-?tipp\w*|envoyez-nous vos (?:infos|informations|témoignages)"
    r"|une info à nous (?:signaler|transmettre)|(?:tienes|tenés) una (?:noticia|denuncia)"
    r"|envíanos tu (?:denuncia|noticia)|mande (?:sua )?(?:sugestão|denúncia) de pauta"
    r"|invia (?:la tua )?segnalazione)",
    re.I,
)
_CHANNEL = re.compile(
    r"@|\b(?:редакци\w*|бот\w*|почт\w*|telegram|телеграм\w*|whatsapp|max|e-?mail|mail"
    r"|redaktion|rédaction|redacción|redação|redazione|formular\w*|formulaire|formulario)\b",
    re.I,
)
TIP_MAX_WIDTH = 220
TIP_OPENING = 3


def is_tip_ask(text: str) -> bool:
    """ "Сообщить новость в редакцию можно через бот …": news asked of the reader, and where."""
    tip = _TIP.search(text) if width(text) <= TIP_MAX_WIDTH else None
    if tip is None or not _CHANNEL.search(text) or signals.REPORTED.search(text):
        return False
    # asked of the reader: opening the line ("Сообщить новость … можно …"), or addressed
    return tip.start() <= TIP_OPENING or offers._addresses(text, offers._words(text))


def is_ask(text: str) -> bool:
    """A support, share, comment or tip ask (the strong ``ask_signals`` of ``cues``)."""
    return is_support_ask(text) or is_share_ask(text) or is_comment_ask(text) or is_tip_ask(text)
