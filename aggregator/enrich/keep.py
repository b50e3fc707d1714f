"""Blocks that weak evidence at an article's edges must not take (issue 19).

Edge rules and the paragraph classifier remove short lines at the start and the end of an
article: stamps, bare links, credits. Two kinds of short line there are the article's own:

* **An address the text introduces**: a sentence ending with a colon announces a bare link
  ("... unterschreibt bitte alle diese Petition:" and then the petition's address). Only a
  bare link: what else follows a colon may be a widget's caption ("In unserer Galerie findest
  du Rezepte:" and then "Top-Themen bei ...") or a disclosure the colon opens. A colon after
  a removed block (a "Read also:" marker) introduces nothing of the article.
* **The writer's sign-off** closing a blog post: a greeting and a name ("x Franzi", "Liebe
  Grüße, Anna", "Bisous, Claire", "Un abrazo, Marta", "Baci, Giulia", "Обнимаю, Оля").
* **A step of service journalism**: how to do a task with a public or third-party service's
  app or site ("Descarga la aplicación de la Seguridad Social e identifícate ... para
  presentar la solicitud", "Download the NHS App ... to book the vaccine"). App and share
  prompts take the same verbs; an outlet's own prompt is about reading (news, alerts, a
  newsletter, a subscription) or says "our", so a line that names a task (apply, book, pay,
  request, renew ...) and none of those is the article's.

And one block *strong* evidence must not take (issue 19, languages-dev8):

* **A reported call**: a sentence of reporting in which someone else asks for a donation, a
  subscription or a download ("L'échevin a appelé les visiteurs à faire un don sur place",
  "В АТОР сказали, что подписчики их рассылки уже получили ..."). An outlet's box addresses
  the reader itself and quotes nobody; the phrases the donation, newsletter, share and
  call-to-action tables look for are the same, so their strong hits yield to a long sentence
  with a reporting verb (said, a appelé, pidió, сказали, 呼吁 ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from aggregator.sentences import width

INTRO_MIN_WIDTH = 40
_BARE_LINK = re.compile(r"^(?:https?://|www\.)\S+$")

_UPPER = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_SIGN_OFF = re.compile(
    r"^(?i:x{1,3}|xo|xoxo|liebe grüße|viele grüße|lg|alles liebe|eure?|euer|deine?|bisous|gros bisous"
    r"|à bientôt|besos|un abrazo|abrazos|saludos|beijos|beijinhos|abraços|baci|un abbraccio"
    r"|cheers|love|hugs|xx|обнимаю|целую|ваша|ваш|твоя|твой)[,!]?\s+"
    rf"[{_UPPER}][\w'’.-]*(?:\s+[{_UPPER}][\w'’.-]*)?\s*[!.♥❤️😀😘]*(?:<3)?$"
)


# a task done with a service, per language (stems end in \w*; case-insensitive)
_TASK = re.compile(
    r"\b(?:apply|applying|book(?:ing)? (?:a|an|your)|claim|request|renew|pay (?:your|the)"
    r"|submit|check (?:your|the) (?:status|eligibility|balance)|solicit\w*|presentar la"
    r"|tramit\w*|pedir|pagar|reservar|cita previa|renovar|requer\w*|agendar|emitir|benefício"
    r"|cadastr\w*|demander|votre demande|déposer|payer|prendre rendez-vous|renouveler|déclar\w*"
    r"|beantrag\w*|antrag\w*|buchen|termin|verlänger\w*|einreich\w*|richied\w*|prenot\w*"
    r"|pagare|la domanda|rinnov\w*|подать|подайте|заявлени\w*|записат\w*|запишитесь|оплат\w*"
    r"|госуслуг\w*)\b"
    r"|申请|预约|办理|缴费|申报|领取",
    re.I,
)
# ... with a service's app or site
_SERVICE = re.compile(
    r"\b(?:apps?|aplicación|aplicativo|aplicação|application|appli|applicazione|приложени\w*"
    r"|website|site|sitio|portal|plataforma|plateforme|plattform|online|en línea|en ligne"
    r"|internet|webseite|онлайн|сайт\w*)\b|App|客户端|网站|网上|在线|小程序",
    re.I,
)
# what an outlet's own prompt is about: reading, alerts, subscribing, following, "our"
_OWN = re.compile(
    r"\b(?:news|noticias|notícias|notizie|nouvelles|infos|actualités|nachrichten|новост\w*"
    r"|alerts?|alertas|alertes|notifica\w*|push|newsletter|articles?|artículos?|artigos?"
    r"|articoli|artikel|stori(?:es|e)|read|reading|leer|lire|ler|leggere|lesen|читать|subscri\w*"
    r"|suscri\w*|assin\w*|abonn\w*|abo|abbonam\w*|подпис\w*|follow|síguenos|siga|suivez"
    r"|folgen|seguici|our|us|nuestr[oa]s?|noss[oa]s?|notre|nos|unser\w*|nostr[oa]|наш\w*"
    r"|edición|edition|ausgabe|edizione|издани\w*)\b"
    r"|新闻|资讯|订阅|阅读|关注|本报|本台|我们",
    re.I,
)
STEP_MAX_WIDTH = 300


def is_service_step(text: str) -> bool:
    """A how-to step with some service's app or site (the module docstring)."""
    return (
        width(text) <= STEP_MAX_WIDTH
        and bool(_TASK.search(text))
        and bool(_SERVICE.search(text))
        and not _OWN.search(text)
    )


def about_the_outlet(text: str) -> bool:
    """The text names what an outlet's own prompt is about (reading, alerts, subscribing,
    following, "our"; ``_OWN``)."""
    return _OWN.search(text) is not None


# reporting verbs of a third party (past or third person: "a appelé", not "appelez")
_REPORTED = re.compile(
    r"\b(?:said|says|told|urged|according to|sagte|sagt|erklärte|kündigte|forderte|betonte"
    r"|teilte|riet|laut|zufolge|hieß es|a (?:déclaré|dit|indiqué|annoncé|appelé|invité|demandé"
    r"|rappelé|précisé|expliqué|affirmé)|ont (?:appelé|demandé|indiqué|annoncé)|selon|dijo"
    r"|afirmó|explicó|anunció|pidió|llamó|instó|recordó|aseguró|según|indicó|señaló|informó"
    r"|disse|afirmou|explicou|anunciou|pediu|apelou|lembrou|informou|segundo|garantiu"
    r"|ha (?:detto|spiegato|annunciato|chiesto|invitato|ricordato|dichiarato|aggiunto)"
    r"|hanno (?:chiesto|detto|invitato)|secondo|сказал\w*|заявил\w*|сообщил\w*|пояснил\w*"
    r"|уточнил\w*|призвал\w*|попросил\w*|напомнил\w*|объявил\w*|отметил\w*|по словам)\b"
    r"|表示|指出|介绍|呼吁|提醒",
    re.I,
)
REPORTED_MIN_WIDTH = 60
_END = re.compile(r"[.!?…»”\"'。！？]\s*$")
# the tables whose strong phrases a reported call repeats
VETOED = frozenset({"donation", "newsletter", "share", "cta"})


def is_reported_call(text: str) -> bool:
    """A sentence of reporting, long enough to be one, with a third party's reporting verb."""
    text = text.strip()
    return width(text) >= REPORTED_MIN_WIDTH and bool(_END.search(text) and _REPORTED.search(text))


_Hit = TypeVar("_Hit", bound=tuple[str, object])


def unless_reported(hit: _Hit | None, text: str) -> _Hit | None:
    """A hit of the tables a reported call repeats (only strong ones: their names are pattern
    detectors'), dropped for a reported call (module docstring)."""
    if hit is not None and hit[0] in VETOED and is_reported_call(text):
        return None
    return hit


class _Text(Protocol):
    @property
    def text(self) -> str: ...


def introduces(text: str) -> bool:
    """A sentence that ends with a colon, announcing what follows."""
    text = text.strip()
    return text.endswith(":") and width(text) >= INTRO_MIN_WIDTH


# a Chinese report's closing line: "记者将持续关注。" (the reporter will follow the story)
_FOLLOW_UP = re.compile(
    r"^(记者|本报|本台|本网|我们)(将|会)(持续|继续|进一步)(关注|跟进|追踪)[^。！？]{0,8}[。！]?$"
)


def is_sign_off(text: str) -> bool:
    t = text.strip()
    return width(t) <= 40 and bool(_SIGN_OFF.match(t) or _FOLLOW_UP.match(t))


def kept_anyway(blocks: Sequence[_Text], k: int, hit_at: Callable[[int], object | None]) -> bool:
    """Block ``k`` stays whatever weak evidence says: a sign-off, a service step, or a bare
    link introduced by the (kept) sentence before it."""
    if is_sign_off(blocks[k].text) or is_service_step(blocks[k].text):
        return True
    if k == 0 or not _BARE_LINK.match(blocks[k].text.strip()):
        return False
    return introduces(blocks[k - 1].text) and hit_at(k - 1) is None
