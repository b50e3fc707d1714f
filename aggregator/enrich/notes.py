"""Evidence-counting detectors for an outlet's notes about the article itself (issue 19).

Sites close (or open) an article with a line about where and how it was published, or about
who may read it, worded differently on every site and in every language; a phrase table
knows only the wordings someone wrote down. Like :mod:`aggregator.enrich.cues`, each test here
needs several *kinds* of evidence, never one phrase:

* **Provenance notes** ("Dieser Artikel ist in der gedruckten Ausgabe vom 14. März erschienen",
  "Cet article a été publié automatiquement", "Il servizio è andato in onda nell'edizione delle
  19.30", "Diese Meldung ... wird von der Redaktion nicht bearbeitet", "本文首发于..."): the
  article itself (a demonstrative + a kind of piece: "this article", "cet entretien", "esta
  matéria", "il servizio", "本文") + either a publishing verb (appeared, published, aired,
  首发) with a medium or a first-time word (edition, print, issue, programme, originally,
  在...期) or an unedited/automatic word (automatically, not edited by the newsroom).
* **Subscriber notes** ("Já é assinante? Inicie sessão para continuar a ler", "Sie können ihn
  lesen, weil ihn Ihnen ein Abonnent geschenkt hat", "Cet article vous est offert par un
  abonné"): a subscriber or subscription word + reading, logging in or a gift + the reader
  addressed (a you-word, a question, an imperative) or the article itself.

Both are weak (edges only) and skip reported speech: reporting may say "the report was
published in the first issue of the gazette", but it says so in the middle of the article.
"""

from __future__ import annotations

import re

from aggregator.enrich.signals import _WORD, addresses_reader
from aggregator.sentences import width

NOTE_MAX_WIDTH = 260

# the article itself: a demonstrative and a kind of piece (not "der Artikel", which reporting
# uses for someone else's article)
_SELF = re.compile(
    r"\b(?:this|these) (?:article|story|piece|report|interview|text|column|post)\b"
    r"|\b(?:dieser|diese|dieses|der vorliegende) (?:artikel|beitrag|text|meldung|bericht"
    r"|interview|kommentar|kolumne|nachricht|rezept)\b"
    r"|\b(?:cet|cette|ce) (?:article|entretien|texte|reportage|dépêche|interview|billet"
    r"|chronique|papier|recette|post|contenu)\b"
    r"|\b(?:este|esta) (?:artículo|texto|reportaje|entrevista|noticia|información|columna"
    r"|artigo|matéria|reportagem|notícia|coluna|conteúdo|receta|receita|contenido)\b"
    r"|\b(?:questo|questa|il presente) (?:articolo|testo|servizio|intervista|pezzo|notizia"
    r"|contenuto|ricetta)\b|^il servizio\b"
    r"|\b(?:эта|этот|данная|данный|настоящая) (?:статья|материал|текст|интервью|публикация"
    r"|новость|колонка|рецепт)\b|^(?:статья|материал) (?:впервые|был|была|вышел|вышла|опубликован)"
    r"|^это (?:статья|материал|текст)\b|^(?:статья|материал|текст) доступ\w*"
    r"|本文|该文|此文|本稿|本篇",
    re.I,
)
_PUBLISHED = re.compile(
    r"\b(?:appeared|published|first ran|ran|aired|broadcast|erschien\w*|erschienen"
    r"|veröffentlicht|publiziert|ausgestrahlt|gesendet|abgedruckt|publiée?|parue?|diffusée?"
    r"|retrouvez|publicad[oa]|public[óo]u?|apareci[óo]|emitid[oa]|exibid[oa]|veiculad[oa]|pubblicat[oa]"
    r"|uscit[oa]|andat[oa] in onda|trasmess[oa]|опубликован\w*|вышл?[аои]?|напечатан\w*"
    r"|показан\w*)\b|首发|刊发|刊登|刊载|原载|发表|播出|首播",
    re.I,
)
_MEDIUM = re.compile(
    r"\b(?:edition|issue|print|magazine|newspaper|programme|program|show|originally|first"
    r"|ausgabe|gedruckt\w*|print\w*|heft|zeitung|magazin|sendung|programm|zuerst|ursprünglich"
    r"|erstmals|édition|numéro|version papier|kiosque|journal|magazine|émission|initialement"
    r"|d'abord|d’abord|edición|impres[oa]|revista|programa|originalmente|quiosco|edição"
    r"|jornal|bancas|edizione|cartace[oa]|numero|giornale|rivista|edicola|puntata"
    r"|originariamente|tg|выпуск\w*|номер\w*|журнал\w*|газет\w*|эфир\w*|впервые"
    r"|первоначально|программ\w*)\b|\d+期|杂志|报纸|期刊|节目|公众号",
    re.I,
)
_UNEDITED = re.compile(
    r"\b(?:automatically|unedited|not (?:been )?edited|automatisch\w*|nicht (?:redaktionell )?"
    r"bearbeitet|unbearbeitet|automatiquement|non (?:modifiée?|éditée?)|automáticamente"
    r"|sin (?:editar|modificaciones)|automaticamente|sem edição|non (?:modificat[oa]|editat[oa])"
    r"|автоматически|без редактирования|не редактировал\w*)\b|自动(?:生成|发布)|未经编辑",
    re.I,
)
_REPORTED = re.compile(
    r"\b(?:said|says|according to|sagte|laut|zufolge|a déclaré|selon|dijo|según|disse|segundo"
    r"|ha detto|secondo|сказал|заявил|по словам)\b|表示|称",
    re.I,
)


def is_provenance_note(text: str) -> bool:
    """A note on where and how this very article was published (module docstring)."""
    if width(text) > NOTE_MAX_WIDTH or _REPORTED.search(text) or not _SELF.search(text):
        return False
    return bool(_UNEDITED.search(text) or (_PUBLISHED.search(text) and _MEDIUM.search(text)))


_SUBSCRIBER = re.compile(
    r"\b(?:subscri\w+|abonnent\w*|abo|abonniert\w*|abonné\w*|abonnement|suscriptor\w*"
    r"|suscrit[oa]s?|assinante\w*|assinatura|abbonat[oaie]|abbonamento|подписчик\w*|подписк\w*"
    r"|premium|plus-?artikel|z\+|f\+|s\+)(?=\W|$)|会员|订阅用户",
    re.I,
)
_READ_OR_LOGIN = re.compile(
    r"\b(?:read|log ?in|sign in|(?:weiter)?(?:zu)?lesen|anmelden|melden sie sich|einloggen"
    r"|geschenkt|schenk\w*"
    r"|lire|connectez|identifiez|offert|leer|inicia sesión|regalad[oa]|ler|inicie sessão"
    r"|faça login|oferecid[oa]|leggere|accedi|regalat[oa]|читать|войдите|подарил\w*"
    r"|gift\w*|доступ\w*|réservée? aux|reservad[oa] (?:a|para)|riservat[oa] agli|exclusiv[oa] para)\b"
    r"|登录|阅读",
    re.I,
)
# logging in, as an imperative: it addresses the reader by itself ("Войдите, чтобы читать дальше")
_LOGIN_NOW = re.compile(
    r"\b(?:log in|sign in|melden sie sich an|loggen sie sich ein|connectez-vous|identifiez-vous"
    r"|inicia sesión|inicie sesión|inicie sessão|faça login|accedi|войдите|авторизуйтесь)\b"
    r"|请登录",
    re.I,
)


def is_subscriber_note(text: str) -> bool:
    """A note to the reader on subscribing, logging in or a gifted article (module docstring)."""
    if width(text) > NOTE_MAX_WIDTH or _REPORTED.search(text):
        return False
    if not (_SUBSCRIBER.search(text) and _READ_OR_LOGIN.search(text)):
        return False
    you = addresses_reader(_WORD.findall(text))
    return you or "?" in text or bool(_SELF.search(text) or _LOGIN_NOW.search(text))


# Support notes ("Ce reportage bénéficie du soutien de ...", "Материал подготовлен при поддержке
# партнёра", "This story was produced with the support of ..."): the article itself (or a
# line opening with "material", "text") + a support or funding phrase. Weak (edges only).
_SUPPORT = re.compile(
    r"\b(?:with (?:the )?(?:support|funding|help) (?:of|from)|supported by|funded by|made possible"
    r" by|mit (?:freundlicher )?unterstützung|gefördert (?:von|durch)|unterstützt von"
    r"|bénéficie du soutien|avec le soutien|soutenu par|financée? par|con el apoyo|gracias al"
    r" apoyo|con (?:la )?financiación|financiad[oa] por|com (?:o )?apoio|apoiad[oa] por"
    r"|con il (?:sostegno|contributo)|grazie al (?:sostegno|contributo)|finanziat[oa] da"
    r"|при (?:финансовой )?поддержке|в партн[её]рстве"
    # content from a partner: "Cet article est issu de notre partenaire X"
    r"|(?:issu|provient|vient|proviene|viene|vem|proveniente) (?:de|du|da|do|del|dal|dalla|von)"
    r" (?:notre |nuestro |nosso |nostro |unserem |un |um )?(?:partenaire|socio|parceiro|partner\w*))\b"
    r"|(?:支持|资助|赞助)(?:下)?(?:完成|制作|推出)",
    re.I,
)
_PIECE_FIRST = re.compile(r"^(?:материал|статья|текст|публикация)\b", re.I)


def is_support_note(text: str) -> bool:
    """A note that this article was made with someone's support or funding."""
    if width(text) > NOTE_MAX_WIDTH or _REPORTED.search(text) or not _SUPPORT.search(text):
        return False
    return bool(_SELF.search(text) or _PIECE_FIRST.match(text))
