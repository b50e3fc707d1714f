"""Evidence-counting detectors for prompts and boxes that sites word in endless ways.

:mod:`aggregator.enrich.signals` does this for appeals, bios and comment prompts; this module
does it for four more kinds of in-article boilerplate, in every language of the phrase tables
(issue 19). Each needs several *kinds* of evidence at once, never one phrase:

* **Calls to action** ("Folgen Sie uns auf WhatsApp", "Sígueme en Instagram", "下载科技前沿App"):
  the reader is addressed (a you-word, or an imperative: an action verb opening a clause, or
  one with an object pronoun glued to it, "Scrivici", "Retrouvez-nous", "Присылайте") + an
  action verb of a small lexicon (follow, subscribe, download, join, share, comment, write
  to us, send, listen, sign up...) + a channel or object (newsletter, app, Telegram,
  WhatsApp, WeChat, podcast, our page, the comments...), in a short block, and no reported
  speech ("said", "sagte", "selon", "表示": reporting quotes advice like this). Weak, tail
  only: an article can open by addressing its reader ("Sie wollen die App herunterladen?").
* **Read-also teasers** ("Auch interessant: ...", "Sur le même thème Bus à haut niveau...",
  "Lee además El bono...", "Также по теме: ...", "延伸阅读 ..."): a prefix of two to five
  words, *all* from a small vocabulary of teaser words (read, see, discover, interest, topic,
  also, more, same...), one of them a marker (also/more/related/topic...), then a
  headline-like fragment (capitalised, no closing period). Strong: teasers sit between
  paragraphs, and the all-words-from-the-vocabulary prefix is what reporting does not write.
* **Author boxes**: a short paragraph that opens with a name, a pronoun or a career word and
  holds a career word (journalist, Redakteurin, corresponsal, 记者...) and a present-tense
  "writes about / covers" verb; a lone name line ("Marlene Voss"), a role line
  ("Finanzjournalistin") or an author label ("作者：王雪"). Weak, tail only.
* **Notices**: copyright, reproduction and source notices: a copy word (©, reproduction,
  Nachdruck, перепечатка, 转载) + a rule word (prohibited, réservés, без согласия, 不得) + the
  outlet or page itself (this article, der Redaktion, 本文) or a very short line; and
  "Source: X" lines. Weak (edges only).

Everything here is a pure function of the block's (whitespace-collapsed) text, kind and link
density; :mod:`aggregator.enrich.clean` wraps them as detectors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from aggregator.enrich import asks, desk, notes, offers, policies, signals, sitenotes
from aggregator.enrich.signals import _CJK_YOU, _WORD, addresses_reader
from aggregator.enrich.teasers import LEADING_SYMBOLS as _LEADING_SYMBOLS
from aggregator.enrich.teasers import has_cjk as _has_cjk
from aggregator.enrich.teasers import is_teaser
from aggregator.sentences import width


def _alt(*stems: str) -> str:
    return "|".join(stems)


# ---- calls to action -------------------------------------------------------------------------

# Action verbs, as word beginnings (a stem covers the imperative and the infinitive).
_ACTION_STEMS = _alt(
    # en
    "follow", "subscrib", "download", "install", "join", "share", "comment", "sign up",
    "register", "listen", "watch", "tag us", "tell us", "write to us", "send us", "get our",
    "get the", "turn on", "enable",
    # de
    "folg", "abonnier", "herunterlad", "runterlad", "lad dir", "laden sie", "installier",
    "tritt", "treten sie", "beitreten", "teile", "teilen sie", "kommentier", "schreib", "schick",
    "meld dich", "melden sie sich", "lade dir", "anmeld", "trag dich", "tragen sie sich", "hör", "reinhör",
    "markier", "aktivier", "hol dir", "holen sie sich", "bewert", "pin mich", "pinne", "merk dir",
    "merken sie sich", "kontaktier", "senden sie", "sende uns", "erzähl", "merk ihn", "merk sie", "merk es",
    "merke dir",
    # fr
    "suiv", "abonn", "télécharg", "install", "rejoign", "partag", "comment", "écriv", "envoy",
    "inscriv", "écout", "retrouv", "activ", "tagu", "identifi", "racont", "laissez", "épingl",
    "contactez", "rejoin", "connectez", "dites-", "donnez-",
    # es
    "sígue", "sigue", "siga", "suscrib", "suscríb", "descarg", "instál", "únete", "unete",
    "únase", "compart", "coment", "escríb", "escrib", "mánd", "envía", "regístr", "escuch",
    "activ", "etiquét", "déja", "cuént", "apúnt", "guárd", "contáct", "compárt", "descárg",
    "contadn", "contádn", "contadme", "decidn", "guarda",
    # pt
    "siga", "sigam", "inscrev", "assin", "baix", "entre no", "entre em", "entra no",
    "compartilh", "coment", "escrev", "mand", "envi", "cadastr", "ouç", "ouve", "assist",
    "ativ", "marqu", "marca", "conta pra", "conte pra", "conte-nos", "salv", "contat",
    "subscrev", "partilh", "descarreg",
    # it
    "segui", "iscriv", "scaric", "install", "unisciti", "entra nel", "condivid", "comment",
    "scriv", "invia", "manda", "registr", "ascolt", "guarda", "attiv", "tagga",
    "lascia", "salva", "contatt", "segnal",
    # ru
    "подписывайтесь", "подпишитесь", "подписаться", "скачайте", "скачивайте", "установите",
    "вступайте", "вступите", "присоединяйтесь", "поделитесь", "делитесь", "комментируйте",
    "напишите", "пишите", "присылайте", "пришлите", "отправьте", "отправляйте",
    "зарегистрируйтесь", "слушайте", "смотрите", "включите", "отметьте",
    "читайте нас", "обсуд", "сохраните", "свяжитесь", "поставьте", "ставьте", "оцените",
    "расскажите", "рассказывайте",
)  # fmt: skip
_ACTION = re.compile(rf"(?<![^\W\d_])(?:{_ACTION_STEMS})", re.I)
_CJK_ACTION = ("关注", "订阅", "下载", "加入", "分享", "评论", "留言", "扫码", "扫描", "添加",
               "点赞", "收藏", "转发", "收听", "联系我们", "报料", "關注", "訂閱", "下載", "追蹤",
               "評論", "按讚", "收聽", "點個", "点个")  # fmt: skip
_CHANNEL = re.compile(
    r"newsletter|infolettre|\blettres? (?:d['’]info\w*|du|de la|hebdo\w*|quotidienne)|boletín|rundbrief|gartenbrief|рассылк|mailing|postfach|inbox"
    r"|boîte (?:mail|aux lettres)|e-?mail|\bapps?\b|\bappli\b|applica|aplicaci|aplicativo"
    r"|приложени|telegram|телеграм|whatsapp|wechat|\bsignal\b|viber|podcast|подкаст"
    r"|facebook|instagram|tiktok|youtube|twitter|\bx\b(?=\W|$)|threads|bluesky|mastodon"
    r"|linkedin|pinterest|вконтакте|\bvk\b|spotify|google news|\brss\b|\bpush\b|notific"
    r"|benachrichtigung|alert|уведомлени|kanal|chaîne|\bcanal|\bcanale|channel|канал"
    r"|gruppe|groupe|grupo|gruppo|групп|\bgroup|(?:our|my|unsere[rn]?|meine[rn]?|notre|ma|nuestra|mi"
    r"|nossa|minha|nostra|mia|нашу|мою|нашей|моей) (?:\w+ )?(?:page|seite|página|pagina|страниц\w*)"
    r"|\bbot\b|\bбот|comment|kommentar|comentári|comentario|commento|commenti|комментари"
    # more platforms; a pinboard; the newsroom as the addressee; a phone line; where the
    # comment box is ("unten", "aqui embaixo")
    r"|discord|twitch|reddit|\bforum|\bfórum|\bpins?\b|tablero|\(\d{2,3}\)\s?\d"
    r"|(?:nossa|nuestra|unsere|notre|nostra|нашу|a la|à la|an die|alla|para a|в) (?:redação|redacção"
    r"|redacción|redaktion|rédaction|redazione|редакци\w*)|\bunten\b|ci-dessous|aquí abajo|aqui embaixo"
    r"|aqui em baixo|qui sotto|\bниже\b"
    # an e-mail address; social networks; a pinboard
    r"|[\w.+-]+@[\w-]+\.[\w.]{2,}|réseaux sociaux|redes sociales|redes sociais|social media"
    r"|sozialen (?:netzwerken|medien)|социальн\w* сет|соцсет|pinnwand"
    # the article itself as the object: "¿Te sirvió este artículo?", "Gostou deste artigo?"
    # (not English "this post": ScrapingHub's references keep "If you buy something through
    # this post, IGN may get a share of the sale" and "If you enjoyed this article ... Join")
    r"|\b(?:dieser|diesen|diesem|ce|cet|cette|d?este|d?esta|d?esse|d?essa|questo|questa|эту"
    r"|этой) (?:article|post|artikel|beitrag|rezept|recette|artículo|receta|artigo|receita"
    r"|articolo|ricetta|guide|guía|guia|guida|статью|статьей|публикацию|рецепт)\b|статье\b"
    # "if it was useful / if you liked it" stands for the article (not English: ScrapingHub's
    # reference keeps "If you enjoyed this article ... Join")
    r"|\b(?:si (?:te|os|le) ha (?:gustado|resultado útil|servido)|si (?:cet article|ce post|ce"
    r" billet) (?:vous|t['’]) ?a plu|wenn (?:dir|ihnen|euch) (?:der|dieser|das|mein) \w+ gefallen"
    r" hat|(?:hat|haben) (?:dir|ihnen|euch) (?:der|dieser|das|mein|unser) \w+ gefallen"
    r"|se (?:você )?gostou|se (?:ti|vi) (?:è|sono) piaciut[oaie]|если (?:было полезно"
    r"|статья была полезн\w+|понравил\w+))"
    # sharing "with your friends": "teile ihn mit deinen Freunden", "compártelo con tus amigos"
    r"|\b(?:with your|mit (?:deinen|ihren|euren)|avec (?:tes|vos)|con (?:tus|sus|vuestros|i tuoi"
    r"|i vostri)|com (?:os )?(?:seus|teus)) (?:friends|freunden|amis|amigos|amici)\b|с друзьями",
    re.I,
)
# "Receive" verbs are no action on their own (ScrapingHub's reference keeps "Receba em seu
# email nosso ebook"); opening the block with a periodicity they are a newsletter's offer:
# "Recibe cada mañana las noticias en tu correo", "Receba nossas reportagens toda sexta-feira".
_RECEIVE_FIRST = re.compile(
    r"^(?:receive|get|erhalten sie|erhalte|bekommen sie|recevez|reçois|recibe|reciba|receba"
    r"|recebe|ricevi|ricevete|получайте|получите)\b",
    re.I,
)
_CJK_CHANNEL = ("微信", "公众号", "微博", "App", "APP", "app", "客户端", "评论区", "留言",
                "热线", "视频号", "抖音", "播客", "点赞", "收藏", "关注我", "LINE", "Line", "臉書",
                "粉絲團", "粉丝团", "頻道", "频道", "在看", "訂閱", "按讚")  # fmt: skip
# An imperative opens a clause (optionally after "now", "just"...), or carries a glued object
# pronoun: "Scrivici", "lasciami", "Sígueme", "Mándanos", "Retrouvez-nous", "Присылайте".
_CLAUSE_START = re.compile(
    r"(?:^|[.!?¿¡:;–—]\s*|\b(?:dann|und|et|y|e|и|and|then)\s+"
    # after a condition: "Se gostou, partilhe", "Si te ha gustado, compártelo"
    r"|^(?:if|wenn|falls|si|se|если)\b[^.!?,]{1,60},\s*)"
    r"(?:(?:jetzt|gleich|einfach|hier|now|just|maintenant|aussi|ahora|agora|ora|anche|сейчас"
    r"|тоже|также)\s+)?$",
    re.I,
)
_CLITIC = re.compile(
    r"^[^\W\d_]+(?:mi|ci|me|nos|-nous|-moi|-vous|-nos|-me|-le|-la|-les|lo|la|li|los|las|йте|ите|ьте)$",
    re.I,
)
_NOT_IMPERATIVE = re.compile(
    r"(?:s|ers|ern|ung|ungen|ing|ed|ion|ção|ções|ción|zione|ие|ия|ии)$", re.I
)
_NOW_FIRST = re.compile(r"^(?:jetzt|now|maintenant|ahora|agora|ora|сейчас)\b", re.I)
_CJK_ADDRESS = ("记得", "欢迎", "请", "請", "快来", "赶快", "立即", "马上", "記得", "歡迎")
CTA_MAX_WIDTH = 260


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def _imperative(text: str) -> bool:
    """An action verb in imperative position (see ``_CLAUSE_START``, ``_CLITIC``); a word
    with a noun or participle ending ("Subscribers", "Kommentare", "commentaires") is none."""
    if _NOW_FIRST.match(text):
        return True
    for m in _ACTION.finditer(text):
        word = re.match(r"[\w-]+", text[m.start() :])
        if word is None:
            continue
        if _CLITIC.match(word.group(0)):
            return True
        if not _NOT_IMPERATIVE.search(word.group(0)) and _CLAUSE_START.search(text, 0, m.start()):
            return True
    return False


def is_call_to_action(text: str, kind: str = "p") -> bool:
    """A short block that addresses the reader, names an action and a channel or object, and
    quotes nobody (module docstring). Not a list item: a list of steps ("Download the app",
    "Sign up") is the article's own."""
    if kind == "item" or width(text) > CTA_MAX_WIDTH or signals.REPORTED.search(text):
        return False
    text = _LEADING_SYMBOLS.sub("", text)
    if _has_cjk(text):
        return (
            any(m in text for m in _CJK_ACTION)
            and any(m in text for m in _CJK_CHANNEL)
            and (any(m in text for m in _CJK_ADDRESS + _CJK_YOU) or text.startswith(_CJK_ACTION))
        )
    actions = _spans(_ACTION, text)
    opening = _RECEIVE_FIRST.match(text)
    periodic_offer = opening is not None and bool(signals.PERIODIC.search(text))
    if opening is not None and periodic_offer:
        actions.append(opening.span())
    if not actions:
        return False
    # an action and a channel in different words ("Kommentare" is no action on the comments)
    channels = _spans(_CHANNEL, text)
    if not any(e <= a or s >= b for a, b in actions for s, e in channels):
        return False
    return addresses_reader(_WORD.findall(text)) or periodic_offer or _imperative(text)


_QUOTES = re.compile(r"[\"“”„«»‹›「」『』]")
PROMO_MAX_WIDTH = 220
# the reader as a pronoun glued to an imperative: "Suscríbete", "Apúntate", "Abonnez-vous",
# "Abonne-toi", "Inscreve-te"; and the object pronoun "te" of the Romance languages
_YOU_GLUED = re.compile(
    r"\b[^\W\d_]{3,}-(?:te|toi|vous)\b|(?<![^\W\d_])(?=[^\W\d_]{5,}te\b)[^\W\d_]*[áéíóú][^\W\d_]*te\b"
    r"|\bte\b",
    re.I,
)


# the writer's own page ("seguitemi ... sulla mia pagina", "Sígueme en mi canal") and a like
# asked for the piece ("Ставьте лайк", "dale like", "lascia un mi piace") are self-promotion too
_ME = signals._words(
    "my mein meine meinen meiner meinem mon ma mes mi mis meu minha meus minhas mio mia miei mie "
    "мой моя моё мою моей мои"
)
_LIKE_ASK = re.compile(
    r"\bлайк\w*|\b(?:dale|deja|dejad|un|mettez|laissez|lascia(?:te)?|deixe|deixa) (?:un |o seu |seu "
    r")?(?:like|me gusta|mi piace|j'aime|curtida)\b",
    re.I,
)


def is_house_promo(text: str, kind: str = "p") -> bool:
    """A call to action that names the outlet's own channel *and* addresses the reader ("Hier
    kannst du dich für unser Briefing anmelden", "Descarga gratis nuestra plantilla ... tu
    email"), short and quoting nobody: the outlet promoting itself, which reporting does not
    write, so it counts anywhere (an inline promo box between paragraphs)."""
    if width(text) > PROMO_MAX_WIDTH or _QUOTES.search(text) or _has_cjk(text):
        return False
    raw = _WORD.findall(text)
    words = {w.casefold() for w in raw}
    # the writer's own page, the piece, a like: an imperative addresses the reader enough
    # (a capitalised my-word inside the line names something: "o aplicativo Meu INSS")
    me = {w.casefold() for i, w in enumerate(raw) if i == 0 or not w[:1].isupper()} & _ME
    mine = bool(me or notes._SELF.search(text) or _LIKE_ASK.search(text))
    you = addresses_reader(raw) or bool(_YOU_GLUED.search(text))
    you = you or (mine and _imperative(_LEADING_SYMBOLS.sub("", text)))
    return you and (mine or bool(words & signals._WE)) and is_call_to_action(text, kind)


# ---- author boxes ----------------------------------------------------------------------------

_CAREER = re.compile(
    r"\b(?:journalist\w*|reporter\w*|correspondent|editor|writer|columnist|author|contributor"
    r"|\w*redakteur\w*|autor\w*|\w*korrespondent\w*|kolumnist\w*|volontär\w*|\w+journalist\w*"
    r"|journaliste|rédact(?:eur|rice)|correspondante?|chroniqueu(?:r|se)|reporter"
    r"|periodista|redactor[a]?|corresponsal|columnista|reporter[oa]|repórter|jornalista"
    r"|colunista|editor[a]?|giornalista|redattr(?:ice|ore)|corrispondente|inviat[oa]"
    r"|журналист\w*|корреспондент\w*|редактор\w*|обозревател\w*|колумнист\w*)\b"
    r"|记者|编辑|主笔|撰稿人|专栏作家",
    re.I,
)
# present-tense "writes about / covers" (a bio says what the person does, reporting about a
# journalist says what happened)
_COVERS = re.compile(
    r"\b(?:writes (?:about|on|for)|covers|reports on|specialises|specializes|focuses on"
    r"|schreibt|berichtet|befasst sich|beschäftigt sich|kümmert sich"
    r"|écrit|couvre|enquête sur|s'intéresse|s’intéresse|spécialisée?"
    r"|escribe|cubre|se ocupa|especializad[oa]|informa sobre"
    r"|escreve|cobre|especializad[oa]|acompanha"
    r"|scrive|si occupa|segue|copre|specializzat[oa]"
    r"|пишет|освещает|специализируется|занимается)\b"
    r"|关注|专注|负责|报道",
    re.I,
)
_BOX_OPENING = re.compile(
    r"^(?:[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’.-]+(?: [A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’.-]+){0,3}(?: —|,| –)? "
    r"|(?:she|he|they|sie|er|elle|il|ella|él|ele|lei|lui|она|он) )"
    r"|^[\u3400-\u9fff]{2,4}[，,]|^[\u3400-\u9fff]{2,12}(?:记者|编辑)",
    re.I,
)
_NAME_LINE = re.compile(
    r"^(?:(?:Dr|Prof)\. )?[A-ZÀ-ÖØ-ÞА-ЯЁ][a-zß-öø-ÿа-яё'’-]+"
    r"(?: (?:de |da |von |van |di |del |le )?[A-ZÀ-ÖØ-ÞА-ЯЁ][a-zß-öø-ÿа-яё'’-]+){1,2}$"
)
_AUTHOR_LABEL = re.compile(
    r"^(?:作者|文|撰文|编辑|记者|autor(?:in)?|auteure?|autore|автор|author)\s*[:：|]\s*\S.{0,30}$",
    re.I,
)
BOX_MAX_WIDTH = 420
ROLE_LINE_MAX_WORDS = 4
ROLE_LINE_MAX_WIDTH = 45


def is_author_box(text: str, kind: str = "p") -> bool:
    """A line of an author box: a short bio (opening + career + "covers"), a role line, an
    author label, or a name line marked as a box's (:func:`author_name_lines`). Tail only."""
    if kind == AUTHOR_KIND:
        return True
    if kind not in ("p", "item") or width(text) > BOX_MAX_WIDTH or signals.REPORTED.search(text):
        return False
    if _AUTHOR_LABEL.match(text):
        return True
    career = _CAREER.search(text)
    if career is None:
        return False
    short = len(text.split()) <= ROLE_LINE_MAX_WORDS and width(text) <= ROLE_LINE_MAX_WIDTH
    if short and not any(c in text for c in ".!?。！？"):  # a role line
        return True
    opening = _BOX_OPENING.match(text) or career.start() == 0
    return bool(opening and _COVERS.search(text))


# A name line ("Marlene Voss") is a box's only when a box line follows it: alone, a line of
# capitalised words is as often a credit or an organisation ("European Space Agency").
AUTHOR_KIND = "author"


def author_name_lines(blocks: Sequence[tuple[str, str]]) -> set[int]:
    """Indices of the name lines (``(text, kind)`` of kind "p") right before an author box
    line; the caller gives them the kind ``AUTHOR_KIND``, which :func:`is_author_box` takes."""
    out = set()
    for i in range(len(blocks) - 1):
        (text, kind), nxt = blocks[i], blocks[i + 1]
        if kind == "p" and _NAME_LINE.match(" ".join(text.split())) and is_author_box(*nxt):
            out.add(i)
    return out


# ---- copyright, reproduction and source notices ----------------------------------------------

_COPY = re.compile(
    r"©|\(c\)|copyright|urheberrecht|droits|derechos|direitos|diritti|rechte|все права"
    r"|reprodu|riprodu|vervielfältig|nachdruck|weiterverbreit|republi|redistribut"
    r"|creative commons"
    r"|перепечат|копирован|воспроизвед|использовани\w+ материал"
    r"|转载|复制|版权|摘编|翻印",
    re.I,
)
_RULE = re.compile(
    r"prohib|forbidden|interdit|verboten|untersagt|nur mit|vietat|proibid|запрещ|обязательн"
    r"|without (?:the )?(?:prior )?(?:written )?(?:permission|consent)|reserved|réservée?s?"
    r"|usage (?:strictement )?personnel|persönlichen gebrauch|uso personal|uso pessoal"
    r"|uso personale|личного (?:пользования|использования)"
    r"|reservados|riservat|vorbehalten|sans (?:l['’])?(?:accord|autorisation)"
    r"|sin (?:la )?(?:previa )?autorización|sem (?:a )?(?:prévia )?autorização"
    r"|senza (?:l['’])?autorizzazione|без (?:письменного )?(?:согласия|разрешения)"
    r"|不得|禁止|请联系|须经|未经|获得授权"
    # ... or allowed with the source named: "vous pouvez le republier en citant la source"
    r"|\bcit(?:ant|ando|ada|ata|ing)\s+(?:la |a |the )?(?:source|fuente|fonte)|desde que citad"
    r"|mit quellenangabe|unter (?:angabe|nennung) der quelle|with attribution"
    r"|со ссылкой на (?:источник|первоисточник)|注明(?:出处|来源)"
    r"|mediante (?:a )?(?:indicação|citação|menção) d[ae] (?:fonte|autoria)|citada a fonte"
    r"|siempre que se cite|citando la (?:fuente|procedencia)|citando la fonte|citare la fonte"
    r"|en citant (?:la source|l['’]auteur)|при (?:условии )?ссылке на",
    re.I,
)
_SELF = re.compile(
    r"©|all rights|tous (?:les )?droits|alle rechte|todos (?:los|os) direitos|todos los derechos"
    r"|tutti i diritti|все права|this (?:article|content|material|story)|cet article"
    r"|ce contenu|dieses? (?:artikels?|beitrags?|inhalts?)|este contenido|deste conteúdo"
    r"|este conteúdo|questo articolo|questo contenuto|материал|редакци|rédaction|redaktion"
    r"|esta reportagem|esta matéria|este artigo|este artículo|este reportaje|ce reportage"
    r"|questa inchiesta"
    r"|redacción|redação|redazione|本文|本网|本报|稿件|作品",
    re.I,
)
_SOURCE_LINE = re.compile(
    r"^(?:quelle|sources?|fuente|fonte|источник|来源|出处|bron|źródło)\s*[:：]\s*\S.{0,60}$",
    re.I,
)
NOTICE_MAX_WIDTH = 260
NOTICE_SHORT_WIDTH = 120


def is_notice(text: str) -> bool:
    """A copyright/reproduction notice or a "Source: X" line (module docstring). Weak."""
    if width(text) > NOTICE_MAX_WIDTH:
        return False
    if _SOURCE_LINE.match(text) and not text.endswith((".", "。")):
        return True
    if not (_COPY.search(text) and _RULE.search(text)):
        return False
    return bool(_SELF.search(text)) or width(text) <= NOTICE_SHORT_WIDTH


# ---- paywall offers --------------------------------------------------------------------------

_PRICE = re.compile(
    r"(?:[$€£₽]|r\$)\s?\d|\d+(?:[,.]\d+)?\s?(?:€|\$|£|₽|euros?|eur\b|reais|рубл\w*|руб\.|元)",
    re.I,
)
# the price is an offer: "ab 4,99 €", "a partir de 1€", "1 euro al mese", "im ersten Monat"
_OFFER = re.compile(
    r"\b(?:ab|from|à partir de|dès|desde|a partir de|da|a soli|от|nur|only|just|seulement|solo"
    r"|apenas|всего|только)\s+(?:[$€£₽]|r\$)?\s?\d"
    r"|\b(?:im|pro|par|al|por|per|в|a)\s+(?:ersten\s+|premier\s+|primer\s+|primeiro\s+"
    r"|primo\s+|первый\s+)?(?:monat|mois|mes|mês|mese|month|месяц)\b|/\s?(?:monat|mois|mes|mês|mese"
    r"|month|мес)|首月|每月"
    # a trial period: "die ersten vier Wochen", "les trois premiers mois"
    r"|\b(?:ersten|first|premières?|premiers|primeras?|primeros|primeiras?|primeiros|prim[ie]"
    r"|первые)\s+(?:\w+\s+)?(?:wochen|monate?|weeks?|months?|semaines|mois|semanas|meses"
    r"|settimane|mesi|недел\w*|месяц\w*)\b",
    re.I,
)
# what is sold: reading, access, a subscription
_ACCESS = re.compile(
    r"\b(?:abo|abos|abonnement|abonn\w+|digital-?abo|subscri\w+|suscri\w+|assin\w+|abbona\w+"
    r"|подписк\w*|weiterlesen|lesen|lire|leer|ler|leggere|читать|zugang|accès|acceso|acesso"
    r"|accesso|access|доступ|alle artikel|tous les articles|todos los contenidos"
    r"|todos os conteúdos|tutti gli articoli|все материалы|ohne werbung|sans publicité"
    r"|sin publicidad|sem publicidade|senza pubblicità|без рекламы|nos offres|nuestras ofertas"
    r"|nossas ofertas|le nostre offerte|unsere angebote|our (?:offers|plans)|наши тарифы)\b|订阅|会员",
    re.I,
)
# and it is the outlet's own offer to the reader: the reader is addressed, an imperative or
# "now", or the article is reserved for subscribers
_PAYWALL_ADDRESS = re.compile(
    r"\b(?:jetzt|now|maintenant|ahora|agora|já|ora|subito|сейчас|schon ab|bereits ab"
    r"|testen sie|essayez|prueba|experimente|prova|попробуйте|оформите|exklusiv für"
    r"|nur für abonnent|всего от|desde solo|por apenas|a soli"
    r"|réservée? aux abonnés|exclusivo para (?:assinantes|suscriptores)|riservato agli abbonati"
    r"|только для подписчиков|découvrez|descubre|scopri|entdecken sie|conheça)\b|立即|马上",
    re.I,
)
PAYWALL_MAX_WIDTH = 300


def is_paywall_offer(text: str) -> bool:
    """A priced offer to read on: a price stated as an offer ("ab 4,99 € im Monat"), reading or
    access or a subscription, and the reader addressed (a you-word, "now", an imperative) or
    the text reserved for subscribers; no reported speech. Weak, tail only: reporting on a
    price rise states prices too."""
    if width(text) > PAYWALL_MAX_WIDTH or signals.REPORTED.search(text):
        return False
    if not (_PRICE.search(text) and _OFFER.search(text) and _ACCESS.search(text)):
        return False
    you = addresses_reader(_WORD.findall(text))
    return you or bool(_PAYWALL_ADDRESS.search(text)) or _imperative(text)


# The evidence-counting detectors as clean.py asks them (after the phrase tables): (name, test
# of (text, block kind), strong?). Only the teaser is strong; bios, prompts, calls to action
# and author boxes count at the tail only (clean.TAIL_ONLY_DETECTORS).
SIGNAL_TESTS: tuple[tuple[str, Callable[[str, str], bool], bool], ...] = (
    ("teaser_signals", lambda text, kind: is_teaser(text), True),
    ("promo_signals", is_house_promo, True),
    ("offer_signals", lambda text, kind: kind != "item" and offers.is_promotion(text), True),
    ("policy_signals", lambda text, kind: kind != "item" and policies.is_house_policy(text), True),
    ("appeal_signals", lambda text, kind: signals.is_appeal(text), False),
    ("bio_signals", lambda text, kind: signals.is_bio(text), False),
    ("prompt_signals", lambda text, kind: signals.is_comment_prompt(text), False),
    ("cta_signals", is_call_to_action, False),
    ("box_signals", is_author_box, False),
    ("notice_signals", lambda text, kind: is_notice(text), False),
    ("paywall_signals", lambda text, kind: kind != "item" and is_paywall_offer(text), False),
    (
        "provenance_signals",
        lambda text, kind: notes.is_provenance_note(text) or notes.is_support_note(text),
        False,
    ),
    (
        "subscriber_signals",
        lambda text, kind: kind != "item" and notes.is_subscriber_note(text),
        False,
    ),
    *desk.DESK_TESTS,
    ("ask_signals", lambda text, kind: kind != "item" and asks.is_ask(text), True),
    ("site_note_signals", lambda text, kind: kind != "item" and sitenotes.is_site_note(text), True),
)
# the names among them that count at the tail only (with clean's own author_bio, disclosure)
TAIL_ONLY = frozenset(
    {"bio_signals", "prompt_signals", "cta_signals", "box_signals", "paywall_signals"}
)
