"""What an outlet states about its own pages inside an article, in other languages: strong.

Four kinds, each recognised by what it must say rather than by a phrase (every writer words
them differently; the phrase tables of ``boilerplate.toml`` trail each new one):

* comment rules: the comments named, and two different rule words (moderation, rules or a
  charter, who is responsible, what is offensive, what gets removed): "Les commentaires
  sont soumis à modération a priori. Merci de respecter notre charte", "Оставляя
  комментарий, вы соглашаетесь с правилами сообщества";
* an opinion disclaimer: an opinion, the house or the author, and a limit ("only", "may not
  coincide"): "As opiniões expressas neste espaço vinculam apenas o seu autor";
* a consent placeholder: cookies, a consent verb and the reader or this embed ("Para
  visualizar este conteúdo do YouTube, aceite os cookies"), or a video platform that
  "provides" the embed ("此影片由YouTube提供");
* a timestamped update note opening the line, its label ended by a colon (not the one of a
  time): "Mise à jour du 12 mars, 9 h 30 : ...", "Текст обновлён в 13:05: ..." (and not
  "Actualizado a las 18:05, el parte médico indica ...", reporting). English "Update ...:" is left out: WCXB's references keep
  a blogger's dated updates as the post's own text.

Reporting about moderation or cookies names one of the parts, rarely all of them, and never
in a line this short. Chosen on tests/fixtures/languages-dev … dev15 (content lines: none
taken) and the English reference paragraphs of ScrapingHub and WCXB (none taken); held-out
figures in docs/decisions.md.
"""

from __future__ import annotations

import re

from aggregator.enrich import signals
from aggregator.sentences import width

COMMENT_RULES_MAX_WIDTH = 300
OPINION_MAX_WIDTH = 260
CONSENT_MAX_WIDTH = 240
UPDATE_MAX_WIDTH = 400

_COMMENTS = re.compile(
    r"\bcomment(?:aire|ar|ário|ari|o|i|s)?\w*|\bkommentar\w*|\bcoment\w*|\bкомментари\w*"
    r"|\bnetiquette\b|评论|評論|留言",
    re.I,
)
# rule words, each counted by its first five letters (two different ones needed)
_RULES = re.compile(
    r"\b(?:modér\w*|moderat\w*|moderier\w*|moderad\w*|moderaç\w*|модер\w*|règles|charte|regras"
    r"|reglas"
    r"|regole|regeln|richtlinien|правила\w*|netiquette|responsabilidad|responsabilidade"
    r"|responsabilité|responsabilità|verantwortung|ответственност\w*|ofensiv\w*|offensant\w*"
    r"|offensiv\w*|insult\w*|beleidig\w*|оскорблен\w*|discrimin\w*|eliminar|eliminad\w*"
    r"|removid\w*|supprim\w*|gelöscht|lösch\w*|удален\w*|удаля\w*|rimoss\w*|cancellat\w*"
    r"|reserva el derecho|se réserve le droit|reserva-se o direito|si riserva il diritto"
    r"|behält sich vor|sanci\w*|sanktion\w*|санкци\w*|critér\w*|criteri\w*|kriterien|reservad\w*"
    r"|réservé\w*|riservat\w*|vorbehalten)\b|审核|規則|规则|删除|刪除",
    re.I,
)
_OPINION = re.compile(
    r"\b(?:opini\w*|meinung\w*|мнени\w*|punto de vista|posicionamento)\b|观点|觀點|立场|立場", re.I
)
_HOUSE = re.compile(
    r"\b(?:redaç\w*|redacç\w*|redacci\w*|rédaction|redazione|redaktion|редакци\w*|autor\w*"
    r"|auteur\w*|автор\w*|jornal|journal|periódico|giornale|zeitung|издани\w*)\b"
    r"|本报|本報|本網|本网|本台|本站|本刊|编辑部|編輯部",
    re.I,
)
_LIMIT = re.compile(
    r"\b(?:apenas|sólo|solo|solamente|uniquement|seulement|nur|ausschließlich|только"
    r"|exclusivamente|esclusivamente|не совпада\w*|no necesariamente|não necessariamente"
    r"|ne reflète\w*|non riflett\w*|nicht unbedingt|n.engage\w* que|vinculam|personal\w*"
    r"|persönlich\w*|personnel\w*|личн\w*)\b|不代表",
    re.I,
)
# cookies, or the privacy policy a player's consent refers to ("akzeptieren Sie die
# Datenschutzerklärung von YouTube")
_COOKIES = re.compile(
    r"cookie|куки|datenschutz\w*|privacy|confidentialité|privacidad|privacidade"
    r"|конфиденциальност\w*|隐私|隱私|drittanbieter\w*|datenübermittlung|an dritte|à des tiers"
    r"|a terceros|a terceiros|a terzi|третьим лицам|personenbezogene daten|données personnelles"
    r"|datos personales|dados pessoais|dati personali|персональн\w* данн\w*|第三方|個人資料|个人数据",
    re.I,
)
_CONSENT = re.compile(
    r"\b(?:accept\w*|akzeptier\w*|aceit\w*|acept\w*|accett\w*|zustimm\w*|einwillig\w*|согла\w*"
    r"|разреш\w*|aktivier\w*|consent\w*|acconsent\w*|consentit\w*|préférences|preferencias"
    r"|preferências|preferenze|einstellungen|настройк\w*|laden|charger|cargar|carregar|caricare"
    r"|загрузи\w*)\b|同意|接受|设置|設定|加载|載入",
    re.I,
)
# ... said to the reader about this embed: "Para ver esta publicación necesitas aceptar",
# "vous n'avez pas accepté", "En cliquant sur « J'accepte »", "請先同意" (not "per vedere la
# partita i tifosi dovevano accettare i cookie", reporting)
_TO_READER = re.compile(
    r"\b(?:ce contenu|cette vidéo|ce post|este contenido|esta publicación|este vídeo|este video"
    r"|este conteúdo|esta publicação|questo contenuto|questo video|diesen inhalt|dieses video"
    r"|diesen beitrag|этот контент|это видео|этот материал|vous|tu|usted|você|sie|вы|вам"
    r"|il contenuto|le contenu|el contenido|o conteúdo|den inhalt|des videos|il video|hai|non hai"
    r"|necesitas|necesita|devi|deve|debes|precisa|müssen sie|en cliquant|al hacer clic"
    r"|cliccando|clicando|klicken sie|нажимая)\b|此內容|此内容|此影片|此视频|觀看|观看|請|请|您",
    re.I,
)
_PROVIDED = re.compile(
    r"(?:youtube|vimeo|dailymotion|instagram|tiktok|facebook)\W{0,3}"
    r"(?:提供|bereitgestellt|proporcionad|fourni|fornit)|(?:由|von|por|par|da)\s?(?:youtube"
    r"|vimeo|dailymotion)\s?(?:提供|bereitgestellt)",
    re.I,
)
_UPDATE = re.compile(
    r"^\W{0,3}(?:mise à jour|mis à jour|actualizaci[oó]n|actualizado|atualiza[çc][ãa]o"
    r"|atualizado|aggiornamento|aggiornato|aktualisierung|aktualisiert|обновлено|обновление"
    r"|(?:текст|материал|статья) обновл[её]н\w*|更新)\b(?:[^:：]|[:：](?=\d)){0,40}\d"
    r"(?:[^:：]|[:：](?=\d)){0,20}[:：](?!\d)",
    re.I,
)


# a correction: its label opening the line, and the earlier version it corrects
_CORRECTION_LABEL = re.compile(
    r"^\W{0,3}(?:korrektur|berichtigung|correction|correctif|rectificatif|erratum|corrección"
    r"|fe de errores"
    r"|correção|correcção|erramos|correzione|rettifica|исправлено|исправление|уточнение)\b"
    r"|^\W{0,3}(?:更正|订正|勘误)",
    re.I,
)
_EARLIER = re.compile(
    r"\b(?:früheren|ersten|vorherigen) (?:version|fassung)|version (?:précédente|antérieure"
    r"|initiale)|première version|versión (?:anterior|previa|original)|versão (?:anterior"
    r"|inicial|original)|versione (?:precedente|originale|iniziale)|(?:первоначальной|предыдущей"
    r"|ранней) верси\w*|较早前版本|較早前版本|此前版本|原文|误植|誤植",
    re.I,
)
# an affiliate note: the links, a commission or a partner link, and a purchase
_LINKS = re.compile(
    r"\b(?:links?|liens?|enlaces?|ligações|collegament\w*|ссылк\w*)\b|链接|連結", re.I
)
_COMMISSION = re.compile(
    r"\b(?:provision|affiliate\w*|affili\w*|commission|comisión|comissão|commissione|percentuale"
    r"|porcentaje|percentagem|процент\w*|комисси\w*|партнёрск\w*|партнерск\w*|partnerlink\w*)\b"
    r"|佣金|推广链接|推廣連結|分润",
    re.I,
)
_BUY = re.compile(
    r"\b(?:kauf\w*|bestell\w*|achat\w*|achète\w*|achetez|command\w*|compr\w*|купит\w*|покупк\w*"
    r"|купите|acquist\w*|adquier\w*|réserv\w*|reserv\w*|prenot\w*|buch\w*|abr(?:ir|e|es|a|as) (?:uma|una) (?:conta|cuenta))\b|购买|購買"
    r"|下单",
    re.I,
)
# advice that does not replace a professional's
_NOT_REPLACE = re.compile(
    r"\b(?:ersetzt? (?:keine|nicht)|ne remplace pas|no sustituye|no reemplaza|não substitui"
    r"|non sostituisc\w*|не заменяет|не является (?:заменой|рекомендаци\w*)|n.est pas un conseil"
    r"|não constitui|no constituye|non costituisce|stellt keine)\b|不能替代|不构成|不構成",
    re.I,
)
_ADVISER = re.compile(
    r"\b(?:arzt|ärzt\w*|médecin|pharmacien|médico|farmacéutico|medico|farmacista|врач\w*"
    r"|anlageberatung|conseil en investissement|asesoramiento|recomendação de investimento"
    r"|recomendación de inversión|consulenza|инвестиционн\w*|fachleute|professionnel\w*"
    r"|profesional\w*|profissional\w*|professionista|специалист\w*)\b|医生|醫生|投资建议|投資建議",
    re.I,
)
# news agencies (a closed set): an acronym alone in brackets is an agency only when it is one
_AGENCIES = (
    "dpa|afp|ap|apa|sda|ats|keystone-sda|kna|epd|reuters|ansa|adnkronos|agi|efe|europa press"
    "|lusa|agência brasil|belga|leta|bns|elta|err|тасс|риа новости|интерфакс|казинформ|kazinform"
    "|xinhua|la presse canadienne|presse canadienne|aps|belta|белта|казтаг|kaztag|anadolu"
    "|新华社|中新社|中央社|路透社|法新社"
)
# a source line in brackets: "(Com informações da Agência Estado)", "（综合新华社报道）"
_SOURCE_LINE = re.compile(
    r"^[(（\[]\s*(?:com informações|con información|con informaci[oó]n|avec|mit material|con"
    r" fonti|по материалам|по данным|综合|據|据|来源|來源|quelle|fuente|fonte)[^()（）]{2,70}"
    r"[)）\]]$"
    # an agency's acronym alone in brackets, or "— Avec La Presse Canadienne"
    rf"|^[(（]\s*(?:{_AGENCIES})(?:\s?[/,]\s?(?:{_AGENCIES}))*\s*[)）]$"
    rf"|^[(（]\s*(?:{_AGENCIES})-\w{{1,6}}\s*[)）]$|^(?:[—–-]\s*)?(?:(?:com|con|avec|mit|with|с)\s+)?"
    rf"(?:{_AGENCIES})\W*$"
    r"|^[—–-]\s*(?:avec|with|mit|con|com|с)\s+(?:la |l['’]|le |the |der |die |el |a |o |агентством"
    r" )?(?-i:[A-ZА-ЯЁ])[\w.'’ -]{1,40}$",
    re.I,
)
# a player's leftovers: its clock ("00:00 / 41:26"), "loading", "unavailable"
_PLAYER = re.compile(
    r"^\d{1,2}:\d{2}(?::\d{2})?\s*/\s*\d{1,2}:\d{2}(?::\d{2})?$|^(?:视频|視頻|影片)(?:加载|載入|加載)中"
    r"|^(?:该|該)(?:视频|視頻|影片)(?:暂时)?无法播放"
    # a media item's title line: "Video: ... | 2 Min | Verfügbar bis 19.09.2026"
    r"|^(?:video|vídeo|vidéo|видео|audio|áudio|podcast)\s*:[^|]{3,120}\|\s*\d+\s?(?:min|minuten"
    r"|minutes|minutos|minuti|мин)\b"
    # the buttons and titles of a blocked embed: "Externer Inhalt", "Inhalt laden"
    r"|^(?:externer inhalt|inhalt laden|contenu externe|charger le contenu|contenido externo"
    r"|cargar contenido|conteúdo externo|carregar conteúdo|contenuto esterno|carica(?:re)?"
    r" (?:il )?contenuto|внешний контент|загрузить контент|外部内容|外部內容|載入內容|加载内容)\W*$",
    re.I,
)
# ... said of the piece itself or of its purpose ("Cet article est publié à titre informatif",
# "este conteúdo tem caráter educativo"; not "eine App ersetzt keine ärztliche Untersuchung",
# reporting)
_THIS_PIECE = re.compile(
    r"\b(?:(?:dieser|diese[rsm]?) (?:artikel|beitrag|text|inhalt|ratgeber)|informativ\w*|informatif"
    r"|informativ[oa]|educativ[oa]|(?:cet|ce) (?:article|contenu|texte)|(?:este|esta) (?:artículo"
    r"|contenido|conteúdo|texto|nota|matéria)|questo (?:articolo|contenuto|testo)|(?:эта|этот|данн\w+)"
    r" (?:статья|материал|публикаци\w*)|информационн\w*|scopo informativo)\b|本文|仅供参考|僅供參考",
    re.I,
)
SOURCE_MAX_WIDTH = 90
NOTE_MAX_WIDTH = 400


# "not sponsored, I paid for everything myself"
_SPONSOR = re.compile(
    r"\b(?:sponsor\w*|gesponsert|patrocin\w*|реклам\w*|werbung|publicidad|publicidade|pubblicità"
    r"|publicitaire)\b|贊助|赞助|業配|业配",
    re.I,
)
_SELF_PAID = re.compile(
    r"\b(?:de ma poche|payé moi-même|j['’]ai tout payé|selbst bezahlt|aus eigener tasche|pagado"
    r" (?:yo|de mi bolsillo)|pagué|paguei|do meu bolso|ho pagato|di tasca mia|оплачива\w* сам\w*"
    r"|за свой счёт|за свой счет)\b|自付|自費|自费",
    re.I,
)


def is_self_paid_note(text: str) -> bool:
    if width(text) > NOTE_MAX_WIDTH or not signals.has_any(text, _SPONSOR_KEYS):
        return False
    return bool(_SPONSOR.search(text) and _SELF_PAID.search(text))


# a poll put to the reader ("Umfrage: ... Stimmen Sie ab", "Sondaggio: ... Vota"), a
# disclosure's label ("Transparenzhinweis: Der Hersteller hat uns ... überlassen"), names
# changed by the newsroom ("（文中当事人均为化名）"), and "this post is not sponsored"
_POLL = re.compile(
    r"^\W{0,3}(?:umfrage|abstimmung|sondage|encuesta|enquete|sondaggio|опрос|投票|民调|民調)\s*[:：]"
    r".{0,200}\b(?:stimmen sie|abstimm\w*|votez|vote[sz]?|votá|vota|votem|votate|голосу\w*)\b",
    re.I,
)
_DISCLOSURE_LABEL = re.compile(
    r"^\W{0,3}(?:transparenzhinweis|offenlegung|hinweis in eigener sache|transparence"
    r"|transparencia|transparência|trasparenza)\s*[:：]",
    re.I,
)
_NAMES_CHANGED = re.compile(
    r"化名|名字已更改|\b(?:namen? (?:von der redaktion |wurden? |ist )?geändert|(?:pré)?noms? (?:ont été"
    r" |a été )?modifiés?|nombres? (?:han sido |ha sido )?(?:cambiad|modificad)\w*|nomes? (?:foram |foi )?"
    r"(?:alterad|trocad)\w*|nomi (?:sono stati )?(?:cambiat|modificat)\w*|имена изменены|имя изменено"
    r"|имена героев изменены)\b",
    re.I,
)
_NOT_SPONSORED = re.compile(
    r"^\W{0,3}(?:este|esta|ce|cet|cette|dieser|diese|questo|questa|этот|эта|本文|本篇)\s?"
    r"(?:post|artigo|texto|billet|article|artículo|beitrag|artikel|articolo|пост|материал|статья)?"
    r"\s*(?:não é|no es|n['’]est pas|ist nicht|non è|не является|не)\s+(?:\w+\s+)?(?:patrocin\w*"
    r"|sponsoris\w*|gesponsert|sponsorizzat\w*|реклам\w*)|^\W{0,3}(?:本文|本篇)?(?:非業配|非业配)",
    re.I,
)
NAMES_MAX_WIDTH = 120


def is_reader_poll(text: str) -> bool:
    return width(text) <= NOTE_MAX_WIDTH and bool(_POLL.match(text))


def is_disclosure(text: str) -> bool:
    if width(text) > NOTE_MAX_WIDTH:
        return False
    if _DISCLOSURE_LABEL.match(text) or _NOT_SPONSORED.match(text):
        return True
    return width(text) <= NAMES_MAX_WIDTH and bool(_NAMES_CHANGED.search(text))


def is_correction_note(text: str) -> bool:
    return width(text) <= NOTE_MAX_WIDTH and bool(
        _CORRECTION_LABEL.match(text) and _EARLIER.search(text)
    )


def is_affiliate_note(text: str) -> bool:
    if width(text) > NOTE_MAX_WIDTH or not signals.has_any(text, _LINK_KEYS):
        return False
    if not (_LINKS.search(text) and _COMMISSION.search(text) and _BUY.search(text)):
        return False
    return not signals.REPORTED.search(text)


def is_advice_disclaimer(text: str) -> bool:
    if width(text) > NOTE_MAX_WIDTH or not signals.has_any(text, _NOT_REPLACE_KEYS):
        return False
    if not (_NOT_REPLACE.search(text) and _ADVISER.search(text) and _THIS_PIECE.search(text)):
        return False
    return not signals.REPORTED.search(text)


# "Материал подготовлен с использованием информации ТАСС", "Mit Material von dpa", "Con
# información de la agencia EFE": prepared with, information or material, an agency (not
# "По информации ТАСС, ..." attributing a fact in reporting)
_PREPARED = re.compile(
    r"\b(?:подготовлен\w*|с использованием|по материалам|на основе|mit|unter verwendung|avec|con"
    r"|com|with|basad[oa]|basato|basé\w*|baseado)\b",
    re.I,
)
_INFO = re.compile(
    r"\b(?:информаци\w*|материал\w*|informations?|informaç\w*|información|informazion\w*"
    r"|material\w*|agenturmaterial)\b",
    re.I,
)
_AGENCY = re.compile(
    rf"\b(?:{_AGENCIES}|агентств\w*|пресс-служб\w*|agencia|agência|agence|agentur\w*|agenzi\w*)\b",
    re.I,
)
SOURCE_NOTE_MAX_WIDTH = 160
_INNER_SENTENCE_END = re.compile(r"[.!?。！？]\s+\S")


def is_source_line(text: str) -> bool:
    text = text.strip()
    if width(text) <= SOURCE_MAX_WIDTH and _SOURCE_LINE.match(text):
        return True
    if width(text) > SOURCE_NOTE_MAX_WIDTH or not _PREPARED.search(text[:40]):
        return False
    if _INNER_SENTENCE_END.search(text):
        return False  # one sentence of its own (after reporting it is split off: glued.py)
    return bool(_INFO.search(text) and _AGENCY.search(text))


def is_player_debris(text: str) -> bool:
    return bool(_PLAYER.match(text.strip()))


_OPINION_KEYS = (
    "opini",
    "meinung",
    "мнени",
    "punto de vista",
    "posicionamento",
    "观点",
    "觀點",
    "立场",
    "立場",
)
_LINK_KEYS = ("link", "lien", "enlace", "ligaç", "collegament", "ссылк", "链接", "連結")
_NOT_REPLACE_KEYS = (
    "ersetz", "remplace", "sustituye", "reemplaza", "substitui", "sostituisc", "заменя",
    "является", "conseil", "constitui", "costituisce", "stellt keine", "不能替代", "不构成", "不構成",
)  # fmt: skip
_SPONSOR_KEYS = (
    "sponsor", "patrocin", "реклам", "werbung", "publicidad", "publicidade", "pubblicit",
    "publicitaire", "贊助", "赞助", "業配", "业配",
)  # fmt: skip
_PLATFORM_KEYS = ("youtube", "vimeo", "dailymotion", "instagram", "tiktok", "facebook")
_COMMENT_KEYS = ("comment", "kommentar", "coment", "коммент", "netiquette", "评论", "評論", "留言")
_COOKIE_KEYS = (
    "cookie", "куки", "datenschutz", "privacy", "confidentialit", "privacidad", "конфиденциальн",
    "隐私", "隱私", "drittanbieter", "datenübermittlung", "dritte", "tiers", "tercer", "terzi",
    "третьим", "personenbezogen", "données personnelles", "datos personales",
    "dados pessoais", "dati personali", "персональн", "第三方", "個人資料", "个人数据",
)  # fmt: skip


def is_comment_rules(text: str) -> bool:
    if width(text) > COMMENT_RULES_MAX_WIDTH or not signals.has_any(text, _COMMENT_KEYS):
        return False
    if not _COMMENTS.search(text):
        return False
    if len({m.group(0).casefold()[:5] for m in _RULES.finditer(text)}) < 2:
        return False
    return _house_voice(text) and not signals.REPORTED.search(text)


# the site's own comments: the reader addressed, the outlet as "we" or as the newsroom, or
# the comments as what the line opens with ("I commenti sono benvenuti, ma ..."); a report
# about someone's page ("… per non aver rimosso dalla sua pagina Facebook decine di commenti
# offensivi") has none of these
_NEWSROOM = re.compile(
    r"\b(?:redaktion|rédaction|redacción|redação|redazione|редакци\w*|moderat(?:or|eur)\w*"
    r"|moderador\w*|модератор\w*)\b|编辑部|編輯部",
    re.I,
)
_OPENS_WITH_COMMENTS = re.compile(
    r"(?:^|[.!?:：]\s+)\W{0,3}(?:[^\W\d_]+\s+){0,2}?(?:comment\w*|kommentar\w*|coment\w*"
    r"|комментари\w*|netiquette)|(?:^|[。：:])(?:评论|評論|留言)",
    re.I,
)


def _house_voice(text: str) -> bool:
    low = {w.casefold() for w in signals._WORD.findall(text)}
    if (
        low & signals._YOU_NOT_DU
        or low & signals._WE
        or signals._YOU_FORMAL.intersection(text.split())
    ):
        return True
    return bool(_NEWSROOM.search(text) or _OPENS_WITH_COMMENTS.search(text))


def is_opinion_disclaimer(text: str) -> bool:
    if width(text) > OPINION_MAX_WIDTH or not signals.has_any(text, _OPINION_KEYS):
        return False
    if not (_OPINION.search(text) and _HOUSE.search(text) and _LIMIT.search(text)):
        return False
    return not signals.REPORTED.search(text)


def is_consent_placeholder(text: str) -> bool:
    if width(text) > CONSENT_MAX_WIDTH:
        return False
    cookies = signals.has_any(text, _COOKIE_KEYS) and _COOKIES.search(text)
    placeholder = cookies and _CONSENT.search(text) and _TO_READER.search(text)
    provided = signals.has_any(text, _PLATFORM_KEYS) and _PROVIDED.search(text)
    if not (placeholder or provided):
        return False
    return not signals.REPORTED.search(text)


def is_update_note(text: str) -> bool:
    return width(text) <= UPDATE_MAX_WIDTH and bool(_UPDATE.match(text))


# a broadcast note: the piece ("Reportage", "Servizio", "Сюжет", "Der Beitrag") opening the
# line, then within a few words that it was aired ("diffusé", "andato in onda", "вышел в
# эфир", "lief"), and where or when (a news programme, an edition, a time): "Reportage
# diffusé dans le journal de 18h30", "Сюжет вышел в эфир в программе «Вести» 14 марта"
BROADCAST_MAX_WIDTH = 240
_BROADCAST = re.compile(
    r"^\W{0,3}(?:(?:ce|cet|le|la|este|esta|esse|essa|a|o|el|la|il|lo|questo|questa|der|dieser"
    r"|das|этот|эта)\s+)?(?:reportage|sujet|émission|séquence|reportaje|nota|informe|pieza"
    r"|reportagem|matéria|peça|servizio|reportage|intervista|beitrag|bericht|sendung|interview"
    r"|сюжет|репортаж|материал|передача|интервью)\s+(?:\w+\s+){0,2}?(?:a été |fue |foi |è stato "
    r"|wurde |ist )?(?:diffusée?|emitid[oa]|transmitid[oa]|exibid[oa]|andat[oa] in onda"
    r"|trasmess[oa]|lief|gesendet|ausgestrahlt|вышел в эфир|вышла в эфир|показан\w*"
    r"|прозвучал\w*)\b",
    re.I,
)
_ON_AIR = re.compile(
    r"\b(?:journal|édition|jt|émission|informativo|noticiero|noticiário|jornal|telejornal"
    r"|programa|tg|telegiornale|notiziario|edizione|trasmissione|nachrichten|sendung|magazin"
    r"|программ\w*|выпуск\w*|эфир\w*|новост\w*)\b|\d{1,2}[:.h/]\d{1,2}|\d{1,2} ?(?:h|uhr|horas|ore)\b",
    re.I,
)


def is_broadcast_note(text: str) -> bool:
    return (
        width(text) <= BROADCAST_MAX_WIDTH
        and bool(_BROADCAST.match(text))
        and bool(_ON_AIR.search(text))
        and not signals.REPORTED.search(text)
    )


def is_house_policy(text: str) -> bool:
    """One of the kinds of the module docstring."""
    return (
        is_comment_rules(text)
        or is_opinion_disclaimer(text)
        or is_consent_placeholder(text)
        or is_update_note(text)
        or is_correction_note(text)
        or is_affiliate_note(text)
        or is_advice_disclaimer(text)
        or is_source_line(text)
        or is_player_debris(text)
        or is_self_paid_note(text)
        or is_reader_poll(text)
        or is_disclosure(text)
        or is_broadcast_note(text)
    )
