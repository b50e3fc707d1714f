"""Detectors that combine kinds of evidence instead of matching a phrase.

Outlets word their appeals and bios differently every time ("you could simply close this tab
... our crew of four ... less than a coffee a month ... come aboard as a patron"), so a phrase
table never covers them all. What does not change is what such a paragraph has to *do*: an
appeal addresses the reader, names the outlet's community or its readers, and asks for money
or for an action; a bio names a person and says what they do for a living. These detectors
count those kinds of evidence (families of words, each family counted once), and say WEAK:
the cleaner removes such a block only at the edges of the article (peeling), never from the
middle, where reporting may legitimately talk about readers, members and money.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


def _words(text: str) -> frozenset[str]:
    """A family of words written as one space-separated string."""
    return frozenset(text.split())


# Word families, English first, then German, French, Spanish, Portuguese, Italian, Russian,
# Polish and Dutch (lower-cased words). Chinese has no spaces between words: its markers are
# looked for as substrings (``_CJK_*``).
_YOU = _words(
    "you your yours you're you'll you've yourself "
    "du dich dir dein deine deinen deinem deiner euch euer eure euren "
    "vous votre vos tu toi ta tes "
    "tú usted ustedes tus vosotros "
    "você vocês teu tua "
    "ti tuo tua tuoi voi vostro vostra "
    "вы вас вам ваш ваша ваше ваши ты тебя тебе твой твоя "
    "ty ciebie cię tobie twój twoja twoje wy wam "
    "jij jou jouw jullie uw"
)
# German formal address is capitalised ("Sie", "Ihre"): looked for before lower-casing
_YOU_FORMAL = _words("Sie Ihnen Ihr Ihre Ihren Ihrem Ihrer")
# the you-words but German "du", which is also French "du" (of the): prompts and notes
_YOU_NOT_DU = _YOU - {"du"}


def addresses_reader(raw: Sequence[str]) -> bool:
    """The reader addressed in words as written (``_WORD.findall``): a you-word but "du"
    (``_YOU_NOT_DU``), or German formal address (capitalised)."""
    return bool({w.casefold() for w in raw} & _YOU_NOT_DU or _YOU_FORMAL.intersection(raw))


_WE = _words(
    "we our ours us we're we've we'll "
    "wir uns unser unsere unseren unserem unserer "
    "nous notre nos "
    "nosotros nuestro nuestra nuestros nuestras "
    "nós nosso nossa nossos nossas "
    "noi nostro nostra nostri nostre "
    "мы нас нам наш наша наше наши нашу "
    "nasz nasza nasze naszym naszej naszych "
    "wij ons onze"
)
_CJK_YOU = ("您", "你")
_CJK_WE = ("我们",)
_COMMUNITY = _words(
    "community patron patrons member members membership supporter supporters readers reader "
    "subscribers subscriber newsroom independent journalism ad-free paywall "
    "leser leserin leserinnen leserschaft mitglied mitglieder mitgliedschaft unterstützer "
    "abonnenten redaktion journalismus unabhängig unabhängigen unabhängiger bezahlschranke "
    "gemeinschaft lecteurs lectrices abonnés membres rédaction journalisme indépendant "
    "indépendance communauté lectores lectoras suscriptores socios miembros redacción "
    "periodismo independiente comunidad leitores assinantes membros redação jornalismo "
    "independente comunidade lettori abbonati soci membri redazione giornalismo indipendente "
    "comunità читатели читателей подписчики подписчиков редакция редакции журналистика "
    "журналистику независимый независимое независимую сообщество czytelnicy czytelników "
    "redakcja redakcji dziennikarstwo niezależne niezależny niezależnego społeczność lezers "
    "leden abonnees redactie journalistiek onafhankelijk onafhankelijke "
    # the outlet as a non-profit or ad-free: "sem fins lucrativos", "diesen Blog werbefrei"
    # ("blog" itself is not one: WCXB dev, "re-read this blog post" closing an article)
    "nonprofit non-profit gemeinnützig gemeinnützige gemeinnützigen werbefrei lucratif "
    "lucrativos lucrativo lucro некоммерческий некоммерческое некоммерческая некоммерческой"
)
# ... or says what the outlet does without: "sans publicité ni actionnaire", "gratuita per
# tutti", "без государственных денег и рекламы" (the appeal's case for the ask)
_INDEPENDENCE = re.compile(
    r"\b(?:sans (?:publicité|pub|actionnaires?)|ni actionnaires?|sin publicidad|sem publicidade"
    r"|senza pubblicità|gratuit[ao] per tutti|ohne (?:werbung|bezahlschranke)|без (?:\w+ )?"
    r"(?:рекламы|денег)|ad-free|without (?:ads|advertising)|no (?:ads|paywall))",
    re.I,
)
_CJK_COMMUNITY = ("读者", "会员", "订阅", "编辑部", "独立")
_ASK = _words(
    "join become support subscribe donate contribute chip pledge sustain fund back keep help "
    "sign "
    "unterstützen unterstütze unterstützt spenden spende abonnieren abonniere werde werden "
    "helfen hilf helft hilft mitmachen lade spendier spendiere "
    "soutenir soutenez soutiens donner donnez abonnez abonner aidez aider rejoignez devenez "
    "contribuer contribuez don dons "
    "apoyar apoya apóyanos apoye donar dona done suscríbete únete ayudar ayúdanos contribuir "
    "colabora hazte "
    "apoiar apoie doar doe assine assinar ajudar ajude contribuir contribua seja "
    "sostenere sostieni sostienici donare abbonati aiutare aiutaci contribuire diventa "
    "поддержать поддержите поддержи помочь помогите помоги подписаться подпишитесь "
    "пожертвовать станьте оформите "
    "wesprzyj wesprzeć wspieraj wspierać pomóż pomóc przekaż zostań dołącz "
    "steun steunen doneer doneren word help helpen abonneer"
)
_CJK_ASK = ("支持", "赞赏", "打赏", "订阅", "捐", "加入", "成为")
_MONEY = re.compile(
    r"[$€£¥₹₽]\s?\d|\b\d+([,.]\d+)?\s?(?:dollars?|euros?|pounds?|cents?|€|zł|złotych|"
    r"руб(?:\.|лей|ля)?|₽|franken|chf)(?!\w)"
    r"|\b(?:a|per|each|every) (?:month|week|year|day)\b|\bcoffee\b|\bmonthly\b|\bfree\b"
    r"|\b(?:im|pro) monat\b|\bmonatlich|\bkaffee\b|\bkostenlos|\b(?:kleinen|einmaligen) beitrag"
    r"|\bpar mois\b|\bun café\b|\bgratuit|\bal mes\b|\bpor mes\b|\bpor mês\b|\bgratis\b"
    r"|\bal mese\b|\bun caffè\b|\bв месяц\b|\bежемесячно|\bбесплатно|\bmiesięcznie\b"
    r"|\b1(?:,5)? ?% podatku|\bper maand\b|每月|每个月|一杯咖啡|免费|\d+\s?元",
    re.I,
)
# An ask in the imperative opening a sentence addresses the reader as a you-word does: "Doe a
# partir de R$ 10 e ajude ...", "Spenden Sie jetzt", "Soutenez-nous".
_ASK_FIRST = re.compile(
    r"(?:^|[.!?:;–—]\s+)(?:donate|support|help|doe|done|dona|ajude|apoie|apoya|apóyanos|spende"
    r"|spenden sie|unterstütze|unterstützen sie|soutenez|aidez|donnez|faites un don|sostieni"
    r"|sostienici|aiutaci|поддержите|помогите|пожертвуйте)\b",
    re.I,
)
# An appeal is a paragraph, not a button: shorter blocks are left to the phrase tables.
APPEAL_MIN_CHARS = 80
APPEAL_MAX_CHARS = 900


def _appeal_evidence(text: str) -> Iterator[bool]:
    """Each kind of appeal evidence in turn, cheapest first (the money search is the costly
    one): addressing the reader (you/we), naming a community of readers, asking for an
    action, a money or time offer. Lazy, so that :func:`is_appeal` stops at the first miss."""
    raw = _WORD.findall(text)
    words = {w.casefold().replace("’", "'") for w in raw}
    yield bool(
        words & _YOU or words & _WE or _YOU_FORMAL.intersection(raw) or _ASK_FIRST.search(text)
    ) or _has(text, _CJK_YOU + _CJK_WE)
    stems = {_stem(w) for w in words}
    yield _names_community(text, words, stems)
    yield bool(stems & _ASK or words & _ASK) or _has(text, _CJK_ASK)
    yield bool(_MONEY.search(text))


def _has(text: str, markers: tuple[str, ...]) -> bool:
    """One of the (Chinese) markers is in the text; only texts with CJK characters are read."""
    return any("\u3400" <= c <= "\u9fff" for c in text[:200]) and any(m in text for m in markers)


def appeal_signals(text: str) -> int:
    """How many kinds of appeal evidence the text holds (0-4), see :func:`_appeal_evidence`."""
    return sum(_appeal_evidence(text))


def speaks_as_outlet(text: str) -> bool:
    """The text speaks as "we", to "you" or of a community of readers (an outlet speaking of
    itself or to its reader). German "du" (French "of the") and the capitalised "Sie" (also
    "she", "they") do not count."""
    raw = _WORD.findall(text)
    words = {w.casefold().replace("’", "'") for w in raw}
    if words & _WE or words & _YOU_NOT_DU or _has(text, _CJK_WE + _CJK_YOU):
        return True
    return _names_community(text, words, {_stem(w) for w in words})


def _names_community(text: str, words: set[str], stems: set[str]) -> bool:
    """A community of readers named (``words``: the text's case-folded words, ``stems``
    theirs)."""
    return bool(words & _COMMUNITY or stems & _COMMUNITY or _INDEPENDENCE.search(text)) or _has(
        text, _CJK_COMMUNITY
    )


def _stem(word: str) -> str:
    """Crude English suffix stripping, enough for "keeps", "joining", "backed"."""
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def is_appeal(text: str) -> bool:
    """All four kinds of evidence, in a paragraph-sized block (most blocks name no
    community, so the checks mostly stop there)."""
    return APPEAL_MIN_CHARS <= _width(text) <= APPEAL_MAX_CHARS and all(_appeal_evidence(text))


def _width(text: str) -> int:
    """Length with each CJK character counted twice: a Chinese sentence says in 40 characters
    what an English one says in 80, so the size limits read it at that rate."""
    return len(text) + sum(1 for c in text if "\u3400" <= c <= "\u9fff")


# A bio opens with a person's name (two to four capitalised words) and a verb of being or
# doing, and speaks of a career.
_UPPER = "A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻА-ЯЁ"
_BIO_OPENING = re.compile(
    rf"^(?:(?:Dr|Prof|Mr|Ms|Mrs)\.? )?[{_UPPER}][\w'’.-]+(?: [{_UPPER}][\w'’.-]+){{1,3}},? "
    r"(?:is|was|has|had|covers|covered|writes|wrote|reports|reported|joined|spent|lives|"
    r"holds|previously|worked|leads|edits"
    r"|ist|war|schreibt|arbeitet|lebt|berichtet|leitet"  # de
    r"|est|a|écrit|travaille|vit|couvre"  # fr
    r"|es|fue|escribe|trabaja|vive|cubre"  # es
    r"|é|foi|escreve|trabalha"  # pt
    r"|è|scrive|lavora"  # it
    r"|работает|пишет|является"  # ru
    r")\b"
)
_CAREER = re.compile(
    r"\b(?:reporter|correspondent|journalist|editor|writer|columnist|author|contributor|"
    r"photographer|producer|critic|freelancer?|blogger|newsroom|newspaper|magazine|"
    r"reported|reporting|covering|covered|decades?|years? of experience|years? as an?|previously|"
    r"lives (?:in|with)|based in|graduated?|degree"
    r"|redakteur(?:in)?|journalistin|korrespondent(?:in)?|autorin|reporterin|kolumnist(?:in)?|"
    r"fotograf(?:in)?|volontär(?:in)?|redaktion|zeitung|studierte|zuvor|lebt in"
    r"|journaliste|rédact(?:eur|rice)|correspondante?|chroniqueu(?:r|se)|photographe|auparavant"
    r"|periodista|redactor(?:a)?|corresponsal|columnista|reporter[oa]|fotógraf[oa]|anteriormente"
    r"|jornalista|repórter|colunista|editora|giornalista|redattr?(?:ice|ore)|corrispondente"
    r"|журналист\w*|корреспондент\w*|редактор\w*|обозревател\w*"
    r"|dziennikar\w*|redaktor\w*|korespondent\w*)\b",
    re.I,
)
# Capitalised first words that open ordinary sentences, not names (German capitalises nouns)
_NOT_A_NAME = _words(
    "The A An This That These It Der Die Das Ein Eine Dieser Diese Le La Les Un Une Ce Cette "
    "El Los Las Una Este Esta O Os As Um Uma Il Lo Gli Questo Questa"
)
BIO_MAX_CHARS = 600


def is_bio(text: str) -> bool:
    """A short paragraph that opens with a name and a verb and speaks of a career (at least two
    career words)."""
    if len(text) > BIO_MAX_CHARS or not _BIO_OPENING.match(text):
        return False
    if text.split(" ", 1)[0] in _NOT_A_NAME:
        return False
    return len({m.group(0).casefold() for m in _CAREER.finditer(text)}) >= 2


# A comment prompt asks the reader something and asks for the answer somewhere: "What do you
# think? Tell us below", "Have you been to Japan? Share your tips in the comments".
_RESPOND = _words(
    "tell let share leave drop comment comments reply replies write post join sound "
    "schreib schreibt schreiben hinterlasse hinterlasst teile teilt lass lasst verrate erzähl "
    "erzählt kommentiere kommentiert "
    "dites laissez partagez écrivez réagissez racontez commentez dis laisse partage raconte "
    "déjanos cuéntanos dinos comparte deja escribe comenta cuéntame "
    "deixe conte compartilhe comente escreva diga "
    "lascia scrivi dicci raccontaci condividi commenta "
    "напишите пишите поделитесь оставьте расскажите делитесь "
    "napisz podziel daj zostaw "
    "laat deel schrijf vertel"
)
_WHERE = re.compile(
    r"\b(?:below|comments?|comment section|let us know|tell us|write to us"
    r"|kommentare?n?|kommentarbereich|unten|lass(?:t)? (?:es )?uns wissen|schreib(?:t)? uns"
    r"|commentaires?|ci-dessous|en bas|plus bas|dites-nous|comentarios?|abajo|comentários?|abaixo"
    r"|commenti|qui sotto|комментари\w*|ниже|komentarz\w*|poniżej|reacties?|hieronder)\b"
    r"|评论区|留言区|评论|留言",
    re.I,
)
PROMPT_MAX_CHARS = 300


def is_comment_prompt(text: str) -> bool:
    """A short block that addresses the reader with a question and invites an answer below or
    in the comments (all three kinds of evidence)."""
    if _width(text) > PROMPT_MAX_CHARS or ("?" not in text and "？" not in text):
        return False
    raw = _WORD.findall(text)
    words = {w.casefold().replace("’", "'") for w in raw}
    you = bool(words & _YOU or _YOU_FORMAL.intersection(raw)) or _has(text, _CJK_YOU)
    respond = bool(words & _RESPOND) or _has(text, ("告诉", "分享", "留言", "评论"))
    return you and respond and bool(_WHERE.search(text))


# "Every morning", "jeden Werktag", "每天": a newsletter's or a channel's period (cues, offers)
PERIODIC = re.compile(
    r"\b(?:every|each|jeden|jede|jeder|chaque|tous les|toutes les|cada|todos os|todas as|toda"
    r"|todo|ogni|tutti i|tutte le|каждое|каждый|каждую|каждые)\s+[^\W\d_]+"
    r"|\b(?:täglich|wöchentlich|daily|weekly|quotidien\w*|hebdomadaire|diariamente|semanal\w*"
    r"|diári\w*|quotidian\w*|settimanal\w*|ежедневн\w*|еженедельн\w*|do dia|del día|du jour"
    r"|del giorno|des tages|of the day|дня)\b|每天|每周|每日",
    re.I,
)

# Reported speech: advice quoted from someone else is reporting, not the outlet's prompt.
REPORTED = re.compile(
    r"\b(?:said|says|according to|told|sagte|sagt|teilte|erklärte|laut|zufolge|a déclaré"
    r"|a indiqué|selon|explique|dijo|afirmó|según|explicó|disse|afirmou|segundo|informou"
    r"|ha detto|ha spiegato|secondo|ha dichiarato|diceva|recitava|сказал\w*|заявил\w*|сообщил\w*"
    r"|по словам|пояснил\w*|уточнил\w*|annunciato|a annoncé|anunció|anunciou|объявил\w*)\b"
    r"|表示|称|介绍|指出|提醒",
    re.I,
)


def has_any(text: str, keys: tuple[str, ...]) -> bool:
    """One of the (case-folded) literal ``keys`` is in ``text``: a cheap gate before a regex
    of many alternatives (offers.py, policies.py), which costs tens of microseconds a line."""
    low = text.casefold()
    return any(k in low for k in keys)
