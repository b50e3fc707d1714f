"""Read-also teasers: "Lesen Sie auch: ...", "LEIA MAIS", "En Xataka | ...", "相关阅读：...".

A teaser is a prefix made only of teaser words with at least one marker ("also", "auch",
"aussi", "также"...), then a headline; or such a prefix alone, the heading of a related box.
Split out of :mod:`aggregator.enrich.cues`, which counts ``is_teaser`` among its signals.
"""

from __future__ import annotations

import re

from aggregator.enrich import signals
from aggregator.enrich.signals import _WORD
from aggregator.sentences import width

# pictographs and arrows before a prompt ("📲 Receba as notícias...", "👉 Folgen Sie uns")
LEADING_SYMBOLS = re.compile(r"^[^\w¿¡«„\"'“(]+")


def has_cjk(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in text[:200])


# Words a teaser prefix is made of; the markers among them must occur at least once.
_MARKERS = signals._words(
    """also too more related further topic same interesting interested
    auch ebenfalls mehr weitere weiteres dazu thema passend interessant verwandte
    aussi également plus encore même thème sujet intéresser
    también además más relacionado relacionados relacionadas tema mismo interesar
    também mais relacionado relacionadas relacionados mesmo
    anche pure inoltre più correlati correlato stesso argomento interessarti interessare
    также еще ещё тоже теме интересно
    też także więcej ook meer
    seguí sigue seguir continúa continua"""
)
_TEASER_WORDS = _MARKERS | signals._words(
    """read see on this the in to from our you may might like check out watch listen
    lesen lies sie zum zur könnte dich interessieren zu diesem unsere hören sehen siehe
    schon gelesen empfohlen lesenswert
    lire lisez à a voir sur le la même ce dans notre nos vous découvrir pourriez aimerez
    lee lea leer ver vea mira te puede sobre el este descubre mirá leé conocé descubrí enterate
    leia ler veja confira saiba pode você o
    leggi leggere vedi guarda potrebbe ti da sullo sulla questo questa
    читайте читать по смотрите см материалы этой вам может быть
    czytaj zobacz lees bekijk"""
)
# "Lire notre enquête : ...", "Lesen Sie unseren Kommentar: ...": a read verb and a kind of
# piece stand in for the marker.
_READ_VERBS = signals._words(
    "read lesen lies lire lisez lee lea leer leia ler leggi leggere читайте leyendo lendo"
)
_PIECES = signals._words(
    """interview analysis investigation explainer review kommentar bericht hintergrund analyse
    reportage porträt enquête entretien décryptage dossier portrait chronique tribune éditorial
    reportaje análisis entrevista crónica reportagem análise crônica inchiesta intervista
    analisi approfondimento интервью репортаж расследование анализ"""
)
_TEASER_WORDS = (
    _TEASER_WORDS
    | _PIECES
    | _READ_VERBS
    | signals._words(
        "unseren unser notre nuestro nuestra nosso nossa nostro nostra il наше наш нашу"
    )
)
# "En Xataka | ¿Por qué ...?": a preposition, the site's name, a bar, a headline.
_SITE_TEASER = re.compile(
    r"^(?:en|in|em|su|sur|auf|bei|on|на|в)\s+[A-ZÀ-ÖØ-ÞА-ЯЁ0-9][\w.'’-]*(?:\s+[\w.'’-]+){0,3}"
    r"\s\|\s([^|]+)$",
    re.I,
)
_TEASER_SEP = re.compile(r"\s*(?:[:|»>→–—]|\s-\s)\s*")
_CJK_MARKERS = ("相关", "延伸", "更多", "推荐", "还", "也", "阅读")
_CJK_TEASER_PREFIX = re.compile(r"^([\u3400-\u9fff]{2,8})(?:\s*[:：|]\s*|\s+)(\S.*)$")
TEASER_MAX_WIDTH = 200
TEASER_PREFIX_WORDS = (2, 5)


def _headline_like(rest: str) -> bool:
    """A fragment that reads as a headline: 12+ wide, capitalised (or a digit, a quote, CJK),
    no closing period."""
    rest = rest.strip()
    if width(rest) < 12 or rest.endswith((".", "。")):
        return False
    first = rest[0]
    return first.isupper() or first.isdigit() or first in "«„\"'“‘¿¡" or has_cjk(first)


# A read-also label alone ("Lisez aussi", "À voir en vidéo", "Mirá también"): a related box's
# heading, its headlines links below it (clean._cut_tails). Not English: WCXB and ScrapingHub
# keep "See more photos:" and "More to read:" as the article's own.
_LABEL_WORDS = signals._words(
    "vidéo video vídeo видео фото photos fotos foto galerie galería galeria en em im на"
)
_SEE_VERBS = signals._words("voir ver veja vedi guarda смотрите mira mirá schauen sehen")
_ENGLISH_TEASER = signals._words(
    "read see on this the in to from our you may might like check out watch listen also too "
    "more related further topic same interesting interested"
)
LABEL_MAX_WORDS = 5
LABEL_MAX_CHARS = 40


def is_label_words(words: list[str]) -> bool:
    """Words (as split on spaces) that can make a "read also" label: teaser words only, a
    marker or a read or see verb among them, not all English (``_bare_label``)."""
    found = _WORD.findall(" ".join(words))
    tokens = {w.casefold() for w in found}
    if not tokens or len(found) != len(words):
        return False
    if tokens - _LABEL_WORDS <= _ENGLISH_TEASER or not tokens <= _TEASER_WORDS | _LABEL_WORDS:
        return False
    return bool(tokens & (_MARKERS | _READ_VERBS | _SEE_VERBS))


def _bare_label(text: str) -> bool:
    words = text.split()
    if len(text) > LABEL_MAX_CHARS or text.rstrip()[-1:] in ".!?" or len(words) < 2:
        return False
    return len(words) <= LABEL_MAX_WORDS and is_label_words(words)


def is_teaser(text: str) -> bool:
    """A read-also line: a prefix of teaser words with a marker, then a headline (module
    docstring), or such a prefix alone (``_bare_label``)."""
    text = LEADING_SYMBOLS.sub("", text)
    if width(text) > TEASER_MAX_WIDTH:
        return False
    if _bare_label(text):
        return True
    if has_cjk(text[:8]):
        m = _CJK_TEASER_PREFIX.match(text)
        return bool(m and any(k in m.group(1) for k in _CJK_MARKERS) and _headline_like(m[2]))
    site = _SITE_TEASER.match(text)
    if site is not None and text.split(" ", 2)[1][0].isupper() and _headline_like(site[1]):
        return True
    words = text.split(" ")
    low, high = TEASER_PREFIX_WORDS
    for n in range(low, min(high, len(words) - 1) + 1):
        prefix = " ".join(words[:n])
        tokens = [w.casefold() for w in _WORD.findall(prefix)]
        if len(tokens) != n or not set(tokens) <= _TEASER_WORDS:
            return False  # a word that is not a teaser word: no longer prefix will do
        bare = prefix.rstrip(":|»>→–—")
        sep = _TEASER_SEP.match(text, len(bare))
        # without a separator the prefix must end on a marker ("Lee además El bono ...")
        if not (sep or (tokens[-1] in _MARKERS and words[n - 1].isalpha())):
            continue
        rest = text[sep.end() :] if sep else text[len(prefix) :]
        # (a row of "Read Review | NordVPN Review | ..." is a menu, not a teaser: WCXB dev)
        marked = _MARKERS.intersection(tokens) or (
            _READ_VERBS.intersection(tokens) and _PIECES.intersection(tokens) and "|" not in rest
        )
        if marked and _headline_like(rest):
            return True
    return False
