"""Orchestration: poll feeds -> parse -> identify -> store; then enrich: full text -> clean ->
dedup -> store.

Reads top to bottom as the data flows. Decisions are pure functions in their stage modules
(``poll.decide.decide_poll``, ``extract.is_teaser``, ``Deduper.add``);
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
import concurrent.futures
import contextlib
import json
import logging
import multiprocessing
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html import escape, unescape
from pathlib import Path
from typing import Any, TypeVar

from aggregator import clean, extract, failpoints, textfeatures
from aggregator.config import Config, FeedConfig, FullText
from aggregator.dedup import Deduper, DedupItem
from aggregator.digest import build_digest
from aggregator.errors import AggregatorError, ExtractError, ParseError, StoreError
from aggregator.feeds import FeedIndex, display_name, feed_index
from aggregator.fetch import HTML_ACCEPT, Fetcher
from aggregator.parse import discover_feed_links, parse_feed
from aggregator.poll.decide import (
    MAX_NEW_ENTRIES_PER_POLL,
    EntryIdentity,
    Lookup,
    decide_poll,
    entry_identity,
    failed_poll,
    match_existing,
    needs_parse,
)
from aggregator.store import (
    ENRICH_KIND,
    ENRICH_NEW,
    ENRICH_SUMMARY_ONLY,
    RawArticle,
    Store,
)
from aggregator.textfeatures import Features
from aggregator.types import (
    Digest,
    DigestCandidate,
    FailingFeed,
    FeedState,
    FetchResult,
    Outcome,
    ParsedFeed,
    PollIntent,
)
from aggregator.urls import site_of

log = logging.getLogger(__name__)

# Articles enriched per transaction (and per round of worker batches). Bounds the memory of
# the queue and what a stop must wait for.
ENRICH_CHUNK = 400
# An article whose cleaning or dedup raises (a defect) is set aside and tried again after
# ENRICH_RETRY, then twice that; the ENRICH_MAX_ATTEMPTS-th failure gives up on dedup and
# keeps the article as its own story, so a digest still shows it. The others never wait.
ENRICH_MAX_ATTEMPTS = 3
ENRICH_RETRY = timedelta(minutes=10)

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


@dataclass
class EnrichOutcome:
    """What cleaning and dedup left undone during one ``poll``/``enrich`` call: articles set
    aside after an error, and a pass stopped by one (the rest then waits).  `fetch` exits
    non-zero when either happened."""

    done: int = 0
    set_aside: list[tuple[int, str]] = field(default_factory=list)  # (article id, error)
    stopped: str | None = None

    @property
    def failed(self) -> bool:
        return bool(self.set_aside) or self.stopped is not None

    def lines(self) -> list[str]:
        out = []
        if self.set_aside:
            first = self.set_aside[0][1]
            out.append(
                f"{len(self.set_aside)} articles set aside by an internal error (retried up to"
                f" {ENRICH_MAX_ATTEMPTS} times, then kept without dedup; see `aggregator status`):"
                f" {first}"
            )
        if self.stopped:
            out.append(f"cleaning and dedup stopped, the rest waits: {self.stopped}")
        return out


# ---- CPU jobs (run in worker processes; module-level so they pickle) ------------------------


def _parse_job(body: bytes, url: str, headers: dict[str, str], now: datetime) -> ParsedFeed:
    return parse_feed(body, url=url, headers=headers, now=now)


def _page_job(
    html: str, url: str, learned: frozenset[str], title: str
) -> tuple[extract.Extracted, Features]:
    ext = extract.extract_page(html, url, learned=learned)
    return ext, textfeatures.extract(ext.text, title or ext.title or "")


def _clean_batch_job(
    items: Sequence[tuple[str, str | None, frozenset[str], str]],
) -> list[tuple[extract.Extracted, Features]]:
    out = []
    for html, url, learned, title in items:
        ext = extract.clean_feed_html(html, url, learned=learned)
        out.append((ext, textfeatures.extract(ext.text, title or ext.title or "")))
    return out


def _die_with_parent(parent: int) -> None:
    """Worker initializer: exit when the parent is gone (a SIGKILLed `aggregator fetch` would
    otherwise leave its forkserver and workers behind, each waiting on the other)."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


@dataclass(frozen=True)
class _Prepared:
    """A stored article, cleaned, with its dedup features."""

    row: RawArticle
    cleaned: extract.Extracted
    features: Features
    page_error: str | None


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
        self._workers = workers
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._deduper: Deduper | None = None
        self._learned: dict[str, frozenset[str]] = {}
        self.outcome = EnrichOutcome()  # of the current (or last) poll()/enrich() call

    # ---- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def reconfigure(self, config: Config) -> None:
        """Apply a reloaded config (hot reload).  Changed dedup windows rebuild the index
        from the store (with the new windows) at its next use."""
        if config.dedup != self.config.dedup:
            self._deduper = None
        self.config = config

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor | None:
        if self._workers <= 0:
            return None
        if self._pool is None:
            ctx = multiprocessing.get_context("forkserver")
            # the fork server imports the job modules (lxml, feedparser, numpy, trafilatura:
            # ~0.7 CPU s) once and every worker is forked from it, instead of each worker
            # importing them again on its first job; no effect once the server is running
            ctx.set_forkserver_preload(["__main__", __name__])
            self._pool = concurrent.futures.ProcessPoolExecutor(
                self._workers,
                mp_context=ctx,
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    async def _cpu(self, fn: Callable[..., T], *args: object) -> T:
        pool = self._executor()
        if pool is None:
            return fn(*args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, fn, *args)

    @property
    def deduper(self) -> Deduper:
        if self._deduper is None:
            self._deduper = self._load_deduper()
        return self._deduper

    def _load_deduper(self) -> Deduper:
        cfg = self.config.dedup
        d = Deduper(window=cfg.window, story_window=cfg.story_window)
        since = self.clock() - timedelta(seconds=max(cfg.window, cfg.story_window))
        n = 0
        for article_id, blob, added_at, story in self.store.dedup_states(since):
            d.restore(str(article_id), blob, added_at, story=story)
            n += 1
        log.debug("dedup restored=%d", n)
        return d

    # ---- polling -----------------------------------------------------------------------------

    # The configured feeds by URL (``aggregator.feeds``), built once per config object (a
    # reload swaps the object), and the URLs whose state rows are known to exist.
    _index: tuple[Config, FeedIndex] | None = None
    _ensured: frozenset[str] = frozenset()

    def _feeds(self) -> FeedIndex:
        if self._index is None or self._index[0] is not self.config:
            self._index = (self.config, feed_index(self.config.feeds))
        return self._index[1]

    def due(self, now: datetime | None = None) -> list[FeedConfig]:
        """The configured feeds due now, in the order they fell due: one indexed query."""
        feeds = self._feeds()
        if not feeds.urls <= self._ensured:
            self.store.ensure_feeds(feeds.urls - self._ensured)
            self._ensured |= feeds.urls
        return [feeds.by_url[u] for u in self.store.due_feeds(now or self.clock(), feeds.urls)]

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
        self.outcome = EnrichOutcome()
        if feeds is None:
            feeds = self.due()
        else:
            self.store.ensure_feeds(f.url for f in feeds)
        if not feeds:
            if enrich and self.store.enrichment_backlog(self.clock()):
                await self.enrich(progress=on_enriched)
            return []
        # Feeds between fetch and store at once: enough to keep the fetcher and the workers
        # busy, few enough that fetched bodies and parsed feeds do not pile up in memory.
        in_flight = asyncio.Semaphore(self.config.fetch.concurrency + 2 * max(self._workers, 1))
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
                    n = await self._enrich_guarded(fetcher, on_enriched, done)
                    if n < 0:
                        return  # stopped on an error (logged); the rest waits
                    done += n
                    if ingest_done and n == 0:
                        break
                if done:
                    self._consolidate(self.deduper)

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

    def _consolidate(self, deduper: Deduper) -> None:
        """Revise stories around this poll's new articles (``Deduper.consolidate``) and
        store the changes.  A crash before the write leaves the online stories, which are
        valid too; the in-memory state is reloaded if the write fails."""
        now = self.clock().timestamp()
        deduper.evict(now)
        changes = deduper.consolidate(now)
        if not changes:
            return
        try:
            self.store.set_stories({int(k): v for k, v in changes.items()})
        except StoreError as e:
            log.error("dedup consolidation not stored: %s", e)
            self._deduper = None
        else:
            log.info("dedup consolidated stories changed=%d", len(changes))

    async def _poll_feed(self, fetcher: Fetcher, feed: FeedConfig, state: FeedState) -> PollSummary:
        started = time.perf_counter()
        name = display_name(feed.url, feed.name, state.title)
        try:
            summary = await self._poll_feed_inner(fetcher, feed, state)
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
            intent = failed_poll(
                state, self.clock(), interval=self._interval(feed), outcome="internal_error",
                error=f"{type(e).__name__}: {e}",
            )  # fmt: skip
            self.store.apply_poll(intent)
            summary = PollSummary(
                feed.url, name, "internal_error", None, error=str(e),
                next_check_at=intent.next_check_at,
            )  # fmt: skip
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

    def _interval(self, feed: FeedConfig) -> float:
        return feed.interval if feed.interval is not None else self.config.fetch.interval

    async def _poll_feed_inner(
        self, fetcher: Fetcher, feed: FeedConfig, state: FeedState
    ) -> PollSummary:
        """Fetch -> (parse -> look the entries up) -> ``decide_poll`` -> ``apply_poll``: the
        I/O around the pure decision."""
        target = state.redirect_url or feed.url
        result = await fetcher.fetch(target, etag=state.etag, last_modified=state.last_modified)
        now = self.clock()
        parsed: ParsedFeed | ParseError | None = None
        lookup: Lookup | None = None
        if needs_parse(state, result):
            # parse in a worker; an HTML page that names its feed is followed once
            assert result.body is not None
            try:
                parsed = await self._cpu(_parse_job, result.body, target, dict(result.headers), now)
            except ParseError as e:
                found, result = await self._try_discovered(fetcher, result, e)
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
        self, fetcher: Fetcher, result: FetchResult, error: ParseError
    ) -> tuple[ParsedFeed | None, FetchResult]:
        """The feed an HTML page names, parsed; its fetch result (``permanent_url``: the
        discovered feed, polled directly from now on)."""
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

    # ---- enrichment: full text, cleaning, dedup ---------------------------------------------

    async def enrich(
        self,
        fetcher: Fetcher | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Clean and deduplicate every stored article still waiting (``articles.enrich``),
        oldest first, then revise the stories around them; return how many were done.

        Chunks of ``ENRICH_CHUNK`` articles are cleaned in the workers (several batches at
        once, so every worker is busy) while the previous chunk is deduplicated and stored in
        one transaction; so a stop or a crash loses at most work, never articles: what is not
        done is still waiting next time."""
        if fetcher is None:
            self.outcome = EnrichOutcome()
            async with Fetcher(self.config.fetch) as own:
                return await self.enrich(own, progress=progress)
        done = await self._enrich_guarded(fetcher, progress, 0)
        if done > 0:
            self._consolidate(self.deduper)
        return max(done, 0)

    async def _enrich_guarded(
        self, fetcher: Fetcher, progress: Callable[[int, int], None] | None, before: int
    ) -> int:
        """``_enrich_pass``; a database error (or, unless strict, any error outside one
        article's work) stops it with a log line, is noted for ``status`` (meta
        ``enrich_error``) and returns -1: what is not done waits for the next poll."""
        try:
            done = await self._enrich_pass(fetcher, progress, before)
        except StoreError as e:
            msg = f"{e}; free space or fix permissions in {self.store.path.parent}"
            log.error("enrich stopped: %s (the articles wait)", msg)
        except Exception as e:
            if self.strict:
                raise
            msg = f"internal error: {type(e).__name__}: {e}"
            log.exception("enrich stopped by an internal error (the articles wait)")
        else:
            self.outcome.done += done
            if self.store.get_meta("enrich_error") is not None:
                self.store.set_meta("enrich_error", None)
            return done
        self.outcome.stopped = msg
        with contextlib.suppress(StoreError):
            self.store.set_meta(
                "enrich_error", f"{self.clock().isoformat(timespec='seconds')} {msg}"
            )
        return -1

    async def _enrich_pass(
        self, fetcher: Fetcher, progress: Callable[[int, int], None] | None, before: int
    ) -> int:
        """One pass over every article waiting now (and those stored while it runs), oldest
        first; ``progress(before + done, before + done + waiting)`` after each chunk."""
        done = 0
        after = 0
        now = self.clock()
        rows = self.store.pending_enrichment(after, ENRICH_CHUNK, now)
        if rows:
            self.store.checkpoint()
        nxt: asyncio.Task[list[_Prepared]] | None = None
        while rows:
            current = nxt or asyncio.ensure_future(self._prepare_chunk(fetcher, rows))
            after = rows[-1].id
            following = self.store.pending_enrichment(after, ENRICH_CHUNK, now)
            nxt = (
                asyncio.ensure_future(self._prepare_chunk(fetcher, following))
                if following
                else None
            )
            try:
                done += await self._finish_chunk(fetcher, rows, current)
            except BaseException:
                if nxt is not None:
                    nxt.cancel()
                    await asyncio.gather(nxt, return_exceptions=True)
                raise
            if progress is not None:
                waiting = self.store.enrichment_backlog(now)
                progress(before + done, before + done + waiting)
            rows = following
        return done

    async def _finish_chunk(
        self,
        fetcher: Fetcher,
        rows: Sequence[RawArticle],
        prepared: asyncio.Future[list[_Prepared]],
    ) -> int:
        """Store one chunk (``prepared``: its cleaning, under way).  If preparing or storing
        it raises anything but a database error (a defect that one document triggers), its
        articles are done one at a time: the one that raises is set aside (``_set_aside``)
        and the others go on.  Returns how many were finished."""
        ready: list[_Prepared] | None = None
        try:
            ready = await prepared
            return self._store_enriched(ready)
        except StoreError:
            raise
        except Exception:
            if self.strict:
                raise
            log.exception("enrich chunk failed; its %d articles go one at a time", len(rows))
        done = 0
        for i, row in enumerate(rows):
            one = [ready[i]] if ready is not None else []
            try:
                if not one:
                    one = await self._prepare_chunk(fetcher, [row])
                done += self._store_enriched(one)
            except StoreError:
                raise
            except Exception as e:
                self._set_aside(row, e, one[0] if one else None)
        return done

    def _set_aside(self, row: RawArticle, error: Exception, prepared: _Prepared | None) -> None:
        """Record an article whose enrichment raised; retry it later, a bounded number of
        times; the last failure keeps it without a dedup decision (cleaned, or as escaped
        plain text), so nothing is lost."""
        attempts = row.attempts + 1
        msg = f"{type(error).__name__}: {error}"[:500]
        retry_at: datetime | None = None
        cleaned = None
        if attempts < ENRICH_MAX_ATTEMPTS:
            retry_at = self.clock() + ENRICH_RETRY * 2 ** (attempts - 1)
        else:
            ext = (
                prepared.cleaned
                if prepared is not None
                else _fallback_clean(row.html, row.title, error)[0]
            )
            cleaned = (row.title or ext.title or "(untitled)", ext.html, ext.text)
        self.store.set_aside(
            row.id, error=msg, attempts=attempts, retry_at=retry_at, cleaned=cleaned
        )
        self.outcome.set_aside.append((row.id, msg))
        log.error(
            "enrich id=%d set aside attempts=%d/%d retry_at=%s error=%s",
            row.id, attempts, ENRICH_MAX_ATTEMPTS,
            retry_at.isoformat(timespec="seconds") if retry_at else "never (kept without dedup)",
            msg, exc_info=error,
        )  # fmt: skip

    async def _prepare_chunk(self, fetcher: Fetcher, rows: Sequence[RawArticle]) -> list[_Prepared]:
        """Full text where needed, then cleaning and dedup features, in worker processes.

        Article pages are fetched concurrently and extracted one job each; everything that is
        cleaned from the feed's own HTML (and pages that failed) goes to the workers in one
        batch per worker, so the per-call overhead is paid a few times per chunk, not per
        article."""
        feeds = {f.url: f for f in self.config.feeds}
        learned = {site: self._learned_for(site) for site in {r.site for r in rows}}
        pages = await asyncio.gather(
            *(self._full_text(fetcher, feeds.get(r.feed_url), r, learned) for r in rows)
        )
        todo = [r for r, (got, _) in zip(rows, pages, strict=True) if got is None]
        jobs = max(1, self._workers)
        size = -(-len(todo) // jobs) if todo else 0
        batches = [todo[i : i + size] for i in range(0, len(todo), size)] if size else []
        results = await asyncio.gather(*(self._clean_batch(b, learned) for b in batches))
        cleaned = iter([c for res in results for c in res])
        out = []
        for r, (got, page_error) in zip(rows, pages, strict=True):
            ext, feats = got if got is not None else next(cleaned)
            out.append(_Prepared(r, ext, feats, page_error))
        return out

    async def _clean_batch(
        self, rows: Sequence[RawArticle], learned: dict[str, frozenset[str]]
    ) -> list[tuple[extract.Extracted, Features]]:
        items = [(r.html, r.url, learned[r.site], r.title) for r in rows]
        try:
            return await self._cpu(_clean_batch_job, items)
        except Exception:
            if self.strict or len(items) == 1:
                raise
            # one hostile document must not hold the others back: clean them one by one, and
            # the one that still fails is kept as plain text (never unsanitized HTML)
            out = []
            for item in items:
                try:
                    out.extend(await self._cpu(_clean_batch_job, [item]))
                except Exception as e:
                    log.exception("clean url=%s failed; kept as plain text", item[1])
                    out.append(_fallback_clean(item[0], item[3], e))
            return out

    async def _full_text(
        self,
        fetcher: Fetcher,
        feed: FeedConfig | None,
        row: RawArticle,
        learned: dict[str, frozenset[str]],
    ) -> tuple[tuple[extract.Extracted, Features] | None, str | None]:
        """(extracted page and its features, or None to clean the feed's HTML; why not)."""
        mode = feed.full_text if feed is not None else FullText.NEVER
        want_page = row.url is not None and (
            mode is FullText.ALWAYS
            or (
                mode is FullText.AUTO
                and (row.enrich & ENRICH_SUMMARY_ONLY or extract.is_teaser(row.html, None))
            )
        )
        if not want_page or not row.url:
            return None, None
        page = await fetcher.fetch(row.url, accept=HTML_ACCEPT)
        if page.outcome is Outcome.OK and page.body is not None:
            html = page.body.decode(_charset(page.headers), errors="replace")
            url = page.final_url or row.url
            try:
                got = await self._cpu(_page_job, html, url, learned[row.site], row.title)
            except ExtractError as e:
                error = f"extraction failed: {e}"
            else:
                if len(got[0].text) >= _plain_len(row.html):
                    return got, None
                error = "article page gave less text than the feed"
        else:
            error = f"article page: {page.error or page.outcome.value}"
        log.info("fulltext url=%s error=%r", row.url, error)
        return None, error

    def _store_enriched(self, prepared: Sequence[_Prepared]) -> int:
        """Dedup the new articles (in id order, as they arrived) and store every cleaned
        text and decision: one transaction. The per-site block counts of the chunk are
        added in one statement."""
        deduper = self.deduper
        feeds = {f.url: f for f in self.config.feeds}
        blocks: dict[tuple[str, str], int] = {}
        try:
            with self.store.transaction():
                for p in prepared:
                    row, cleaned = p.row, p.cleaned
                    title = row.title or cleaned.title or "(untitled)"
                    dedup = None
                    if row.enrich & ENRICH_KIND == ENRICH_NEW:
                        ts = row.fetched_at.timestamp()
                        published = row.published.timestamp() if row.published else ts
                        feed = feeds.get(row.feed_url)
                        failpoints.hit("enrich.dedup", title)
                        decision = deduper.add(
                            DedupItem(
                                id=str(row.id), text=cleaned.text, title=title, url=row.url,
                                published=min(published, ts), source=row.feed_url,
                                prefer=feed.prefer if feed is not None else False,
                            ),
                            ts,
                            features=p.features,
                        )  # fmt: skip
                        dedup = (
                            # == dedup.text_hash(cleaned.text), computed by the worker
                            p.features.thash.hex(),
                            decision.story,
                            int(decision.duplicate_of) if decision.duplicate_of else None,
                            decision.reason,
                            deduper.snapshot(str(row.id)),
                        )
                        if row.site:
                            for h in dict.fromkeys(cleaned.block_hashes):
                                blocks[row.site, h] = blocks.get((row.site, h), 0) + 1
                    self.store.finish_enrichment(
                        row.id, title=title, author=row.author or cleaned.author,
                        html=cleaned.html, text=cleaned.text, full_text_error=p.page_error,
                        dedup=dedup,
                    )  # fmt: skip
                    failpoints.hit("enrich.in_transaction")
                if blocks:
                    self.store.add_site_blocks(blocks)
        except BaseException:
            # the transaction rolled back: the in-memory index must forget what it just saw
            self._deduper = None
            raise
        self._relearn({site for site, _ in blocks})
        return len(prepared)

    def _learned_for(self, site: str) -> frozenset[str]:
        if site not in self._learned:
            self._learned[site] = self.store.learned_blocks(site, clean.LEARN_MIN_ARTICLES)
        return self._learned[site]

    def _relearn(self, sites: set[str]) -> None:
        """A site's learned boilerplate grew: re-clean its undelivered articles."""
        for site in sites - {""}:
            before = self._learned.get(site, frozenset())
            after = self.store.learned_blocks(site, clean.LEARN_MIN_ARTICLES)
            self._learned[site] = after
            if after == before:
                continue
            with self.store.transaction():
                for article_id, text, html in self.store.undelivered_from_site(site):
                    new_text, new_html = drop_learned(text, html, after)
                    if new_text != text:
                        self.store.update_article_text(article_id, html=new_html, text=new_text)
            log.info("learned site=%s blocks=%d", site, len(after))


def _fallback_clean(html: str, title: str, error: Exception) -> tuple[extract.Extracted, Features]:
    """What is kept of a document the cleaner failed on: its text, escaped."""
    text = "\n".join(
        line.strip() for line in unescape(_TAG.sub("\n", html)).splitlines() if line.strip()
    )
    body = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
    ext = extract.Extracted(
        title=None, text=text, html=body, author=None, date=None, language=None,
        block_hashes=(), removed=(("error", f"{type(error).__name__}: {error}"),),
    )  # fmt: skip
    return ext, textfeatures.extract(text, title)


_TAG = re.compile(r"<[^>]*>")


def drop_learned(text: str, html: str, learned: frozenset[str]) -> tuple[str, str]:
    """Remove blocks (text lines, top-level HTML elements) whose hash a site has learned."""
    if not learned:
        return text, html
    lines = text.split("\n")
    kept_lines = [ln for ln in lines if not ln.strip() or clean.block_hash(ln) not in learned]
    if len(kept_lines) == len(lines) or not any(ln.strip() for ln in kept_lines):
        return text, html  # nothing learned here, or it would leave no article at all
    from lxml import html as lxml_html

    try:
        parts = lxml_html.fragments_fromstring(html) if html.strip() else []
    except Exception:  # lxml on odd markup: keep the stored HTML rather than lose the article
        parts = []
    kept_html = []
    for part in parts:
        if isinstance(part, str):
            kept_html.append(escape(part))
            continue
        if clean.block_hash(part.text_content()) in learned:
            continue
        kept_html.append(lxml_html.tostring(part, encoding="unicode"))
    return "\n".join(kept_lines), ("".join(kept_html) if parts else html)


def _plain_len(html: str) -> int:
    """Rough length of the text in an HTML fragment (to compare page and feed content)."""
    return len(" ".join(_TAG.sub(" ", html).split()))


def _charset(headers: object) -> str:
    ctype = ""
    if isinstance(headers, dict):
        ctype = str(headers.get("content-type", ""))
    for part in ctype.split(";"):
        part = part.strip().lower()
        if part.startswith("charset="):
            cs = part[8:].strip("\"' ")
            try:
                "".encode(cs)
                return cs
            except LookupError:
                break
    return "utf-8"


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
    "MAX_NEW_ENTRIES_PER_POLL",
    "EnrichOutcome",
    "EntryIdentity",
    "Pipeline",
    "PollSummary",
    "entry_identity",
    "match_existing",
    "run_poll",
]


# ---- digest ----------------------------------------------------------------------------------

# Recipient key used for delivery state when the config names no `to` address (digests go to
# out_dir as files).
LOCAL_RECIPIENT = "local"
_INFLIGHT = "inflight:"


@dataclass(frozen=True)
class DigestOutcome:
    """What one digest run did for one recipient."""

    recipient: str
    status: str  # sent | written | dry-run | empty | failed
    stories: int = 0
    articles: int = 0
    message_id: str | None = None
    path: str | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def line(self) -> str:
        where = f" path={self.path}" if self.path else ""
        err = f" error={self.error!r}" if self.error else ""
        return (
            f"digest to={self.recipient} status={self.status} stories={self.stories}"
            f" articles={self.articles}{where}{err}"
        )


def digest_candidates(config: Config, store: Store, recipient: str) -> list[DigestCandidate]:
    """Everything not yet delivered to ``recipient`` from the configured feeds."""
    configured = {f.url: f for f in config.feeds}
    states = {s.url: s for s in store.feed_states(configured)}
    out = []
    for p in store.pending_for(recipient, configured):
        a = p.article
        feed = configured[a.feed_url]
        state = states.get(a.feed_url)
        out.append(
            DigestCandidate(
                article_id=a.id,
                feed_url=a.feed_url,
                feed_name=feed.name or (state.title if state else None) or site_of(a.feed_url),
                topic=feed.topic,
                url=a.url,
                title=a.title,
                text=a.text,
                published=a.published,
                fetched_at=a.fetched_at,
                story=a.story or f"a{a.id}",
                duplicate_of=a.duplicate_of,
                prefer=feed.prefer,
                story_delivered_before=p.story_delivered_before,
            )
        )
    return out


def failing_feeds(config: Config, store: Store) -> list[FailingFeed]:
    configured = {f.url: f for f in config.feeds}
    return [
        FailingFeed(
            name=configured[s.url].name or s.title or site_of(s.url),
            url=s.url,
            error=s.last_error or (s.last_outcome or "error"),
            error_streak=s.error_streak,
            since=s.last_success_at,
        )
        for s in store.feed_states(configured)
        if s.gone or s.error_streak > 0
    ]


def run_digests(
    config: Config,
    store: Store,
    *,
    now: datetime,
    dry_run_dir: Path | None = None,
    out_dir: Path | None = None,
    recipients: Sequence[str] | None = None,
    smtp_retries: int = 3,
    smtp_backoff: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[DigestOutcome]:
    """Build, render and deliver one digest per recipient; mark delivered only on success.

    Before sending, the exact set of article ids is journalled (meta ``inflight:<recipient>``).
    If the process dies after the server accepted the message but before the delivery was
    recorded, the next run re-sends exactly that set first, so the repeat carries the same
    Message-ID (invariant: at most one repeated message, never more).
    """
    from aggregator import mail, render

    to = list(recipients or config.digest.to or [LOCAL_RECIPIENT])
    failing = failing_feeds(config, store)
    outcomes: list[DigestOutcome] = []
    for recipient in to:
        candidates = digest_candidates(config, store, recipient)
        inflight = _inflight_ids(store, recipient) if dry_run_dir is None else None
        batches: list[list[DigestCandidate]] = []
        if inflight:
            first = [c for c in candidates if c.article_id in inflight]
            if first:
                batches.append(first)
            candidates = [c for c in candidates if c.article_id not in inflight]
            if not first:
                store.set_meta(_INFLIGHT + recipient, None)
        if candidates or not batches:
            batches.append(candidates)
        for batch in batches:
            digest = build_digest(
                batch,
                recipient=recipient,
                topics_order=config.topics(),
                timezone=config.digest.timezone,
                now=now,
                failing=failing,
            )
            outcomes.append(
                _deliver_one(
                    config, store, digest, now=now, dry_run_dir=dry_run_dir, out_dir=out_dir,
                    retries=smtp_retries, backoff=smtp_backoff, sleep=sleep,
                    render_mod=render, mail_mod=mail,
                )
            )  # fmt: skip
            if outcomes[-1].failed:
                break
    return outcomes


def _inflight_ids(store: Store, recipient: str) -> set[int]:
    raw = store.get_meta(_INFLIGHT + recipient)
    if not raw:
        return set()
    try:
        return {int(x) for x in json.loads(raw)}
    except (ValueError, TypeError):
        return set()


def _deliver_one(
    config: Config,
    store: Store,
    digest: Digest,
    *,
    now: datetime,
    dry_run_dir: Path | None,
    out_dir: Path | None,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
    render_mod: Any,
    mail_mod: Any,
) -> DigestOutcome:
    recipient = digest.recipient
    counts: dict[str, Any] = {"stories": digest.story_count, "articles": digest.article_count}
    if digest.is_empty and not config.digest.send_empty and dry_run_dir is None:
        if digest.article_ids:  # only stale copies: account for them silently
            store.mark_delivered(recipient, digest.digest_id, digest.article_ids, now)
        store.record_digest(recipient, digest.digest_id, now=now, status="empty")
        log.info("digest to=%s status=empty", recipient)
        return DigestOutcome(recipient, "empty")
    sender = config.digest.sender
    rendered = render_mod.render(digest, template_dir=config.digest.template_dir, sender=sender)
    address = recipient if recipient != LOCAL_RECIPIENT else "me@localhost"
    msg = render_mod.build_message(rendered, sender=sender, recipient=address, digest=digest)
    message_id = str(msg["Message-ID"])
    if dry_run_dir is not None:
        dry_run_dir.mkdir(parents=True, exist_ok=True)
        (dry_run_dir / "digest.html").write_text(rendered.html, encoding="utf-8")
        (dry_run_dir / "digest.txt").write_text(rendered.text, encoding="utf-8")
        (dry_run_dir / "digest.eml").write_bytes(msg.as_bytes())
        return DigestOutcome(
            recipient, "dry-run", message_id=message_id, path=str(dry_run_dir), **counts
        )
    store.set_meta(_INFLIGHT + recipient, json.dumps(sorted(digest.article_ids)))
    path: str | None = None
    try:
        if config.smtp is not None and recipient != LOCAL_RECIPIENT:
            password = mail_mod.password_from_env(config.smtp)
            mail_mod.deliver(
                msg, config.smtp, password=password, retries=retries, backoff=backoff, sleep=sleep
            )
            status = "sent"
        else:
            path = str(mail_mod.write_to_dir(msg, rendered, out_dir or config.digest.out_dir))
            status = "written"
    except (AggregatorError, OSError) as e:
        # The journalled set stays: if the server did accept before the failure showed (a
        # disconnect after DATA), the retry repeats this very message, same Message-ID.
        store.record_digest(
            recipient, digest.digest_id, now=now, status="failed", message_id=message_id,
            error=str(e), **counts,
        )  # fmt: skip
        log.error("digest to=%s status=failed error=%r", recipient, str(e))
        return DigestOutcome(recipient, "failed", message_id=message_id, error=str(e), **counts)
    failpoints.hit("digest.accepted")  # the server has the message; we have not noted it yet
    with store.transaction():
        store.mark_delivered(recipient, digest.digest_id, digest.article_ids, now)
        store.record_digest(
            recipient, digest.digest_id, now=now, status=status, message_id=message_id, **counts
        )
        store.set_meta(_INFLIGHT + recipient, None)
    log.info(
        "digest to=%s status=%s stories=%d articles=%d message_id=%s",
        recipient, status, digest.story_count, digest.article_count, message_id,
    )  # fmt: skip
    return DigestOutcome(recipient, status, message_id=message_id, path=path, **counts)
