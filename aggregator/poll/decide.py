"""The poll's decision, pure: what one fetch (and its parse) of one feed changes.

``decide_poll(feed, state, fetched, parsed, now, ...)`` takes the feed's stored state, the
fetch result, the parse (or its error) and the stored articles its entries match, and returns a
``PollIntent``: the feed's new state and its new and changed entries. It reads no clock, disk or
network; ``Pipeline`` does the I/O around it and ``Store.apply_poll`` stores the intent in one
transaction. The cases, in order:

1. The fetch failed: outcome, status and error as classified; next check and error streak from
   ``plan_next_check`` (backoff; 410 Gone stops the feed, ``gone``). Validators, body hash,
   title, redirect and last success are kept.
2. 304, or the same bytes as last time (``needs_parse`` is false): outcome ``not_modified`` or
   ``unchanged``, the new validators, streak 0, the normal schedule; nothing parsed.
3. The body does not parse (and no feed was discovered in it): ``parse_error``, the error
   backoff of ``plan_error_backoff``; the old validators are kept, so it is fetched in full again.
4. Parsed: each entry is identified (``entry_identity``) and matched against the stored ones
   (``match_existing``): unknown -> new; known with other content and not yet delivered ->
   changed; the rest (known, delivered, or a repeat inside the document) are skipped. More than
   ``MAX_NEW_ENTRIES_PER_POLL`` new ones: the newest are taken, the others are left for the next
   poll, whose validators and body hash are then forgotten so that it fetches and parses the
   document again instead of getting a 304. Next check: the interval or the server's longer
   hint (Cache-Control, Expires, RSS ttl); streak 0; the feed's title and a permanent redirect
   are remembered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from aggregator.config import FeedConfig
from aggregator.errors import ParseError
from aggregator.poll.fetch import plan_error_backoff, plan_next_check
from aggregator.types import (
    ChangedEntry,
    ExistingEntry,
    FeedState,
    FetchResult,
    NewEntry,
    Outcome,
    ParsedEntry,
    ParsedFeed,
    PollIntent,
)
from aggregator.urls import canonical_url, site_of

# A feed offering more new entries than this in one poll has only its newest ones taken; the
# rest are counted in the summary. Protects memory and time against 10,000-entry feeds.
MAX_NEW_ENTRIES_PER_POLL = 500


@dataclass(frozen=True)
class EntryIdentity:
    """How one parsed entry is known: its stable key plus the three lookups."""

    key: str
    guid: str | None
    canonical_link: str | None
    content_hash: str


@dataclass(frozen=True)
class Lookup:
    """The parsed entries' identities (in document order) and the stored articles of the feed
    that any of them matches: the store's answer to ``find_existing``."""

    identities: tuple[EntryIdentity, ...]
    existing: tuple[ExistingEntry, ...]


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


def body_hash(fetched: FetchResult) -> str | None:
    return hashlib.sha1(fetched.body).hexdigest() if fetched.body is not None else None


def needs_parse(state: FeedState, fetched: FetchResult) -> bool:
    """A body arrived and it is not the one parsed last time."""
    if fetched.outcome is not Outcome.OK or fetched.body is None:
        return False
    return body_hash(fetched) != state.body_hash


def failed_poll(
    state: FeedState, now: datetime, *, interval: float, outcome: str, error: str,
    status: int | None = None,
) -> PollIntent:  # fmt: skip
    """A poll that failed without a fetch failure of its own (the feed does not parse, a
    defect while polling it): the error backoff; everything else is kept."""
    nxt, streak = plan_error_backoff(now, interval=interval, error_streak=state.error_streak)
    return _kept(state, now, outcome=outcome, status=status, error=error, nxt=nxt, streak=streak)


def decide_poll(
    feed: FeedConfig,
    state: FeedState,
    fetched: FetchResult,
    parsed: ParsedFeed | ParseError | None,
    now: datetime,
    *,
    interval: float,
    lookup: Lookup | None = None,
) -> PollIntent:
    """The intent of one poll (the cases in the module docstring). ``parsed`` is None when
    ``needs_parse`` said no; ``lookup`` defaults to "nothing of this feed is stored"."""
    if fetched.outcome.is_error:
        return _fetch_failed(feed, state, fetched, now, interval)
    if isinstance(parsed, ParseError):
        return failed_poll(
            state, now, interval=interval, outcome="parse_error", status=fetched.status,
            error=str(parsed),
        )  # fmt: skip
    nxt, _ = plan_next_check(
        now, fetched, interval=interval, error_streak=state.error_streak,
        ttl_minutes=parsed.ttl_minutes if parsed is not None else None,
    )  # fmt: skip
    permanent = fetched.permanent_url if fetched.permanent_url != feed.url else None
    unchanged = PollIntent(
        url=state.url, checked_at=now,
        outcome="not_modified" if fetched.outcome is Outcome.NOT_MODIFIED else "unchanged",
        status=fetched.status, error=_still_malformed(state), next_check_at=nxt, error_streak=0, gone=False,
        etag=fetched.etag, last_modified=fetched.last_modified,
        body_hash=_or(body_hash(fetched), state.body_hash), title=state.title,
        redirect_url=_or(permanent, state.redirect_url), last_success_at=now,
    )  # fmt: skip
    if parsed is None:
        if needs_parse(state, fetched):
            raise ValueError(f"{feed.url}: a new body needs its parse to decide")
        return unchanged
    if lookup is None:
        lookup = Lookup(tuple(entry_identity(e) for e in parsed.entries), ())
    new, changed, skipped, deferred = plan_entries(feed.url, parsed.entries, lookup)
    forget = deferred > 0  # fetch and parse the same document again next time
    return PollIntent(
        url=state.url, checked_at=now, outcome="ok", status=fetched.status,
        error=malformed_note(parsed), next_check_at=nxt, error_streak=0, gone=False,
        etag=None if forget else fetched.etag,
        last_modified=None if forget else fetched.last_modified,
        body_hash="" if forget else unchanged.body_hash,
        title=_or(parsed.title, state.title), redirect_url=unchanged.redirect_url,
        last_success_at=now, new_entries=tuple(new), changed_entries=tuple(changed),
        skipped=skipped + parsed.skipped_entries,
    )  # fmt: skip


MALFORMED = "feed is not well-formed"


def malformed_note(parsed: ParsedFeed) -> str | None:
    """What a poll of a broken XML document says (cut off, an unescaped "&"): the tolerant
    parser read what it could, and entries may be missing or garbled until the publisher
    fixes the feed. The poll is still a success: the entries read are stored."""
    if parsed.warning is None:
        return None
    n = len(parsed.entries)
    return (
        f"{MALFORMED} ({parsed.warning}); {n} entr{'y' if n == 1 else 'ies'} read, others"
        " may be missing or garbled"
    )


def is_malformed(error: str | None) -> bool:
    """The error is ``malformed_note``'s: the feed answered with a broken document."""
    return error is not None and error.startswith(MALFORMED)


def _still_malformed(state: FeedState) -> str | None:
    """An unchanged body is the same broken document: its note stays until a new body parses."""
    return state.last_error if is_malformed(state.last_error) else None


def plan_entries(
    feed_url: str, entries: Sequence[ParsedEntry], lookup: Lookup
) -> tuple[list[NewEntry], list[ChangedEntry], int, int]:
    """(new entries, changed entries, entries skipped, of which deferred to the next poll by
    the per-poll cap), new ones in document order."""
    new: list[tuple[int, ParsedEntry, EntryIdentity]] = []
    changed: list[ChangedEntry] = []
    seen_keys: set[str] = set()
    seen_ids: set[int] = set()
    skipped = 0
    for position, (entry, ident) in enumerate(zip(entries, lookup.identities, strict=True)):
        if ident.key in seen_keys:  # duplicate GUID inside one feed document
            skipped += 1
            continue
        seen_keys.add(ident.key)
        match = match_existing(ident, lookup.existing)
        if match is None:
            new.append((position, entry, ident))
        elif match.id in seen_ids:
            skipped += 1
        else:
            seen_ids.add(match.id)
            if match.content_hash != ident.content_hash and not match.delivered:
                changed.append(_changed(match.id, entry, ident))
    deferred = max(0, len(new) - MAX_NEW_ENTRIES_PER_POLL)
    if deferred:
        newest = sorted(new, key=lambda n: n[1].published or _EPOCH, reverse=True)
        new = sorted(newest[:MAX_NEW_ENTRIES_PER_POLL], key=lambda n: n[0])
    return [_new(feed_url, e, i) for _, e, i in new], changed, skipped + deferred, deferred


_EPOCH = datetime.min.replace(tzinfo=UTC)


def _fetch_failed(
    feed: FeedConfig, state: FeedState, fetched: FetchResult, now: datetime, interval: float
) -> PollIntent:
    nxt, streak = plan_next_check(now, fetched, interval=interval, error_streak=state.error_streak)
    gone = fetched.outcome is Outcome.GONE
    error = fetched.error or fetched.outcome.value
    if gone:
        error = f"410 Gone: the feed was removed; polling stopped (remove or fix {feed.url})"
    intent = _kept(
        state, now, outcome=fetched.outcome.value, status=fetched.status, error=error, nxt=nxt,
        streak=streak,
    )  # fmt: skip
    return replace(intent, gone=gone)


def _kept(
    state: FeedState, now: datetime, *, outcome: str, status: int | None, error: str,
    nxt: datetime | None, streak: int,
) -> PollIntent:  # fmt: skip
    """A failed poll: what it says, with the validators, body hash, title, redirect and last
    success of the stored state."""
    return PollIntent(
        url=state.url, checked_at=now, outcome=outcome, status=status, error=error,
        next_check_at=nxt, error_streak=streak, gone=False, etag=state.etag,
        last_modified=state.last_modified, body_hash=state.body_hash, title=state.title,
        redirect_url=state.redirect_url, last_success_at=state.last_success_at,
    )  # fmt: skip


def _or(value: str | None, kept: str | None) -> str | None:
    """A new value when there is one (even ""), else the stored one."""
    return value if value is not None else kept


def _summary_only(entry: ParsedEntry) -> bool:
    return not (entry.content_html and entry.content_html.strip())


def _feed_html(entry: ParsedEntry) -> str:
    return entry.content_html or entry.summary_html or ""


def _new(feed_url: str, entry: ParsedEntry, ident: EntryIdentity) -> NewEntry:
    return NewEntry(
        key=ident.key, guid=ident.guid, url=entry.link, canonical_url=ident.canonical_link,
        content_hash=ident.content_hash, title=entry.title or "", author=entry.author,
        published=entry.published, html=_feed_html(entry),
        site=site_of(entry.link or feed_url), summary_only=_summary_only(entry),
        media=entry.media, language=entry.language,
    )  # fmt: skip


def _changed(article_id: int, entry: ParsedEntry, ident: EntryIdentity) -> ChangedEntry:
    return ChangedEntry(
        article_id=article_id, title=entry.title or "", html=_feed_html(entry),
        content_hash=ident.content_hash, summary_only=_summary_only(entry),
    )  # fmt: skip
