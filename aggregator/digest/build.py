"""Digest selection: undelivered candidates -> one ``Digest`` (pure; no I/O, no clock).

The store hands us every article not yet delivered to one recipient (``DigestCandidate``);
this module decides what the reader sees. Nothing here touches the network, the disk or the
clock: ``now`` and the timezone come in as arguments, so every decision is a plain function
of its inputs and is tested as such.

Decisions, in order:

1. **Stale copies.** A candidate that is a syndicated copy (``duplicate_of`` set) of an article
   that is not among the candidates, in a story already delivered, repeats something the reader
   has seen. It is not shown, but its id is returned in ``Digest.suppressed_article_ids`` so it
   is marked delivered with the rest (invariant: nothing is sent twice).
2. **One entry per story.** Candidates sharing ``story`` form one entry. The canonical article
   is a ``prefer`` feed's non-duplicate article, else a non-duplicate (a syndicated copy is
   often padded or spun, so never longer "for good reasons"), then the most complete clean
   text (longest), then the earliest; ties by id. The headline is the canonical title unless it is empty,
   ALL CAPS or clickbait and a sibling has a better one. Sources are the distinct feeds,
   canonical first, then by time. ``copies`` counts the syndicated copies (``duplicate_of``
   set) beside the lead, ``reports`` the other outlets' independent write-ups: a reader is
   told "3 copies" apart from "2 other reports".
3. **Topics.** A story's section is the first ``topics:`` keyword rule matching any of its
   articles, else the topic most of its articles' feeds carry (ties: the earliest article's);
   never the lead article's alone (``story_topic``). Topics follow ``topics_order``
   (the config's order of first appearance); topics the config does not name come after the
   known ones (alphabetically) and "General" is always last.
4. **Ranking and caps.** Within a topic, stories are ranked by the number of distinct sources,
   then recency (newest article), then story id (stable). At most ``per_topic_cap`` stories
   are shown in full per topic (``digest.max_stories_per_topic``); the rest are listed as
   linked headlines with their sources (``headlines``). Both are shown, so both are marked
   delivered; nothing is dropped silently.
5. **Identity.** ``digest_id`` hashes the recipient and the sorted ids of every article the
   digest accounts for, so a retry of the same selection yields the same Message-ID.

Titles and texts arrive as plain text. They are still passed through ``plain_text`` (markup
that leaked into a title is dropped, control and bidi-override characters removed), and links
that are not absolute http(s) URLs are dropped here, before any template sees them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aggregator.config.model import ProfileConfig
from aggregator.sentences import cut, ends_sentence, join, sentences, width
from aggregator.types import (
    DEFAULT_PROFILE,
    Digest,
    DigestCandidate,
    DigestLink,
    DigestSource,
    DigestStory,
    DigestTopic,
    FailingFeed,
    Media,
    TopicRule,
)
from aggregator.urls import strip_tracking, title_from_url

GENERAL_TOPIC = "General"
UNTITLED = "(untitled)"  # the headline of an entry with no title, no text and no slug

# Stories shown per topic before the rest collapse into an "N more" line. Not tuned on data:
# a readability choice (a topic screenful on a phone is about 8-12 entries).
DEFAULT_TOPIC_CAP = 10

# Summary length budget in characters (issue 5: "at most about 300 characters"); a CJK
# character counts 3 (``sentences.width``, issue 19): 100 Chinese characters, not a whole article.
SUMMARY_LIMIT = 300

# Headlines longer than this are cut at a word boundary with an ellipsis. Not tuned on data:
# the longest headlines in the ECB+ story set (../shared/data/dedup) are well under 150 chars;
# anything far beyond is junk (a whole paragraph pasted into <title>).
HEADLINE_LIMIT = 200

# A story's other articles from a feed already among its sources, listed under it with their
# own links (so grouping never hides an article's link). Not tuned: a readability cap; a
# story with more of them than this from one outlet is a live blog's stream.
MAX_ALSO = 5

# A title counts as "shouting" when at least this share of its letters are capitals and it
# has at least MIN_CAPS_LETTERS letters (so "NASA", "EU" and "G7 SUMMIT" style short titles
# or acronyms do not count). Not tuned on data: a plain rule of thumb.
CAPS_RATIO = 0.8
MIN_CAPS_LETTERS = 12

# Leading lines shorter than this (characters) that do not end like a sentence are taken as
# headings, kickers or datelines ("Politics", the headline repeated, "May 2, 2013 | 5:03pm")
# and skipped by the summary. Checked on the 663 ECB+ texts (../shared/data/dedup), whose
# first lines are headlines and datelines: see tests/test_digest.py::test_summaries_on_ecbplus.
HEADING_MAX_CHARS = 200

_CLICKBAIT = re.compile(
    r"you won'?t believe|what happen(?:s|ed) next|will blow your mind|this one trick"
    r"|doctors hate|shocking|^watch:|^breaking:?\s*$|!!|\?\?|^\s*(?:\d+\s+)?(?:reasons|things)\s+why",
    re.IGNORECASE,
)

# Markup that sometimes leaks into feed titles. Content of script/style is dropped entirely;
# other known tags are removed leaving their text. Unknown "<word>" stays (it may be prose).
_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(
    r"</?(?:a|abbr|b|big|blockquote|br|center|code|del|div|em|embed|font|form|h[1-6]|hr|i|"
    r"iframe|img|input|ins|link|meta|object|p|picture|q|s|small|source|span|strike|strong|"
    r"sub|sup|svg|table|tbody|td|th|thead|tr|tt|u|video|audio|script|style)\b[^>]*>",
    re.IGNORECASE,
)
# C0/C1 controls except tab/newline, and bidi embeddings/overrides/isolates (spoofing risk;
# dir="auto" in the templates handles right-to-left text without them).
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

_DATELINE = re.compile(
    r"^(?:by\s+\S|published\b|updated\b|posted\b|last (?:updated|modified)\b|"
    r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+\d|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}|"
    r"\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}|"
    r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}\b|\d+\s+(?:minutes?|hours?|days?)\s+ago)",
    re.IGNORECASE,
)
# "LONDON (Reuters) - " / "KYIV, June 5 (AP) — " at the start of the first sentence.
_DATELINE_PREFIX = re.compile(
    r"^[A-Z][A-Z .,'\-]{1,40}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*\([^)]{1,30}\)\s*[-–—:]+\s+"
)
# The same in other languages' agency style: "新华社北京12月7日电（记者 张三）", "本报讯",
# "央视网消息：", "МОСКВА, 7 декабря. /ТАСС/.", "МОСКВА, 7 дек — РИА Новости.",
# "Berlin (dpa) - ", "MADRID, 7 Dic. (EUROPA PRESS) - ", "Lisboa, 7 dez (Lusa) - "
_DATELINE_PREFIX_INTL = re.compile(
    r"^(?:[\u4e00-\u9fff]{0,8}(?:社|网|报|台|新闻)[\u4e00-\u9fff]{0,8}\d{1,2}月\d{1,2}日(?:电|讯)"
    r"|本报讯|[\u4e00-\u9fff]{2,6}消息[：:])(?:[（(][^）)]{1,30}[）)])?\s*"
    r"|^[А-ЯЁ][А-ЯЁ\- ]{1,30},\s*\d{1,2}\s+[а-яё]{3,9}\.?\s*"
    r"(?:/[^/\n]{1,20}/\.?|[-–—]\s*[^.\n]{1,30}\.)\s+"
    r"|^[A-ZÀ-ÞА-ЯЁ][\w .'\-]{1,40}(?:,\s*\d{1,2}\s+\w{3,10}\.?(?:\s+\d{4})?)?"
    r"\s*\((?:dpa|AFP|AP|Reuters|EFE|ANSA|Lusa|KNA|epd|APA|SDA|Belga|ATS|Adnkronos|"
    r"Agência Brasil|Europa Press|EUROPA PRESS|ТАСС|РИА Новости|Интерфакс)[^)]{0,20}\)"
    r"\s*[-–—:.]+\s*"
)
_URL_BAD_CHARS = re.compile(r"[\s\x00-\x1f]")
_NON_ALNUM = re.compile(r"[\W_]+")  # what str.isalnum() rejects (and "_")


# ---- small pure helpers ----------------------------------------------------------------------


def safe_url(url: str | None) -> str | None:
    """Return ``url`` if it is an absolute http(s) URL with a host, else None; tracking
    parameters (``utm_*``, ``fbclid``, ``gclid``, ``mc_cid``, ...) are removed from it."""
    if not url:
        return None
    url = url.strip()
    if _URL_BAD_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return strip_tracking(url)


def plain_text(text: str) -> str:
    """Plain text for display: leaked markup and unsafe characters removed, spaces collapsed."""
    text = _SCRIPT_STYLE.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _UNSAFE_CHARS.sub("", text)
    return " ".join(text.split())


def _norm(text: str) -> str:
    """Letters and digits only, case-folded (``_NON_ALNUM`` keeps what ``str.isalnum`` keeps
    except "_", which it drops too)."""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def _is_boilerplate_lead(line: str, title_norm: str) -> bool:
    """A leading line that repeats the title, is a dateline/byline, or is a kicker label."""
    norm = _norm(line)
    if not norm:
        return True
    if title_norm and (norm == title_norm or (len(norm) > 20 and title_norm.startswith(norm))):
        return True
    if len(line) < 80 and _DATELINE.match(line.strip()):
        return True
    return len(line) < HEADING_MAX_CHARS and not ends_sentence(line)


def summarize(text: str, limit: int = SUMMARY_LIMIT, *, title: str = "") -> str:
    """The first one or two sentences of ``text``, at most ``limit`` wide (``sentences.width``:
    a CJK character counts 3).

    Leading lines that repeat ``title``, datelines/bylines and short kicker labels are
    skipped. The result ends at a sentence boundary when that fits, else it is cut at a word
    boundary with an ellipsis; never mid-word. Sentence ends of every script news is
    written in (``aggregator.sentences``).
    """
    lines = [plain_text(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    title_norm = _norm(plain_text(title))
    while len(lines) > 1 and _is_boilerplate_lead(lines[0], title_norm):
        lines.pop(0)
    if not lines:
        return ""
    first = _DATELINE_PREFIX.sub("", lines[0], count=1)
    first = _DATELINE_PREFIX_INTL.sub("", first, count=1) or first
    paragraphs = [first, *lines[1:3]]
    pieces = [s for p in paragraphs for s in sentences(p)]
    chosen: list[str] = []
    for sentence in pieces[:2]:
        candidate = join([*chosen, sentence])
        if width(candidate) > limit or (chosen and not ends_sentence(sentence)):
            break
        chosen.append(sentence)
    if chosen:
        return join(chosen)
    return cut(pieces[0], limit)


def _headline_quality(title: str) -> int:
    """0 = good, 1 = weak (shouting or clickbait), 2 = unusable (empty)."""
    if not _norm(title):
        return 2
    letters = [c for c in title if c.isalpha()]
    upper = sum(1 for c in letters if c.isupper())
    if len(letters) >= MIN_CAPS_LETTERS and upper >= CAPS_RATIO * len(letters):
        return 1
    return 1 if _CLICKBAIT.search(title) else 0


def _when(c: DigestCandidate) -> datetime:
    return _aware(c.published or c.fetched_at)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _canonical_key(c: DigestCandidate) -> tuple[bool, bool, int, datetime, int]:
    """Sort key, best first: prefer-feed original, any original, longest text, earliest.

    Originals (``duplicate_of is None``) go before copies because a copy is longer for the
    wrong reasons: in the 566 multi-copy families of ECB+ syndication
    (../shared/data/dedup/ecbplus-syndication.jsonl.gz) the longest text is a spun or
    boilerplate-padded copy in 563 and the original in only 3.
    """
    original = c.duplicate_of is None
    return (not (c.prefer and original), not original, -len(c.text.strip()), _when(c), c.article_id)


# ---- story building --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    topic: str
    story: DigestStory  # its summary is filled in only if it is shown in full
    newest: datetime
    lead: DigestCandidate

    def in_full(self) -> DigestStory:
        if self.story.summary:
            return self.story
        return replace(self.story, summary=summarize(self.lead.text, title=self.lead.title))


def held_reason(published: datetime | None, first_seen: datetime, max_age: float) -> str | None:
    """Why an article is never mailed, or None: it was already older than ``max_age``
    seconds when first seen (a new feed's back catalogue, an old item republished)."""
    if published is None:
        return None
    age = (_aware(first_seen) - _aware(published)).total_seconds()
    if age <= max_age:
        return None
    return (
        f"max_age: published {_aware(published):%Y-%m-%d}, first seen"
        f" {_aware(first_seen):%Y-%m-%d}, older than digest.max_age ({max_age / 86400:g}d)"
    )


def empty_reason(title: str | None, text: str | None, media: Media, url: str | None) -> str | None:
    """Why an entry with nothing to show is never mailed: no title (or the old placeholder),
    no text, no enclosure and no link whose slug reads as a headline (a CMS's blank item,
    "/a/w10"); a slug that reads ("/2026/12/07/ferry-timetable-winter-changes") heads it."""
    if (title or "").strip() not in ("", UNTITLED) or (text or "").strip():
        return None
    if media.enclosures or media.image is not None or title_from_url(url):
        return None
    return "empty: no title, no text, no media and no readable link"


def story_topic(group: Sequence[DigestCandidate], rules: Sequence[TopicRule]) -> str:
    """A story's section: the first topic rule that matches the title or text of any of its
    articles; else the topic most of its articles' feeds carry, ties going to the earliest
    article's. It does not depend on which article leads, so a story never changes section
    because another article became its lead."""
    for rule in rules:
        if any(rule.matches(f"{c.title}\n{c.text}") for c in group):
            return rule.name
    counts = Counter(c.topic or GENERAL_TOPIC for c in group)
    best = max(counts.values())
    earliest = sorted(group, key=lambda c: (_when(c), c.article_id))
    return next(t for t in (c.topic or GENERAL_TOPIC for c in earliest) if counts[t] == best)


def _build_story(
    group: Sequence[DigestCandidate], tz: ZoneInfo, rules: Sequence[TopicRule]
) -> _Entry:
    ordered = sorted(group, key=_canonical_key)
    canonical = ordered[0]
    # min() is stable: among equally good titles the canonical article's wins
    best_title = min((_title(c) for c in ordered), key=_headline_quality)
    # the summary is needed here only when no title is usable; else only if shown in full
    summary = "" if best_title else summarize(canonical.text, title=canonical.title)
    headline = best_title or _textual_headline(canonical, summary)
    # one source per feed: its original article (not a copy), else its earliest
    per_feed: dict[str, DigestCandidate] = {canonical.feed_url: canonical}
    for c in sorted(ordered, key=lambda c: (c.duplicate_of is not None, _when(c), c.article_id)):
        per_feed.setdefault(c.feed_url, c)
    others = sorted(
        (c for c in per_feed.values() if c is not canonical),
        key=lambda c: (_when(c), c.article_id),
    )
    sources = [
        DigestSource(name=plain_text(c.feed_name), url=safe_url(c.url), feed_url=c.feed_url)
        for c in (canonical, *others)
    ]
    shown = {c.article_id for c in per_feed.values()}
    also = tuple(
        DigestLink(_link_headline(c), safe_url(c.url), plain_text(c.feed_name))
        for c in sorted(ordered, key=lambda c: (_when(c), c.article_id))
        if c.article_id not in shown and c.duplicate_of is None
    )[:MAX_ALSO]
    story = DigestStory(
        story_id=canonical.story,
        headline=cut(headline, HEADLINE_LIMIT),
        summary=summary,
        # the canonical link, else the first source with a usable one
        url=next((s.url for s in sources if s.url), None),
        sources=tuple(sources),
        published=_when(canonical).astimezone(tz),
        is_update=any(c.story_delivered_before for c in group),
        article_ids=tuple(sorted(c.article_id for c in group)),
        enclosures=next((c.media.enclosures for c in ordered if c.media.enclosures), ()),
        image=next((c.media.image for c in ordered if c.media.image), None),
        copies=sum(1 for c in ordered[1:] if c.duplicate_of is not None),
        reports=sum(1 for c in ordered[1:] if c.duplicate_of is None),
        also=also,
    )
    return _Entry(story_topic(group, rules), story, max(map(_when, group)), canonical)


def _link_headline(c: DigestCandidate) -> str:
    """A headline for one article: its title, else its first sentence, else its link's slug."""
    title = _title(c)
    if _norm(title):
        return cut(title, HEADLINE_LIMIT)
    return _textual_headline(c, summarize(c.text, title=c.title))


def _textual_headline(c: DigestCandidate, summary: str) -> str:
    """The headline of an article without a usable title: the start of its summary, else its
    link's slug, else ``UNTITLED``."""
    return cut(summary, 120) or title_from_url(c.url) or UNTITLED


def _title(c: DigestCandidate) -> str:
    """An article's title for display; "" for none, and for the placeholder that databases
    written before 2026-12-07 stored for a title-less entry (it hid the summary fallback)."""
    title = plain_text(c.title)
    return "" if title == UNTITLED else title


def _topic_rank(topics_order: Sequence[str]) -> dict[str, int]:
    return {t: i for i, t in enumerate(t for t in topics_order if t != GENERAL_TOPIC)}


def order_topics(present: Iterable[str], topics_order: Sequence[str]) -> list[str]:
    """Config order first, then unknown topics alphabetically, "General" last."""
    rank = _topic_rank(topics_order)
    return sorted(
        set(present),
        key=lambda t: (t == GENERAL_TOPIC, t not in rank, rank.get(t, 0), t.casefold(), t),
    )


def split_stale_copies(
    candidates: Sequence[DigestCandidate],
) -> tuple[list[DigestCandidate], list[int]]:
    """Separate copies of articles delivered before (not shown, only marked delivered)."""
    ids = {c.article_id for c in candidates}
    keep: list[DigestCandidate] = []
    stale: list[int] = []
    for c in candidates:
        if c.duplicate_of is not None and c.duplicate_of not in ids and c.story_delivered_before:
            stale.append(c.article_id)
        else:
            keep.append(c)
    return keep, stale


def only_topics(
    candidates: Sequence[DigestCandidate], rules: Sequence[TopicRule], wanted: ProfileConfig
) -> list[DigestCandidate]:
    """The candidates of the stories in the sections ``wanted`` reads (``profiles[].topics``),
    each story's section decided as ``build_digest`` decides it; a stale copy goes with its
    story. The others are left for the profiles that read their sections."""
    if wanted.topics is None:
        return list(candidates)
    keep, _ = split_stale_copies(candidates)
    groups: dict[str, list[DigestCandidate]] = {}
    for c in keep:
        groups.setdefault(c.story, []).append(c)
    stories = {story for story, g in groups.items() if wanted.wants_topic(story_topic(g, rules))}
    return [c for c in candidates if c.story in stories]


def for_profile(digest: Digest, profile: str, days: int = 7) -> Digest:
    """``digest`` as profile ``profile``'s: its own id (and so its own Message-ID), so two
    profiles mailing one address the same articles still send two distinct messages. The
    default profile keeps the id it always had. ``days``: how many days a week the profile
    is mailed (one: a weekly digest, and its heading says so)."""
    period = "weekly" if days == 1 else "daily"
    if profile == DEFAULT_PROFILE:
        return replace(digest, period=period)
    key = f"{profile}/{digest.recipient}"
    return replace(
        digest, profile=profile, digest_id=digest_id_for(key, digest.article_ids), period=period
    )


def digest_id_for(recipient: str, article_ids: Iterable[int]) -> str:
    """Deterministic id of (recipient, set of article ids)."""
    payload = recipient.strip().casefold() + "\n" + ",".join(map(str, sorted(set(article_ids))))
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def build_digest(
    candidates: Sequence[DigestCandidate],
    *,
    recipient: str,
    topics_order: Sequence[str],
    timezone: str,
    now: datetime,
    failing: Sequence[FailingFeed] = (),
    per_topic_cap: int = DEFAULT_TOPIC_CAP,
    topic_rules: Sequence[TopicRule] = (),
) -> Digest:
    """Select, group and rank ``candidates`` into the digest for ``recipient``."""
    if per_topic_cap < 1:
        raise ValueError("per_topic_cap must be at least 1")
    tz = ZoneInfo(timezone)
    keep, stale = split_stale_copies(candidates)
    groups: dict[str, list[DigestCandidate]] = {}
    for c in keep:
        groups.setdefault(c.story, []).append(c)
    entries = [_build_story(g, tz, topic_rules) for g in groups.values()]
    by_topic: dict[str, list[_Entry]] = {}
    for e in entries:
        by_topic.setdefault(e.topic, []).append(e)

    topics: list[DigestTopic] = []
    for name in order_topics(by_topic, topics_order):
        ranked = sorted(
            by_topic[name],
            key=lambda e: (-len(e.story.sources), -e.newest.timestamp(), e.story.story_id),
        )
        shown, rest = ranked[:per_topic_cap], ranked[per_topic_cap:]
        topics.append(
            DigestTopic(
                name=name,
                stories=tuple(e.in_full() for e in shown),
                headlines=tuple(e.story for e in rest),
            )
        )

    article_count = sum(len(e.story.article_ids) for e in entries)
    all_ids = [c.article_id for c in candidates]
    return Digest(
        recipient=recipient,
        digest_id=digest_id_for(recipient, all_ids),
        generated_at=_aware(now).astimezone(tz),
        timezone=timezone,
        topics=tuple(topics),
        story_count=len(entries),
        article_count=article_count,
        copies_collapsed=sum(e.story.copies for e in entries),
        other_reports=sum(e.story.reports for e in entries),
        failing_feeds=tuple(failing),
        suppressed_article_ids=tuple(sorted(stale)),
    )
