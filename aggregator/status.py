"""`aggregator status`: per-feed health and digest state, as data and as a table."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import TypedDict

from aggregator.config import Config
from aggregator.digest.schedule import next_scheduled
from aggregator.feeds import display_name, feed_index
from aggregator.metrics.collect import FactsReport, facts_report
from aggregator.metrics.collect import recipients as recipients_of
from aggregator.poll.decide import is_malformed
from aggregator.store import Store
from aggregator.types import FeedState, LearnedBlock

RETRY_META = "digest_retry_at"  # scheduler.RETRY_META (kept here: status stays light)

# Learned blocks previewed per feed and site (the most seen first), and their preview length.
LEARNED_PREVIEWS = 5
PREVIEW_CHARS = 80


class LearnedPreview(TypedDict):
    preview: str  # the block's first words
    articles: int  # independent articles it was seen in
    where: str  # edge (removed at the head/tail of articles) | anywhere


class LearnedReport(TypedDict):
    """Near-copy blocks learned (``enrich.repeats``): how many, and a short preview of each."""

    blocks: int
    preview: list[LearnedPreview]


class SiteLearnedReport(LearnedReport):
    site: str


class FeedReport(TypedDict):
    name: str
    url: str
    topic: str
    health: str  # ok | new | failing | login failing | gone
    last_fetch: str | None
    last_success: str | None
    result: str | None
    status: int | None
    error: str | None
    error_streak: int
    next_check: str | None
    redirected_to: str | None
    entries_seen: int
    learned: LearnedReport  # the boilerplate this feed's articles taught their site


class RecipientReport(TypedDict, total=False):
    profile: str  # "default" when the config has no profiles
    recipient: str
    last_sent: str | None
    last_attempt: str | None
    last_status: str | None
    last_error: str | None
    next: str | None
    retry_at: str | None  # after a failed send: the next attempt
    days: list[str]  # the profile's send days


class SetAsideReport(TypedDict):
    id: int
    feed: str
    title: str
    error: str
    attempts: int
    retry_at: str | None
    state: str


class StatusReport(TypedDict):
    """What `status` shows and `status --json` prints."""

    config: str
    database: str
    now: str | None
    articles: int
    articles_waiting: int
    enrichment_error: str | None
    digest_retry_at: str | None
    set_aside: list[SetAsideReport]
    config_error: str | None
    feeds: list[FeedReport]
    learned: list[SiteLearnedReport]  # per site: every block learned from its articles
    digest: list[RecipientReport]
    # the database's facts, as /metrics shows them (counts, queue depths, last successes)
    metrics: FactsReport


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat(timespec="seconds") if dt else None


def _learned(blocks: list[LearnedBlock]) -> LearnedReport:
    from aggregator.enrich.repeats import preview

    return {
        "blocks": len(blocks),
        "preview": [
            {
                "preview": preview(b.text, PREVIEW_CHARS),
                "articles": b.articles,
                "where": "edge" if b.edge else "anywhere",
            }
            for b in blocks[:LEARNED_PREVIEWS]
        ],
    }


def _health(s: FeedState) -> str:
    if s.gone:
        return "gone"
    if s.last_fetch_at is None:
        return "new"
    if s.error_streak and s.last_outcome == "auth":
        return "login failing"  # a login missing or refused: not a broken feed
    if s.error_streak:
        return "failing"
    return "malformed" if is_malformed(s.last_error) else "ok"


def _learned_by(store: Store) -> tuple[dict[str, LearnedReport], list[SiteLearnedReport]]:
    """The learned blocks by the feed that taught them, and by site."""
    by_feed: dict[str, list[LearnedBlock]] = {}
    by_site: dict[str, list[LearnedBlock]] = {}
    for site, feed_url, block in store.learned_report():
        by_site.setdefault(site, []).append(block)
        by_feed.setdefault(feed_url or "", []).append(block)
    sites: list[SiteLearnedReport] = [
        {"site": site, **_learned(blocks)} for site, blocks in by_site.items()
    ]
    return {url: _learned(blocks) for url, blocks in by_feed.items()}, sites


def _tell_apart(feeds: list[FeedReport]) -> None:
    """Feeds that would show under one name (untitled feeds of one site: "example.org" three
    times) are named by their URL without the scheme instead, so each row says which it is."""
    seen = Counter(f["name"] for f in feeds)
    for f in feeds:
        if seen[f["name"]] > 1:
            f["name"] = f["url"].split("://", 1)[-1]


def collect_status(
    config: Config, store: Store, *, now: datetime, next_digest: datetime | None = None
) -> StatusReport:
    """Everything `status` shows, as plain data (also what `status --json` prints): per
    feed its health, per profile and recipient the last digest, its result and the next.
    ``next_digest`` (for every profile) defaults to each profile's next send moment."""
    configured = feed_index(config.feeds)
    store.ensure_feeds(configured.urls)
    by_feed, by_site = _learned_by(store)
    feeds: list[FeedReport] = []
    for s in store.feed_states(configured.urls):
        f = configured.by_url[s.url]
        health = _health(s)
        feeds.append(
            {
                "name": display_name(s.url, f.name, s.title),
                "url": s.url,
                "topic": f.topic,
                "health": health,
                "last_fetch": _iso(s.last_fetch_at),
                "last_success": _iso(s.last_success_at),
                "result": s.last_outcome,
                "status": s.last_status,
                "error": s.last_error,
                "error_streak": s.error_streak,
                "next_check": _iso(s.next_check_at),
                "redirected_to": s.redirect_url,
                "entries_seen": s.entries_seen,
                "learned": by_feed.get(s.url) or _learned([]),
            }
        )
    _tell_apart(feeds)
    recipients = _digest_rows(config, store, now, next_digest)
    return {
        "config": str(config.path),
        "database": str(config.database),
        "now": _iso(now),
        "articles": store.article_count(),
        "articles_waiting": store.enrichment_backlog(now),
        # an enrichment pass stopped by an error: an error, not "waiting" (cleared by the next
        # pass that completes)
        "enrichment_error": store.get_meta("enrich_error"),
        # after a failed send the daemon retries (digest.retry); None: nothing to retry
        "digest_retry_at": store.get_meta(RETRY_META),
        "set_aside": [
            {
                "id": a.id,
                "feed": a.feed_url,
                "title": a.title,
                "error": a.error,
                "attempts": a.attempts,
                "retry_at": _iso(a.retry_at),
                "state": "retrying" if a.retry_at is not None else "kept without dedup",
            }
            for a in store.set_aside_articles()
        ],
        "config_error": store.get_meta("config_error"),
        "feeds": feeds,
        "learned": by_site,
        "digest": recipients,
        "metrics": facts_report(store.facts(now, recipients_of(config))),
    }


def _digest_rows(
    config: Config, store: Store, now: datetime, next_digest: datetime | None
) -> list[RecipientReport]:
    """One row per profile and recipient: its last digest, the result, the next one (or
    ``next_digest`` for all) and a planned retry."""
    recipients: dict[tuple[str, str], RecipientReport] = {}
    for p in config.readers():
        nxt = next_digest or next_scheduled(now, p.send_at, p.timezone, p.days)
        retry = store.get_meta(RETRY_META if p.is_default else f"{RETRY_META}:{p.name}")
        for r in p.to or ("(out_dir)",):
            recipients[(p.name, "local" if r == "(out_dir)" else r)] = {
                "profile": p.name, "recipient": r, "last_sent": None, "last_attempt": None,
                "last_status": None, "last_error": None, "next": _iso(nxt), "retry_at": retry,
                "days": list(p.days),
            }  # fmt: skip
    for rec in store.last_digests():
        if config.reader(rec.profile) is None:
            continue  # a profile no longer configured
        row = recipients.setdefault(
            (rec.profile, rec.recipient),
            {"profile": rec.profile, "recipient": rec.recipient, "last_sent": None,
             "next": None},
        )  # fmt: skip
        row["last_attempt"] = _iso(rec.attempted_at)
        row["last_status"] = rec.status
        row["last_error"] = rec.error
        if rec.status in ("sent", "written"):
            row["last_sent"] = _iso(rec.attempted_at)
    return list(recipients.values())


def _short(iso: str | None, now: datetime | None = None) -> str:
    """A time for the table, in UTC: "14:32" today, "Dec 08 07:00" this year, else the date
    and time (the JSON keeps the full ISO form, which an 80-column terminal folds in three)."""
    if not iso:
        return "-"
    try:
        t = datetime.fromisoformat(iso)
        if t.tzinfo is None:
            return f"{t:%Y-%m-%d %H:%M}"
        t = t.astimezone(UTC)
    except (ValueError, OverflowError):  # not a time, or before year 1 in UTC
        return iso
    now = now or datetime.now(UTC)
    if t.date() == now.date():
        return f"{t:%H:%M}"
    return f"{t:%b %d %H:%M}" if t.year == now.year else f"{t:%Y-%m-%d %H:%M}"


ERROR_CHARS = 100  # of a feed's error in the table (`status --json` has all of it)


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def render_status_table(report: StatusReport) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if report.get("config_error"):
        console.print(
            f"[bold red]config error (last good config in force):[/] {report['config_error']}"
        )
    table = Table(title=f"feeds ({len(report['feeds'])}); times in UTC", expand=False)
    for col in ("feed", "health", "last fetch", "result", "next check", "errors", "error"):
        table.add_column(col, overflow="fold")
    colors = {"ok": "green", "new": "cyan", "failing": "red", "gone": "magenta",
              "malformed": "yellow"}  # fmt: skip
    for f in report["feeds"]:
        table.add_row(
            f["name"],
            f"[{colors.get(f['health'], 'white')}]{f['health']}[/]",
            _short(f["last_fetch"]),
            f"{f['result'] or '-'} {f['status'] or ''}".strip(),
            _short(f["next_check"]),
            str(f["error_streak"]),
            _cut(f["error"] or "", ERROR_CHARS),
        )
    console.print(table)
    dt = Table(title="digest")
    for col in ("profile", "recipient", "last sent", "last attempt", "status", "next", "error"):
        dt.add_column(col, overflow="fold")
    for d in report["digest"]:
        retry = f" (retry {_short(d['retry_at'])})" if d.get("retry_at") else ""
        dt.add_row(
            d.get("profile") or "-", d["recipient"], _short(d.get("last_sent")),
            _short(d.get("last_attempt")), (d.get("last_status") or "-") + retry,
            _short(d.get("next")), (d.get("last_error") or "")[:120],
        )  # fmt: skip
    console.print(dt)
    if report.get("digest_retry_at"):
        console.print(
            f"[yellow]the last digest failed; next attempt at {report['digest_retry_at']}[/]"
        )
    if report.get("enrichment_error"):
        console.print(f"[bold red]cleaning and dedup stopped:[/] {report['enrichment_error']}")
    aside = report.get("set_aside") or []
    if aside:
        at = Table(title=f"articles set aside after an error ({len(aside)})")
        for col in ("id", "title", "attempts", "state", "retry at", "error"):
            at.add_column(col, overflow="fold")
        for a in aside[-20:]:
            at.add_row(
                str(a["id"]), a["title"][:60], str(a["attempts"]), a["state"],
                _short(a["retry_at"]), a["error"][:120],
            )  # fmt: skip
        console.print(at)
    waiting = report.get("articles_waiting") or 0
    console.print(
        f"{report['articles']} article{'' if report['articles'] == 1 else 's'} stored in {report['database']}"
        + (
            f" ({waiting} waiting for cleaning and dedup: the next poll does them)"
            if waiting
            else ""
        )
    )
