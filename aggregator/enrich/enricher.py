"""The enrichment stage: full text, cleaning, dedup, for articles a poll stored as parsed.

A poll stores each feed's new entries exactly as the feed gave them (``articles.enrich`` != 0);
``Enricher.run`` then takes every waiting article, oldest first, in chunks of
``ENRICH_CHUNK``: the article page where the entry is a teaser (``full_text``), cleaning
(trafilatura + our boilerplate rules) and dedup features in worker processes, then the dedup
decisions and the cleaned text in one transaction per chunk.  After a pass the stories around
the new articles are consolidated.  The Enricher owns the dedup index (``deduper``): it is
loaded from the store on first use and rebuilt when the dedup windows change (``reconfigure``).

Isolation: an article whose preparation or storing raises (a defect that one document
triggers) is set aside with its error and retried a bounded number of times; the others go on
(``_finish_chunk``).  Only a database error stops a pass: then everything waits for the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from html import escape, unescape
from typing import TypeVar

from aggregator import failpoints
from aggregator.config import Config, FeedConfig, FullText
from aggregator.dedup import Deduper, DedupItem, Features
from aggregator.dedup import features as textfeatures
from aggregator.enrich import extract
from aggregator.enrich.language import decide_language
from aggregator.enrich.learning import SiteLearning, apply_learned, learn_job
from aggregator.enrich.repeats import BlockRules
from aggregator.enrich.shared_index import (
    catch_up,
    chunk_keys,
    consolidate_shared,
    load_index,
)
from aggregator.errors import ExtractError, StoreError
from aggregator.feeds import feed_index
from aggregator.poll.fetch import HTML_ACCEPT, Fetcher
from aggregator.store import ENRICH_KIND, ENRICH_NEW, ENRICH_SUMMARY_ONLY, RawArticle, Store
from aggregator.types import LearnedBlock, Outcome
from aggregator.workers import Workers

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], datetime]


# Articles enriched per transaction (and per round of worker batches). Bounds the memory of
# the queue and what a stop must wait for.
ENRICH_CHUNK = 400
# An article whose cleaning or dedup raises (a defect) is set aside and tried again after
# ENRICH_RETRY, then twice that; the ENRICH_MAX_ATTEMPTS-th failure gives up on dedup and
# keeps the article as its own story, so a digest still shows it. The others never wait.
ENRICH_MAX_ATTEMPTS = 3
ENRICH_RETRY = timedelta(minutes=10)


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


def _with_features(
    ext: extract.Extracted, title: str, declared: str | None
) -> tuple[extract.Extracted, Features]:
    """``ext`` with its decided language (the page's declared one, then the feed's, when
    plausible; else detected: ``enrich.language``) and its dedup features in that language."""
    title = title or ext.title or ""
    lang = decide_language(title, ext.text, (ext.language, declared))
    ext = replace(ext, language=lang)
    return ext, textfeatures.extract(ext.text, title, language=lang)


def _page_job(
    html: str, url: str, learned: frozenset[str], title: str, rules: BlockRules,
    declared: str | None = None,
) -> tuple[extract.Extracted, Features]:  # fmt: skip
    ext = extract.extract_page(html, url, learned=learned, rules=rules)
    return _with_features(ext, title, declared)


_CleanItem = tuple[str, str | None, frozenset[str], str, BlockRules, str | None]


def _clean_batch_job(items: Sequence[_CleanItem]) -> list[tuple[extract.Extracted, Features]]:
    out = []
    for html, url, learned, title, rules, declared in items:
        ext = extract.clean_feed_html(html, url, learned=learned, rules=rules)
        out.append(_with_features(ext, title, declared))
    return out


@dataclass(frozen=True)
class _Prepared:
    """A stored article, cleaned, with its dedup features."""

    row: RawArticle
    cleaned: extract.Extracted
    features: Features
    page_error: str | None
    # near-copy blocks this article's chunk taught its site (on the site's first article)
    taught: tuple[LearnedBlock, ...] = ()


class Enricher:
    """Cleans and deduplicates stored articles; owns the dedup index (see module docstring)."""

    def __init__(
        self, config: Config, store: Store, *, clock: Clock, cpu: Workers, strict: bool = False
    ) -> None:
        self.config = config
        self._feeds = feed_index(config.feeds)  # the configured feeds by URL (per config)
        self.store = store
        self.clock = clock
        self._cpu_pool = cpu
        self.strict = strict  # re-raise unexpected exceptions (tests) instead of setting aside
        self._deduper: Deduper | None = None
        self._seen = 0  # the other workers' decisions the index holds (``shared_index``)
        self.learning = SiteLearning(store, lambda: self._feeds)
        self.outcome = EnrichOutcome()  # of the current (or last) run

    def reconfigure(self, config: Config) -> None:
        """A reloaded config; changed dedup windows rebuild the index at its next use."""
        if config.dedup != self.config.dedup:
            self._deduper = None
        self.config = config
        self._feeds = feed_index(config.feeds)

    async def _cpu(self, fn: Callable[..., T], *args: object) -> T:
        return await self._cpu_pool.run(fn, *args)

    @property
    def deduper(self) -> Deduper:
        if self._deduper is None:
            self._deduper = self._load_deduper()
        return self._deduper

    def _load_deduper(self) -> Deduper:
        cfg = self.config.dedup
        since = self.clock() - timedelta(seconds=max(cfg.window, cfg.story_window))
        d, self._seen = load_index(self.store, cfg.window, cfg.story_window, since)
        return d

    # ---- polling -----------------------------------------------------------------------------

    def consolidate(self) -> None:
        """Revise stories around this poll's new articles (``Deduper.consolidate``) and
        store the changes (with other workers: ``shared_index.consolidate_shared``).  A crash
        before the write leaves the online stories, which are valid too; the in-memory state
        is reloaded if the write fails."""
        now = self.clock().timestamp()
        deduper = self.deduper
        try:
            if self.store.shared:
                self._seen, changes = consolidate_shared(self.store, deduper, self._seen, now)
            else:
                deduper.evict(now)
                changes = deduper.consolidate(now)
                if changes:
                    self.store.set_stories({int(k): v for k, v in changes.items()})
        except StoreError as e:
            log.error("dedup consolidation not stored: %s", e)
            self._deduper = None
            return
        except BaseException:
            self._deduper = None
            raise
        if changes:
            log.info("dedup consolidated stories changed=%d", len(changes))

    async def run(
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
                return await self.run(own, progress=progress)
        done = await self.run_pass(fetcher, progress, 0)
        if done > 0:
            self.consolidate()
        return max(done, 0)

    async def run_pass(
        self, fetcher: Fetcher, progress: Callable[[int, int], None] | None, before: int = 0
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
            following = self.store.pending_enrichment(after, ENRICH_CHUNK, self.clock())
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
            cleaned = (row.title or ext.title or "", ext.html, ext.text)
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
        feeds = self._feeds
        self.learning.forget_headlines()  # the poll stored new articles (and headlines)
        learned = {site: self.learning.exact(site) for site in {r.site for r in rows}}
        pairs = {(r.site, r.feed_url) for r in rows}
        rules = {pair: self.learning.rules(*pair) for pair in pairs}
        pages = await asyncio.gather(
            *(self._full_text(fetcher, feeds.get(r.feed_url), r, learned, rules) for r in rows)
        )
        todo = [r for r, (got, _) in zip(rows, pages, strict=True) if got is None]
        jobs = max(1, self._cpu_pool.count)
        size = -(-len(todo) // jobs) if todo else 0
        batches = [todo[i : i + size] for i in range(0, len(todo), size)] if size else []
        results = await asyncio.gather(*(self._clean_batch(b, learned, rules) for b in batches))
        cleaned = iter([c for res in results for c in res])
        out = []
        for r, (got, page_error) in zip(rows, pages, strict=True):
            ext, feats = got if got is not None else next(cleaned)
            out.append(_Prepared(r, ext, feats, page_error))
        return await self._learn_chunk(out)

    async def _learn_chunk(self, prepared: list[_Prepared]) -> list[_Prepared]:
        """Learn the blocks each site repeats across the chunk's articles (and its latest
        stored ones; in the workers) and remove them from the chunk's articles before dedup
        sees them; the first article of a site carries what was ``taught`` to the store."""
        by_site: dict[str, list[int]] = {}
        for i, p in enumerate(prepared):
            if p.row.site:
                by_site.setdefault(p.row.site, []).append(i)
        groups = []
        for site, idx in by_site.items():
            items = [
                (prepared[i].row.id, prepared[i].row.feed_url, prepared[i].cleaned) for i in idx
            ]
            group = self.learning.group(site, items)
            if group is not None:
                groups.append((idx, group))
        size = -(-len(groups) // max(1, self._cpu_pool.count)) or 1
        batches = [groups[i : i + size] for i in range(0, len(groups), size)]
        learned = await asyncio.gather(
            *(self._cpu(learn_job, [g for _, g in batch]) for batch in batches)
        )
        out = list(prepared)
        for (idx, _), taught in zip(groups, [t for res in learned for t in res], strict=True):
            if taught:
                for n, i in enumerate(idx):
                    out[i] = self._without(prepared[i], taught, first=n == 0)
        return out

    def _without(self, p: _Prepared, taught: tuple[LearnedBlock, ...], *, first: bool) -> _Prepared:
        """``p`` without the blocks its site was just ``taught`` (features again if changed)."""
        ext = apply_learned(p.cleaned, taught, self.learning.rules(p.row.site, p.row.feed_url))
        feats = (
            p.features
            if ext is p.cleaned
            else textfeatures.extract(
                ext.text, p.row.title or ext.title or "", language=ext.language
            )
        )
        return replace(p, cleaned=ext, features=feats, taught=taught if first else ())

    async def _clean_batch(
        self,
        rows: Sequence[RawArticle],
        learned: dict[str, frozenset[str]],
        rules: dict[tuple[str, str], BlockRules],
    ) -> list[tuple[extract.Extracted, Features]]:
        items = [
            (r.html, r.url, learned[r.site], r.title, rules[r.site, r.feed_url], r.language)
            for r in rows
        ]
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
                    out.append(_fallback_clean(item[0], item[3], e, item[5]))
            return out

    async def _full_text(
        self,
        fetcher: Fetcher,
        feed: FeedConfig | None,
        row: RawArticle,
        learned: dict[str, frozenset[str]],
        rules: dict[tuple[str, str], BlockRules],
    ) -> tuple[tuple[extract.Extracted, Features] | None, str | None]:
        """(extracted page and its features, or None to clean the feed's HTML; why not)."""
        mode = feed.full_text if feed is not None else FullText.NEVER
        want_page = row.url is not None and (
            mode is FullText.ALWAYS
            or (
                mode is FullText.AUTO
                and (
                    extract.summary_is_teaser(row.html)
                    if row.enrich & ENRICH_SUMMARY_ONLY
                    else extract.is_teaser(row.html, None)
                )
            )
        )
        if not want_page or not row.url:
            return None, None
        page = await fetcher.fetch(row.url, accept=HTML_ACCEPT)
        if page.outcome is Outcome.OK and page.body is not None:
            html = page.body.decode(_charset(page.headers), errors="replace")
            url = page.final_url or row.url
            try:
                got = await self._cpu(
                    _page_job,
                    html,
                    url,
                    learned[row.site],
                    row.title,
                    rules[row.site, row.feed_url],
                    row.language,
                )
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
        feeds = self._feeds
        blocks: dict[tuple[str, str], int] = {}
        decided: list[int] = []
        try:
            with self.store.transaction():
                # several workers: only articles still ours, decided after the others' (lock)
                ours = self.store.own_for_decision([p.row.id for p in prepared])
                prepared = [p for p in prepared if p.row.id in ours]
                new = [
                    (p.features, p.row.url)
                    for p in prepared
                    if p.row.enrich & ENRICH_KIND == ENRICH_NEW
                ]
                keys = chunk_keys(self.store, new, self.clock(), self.config.dedup.window)
                self._seen = catch_up(self.store, deduper, self._seen, keys)[0]
                taught = {p.row.site: (p.row.feed_url, p.taught) for p in prepared if p.taught}
                for p in prepared:
                    row, cleaned = p.row, p.cleaned
                    title = row.title or cleaned.title or ""  # the digest heads it (build.py)
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
                        decided.append(row.id)
                        if row.site:
                            for h in dict.fromkeys(cleaned.block_hashes):
                                blocks[row.site, h] = blocks.get((row.site, h), 0) + 1
                    self.store.finish_enrichment(
                        row.id, title=title, author=row.author or cleaned.author,
                        html=cleaned.html, text=cleaned.text, full_text_error=p.page_error,
                        dedup=dedup, language=cleaned.language,
                    )  # fmt: skip
                    failpoints.hit("enrich.in_transaction")
                self.store.publish_decisions(decided)
                if blocks:
                    self.store.add_site_blocks(blocks)
                self.learning.record(taught, self.clock())
        except BaseException:
            # the transaction rolled back: the in-memory index must forget what it just saw
            self._deduper = None
            raise
        self.learning.relearn({site for site, _ in blocks} | set(taught))
        return len(prepared)


def _fallback_clean(
    html: str, title: str, error: Exception, declared: str | None = None
) -> tuple[extract.Extracted, Features]:
    """What is kept of a document the cleaner failed on: its text, escaped."""
    text = "\n".join(
        line.strip() for line in unescape(_TAG.sub("\n", html)).splitlines() if line.strip()
    )
    body = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
    ext = extract.Extracted(
        title=None, text=text, html=body, author=None, date=None, language=None,
        block_hashes=(), removed=(("error", f"{type(error).__name__}: {error}"),),
    )  # fmt: skip
    return _with_features(ext, title, declared)


_TAG = re.compile(r"<[^>]*>")


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
