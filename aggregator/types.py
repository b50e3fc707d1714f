"""Frozen data types, one per role, passed between stages.

Parsed data (what a feed says) is a different type from stored data (what we keep).
No dicts travel between stages.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

# The profile the digest section stands for when the config has no `profiles:` list; delivery
# state from before profiles belongs to it (store migration 9).
DEFAULT_PROFILE = "default"


class Outcome(enum.Enum):
    """Classification of one HTTP fetch; decides scheduling and status."""

    OK = "ok"  # 2xx with a body
    NOT_MODIFIED = "not_modified"  # 304
    GONE = "gone"  # 410: the feed stops for good (until the user edits it)
    NOT_FOUND = "not_found"  # 404
    AUTH = "auth"  # 401, 403: a login is missing or refused (not a broken feed)
    CLIENT_ERROR = "client_error"  # other 4xx (400, 451, ...)
    RATE_LIMITED = "rate_limited"  # 429
    SERVER_ERROR = "server_error"  # 5xx
    TIMEOUT = "timeout"  # connect/read/pool timeout
    TOO_LARGE = "too_large"  # body (after decompression) exceeded max_bytes
    TOO_MANY_REDIRECTS = "too_many_redirects"  # >5 redirects or a loop
    BLOCKED = "blocked"  # private/loopback/link-local target refused
    NETWORK = "network"  # DNS failure, connection refused/reset, TLS error
    INVALID = "invalid"  # unsupported URL scheme or malformed URL

    @property
    def is_error(self) -> bool:
        return self not in (Outcome.OK, Outcome.NOT_MODIFIED)


@dataclass(frozen=True)
class FetchResult:
    """What one fetch produced. ``body`` is set only for Outcome.OK."""

    url: str  # the URL requested
    outcome: Outcome
    status: int | None = None  # final HTTP status, if a response arrived
    final_url: str | None = None  # URL after redirects
    permanent_url: str | None = None  # set when every redirect hop was permanent (301/308)
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-cased names
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None  # seconds, from Retry-After on 429/503
    max_age: float | None = None  # seconds, from Cache-Control max-age / Expires
    error: str | None = None  # human-readable reason for errors
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class Enclosure:
    """A podcast episode, video or other file an entry links to (RSS ``<enclosure>``)."""

    url: str  # http(s) only
    type: str | None = None  # MIME type as the feed says, e.g. "audio/mpeg"
    length: int | None = None  # bytes, when the feed says (and says more than 0)
    duration: str | None = None  # as the feed gives it (itunes:duration), e.g. "42:10"


@dataclass(frozen=True)
class LeadImage:
    """An entry's lead image (media:thumbnail / media:content / an image enclosure)."""

    url: str  # http(s) only
    alt: str = ""  # media:description / media:title, else the entry's title


@dataclass(frozen=True)
class LearnedBlock:
    """A block a site repeats under unrelated articles (``enrich.repeats``): its text as first
    seen, in how many independent articles, and whether it was learned at the head/tail of
    articles (then removed only there) or anywhere."""

    text: str
    articles: int
    edge: bool


@dataclass(frozen=True)
class Media:
    """What an entry carries besides text; stored as JSON with the article."""

    enclosures: tuple[Enclosure, ...] = ()
    image: LeadImage | None = None

    def to_json(self) -> str | None:
        if not self.enclosures and self.image is None:
            return None
        return json.dumps(
            {
                "enclosures": [[e.url, e.type, e.length, e.duration] for e in self.enclosures],
                "image": [self.image.url, self.image.alt] if self.image else None,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | None) -> Media:
        """The stored form back; anything unreadable is no media (never an error)."""
        if not text:
            return cls()
        try:
            raw = json.loads(text)
            encl = tuple(Enclosure(str(u), t, ln, d) for u, t, ln, d in raw.get("enclosures", []))
            img = raw.get("image")
            return cls(encl, LeadImage(str(img[0]), str(img[1])) if img else None)
        except (ValueError, TypeError, AttributeError):
            return cls()


@dataclass(frozen=True)
class ParsedEntry:
    """One entry as a feed presents it."""

    guid: str | None
    link: str | None
    title: str
    content_html: str | None  # full content if the feed gives it
    summary_html: str | None  # summary/description
    published: datetime | None  # aware, UTC
    updated: datetime | None  # aware, UTC
    author: str | None = None
    media: Media = Media()
    language: str | None = None  # as the feed declares it (xml:lang, <language>), raw


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed document."""

    title: str | None
    link: str | None
    entries: tuple[ParsedEntry, ...]
    ttl_minutes: int | None = None  # RSS <ttl>
    kind: str = ""  # e.g. "rss20", "atom10", "json1.1"
    skipped_entries: int = 0  # entries dropped as unusable
    warning: str | None = None  # feedparser's bozo message for recoverable problems


@dataclass(frozen=True)
class FeedState:
    """Machine state of one feed, as stored."""

    url: str
    title: str | None  # the feed's own title
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    next_check_at: datetime | None
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    last_outcome: str | None
    last_status: int | None
    last_error: str | None
    error_streak: int
    gone: bool
    redirect_url: str | None  # remembered permanent redirect target
    entries_seen: int = 0


@dataclass(frozen=True)
class StoredArticle:
    """An article as stored."""

    id: int
    feed_url: str
    key: str
    url: str | None
    title: str
    published: datetime | None
    fetched_at: datetime
    author: str | None
    html: str
    text: str
    story: str | None
    duplicate_of: int | None
    enrich_error: str | None = None  # set aside: cleaning or dedup raised (see status)
    held: str | None = None  # why it is never mailed (older than digest.max_age when seen)
    media: Media = Media()
    language: str | None = None  # ISO 639 code (``enrich.language``), None when unknown
    full_text_error: str | None = None  # why the article page could not be used (teasers)


# ---- poll -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExistingEntry:
    """An already stored article, as the identity lookups of a poll return it."""

    id: int
    key: str
    guid: str | None
    canonical_url: str | None
    content_hash: str
    delivered: bool


@dataclass(frozen=True)
class NewEntry:
    """A feed entry not stored before, as the feed gave it (enrichment cleans it later)."""

    key: str  # stable identity within the feed: "g:" guid, "u:" canonical link, "h:" hash
    guid: str | None
    url: str | None
    canonical_url: str | None
    content_hash: str
    title: str  # "" when the feed gave none
    author: str | None
    published: datetime | None
    html: str  # the feed's HTML: content, else summary
    site: str
    summary_only: bool  # the feed gave only a summary (a teaser by definition)
    media: Media = Media()
    language: str | None = None  # as the feed declares it (enrichment decides the stored one)


@dataclass(frozen=True)
class ChangedEntry:
    """New feed content for a stored, undelivered article."""

    article_id: int
    title: str
    html: str
    content_hash: str
    summary_only: bool


@dataclass(frozen=True)
class PollIntent:
    """What one poll of one feed changes: the feed's new state and its new and changed
    entries. Decided by ``aggregator.poll.decide``, applied by ``Store.apply_poll`` in one
    transaction. Every field is the value to store (the decision carries kept values over
    from the old state); ``entries_seen`` grows by ``len(new_entries)``."""

    url: str
    checked_at: datetime
    outcome: str  # Outcome value, or "unchanged", "parse_error", "internal_error"
    status: int | None
    error: str | None
    next_check_at: datetime | None  # None: never again (410 Gone)
    error_streak: int
    gone: bool
    etag: str | None
    last_modified: str | None
    body_hash: str | None  # "": forgotten on purpose (entries were left for the next poll)
    title: str | None
    redirect_url: str | None
    last_success_at: datetime | None
    new_entries: tuple[NewEntry, ...] = ()
    changed_entries: tuple[ChangedEntry, ...] = ()
    skipped: int = 0  # entries seen and not stored (known, duplicates, over the cap)


# ---- digest --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestCandidate:
    """One undelivered article offered to the digest (from the store)."""

    article_id: int
    feed_url: str
    feed_name: str  # config name, else the feed's own title, else its host
    topic: str
    url: str | None
    title: str
    text: str  # cleaned plain text
    published: datetime | None
    fetched_at: datetime
    story: str  # story id shared by every article of one story
    duplicate_of: int | None  # id of the article this one was collapsed into
    prefer: bool  # the feed is marked prefer: true
    story_delivered_before: bool  # some article of this story went out in an earlier digest
    media: Media = Media()
    author: str | None = None


@dataclass(frozen=True)
class FailingFeed:
    name: str
    url: str
    error: str
    error_streak: int
    since: datetime | None


@dataclass(frozen=True)
class DigestSource:
    name: str
    url: str | None  # the article link at this source
    feed_url: str


@dataclass(frozen=True)
class DigestLink:
    """Another article of a story from a feed already among its sources (an outlet's second
    report, a podcast's next episode grouped with the first): its own headline and link."""

    headline: str
    url: str | None
    source: str


@dataclass(frozen=True)
class TopicRule:
    """``topics:`` in the config: a story whose title or text matches any pattern goes to
    the section ``name`` (the first rule that matches wins)."""

    name: str
    patterns: tuple[re.Pattern[str], ...]

    def matches(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)


@dataclass(frozen=True)
class DigestStory:
    story_id: str
    headline: str
    summary: str
    url: str | None  # the canonical article's link
    sources: tuple[DigestSource, ...]  # canonical first
    published: datetime | None  # aware
    is_update: bool  # continues a story delivered before
    article_ids: tuple[int, ...]  # every article this entry delivers (incl. copies)
    copies: int  # syndicated copies collapsed into this entry (duplicate_of set)
    reports: int = 0  # other outlets' independent write-ups of the same story
    enclosures: tuple[Enclosure, ...] = ()  # the lead's files (podcast, video), else a sibling's
    image: LeadImage | None = None  # shown only with digest.images
    # independent articles of the story whose feed is already a source (one source per feed)
    also: tuple[DigestLink, ...] = ()


@dataclass(frozen=True)
class DigestTopic:
    name: str
    stories: tuple[DigestStory, ...]  # shown in full
    # stories beyond digest.max_stories_per_topic: shown as linked headlines with their
    # sources (so they are delivered too, never dropped silently)
    headlines: tuple[DigestStory, ...] = ()

    @property
    def more(self) -> int:
        """How many stories are shown as headlines only."""
        return len(self.headlines)


@dataclass(frozen=True)
class Digest:
    recipient: str
    digest_id: str  # deterministic per (recipient, set of article ids)
    generated_at: datetime  # aware
    timezone: str
    topics: tuple[DigestTopic, ...]
    story_count: int
    article_count: int
    copies_collapsed: int  # syndicated copies
    failing_feeds: tuple[FailingFeed, ...] = ()
    # copies of articles delivered before: not shown, but marked delivered with the rest
    suppressed_article_ids: tuple[int, ...] = ()
    other_reports: int = 0  # independent write-ups grouped into stories beside their lead
    profile: str = DEFAULT_PROFILE  # whose digest (delivery state is kept per profile)
    period: str = "daily"  # "weekly" for a profile mailed one day a week (the heading says so)

    @property
    def article_ids(self) -> tuple[int, ...]:
        shown = (i for t in self.topics for s in t.stories for i in s.article_ids)
        hidden = (i for t in self.topics for s in t.headlines for i in s.article_ids)
        return (*shown, *hidden, *self.suppressed_article_ids)

    @property
    def is_empty(self) -> bool:
        return self.story_count == 0
