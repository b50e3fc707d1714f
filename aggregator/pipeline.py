"""Orchestration: poll feeds -> parse -> identify -> store; then enrich: full text -> clean ->
dedup -> store.

Reads top to bottom as the data flows. Decisions are pure functions in their stage modules
(``fetch.plan_next_check``, ``identify_entries`` here, ``extract.is_teaser``, ``Deduper.add``);
this module only moves data between them and does the I/O.

CPU-heavy work (feed parsing, article extraction and cleaning) runs in a process pool so the
event loop keeps fetching while other feeds are parsed; with ``workers=0`` it runs inline
(tests, small runs). Each feed's poll ends in one database transaction that stores its new
entries as the feed gave them; a failure in one feed is recorded in that feed's state and never
stops the others. Enrichment then takes every stored article still waiting, in id order, and
stores its cleaned text and dedup decision, a chunk per transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

from aggregator import failpoints
from aggregator.config import Config, FeedConfig
from aggregator.dedup import Deduper
from aggregator.enrich.enricher import ENRICH_CHUNK, Enricher, EnrichOutcome
from aggregator.errors import ParseError, StoreError
from aggregator.poll.fetch import Fetcher, plan_next_check
from aggregator.poll.parse import discover_feed_links, parse_feed
from aggregator.store import (
    ENRICH_NEW,
    ENRICH_SUMMARY_ONLY,
    ArticleRow,
    ExistingEntry,
    Store,
)
from aggregator.types import (
    FeedState,
    FetchResult,
    Outcome,
    ParsedEntry,
    ParsedFeed,
)
from aggregator.urls import canonical_url, site_of
from aggregator.workers import Workers

log = logging.getLogger(__name__)

# A feed offering more new entries than this in one poll has only its newest ones taken; the
# rest are counted in the summary. Protects memory and time against 10,000-entry feeds.
MAX_NEW_ENTRIES_PER_POLL = 500

Clock = Callable[[], datetime]
T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PollSummary:
    """One line of `aggregator fetch` output: what happened to one feed."""

    url: str
    name: str
    outcome: str  # Outcome value, or "unchanged", or "parse_error", "internal_error"
    status: int | None
    new: int = 0
    updated: int = 0
    skipped: int = 0
    error: str | None = None
    ms: float = 0.0
    next_check_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class EntryIdentity:
    """How one parsed entry is known: its stable key plus the three lookups."""

    key: str
    guid: str | None
    canonical_link: str | None
    content_hash: str


def entry_identity(entry: ParsedEntry) -> EntryIdentity:
    """(feed, guid) -> canonical link -> content hash, in that order of preference."""
    body = entry.content_html or entry.summary_html or ""
    content_hash = hashlib.sha1(f"{entry.title}\n{body}".encode(errors="replace")).hexdigest()
    link = canonical_url(entry.link) if entry.link else None
    if entry.guid:
        key = "g:" + entry.guid
    elif link:
        key = "u:" + link
    else:
        key = "h:" + content_hash
    return EntryIdentity(key, entry.guid, link, content_hash)


def match_existing(ident: EntryIdentity, existing: Sequence[ExistingEntry]) -> ExistingEntry | None:
    """The stored article this entry is (guid first, then canonical link, then content)."""
    if ident.guid:
        for e in existing:
            if e.guid == ident.guid:
                return e
    if ident.canonical_link:
        for e in existing:
            if e.canonical_url == ident.canonical_link:
                return e
    for e in existing:
        if e.content_hash == ident.content_hash:
            return e
    return None


@dataclass(frozen=True)
class _Work:
    """A new or changed entry on its way to the store."""

    entry: ParsedEntry
    ident: EntryIdentity
    existing: ExistingEntry | None
    site: str  # site_of(entry.link or feed url), needed at several steps: computed once


# ---- CPU jobs (run in worker processes; module-level so they pickle) ------------------------


def _parse_job(body: bytes, url: str, headers: dict[str, str], now: datetime) -> ParsedFeed:
    return parse_feed(body, url=url, headers=headers, now=now)


def _feed_html(entry: ParsedEntry) -> str:
    return entry.content_html or entry.summary_html or ""


class Pipeline:
    """Polls feeds and stores what is new. One per process; close() when done."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        clock: Clock = utcnow,
        workers: int | None = None,
        strict: bool = False,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.strict = strict  # re-raise unexpected exceptions (tests) instead of recording them
        if workers is None:
            workers = min(2, os.cpu_count() or 1)
        self.workers = Workers(workers)
        self.enricher = Enricher(config, store, clock=clock, cpu=self.workers, strict=strict)

    # ---- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self.workers.close()

    def reconfigure(self, config: Config) -> None:
        """Apply a reloaded config (hot reload) to every stage."""
        self.config = config
        self.enricher.reconfigure(config)

    async def _cpu(self, fn: Callable[..., T], *args: object) -> T:
        return await self.workers.run(fn, *args)

    @property
    def deduper(self) -> Deduper:
        """The enrichment stage's dedup index."""
        return self.enricher.deduper

    @property
    def outcome(self) -> EnrichOutcome:
        """What cleaning and dedup left undone in the current (or last) poll/enrich call."""
        return self.enricher.outcome

    async def enrich(
        self,
        fetcher: Fetcher | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Clean and deduplicate every stored article still waiting (``Enricher.run``)."""
        return await self.enricher.run(fetcher, progress=progress)

    def due(self, now: datetime | None = None) -> list[FeedConfig]:
        now = now or self.clock()
        by_url = {f.url: f for f in self.config.feeds}
        self.store.ensure_feeds(by_url)
        return [by_url[s.url] for s in self.store.due_feeds(by_url, now)]

    async def poll(
        self,
        feeds: Sequence[FeedConfig] | None = None,
        *,
        on_done: Callable[[PollSummary], None] | None = None,
        enrich: bool = True,
        on_enriched: Callable[[int, int], None] | None = None,
    ) -> list[PollSummary]:
        """Poll the given feeds (default: the due ones) concurrently; return one summary each.

        Each feed's new entries are stored as soon as it is parsed; then (``enrich``) every
        article still waiting is cleaned and deduplicated and the stories around the new ones
        are revised (``on_enriched(done, total)`` after each chunk). With ``enrich=False`` that
        is left to the next ``enrich()`` call."""
        self.enricher.outcome = EnrichOutcome()
        if feeds is None:
            feeds = self.due()
        else:
            self.store.ensure_feeds(f.url for f in feeds)
        if not feeds:
            if enrich and self.store.enrichment_backlog(self.clock()):
                await self.enrich(progress=on_enriched)
            return []
        states = {s.url: s for s in self.store.feed_states(f.url for f in feeds)}
        # Feeds between fetch and store at once: enough to keep the fetcher and the workers
        # busy, few enough that fetched bodies and parsed feeds do not pile up in memory.
        in_flight = asyncio.Semaphore(
            self.config.fetch.concurrency + 2 * max(self.workers.count, 1)
        )
        arrived = asyncio.Event()  # a feed stored entries
        ingest_done = False
        async with Fetcher(self.config.fetch) as fetcher:

            async def one(feed: FeedConfig) -> PollSummary:
                async with in_flight:
                    summary = await self._poll_feed(fetcher, feed, states[feed.url])
                if summary.new or summary.updated:
                    arrived.set()
                if on_done is not None:
                    on_done(summary)
                return summary

            async def enricher() -> None:
                """Enrich while the feeds are still being polled (the main process dedups
                while the workers parse), a chunk at a time; the rest when all are in."""
                done = 0
                while True:
                    backlog = self.store.enrichment_backlog(self.clock())
                    if not ingest_done and backlog < ENRICH_CHUNK:
                        arrived.clear()
                        await arrived.wait()
                        continue
                    n = await self.enricher.run_pass(fetcher, on_enriched, done)
                    if n < 0:
                        return  # stopped on an error (logged); the rest waits
                    done += n
                    if ingest_done and n == 0:
                        break
                if done:
                    self.enricher.consolidate()

            task = asyncio.ensure_future(enricher()) if enrich else None
            try:
                results = list(await asyncio.gather(*(one(f) for f in feeds)))
                ingest_done = True
                arrived.set()
                if task is not None:
                    await task
            finally:
                if task is not None and not task.done():
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
        return results

    async def _poll_feed(self, fetcher: Fetcher, feed: FeedConfig, state: FeedState) -> PollSummary:
        started = time.perf_counter()
        name = feed.name or state.title or site_of(feed.url) or feed.url
        try:
            summary = await self._poll_feed_inner(fetcher, feed, state, name)
        except StoreError as e:
            # our own disk, not the feed: no backoff for the feed, nothing to record (the
            # database is what failed), a message that says what to do
            error = f"{e}; free space or fix permissions in {self.store.path.parent}"
            log.error("poll feed=%s outcome=store_error error=%r", feed.url, error)
            summary = PollSummary(feed.url, name, "store_error", None, error=error)
        except Exception as e:
            if self.strict:
                raise
            log.exception("poll feed=%s outcome=internal_error", feed.url)
            now = self.clock()
            nxt, streak = self._error_backoff(now, feed, state)
            self._record_failure(
                feed.url, now, "internal_error", None, f"{type(e).__name__}: {e}", nxt, streak
            )
            summary = PollSummary(
                feed.url, name, "internal_error", None, error=str(e), next_check_at=nxt
            )
        summary = replace(summary, ms=(time.perf_counter() - started) * 1000)
        log.info(
            "poll feed=%s outcome=%s status=%s new=%d updated=%d ms=%.0f%s",
            feed.url,
            summary.outcome,
            summary.status,
            summary.new,
            summary.updated,
            summary.ms,
            f" error={summary.error!r}" if summary.error else "",
        )
        return summary

    def _error_backoff(
        self, now: datetime, feed: FeedConfig, state: FeedState
    ) -> tuple[datetime | None, int]:
        """Next check and streak after a failure that is not the fetch's (parse error, bug):
        the same exponential backoff as a server error, from ``plan_next_check``."""
        failed = FetchResult(url=feed.url, outcome=Outcome.SERVER_ERROR)
        return plan_next_check(
            now, failed, interval=self._interval(feed), error_streak=state.error_streak
        )

    def _interval(self, feed: FeedConfig) -> float:
        return feed.interval if feed.interval is not None else self.config.fetch.interval

    def _record_failure(
        self,
        url: str,
        now: datetime,
        outcome: str,
        status: int | None,
        error: str,
        next_check_at: datetime | None,
        streak: int,
        gone: bool = False,
    ) -> None:
        self.store.record_poll(
            url,
            now=now,
            outcome=outcome,
            status=status,
            error=error,
            next_check_at=next_check_at,
            error_streak=streak,
            gone=gone,
            success=False,
        )

    async def _poll_feed_inner(
        self, fetcher: Fetcher, feed: FeedConfig, state: FeedState, name: str
    ) -> PollSummary:
        target = state.redirect_url or feed.url
        result = await fetcher.fetch(target, etag=state.etag, last_modified=state.last_modified)
        now = self.clock()
        interval = self._interval(feed)

        # 1. fetch failed: record, back off, done
        if result.outcome.is_error:
            nxt, streak = plan_next_check(
                now, result, interval=interval, error_streak=state.error_streak
            )
            gone = result.outcome is Outcome.GONE
            error = result.error or result.outcome.value
            if gone:
                error = (
                    f"410 Gone: the feed was removed; polling stopped (remove or fix {feed.url})"
                )
            self._record_failure(
                feed.url, now, result.outcome.value, result.status, error, nxt, streak, gone
            )
            return PollSummary(
                feed.url, name, result.outcome.value, result.status, error=error, next_check_at=nxt
            )

        nxt, _ = plan_next_check(now, result, interval=interval, error_streak=state.error_streak)
        permanent = result.permanent_url if result.permanent_url != feed.url else None

        # 2. 304 or the same bytes as last time: nothing to parse
        body_hash = hashlib.sha1(result.body).hexdigest() if result.body is not None else None
        if result.outcome is Outcome.NOT_MODIFIED or (body_hash and body_hash == state.body_hash):
            self.store.record_poll(
                feed.url, now=now, outcome="not_modified" if result.outcome is Outcome.NOT_MODIFIED else "unchanged",
                status=result.status, error=None, next_check_at=nxt, error_streak=0, gone=False,
                etag=result.etag, last_modified=result.last_modified, redirect_url=permanent,
                success=True,
            )  # fmt: skip
            return PollSummary(feed.url, name, "unchanged", result.status, next_check_at=nxt)

        # 3. parse (in a worker); an HTML page that names its feed is followed once
        assert result.body is not None
        try:
            parsed: ParsedFeed | None = await self._cpu(
                _parse_job, result.body, target, dict(result.headers), now
            )
        except ParseError as e:
            parsed, result = await self._try_discovered(fetcher, result, e)
            if parsed is None:
                nxt_err, streak = self._error_backoff(now, feed, state)
                self._record_failure(
                    feed.url, now, "parse_error", result.status, str(e), nxt_err, streak
                )
                return PollSummary(
                    feed.url,
                    name,
                    "parse_error",
                    result.status,
                    error=str(e),
                    next_check_at=nxt_err,
                )
            permanent = result.final_url
        assert parsed is not None
        name = feed.name or parsed.title or name
        if parsed.ttl_minutes:
            nxt, _ = plan_next_check(
                now, result, interval=interval, error_streak=0, ttl_minutes=parsed.ttl_minutes
            )

        # 4. identify: which entries are new, which changed, which we already have
        work, skipped, deferred = self._identify(feed.url, parsed.entries)
        if deferred:
            # entries left for the next poll: forget the validators and the body hash so the
            # same document is fetched and parsed again instead of answered by a 304
            etag = last_modified = None
            body_hash = ""
        else:
            etag, last_modified = result.etag, result.last_modified

        def record(new: int) -> None:
            self.store.record_poll(
                feed.url, now=now, outcome="ok", status=result.status, error=None,
                next_check_at=nxt, error_streak=0, gone=False, etag=etag,
                last_modified=last_modified, body_hash=body_hash, title=parsed.title,
                redirect_url=permanent, new_entries=new, success=True,
            )  # fmt: skip

        # 5. store the entries as they came, with the feed's state: one transaction. Cleaning
        # and dedup follow in ``enrich``.
        new, updated = self._store_raw(feed, work, now, record)
        return PollSummary(
            feed.url, name, "ok", result.status, new=new, updated=updated,
            skipped=skipped + parsed.skipped_entries, next_check_at=nxt,
        )  # fmt: skip

    async def _try_discovered(
        self, fetcher: Fetcher, result: FetchResult, error: ParseError
    ) -> tuple[ParsedFeed | None, FetchResult]:
        assert result.body is not None
        links = discover_feed_links(result.body, result.final_url or result.url)
        if not links:
            return None, result
        second = await fetcher.fetch(links[0])
        if second.outcome is not Outcome.OK or second.body is None:
            return None, result
        try:
            parsed = await self._cpu(
                _parse_job, second.body, links[0], dict(second.headers), self.clock()
            )
        except ParseError:
            return None, result
        log.info("discover page=%s feed=%s", result.url, links[0])
        return parsed, replace(second, final_url=links[0])

    def _identify(
        self, feed_url: str, entries: Sequence[ParsedEntry]
    ) -> tuple[list[_Work], int, int]:
        """(entries to process, entries skipped, of which deferred to the next poll by the
        per-poll cap)."""
        idents = [(e, entry_identity(e)) for e in entries]
        existing = self.store.find_existing(
            feed_url,
            guids=[i.guid for _, i in idents if i.guid],
            links=[i.canonical_link for _, i in idents if i.canonical_link],
            hashes=[i.content_hash for _, i in idents],
        )
        work: list[_Work] = []
        seen_keys: set[str] = set()
        seen_ids: set[int] = set()
        skipped = 0
        for entry, ident in idents:
            if ident.key in seen_keys:  # duplicate GUID inside one feed document
                skipped += 1
                continue
            seen_keys.add(ident.key)
            match = match_existing(ident, existing)
            if match is None:
                work.append(_Work(entry, ident, None, site_of(entry.link or feed_url)))
            elif match.id in seen_ids:
                skipped += 1
            else:
                seen_ids.add(match.id)
                if match.content_hash != ident.content_hash and not match.delivered:
                    work.append(_Work(entry, ident, match, site_of(entry.link or feed_url)))
        new = [w for w in work if w.existing is None]
        if len(new) > MAX_NEW_ENTRIES_PER_POLL:
            new.sort(
                key=lambda w: w.entry.published or datetime.min.replace(tzinfo=UTC), reverse=True
            )
            dropped = {id(w) for w in new[MAX_NEW_ENTRIES_PER_POLL:]}
            skipped += len(dropped)
            work = [w for w in work if id(w) not in dropped]
            deferred = len(dropped)
        else:
            deferred = 0
        return work, skipped, deferred

    def _store_raw(
        self,
        feed: FeedConfig,
        work: Sequence[_Work],
        now: datetime,
        record: Callable[[int], None],
    ) -> tuple[int, int]:
        """Insert new entries and the new content of changed ones as the feed gave them,
        queued for enrichment, and ``record(new)`` the feed's poll state: one transaction."""
        new = updated = 0
        with self.store.transaction():
            for w in work:
                entry, ident = w.entry, w.ident
                flags = (
                    0 if entry.content_html and entry.content_html.strip() else ENRICH_SUMMARY_ONLY
                )
                if w.existing is not None:
                    self.store.mark_changed(
                        w.existing.id, title=entry.title or "", html=_feed_html(entry),
                        content_hash=ident.content_hash, flags=flags,
                    )  # fmt: skip
                    updated += 1
                    continue
                self.store.insert_article(
                    ArticleRow(
                        feed_url=feed.url, key=ident.key, guid=ident.guid, url=entry.link,
                        canonical_url=ident.canonical_link, content_hash=ident.content_hash,
                        text_hash=None, title=entry.title or "", author=entry.author,
                        published=entry.published, fetched_at=now, html=_feed_html(entry),
                        text="", site=w.site, full_text_error=None, enrich=ENRICH_NEW | flags,
                    )
                )  # fmt: skip
                new += 1
                failpoints.hit("poll.in_transaction")
            record(new)
        return new, updated

    # ---- enrichment: full text, cleaning, dedup ---------------------------------------------


def run_poll(
    config: Config,
    store: Store,
    feeds: Sequence[FeedConfig] | None = None,
    *,
    on_done: Callable[[PollSummary], None] | None = None,
    on_enriched: Callable[[int, int], None] | None = None,
) -> tuple[list[PollSummary], EnrichOutcome]:
    """Synchronous convenience wrapper (CLI `fetch`): the feeds' summaries and what
    cleaning and dedup left undone."""
    pipeline = Pipeline(config, store)
    try:
        lines = asyncio.run(pipeline.poll(feeds, on_done=on_done, on_enriched=on_enriched))
        return lines, pipeline.outcome
    finally:
        pipeline.close()


__all__ = [
    "EnrichOutcome",
    "Pipeline",
    "PollSummary",
    "entry_identity",
    "match_existing",
    "run_poll",
]
