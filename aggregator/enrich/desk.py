"""Evidence-counting detectors for the newsroom's own notes to the reader (issue 19,
languages-dev7). Like :mod:`aggregator.enrich.notes`, each needs several *kinds* of evidence,
never one phrase:

* **Machine notes** ("Dieser Text wurde mithilfe von KI übersetzt", "Cet article a été rédigé
  avec l'aide d'une intelligence artificielle", "Текст переведён с помощью нейросети",
  "本文部分内容由机器翻译"): the piece itself (a demonstrative and a kind of piece, or a line
  opening with "text") + a making verb (translated, written, generated, edited) + an AI or
  machine word as the means ("mithilfe von KI", "由机器翻译"; not a text *about* AI). Weak
  (edges only).
* **Tip lines** ("Haben Sie Hinweise zu diesem Thema? Die Redaktion ist vertraulich
  erreichbar", "¿Tienes más información? Escríbenos", "Fai una segnalazione alla redazione",
  "新闻线索报料通道：..."): a tip word (information, tip, witness, something to tell) + the
  newsroom or *us* as whom to tell + the reader addressed (a you-word, a question, an
  imperative). A police appeal for witnesses names the police, not us: it stays. Weak.
* **Podcast prompts** ("Escucha el pódcast 'X': cada mañana...", "Zeit für Klima – der
  Podcast. Jeden Donnerstag neu, überall, wo es Podcasts gibt.", "Слушайте подкаст «X» на всех
  площадках"): a listen imperative opening the line with a podcast or episode word, or a
  podcast word with where to listen (every platform, wherever podcasts are) or a new episode;
  a platform's name counts only with *our* show offered to *you* (the most-heard podcast on
  Spotify is news). Strong (a promo box between paragraphs), never with reported speech.
* **Appeals of an outlet that needs its readers** ("Нам нужна ваша помощь, чтобы и дальше
  рассказывать правду", "Sin socios, no hay periodismo"): we need *your* help or support + to
  go on (or journalism named), or "without members/readers there is no journalism". Strong,
  but never inside an open quotation or with reported speech (a charity's director may say it).

Reported speech (said, selon, сказал, 表示) makes any of them reporting.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aggregator.enrich.notes import _SELF
from aggregator.enrich.signals import _WE, _WORD, addresses_reader
from aggregator.sentences import width

DESK_MAX_WIDTH = 300

_REPORTED = re.compile(
    r"\b(?:said|says|according to|told|sagte|sagt|erklärte|laut|zufolge|a déclaré|a indiqué"
    r"|selon|dijo|afirmó|según|explicó|disse|afirmou|segundo|ha detto|ha spiegato|secondo"
    r"|ha dichiarato|сказал\w*|заявил\w*|сообщил\w*|по словам|пояснил\w*|schrieb|schreibt"
    r"|hieß es|heißt es|a écrit|écrit|escribió|escreveu|ha scritto|scrive|написал\w*|пишет"
    r"|говорит|говорится|отметил\w*|a affirmé|afirma|aseguró|ha affermato)\b|表示|指出|介绍",
    re.I,
)

# --- machine notes ---------------------------------------------------------------------------
_TEXT_FIRST = re.compile(
    r"^\W{0,3}(?:text|texte|texto|testo|текст|статья|материал|перевод|译文|本文|文中|以上内容"
    r"|this text"
    r"|transparenzhinweis\s*:|(?:il|el|le|o|die) (?:sommario|resumen|résumé|resumo"
    r"|zusammenfassung)\b)",
    re.I,
)
# pieces notes._SELF leaves out (it serves other notes): "esta nota", "questo post", "эта заметка"
_PIECE = re.compile(
    r"\b(?:esta|este|cette|ce|questa|questo|diese|dieser|эта|этот) (?:nota|post|publicación"
    r"|publicação|note|pezzo|beitrag|заметка|публикация)\b",
    re.I,
)
_MADE = re.compile(
    r"\b(?:translated|written|generated|produced|created|edited|drafted|übersetzt|verfasst"
    r"|erstellt|geschrieben|generiert|bearbeitet|traduite?s?|rédigée?s?|générée?s?|écrite?s?"
    r"|produite?s?|traducid[oa]s?|redactad[oa]s?|generad[oa]s?|escrit[oa]s?|elaborad[oa]s?"
    r"|editad[oa]s?|traduzid[oa]s?|redigid[oa]s?|gerad[oa]s?|produzid[oa]s?|tradott[oa]"
    r"|scritt[oa]|generat[oa]|redatt[oa]|realizzat[oa]|переведен\w*|переведён\w*|написан\w*"
    r"|создан\w*|сгенерирован\w*|подготовлен\w*)\b|翻译|翻譯|生成|撰写|撰寫|编写|編寫|转写|轉寫|整理",
    re.I,
)
_MACHINE = re.compile(
    r"(?<![\w-])(?-i:KI|AI|IA|ИИ)(?![\w])|-(?-i:KI|AI|IA)\b|\b(?-i:KI|AI)-"
    r"|\b(?:künstliche[rn]? intelligenz|artificial intelligence|machine translation|intelligence"
    r" artificielle|traduction automatique|inteligencia artificial|traducción automática"
    r"|inteligência artificial|tradução automática|intelligenza artificiale|traduzione"
    r" automatica|нейросет\w*|искусственн\w* интеллект\w*|машинн\w* перевод\w*|deepl"
    r"|chatgpt|maschinell\w*|sprachmodell\w*)\b|人工智能|人工智慧|机器翻译|機器翻譯"
    r"|(?<=[\u3400-\u9fff])(?-i:AI)|(?-i:AI)(?=[\u3400-\u9fff])",
    re.I,
)


_BY_MEANS = re.compile(
    r"\b(?:with the (?:help|aid|support) of|using|by|mit ?hilfe|mithilfe|mit unterstützung"
    r"|unter (?:zuhilfenahme|verwendung)|durch|von|avec l['’]aide|à l['’]aide|avec|grâce à|par|con la"
    r" ayuda|con (?:el )?apoyo|con ayuda|mediante|por|com (?:o )?(?:auxílio|apoio|ajuda|recurso)"
    r"|com|através|con l['’]ausilio|con l['’]aiuto|con il supporto|tramite|con|с помощью|при помощи"
    r"|с использованием)\b[^,.;:]{0,50}|(?:由|借助|使用|经|經)[^，。；]{0,12}",
    re.I,
)


def is_machine_note(text: str) -> bool:
    """A note that this piece was translated, written or edited with AI (module docstring)."""
    if width(text) > DESK_MAX_WIDTH or not _MACHINE.search(text) or _REPORTED.search(text):
        return False
    piece = _SELF.search(text) or _PIECE.search(text) or _TEXT_FIRST.match(text)
    if not (piece and _MADE.search(text)):
        return False
    # the machine as the means ("mithilfe von KI", "con apoyo de herramientas de inteligencia
    # artificial", "由机器翻译"): not a text that is about AI ("rédigé par la Commission, encadre
    # l'usage de l'IA")
    return any(_MACHINE.search(m.group(0)) for m in _BY_MEANS.finditer(text))


# --- tip lines -------------------------------------------------------------------------------
_TIP = re.compile(
    r"\b(?:tips?|hinweis\w*|tipps?|informationen|witness|témoins?|alerter|informations?"
    r"|pistas?|información|informaciones|informação|informações|segnalazion\w*|segnalar\w*"
    r"|informazioni|рассказать|информаци\w*|сообщить|что рассказать|know more|wissen mehr"
    r"|en savez plus|sabes? más|sabe mais|ne sai di più|ne sapete di più|знаете больше)\b"
    r"|线索|線索|爆料|报料|報料",
    re.I,
)
# whom to tell: the newsroom, or us ("écrivez-nous", "escríbenos", "envie-nos", "scrivici")
_NEWSROOM = re.compile(
    r"\b(?:newsroom|redaktion|rédaction|redacción|redação|redacção|redazione|редакци\w*)\b"
    r"|\b\w+-(?:nous|nos)\b|\b(?:escríbenos|contáctanos|escribinos|scrivici|contattaci"
    r"|mandaci|inviaci|напишите нам|пишите нам)\b|通道|热线|熱線",
    re.I,
)
_OUR = frozenset({"uns", "nous", "nos", "nosotros", "noi", "ci", "нам", "нас", "наш"})
_TELL = re.compile(
    r"\b(?:write|send|contact|email|e-mail|schreiben|senden|kontaktieren|erreichbar|écrivez"
    r"|contactez|envoyez|escribe|escríbenos|envía|contacta|escreva|envie|contacte|scrivi"
    r"|invia|contatta|fai|пишите|напишите|присылайте|отправьте|свяжитесь)\w*\b"
    r"|@\w|whatsapp|telegram|телеграм",
    re.I,
)
_CJK_TIP_WAY = (
    "通道",
    "热线",
    "熱線",
    "电话",
    "電話",
    "邮箱",
    "郵箱",
    "下载",
    "下載",
    "请",
    "請",
    "欢迎",
)
_IMPERATIVE_FIRST = re.compile(
    r"^(?:schreiben sie|senden sie|kontaktieren sie|écrivez|contactez|envoyez|escríbenos"
    r"|escribe|envía|envíe|escreva|envie|fai|scrivi|invia|segnala|contatta|пишите|напишите"
    r"|присылайте|сообщите)\b",
    re.I,
)


def is_tip_line(text: str) -> bool:
    """A request to the reader to tell the newsroom what they know (module docstring)."""
    if width(text) > DESK_MAX_WIDTH or _REPORTED.search(text) or not _TIP.search(text):
        return False
    if any(ch in text for ch in ("线索", "線索", "爆料", "报料", "報料")):
        return any(w in text for w in _CJK_TIP_WAY)
    raw = _WORD.findall(text)
    ours = bool(_NEWSROOM.search(text)) or bool(
        {w.casefold() for w in raw} & _OUR and _TELL.search(text)
    )
    you = addresses_reader(raw) or "?" in text or bool(_IMPERATIVE_FIRST.match(text))
    return ours and you


# --- podcast prompts -------------------------------------------------------------------------
_PODCAST = re.compile(r"\b(?:podcasts?|pódcasts?|подкаст\w*)\b|播客", re.I)
# an episode is a podcast's only with a listen imperative (a TV series has episodes too)
_EPISODE = re.compile(r"\b(?:episode|episódio|episodio|épisode|выпуск\w*|folge)\b", re.I)
_LISTEN_FIRST = re.compile(
    r"^\W*(?:listen|hören sie|hör|hört|écoutez|écoute|escucha|escuche|escuchá|ouça|ouve|oiça"
    r"|ascolta|ascoltate|слушайте|послушайте|收听)\b",
    re.I,
)
_WHERE_TO_LISTEN = re.compile(
    r"\b(?:wherever you get|überall,? wo es podcasts gibt|auf allen (?:gängigen )?plattformen"
    r"|sur toutes les plateformes|en todas las plataformas|em todas as plataformas"
    r"|su tutte le piattaforme|на всех (?:площадках|платформах)|jeden (?:montag|dienstag"
    r"|mittwoch|donnerstag|freitag|samstag|sonntag) neu|neue folge|nouvel épisode|nuevo episodio"
    r"|novo episódio|nuovo episodio|новый выпуск)\b",
    re.I,
)
_PLATFORM = re.compile(r"\b(?:apple podcasts|spotify|deezer|podimo|яндекс музык\w*)\b", re.I)


def is_podcast_prompt(text: str) -> bool:
    """A promotion of a podcast: listen, or where and when to (module docstring)."""
    if width(text) > DESK_MAX_WIDTH or _REPORTED.search(text):
        return False
    if _LISTEN_FIRST.match(text) and (_PODCAST.search(text) or _EPISODE.search(text)):
        return True
    if not _PODCAST.search(text):
        return False
    if _WHERE_TO_LISTEN.search(text):
        return True
    # a platform named: only the outlet's own show offered to the reader ("our podcast on Spotify")
    raw = _WORD.findall(text)
    ours = bool({w.casefold() for w in raw} & _WE)
    return bool(_PLATFORM.search(text)) and ours and addresses_reader(raw)


# --- appeals ---------------------------------------------------------------------------------
_NEED_YOU = re.compile(
    r"\b(?:we need your (?:help|support)|wir brauchen (?:ihre|deine|eure) (?:hilfe|unterstützung)"
    r"|nous avons besoin de (?:vous|votre (?:aide|soutien))|necesitamos (?:tu|su|vuestro)"
    r" (?:ayuda|apoyo)|precisamos (?:da sua|do seu|da tua|do teu) (?:ajuda|apoio)"
    r"|abbiamo bisogno (?:del tuo|del vostro|di te|di voi|del suo)(?: aiuto| sostegno)?"
    r"|нам нужна ваша (?:помощь|поддержка)|нам нужна твоя (?:помощь|поддержка))\b"
    r"|我们需要您的支持|我们需要你的支持",
    re.I,
)
_GO_ON = re.compile(
    r"\b(?:to (?:keep|continue|go on)|weiter\w*|continuer|seguir|continuar|continuare"
    r"|и дальше|продолжать|journalism|journalismus|journalisme|periodismo|jornalismo"
    r"|giornalismo|журналистик\w*|unabhängig\w*|indépendant\w*|independiente|independente"
    r"|indipendente|независим\w*)\b|继续",
    re.I,
)
_NO_JOURNALISM = re.compile(
    r"^(?:sin|sem|sans|ohne|senza|без|without) (?:socios|socias|lectores|suscriptores|leitores"
    r"|assinantes|lecteurs|abonnés|leser\w*|abonnent\w*|mitglieder\w*|lettori|abbonati|soci"
    r"|читателей|подписчиков|members|readers|subscribers)\b[^.!?]{0,30}\b(?:no hay|não há"
    r"|pas de|kein|keinen|non c.è|нет|there is no)\s+(?:periodismo|jornalismo|journalisme"
    r"|journalismus|giornalismo|журналистики|journalism)\b",
    re.I,
)


# a quotation opened and closed: «...», „...“, “...”, "...", 「...」, 『...』, ‹...›
_CLOSED_QUOTE = re.compile(r'«[^»]*»|„[^“”]*[“”]|“[^”]*”|"[^"]*"|「[^」]*」|『[^』]*』|‹[^›]*›')


def is_outlet_appeal(text: str) -> bool:
    """An outlet telling its readers it needs them (module docstring)."""
    if width(text) > DESK_MAX_WIDTH or _REPORTED.search(text):
        return False
    if _NO_JOURNALISM.match(text):
        return True
    need = _NEED_YOU.search(text)  # "we need your help" says the we itself
    return need is not None and not _quoted(text[: need.start()]) and bool(_GO_ON.search(text))


def _quoted(before: str) -> bool:
    """A quotation is open at the end of ``before`` (an outlet's name in quotes is closed)."""
    rest = _CLOSED_QUOTE.sub("", before)
    return any(q in rest for q in '«„“"「『‹')


# (name, test of (text, block kind), strong?) as cues.SIGNAL_TESTS holds them
DESK_TESTS: tuple[tuple[str, Callable[[str, str], bool], bool], ...] = (
    # strong: the piece itself, made by a machine as the means (all three), which reporting
    # about AI does not say of itself (languages-dev … dev15, ScrapingHub, WCXB: no content
    # line taken)
    ("machine_note_signals", lambda text, kind: is_machine_note(text), True),
    ("tip_line_signals", lambda text, kind: kind != "item" and is_tip_line(text), False),
    ("podcast_signals", lambda text, kind: kind != "item" and is_podcast_prompt(text), True),
    ("outlet_appeal_signals", lambda text, kind: is_outlet_appeal(text), True),
)
