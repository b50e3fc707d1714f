"""What the stages ask of the state store: every method they call, typed.

``Store`` (SQLite, this package) is the one implementation today; a PostgreSQL store shared by
several worker machines implements the same protocol, and the stages do not change. The
contracts every implementation keeps:

* ``apply_poll`` and every method documented as "one transaction" is atomic: a crash leaves
  all of it or none.
* ``due_feeds`` answers from an index, not by reading every feed.
* ``transaction()`` nests: an inner one joins the outer.
* Times go in and come out as aware UTC datetimes.
* Delivery state is per (profile, recipient): marking one never marks another.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Protocol

from aggregator.store.records import DigestRecord, PendingArticle, RawArticle, SetAside
from aggregator.types import (
    DEFAULT_PROFILE,
    ExistingEntry,
    FeedState,
    LearnedBlock,
    PollIntent,
    StoredArticle,
)

# (text_hash, story, duplicate_of, reason, dedup state) of a new article
DedupResult = tuple[str, str | None, int | None, str, bytes | None]


class StateStore(Protocol):
    """The state database as the stages use it (poll, enrich, digest, status, scheduler)."""

    @property
    def path(self) -> Path:
        """Where the state lives (named in error messages)."""
        ...

    # ---- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None: ...
    def transaction(self) -> AbstractContextManager[None]: ...
    def ping(self) -> bool: ...
    def checkpoint(self) -> None: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str | None) -> None: ...

    # ---- poll --------------------------------------------------------------------------------
    def ensure_feeds(self, urls: Iterable[str]) -> None: ...
    def feed_states(self, urls: Iterable[str] | None = None) -> list[FeedState]: ...
    def feed_state(self, url: str) -> FeedState | None: ...
    def due_feeds(self, now: datetime, configured: frozenset[str] | None = None) -> list[str]: ...
    def find_existing(
        self, feed_url: str, *, guids: Sequence[str], links: Sequence[str], hashes: Sequence[str]
    ) -> list[ExistingEntry]: ...
    def apply_poll(self, intent: PollIntent) -> None: ...
    def reset_feed(self, url: str) -> None: ...

    # ---- enrichment --------------------------------------------------------------------------
    def pending_enrichment(
        self, after_id: int, limit: int, now: datetime | None = None
    ) -> list[RawArticle]: ...
    def enrichment_backlog(self, now: datetime | None = None) -> int: ...
    def set_aside(
        self,
        article_id: int,
        *,
        error: str,
        attempts: int,
        retry_at: datetime | None,
        cleaned: tuple[str, str, str] | None = None,
    ) -> None: ...
    def set_aside_articles(self) -> list[SetAside]: ...
    def finish_enrichment(
        self,
        article_id: int,
        *,
        title: str,
        author: str | None,
        html: str,
        text: str,
        full_text_error: str | None,
        dedup: DedupResult | None,
        language: str | None = None,
    ) -> None: ...
    def dedup_states(self, since: datetime) -> Iterator[tuple[int, bytes, float, str | None]]: ...
    def set_stories(self, stories: Mapping[int, str]) -> None: ...
    def add_site_blocks(self, counts: Mapping[tuple[str, str], int]) -> None: ...
    def learned_blocks(self, site: str, min_articles: int) -> frozenset[str]: ...
    def undelivered_from_site(self, site: str) -> list[tuple[int, str, str, str]]: ...
    def recent_site_texts(self, site: str, limit: int) -> list[tuple[int, str]]: ...
    def recent_site_titles(self, site: str, limit: int) -> list[str]: ...
    def site_learned(self, site: str, limit: int) -> tuple[LearnedBlock, ...]: ...
    def add_learned(
        self, site: str, blocks: Sequence[LearnedBlock], *, feed_url: str | None, now: datetime
    ) -> None: ...
    def learned_report(self) -> list[tuple[str, str | None, LearnedBlock]]: ...
    def update_article_text(self, article_id: int, *, html: str, text: str) -> None: ...

    # ---- digest, export, status, retention ---------------------------------------------------
    def iter_articles(self, *, enriched_only: bool = False) -> Iterator[StoredArticle]: ...
    def article_count(self) -> int: ...
    def pending_for(
        self,
        recipient: str,
        feed_urls: Iterable[str] | None = None,
        *,
        profile: str = DEFAULT_PROFILE,
        since: datetime | None = None,
    ) -> list[PendingArticle]: ...
    def profile_since(self, name: str, now: datetime | None = None) -> datetime | None: ...
    def hold(self, reasons: Mapping[int, str]) -> None: ...
    def mark_delivered(
        self,
        recipient: str,
        digest_id: str,
        article_ids: Iterable[int],
        now: datetime,
        *,
        profile: str = DEFAULT_PROFILE,
    ) -> None: ...
    def record_digest(self, record: DigestRecord) -> None: ...
    def last_digests(self) -> list[DigestRecord]: ...
    def last_sent_at(
        self, recipient: str | None = None, *, profile: str | None = None
    ) -> datetime | None: ...
    def prune(
        self,
        *,
        delivered_before: datetime,
        keep_dedup_since: datetime,
        readers: Sequence[tuple[str, str]] | None = None,
    ) -> int: ...
