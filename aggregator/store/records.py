"""Records the store hands out and takes in, beyond the stage types of ``aggregator.types``,
and the meaning of ``articles.enrich``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aggregator.types import DEFAULT_PROFILE, StoredArticle

# ``articles.enrich``: what an article still needs before a digest may show it. Its ``html``
# holds the feed's own HTML until then, its ``text`` is empty and it has no dedup state.
ENRICH_DONE = 0
ENRICH_NEW = 1  # clean (or fetch the page), then dedup
ENRICH_UPDATE = 2  # changed content of a known article: clean again, keep its dedup decision
ENRICH_SUMMARY_ONLY = 4  # flag: the feed gave only a summary (a teaser by definition)
ENRICH_KIND = 3  # mask of the kind bits


@dataclass(frozen=True)
class ArticleRow:
    """Values for a new article row."""

    feed_url: str
    key: str
    guid: str | None
    url: str | None
    canonical_url: str | None
    content_hash: str
    text_hash: str | None
    title: str
    author: str | None
    published: datetime | None
    fetched_at: datetime
    html: str
    text: str
    site: str
    full_text_error: str | None
    # set when known at the insert (else NULL: enrichment decides them later)
    id: int | None = None  # None: SQLite's own choice (largest + 1)
    story: str | None = None
    duplicate_of: int | None = None
    dedup_reason: str | None = None
    dedup_state: bytes | None = None
    enrich: int = ENRICH_DONE
    media: str | None = None  # ``Media.to_json()``
    language: str | None = None  # declared by the feed (enrichment stores the decided one)


@dataclass(frozen=True)
class RawArticle:
    """An article waiting for enrichment: what cleaning and dedup need."""

    id: int
    feed_url: str
    url: str | None
    title: str  # the feed's title, "" when it gave none
    published: datetime | None
    fetched_at: datetime
    author: str | None
    html: str  # the feed's HTML (content, else summary)
    site: str
    enrich: int
    attempts: int = 0  # enrichment attempts that raised so far (``set_aside``)
    language: str | None = None  # declared by the feed, if it said


@dataclass(frozen=True)
class SetAside:
    """An article whose enrichment raised: what ``status`` lists."""

    id: int
    feed_url: str
    title: str
    error: str
    attempts: int
    retry_at: datetime | None  # None: given up, stored without a dedup decision


@dataclass(frozen=True)
class PendingArticle:
    """An article not yet delivered to one recipient (digest selection input)."""

    article: StoredArticle
    story_delivered_before: bool
    canonical_delivered: bool  # its duplicate_of target already went to this recipient


@dataclass(frozen=True)
class DigestRecord:
    recipient: str
    digest_id: str
    message_id: str | None
    attempted_at: datetime
    status: str
    error: str | None
    stories: int
    articles: int
    profile: str = DEFAULT_PROFILE
