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
import logging
import os
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

from aggregator.config import Config, FeedConfig
from aggregator.dedup import Deduper
from aggregator.enrich.enricher import ENRICH_CHUNK, Enricher, EnrichOutcome
from aggregator.errors import ParseError, StoreError
from aggregator.feeds import FeedIndex, display_name, feed_index
from aggregator.poll.access import AccessError, FeedAccess, feed_access, redact_urls
from aggregator.poll.decide import (
    Lookup,
    decide_poll,
    entry_identity,
    failed_poll,
    match_existing,
    needs_parse,
)
from aggregator.poll.fetch import Fetcher
from aggregator.poll.parse import discover_feed_links, parse_feed
from aggregator.store import (
    Store,
)
from aggregator.types import (
    FeedState,
    FetchResult,
    Outcome,
    ParsedFeed,
    PollIntent,
)
from aggregator.workers import Workers

log = logging.getLogger(__name__)


Clock = Callable[[], datetime]
T = TypeVar("T")

# With several workers, a poll claims this many due feeds per fetch connection at a time.
CLAIM_PER_CONNECTION = 4


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


# ---- CPU jobs (run in worker processes; module-level so they pickle) ------------------------


def _parse_job(body: bytes, url: str, headers: dict[str, str], now: datetime) -> ParsedFeed:
    return parse_feed(body, url=url, headers=headers, now=now)


def _summary(feed: FeedConfig, state: FeedState, intent: PollIntent) -> PollSummary:
    """The `fetch` line of one applied poll."""
    name = display_name(feed.url, feed.name, intent.title or state.title)
    if intent.outcome == "not_modified":  # a 304 and the same bytes read the same
        return replace(_summary_of(name, intent), outcome="unchanged")
    return _summary_of(name, intent)


def _summary_of(name: str, intent: PollIntent) -> PollSummary:
    return PollSummary(
        intent.url, name, intent.outcome, intent.status, new=len(intent.new_entries),
        updated=len(intent.changed_entries), skipped=intent.skipped, error=intent.error,
        next_check_at=intent.next_check_at,
    )  # fmt: skip


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

    # ---- polling -----------------------------------------------------------------------------

    # The configured feeds by URL (``aggregator.feeds``), built once per config object (a
    # reload swaps the object), and the URLs whose state rows are known to exist.
    _index: tuple[Config, FeedIndex] | None = None
    _ensured: frozenset[str] = frozenset()

    def _feeds(self) -> FeedIndex:
        if self._index is None or self._index[0] is not self.config:
            self._index = (self.config, feed_index(self.config.feeds))
        return self._index[1]

    def due(self, now: datetime | None = None, limit: int | None = None) -> list[FeedConfig]:
        """The configured feeds due now, in the order they fell due: one indexed query."""
        feeds = self._feeds()
        if not feeds.urls <= self._ensured:
            self.store.ensure_feeds(feeds.urls - self._ensured)
            self._ensured |= feeds.urls
        urls = self.store.due_feeds(now or self.clock(), feeds.urls, limit)
        return [feeds.by_url[u] for u in urls]

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
        if feeds is not None:
            self.store.ensure_feeds(f.url for f in feeds)
            return await self._poll_batch(feeds, on_done, enrich, on_enriched)
        if not self.store.shared:
            return await self._poll_batch(self.due(), on_done, enrich, on_enriched)
        # several workers share the database: claim the due feeds a batch at a time, so the
        # others take the next batches meanwhile (a feed this poll saw already ends it)
        limit = CLAIM_PER_CONNECTION * self.config.fetch.concurrency
        results: list[PollSummary] = []
        seen: set[str] = set()
        while True:
            batch = [f for f in self.due(limit=limit) if f.url not in seen]
            seen.update(f.url for f in batch)
            results += await self._poll_batch(batch, on_done, enrich, on_enriched)
            if not batch:
                return results

    async def _poll_batch(
        self,
        feeds: Sequence[FeedConfig],
        on_done: Callable[[PollSummary], None] | None,
        enrich: bool,
        on_enriched: Callable[[int, int], None] | None,
    ) -> list[PollSummary]:
        """``poll`` of the given feeds, then the enrichment (when ``enrich``)."""
        if not feeds:
            if enrich and self.store.enrichment_backlog(self.clock()):
                await self.enrich(progress=on_enriched)
            return []
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
                    state = self.store.feed_state(feed.url)  # as it is now, when its turn comes
                    assert state is not None  # ensured above; feeds are never deleted
                    summary = await self._poll_feed(fetcher, feed, state)
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
        name = display_name(feed.url, feed.name, state.title)
        access: FeedAccess | None = None
        try:
            access = feed_access(feed)  # the environment as it is now: read at every poll
            summary = await self._poll_feed_inner(fetcher, feed, state, access)
        except AccessError as e:  # a missing variable: this feed's error, with backoff
            summary = self._failed(feed, state, name, "auth", f"auth: {e}")
        except StoreError as e:
            # our own disk, not the feed: no backoff for the feed, nothing to record (the
            # database is what failed), a message that says what to do
            error = f"{e}; free space or fix permissions in {self.store.path.parent}"
            log.error("poll feed=%s outcome=store_error error=%r", feed.url, error)
            summary = PollSummary(feed.url, name, "store_error", None, error=error)
        except Exception as e:
            if self.strict:
                raise
            # the traceback's text could carry a feed's secret: logged redacted
            redact = access.redact if access is not None else redact_urls
            trace = redact("".join(traceback.format_exception(e)).rstrip())
            log.error("poll feed=%s outcome=internal_error\n%s", feed.url, trace)
            error = redact(f"{type(e).__name__}: {e}")
            summary = self._failed(feed, state, name, "internal_error", error)
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

    def _failed(
        self, feed: FeedConfig, state: FeedState, name: str, outcome: str, error: str
    ) -> PollSummary:
        """Record a poll that failed before or outside its fetch: the error backoff."""
        intent = failed_poll(
            state, self.clock(), interval=self._interval(feed), outcome=outcome, error=error
        )
        self.store.apply_poll(intent)
        return PollSummary(
            feed.url, name, outcome, None, error=error, next_check_at=intent.next_check_at
        )

    def _interval(self, feed: FeedConfig) -> float:
        return feed.interval if feed.interval is not None else self.config.fetch.interval

    async def _poll_feed_inner(
        self, fetcher: Fetcher, feed: FeedConfig, state: FeedState, access: FeedAccess | None
    ) -> PollSummary:
        """Fetch -> (parse -> look the entries up) -> ``decide_poll`` -> ``apply_poll``: the
        I/O around the pure decision. ``access`` goes with the feed's own requests only."""
        target = state.redirect_url or feed.url
        result = await fetcher.fetch(
            target, etag=state.etag, last_modified=state.last_modified, access=access
        )
        now = self.clock()
        parsed: ParsedFeed | ParseError | None = None
        lookup: Lookup | None = None
        if needs_parse(state, result):
            # parse in a worker; an HTML page that names its feed is followed once
            assert result.body is not None
            try:
                parsed = await self._cpu(_parse_job, result.body, target, dict(result.headers), now)
            except ParseError as e:
                found, result = await self._try_discovered(fetcher, result, e, access)
                parsed = found if found is not None else e
            if isinstance(parsed, ParsedFeed):
                lookup = self._lookup(feed.url, parsed)
        intent = decide_poll(
            feed, state, result, parsed, now, interval=self._interval(feed), lookup=lookup
        )
        # the entries as they came, with the feed's state: one transaction; cleaning and
        # dedup follow in ``enrich``
        self.store.apply_poll(intent)
        return _summary(feed, state, intent)

    async def _try_discovered(
        self, fetcher: Fetcher, result: FetchResult, error: ParseError, access: FeedAccess | None
    ) -> tuple[ParsedFeed | None, FetchResult]:
        """The feed an HTML page names, parsed; its fetch result (``permanent_url``: the
        discovered feed, polled directly from now on)."""
        assert result.body is not None
        links = discover_feed_links(result.body, result.final_url or result.url)
        if not links:
            return None, result
        second = await fetcher.fetch(links[0], access=access)  # credentials: same origin only
        if second.outcome is not Outcome.OK or second.body is None:
            return None, result
        try:
            parsed = await self._cpu(
                _parse_job, second.body, links[0], dict(second.headers), self.clock()
            )
        except ParseError:
            return None, result
        log.info("discover page=%s feed=%s", result.url, links[0])
        return parsed, replace(second, final_url=links[0], permanent_url=links[0])

    def _lookup(self, feed_url: str, parsed: ParsedFeed) -> Lookup:
        """The entries' identities and the stored articles of this feed they match."""
        idents = tuple(entry_identity(e) for e in parsed.entries)
        existing = self.store.find_existing(
            feed_url,
            guids=[i.guid for i in idents if i.guid],
            links=[i.canonical_link for i in idents if i.canonical_link],
            hashes=[i.content_hash for i in idents],
        )
        return Lookup(idents, tuple(existing))


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
