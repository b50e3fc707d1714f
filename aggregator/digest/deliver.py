"""Digest delivery: select -> group (``build``) -> render -> deliver -> mark.

``run_digests`` builds, for each profile (``config.readers()``: the ``profiles:`` list, else
the digest section as the profile "default"), one digest per recipient from everything not
yet delivered to that recipient of that profile, less what ``digest.max_age`` holds back,
what the filters leave out (``filters``: evaluated now, against the config in force) and
the stories outside the profile's topics. It renders it (``render``) and delivers it by
SMTP or as files (``mail``); articles are marked delivered, for that profile only, after the
server accepted the message (or the file was written). A profile added later starts with
the articles first seen since ``digest.max_age`` before the store first served it.

Before sending, the exact set of article ids is journalled (meta ``inflight:<recipient>``,
``inflight:<profile>:<recipient>`` for a profile other than the default).
If the process dies after the server accepted the message but before the delivery was
recorded, the next run re-sends exactly that set first, so the repeat carries the same
Message-ID (invariant: at most one repeated message, never more).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from aggregator import failpoints
from aggregator.config import Config
from aggregator.config.model import ProfileConfig
from aggregator.digest import archive, filters, mail, render
from aggregator.digest.build import (
    build_digest,
    empty_reason,
    for_profile,
    held_reason,
    only_topics,
)
from aggregator.errors import AggregatorError, TemplateError
from aggregator.feeds import display_name, feed_index
from aggregator.poll.decide import is_malformed
from aggregator.store import DigestRecord, Store
from aggregator.types import DEFAULT_PROFILE, Digest, DigestCandidate, FailingFeed

log = logging.getLogger(__name__)


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
    profile: str = DEFAULT_PROFILE

    @property
    def who(self) -> str:
        """``to=ADDR``, with ``profile=NAME`` before it for a profile other than the default."""
        named = "" if self.profile == DEFAULT_PROFILE else f"profile={self.profile} "
        return f"{named}to={self.recipient}"

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def line(self) -> str:
        if self.status == "dry-run":
            return (
                f"digest {self.who} status=dry-run stories={self.stories}"
                f" articles={self.articles}: wrote digest.html, digest.txt and digest.eml to"
                f" {self.path}; nothing was sent or marked delivered"
            )
        where = f" path={self.path}" if self.path else ""
        err = f" error={self.error!r}" if self.error else ""
        return (
            f"digest {self.who} status={self.status} stories={self.stories}"
            f" articles={self.articles}{where}{err}"
        )


def digest_candidates(
    config: Config,
    store: Store,
    recipient: str,
    *,
    hold: bool = True,
    profile: ProfileConfig | None = None,
    since: datetime | None = None,
) -> list[DigestCandidate]:
    """Everything not yet delivered to ``recipient`` of ``profile`` (default: the first
    profile in force) from the configured feeds and first seen since ``since``, less what
    ``digest.max_age`` holds back (stored as held, with the reason; ``hold`` false, for a dry
    run: only left out), less what the filters leave out and the stories outside the
    profile's topics (both left pending: the config decides again at the next digest)."""
    reader = profile or config.readers()[0]
    configured = feed_index(config.feeds)
    titles = {s.url: s.title for s in store.feed_states(configured.urls)}
    out = []
    held: dict[int, str] = {}
    muted = 0
    pending = store.pending_for(recipient, configured.urls, profile=reader.name, since=since)
    for p in pending:
        a = p.article
        why = held_reason(a.published, a.fetched_at, config.digest.max_age) or empty_reason(
            a.title, a.text, a.media, a.url
        )
        if why is not None:
            held[a.id] = why
            continue
        feed = configured.by_url[a.feed_url]
        text = filters.haystack(a.title, a.text, a.author)
        if filters.filter_reason(text, filters.levels(config, feed, reader)) is not None:
            muted += 1
            continue
        out.append(
            DigestCandidate(
                article_id=a.id,
                feed_url=a.feed_url,
                feed_name=display_name(a.feed_url, feed.name, titles.get(a.feed_url)),
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
                media=a.media,
                author=a.author,
            )
        )
    if held and hold:
        store.hold(held)
        log.info("digest held=%d reason=max_age", len(held))
    if muted:
        log.info("digest profile=%s filtered=%d", reader.name, muted)
    return only_topics(out, config.topic_rules, reader)


def failing_feeds(config: Config, store: Store) -> list[FailingFeed]:
    """Feeds the reader should look at: failing (errors in a row, gone) and malformed (the
    last poll read a broken document: entries may be missing); these have no failed attempt."""
    configured = feed_index(config.feeds).by_url
    return [
        FailingFeed(
            name=display_name(s.url, configured[s.url].name, s.title),
            url=s.url,
            error=s.last_error or (s.last_outcome or "error"),
            error_streak=s.error_streak,
            since=s.last_success_at if s.error_streak > 0 or s.gone else None,
        )
        for s in store.feed_states(configured)
        if s.gone or s.error_streak > 0 or is_malformed(s.last_error)
    ]


@dataclass(frozen=True)
class Delivery:
    """How ``run_digests`` delivers: a dry run into a folder, files, or SMTP with retries."""

    dry_run_dir: Path | None = None  # write digest.html/.txt/.eml there; mark nothing
    out_dir: Path | None = None  # overrides digest.out_dir when there is no smtp section
    retries: int = 3  # SMTP retries on temporary failures
    backoff: float = 5.0  # first retry delay in seconds (doubles)
    sleep: Callable[[float], None] = time.sleep


def run_digests(
    config: Config,
    store: Store,
    *,
    now: datetime,
    how: Delivery = Delivery(),
    recipients: Sequence[str] | None = None,
    profiles: Sequence[str] | None = None,
) -> list[DigestOutcome]:
    """Build, render and deliver one digest per profile (``profiles``: only these names) and
    recipient (``recipients``: instead of the profile's); mark delivered only on success (see
    the module docstring for the in-flight journal)."""
    failing = failing_feeds(config, store)
    outcomes: list[DigestOutcome] = []
    for reader in config.readers():
        if profiles is None or reader.name in profiles:
            to = list(recipients or reader.to or [LOCAL_RECIPIENT])
            outcomes += _run_profile(config, store, reader, to, now=now, how=how, failing=failing)
    return outcomes


def profile_start(
    config: Config, store: Store, profile: str, now: datetime, *, note: bool = True
) -> datetime:
    """The oldest first-seen time a profile's digest takes: ``digest.max_age`` before the
    store first served the profile (noted now if it never did, unless ``note`` is false)."""
    started = store.profile_since(profile, now if note else None) or now
    return started - timedelta(seconds=config.digest.max_age)


def _run_profile(
    config: Config,
    store: Store,
    reader: ProfileConfig,
    to: list[str],
    *,
    now: datetime,
    how: Delivery,
    failing: Sequence[FailingFeed],
) -> list[DigestOutcome]:
    dry = how.dry_run_dir is not None
    since = profile_start(config, store, reader.name, now, note=not dry)
    outcomes: list[DigestOutcome] = []
    for recipient in to:
        cands = digest_candidates(
            config, store, recipient, hold=not dry, profile=reader, since=since
        )
        for batch in _batches(store, _inflight_key(reader.name, recipient), cands, how):
            digest = build_digest(
                batch,
                recipient=recipient,
                topics_order=config.topics(),
                timezone=reader.timezone,
                now=now,
                failing=failing,
                per_topic_cap=config.digest.max_stories_per_topic,
                topic_rules=config.topic_rules,
            )
            digest = for_profile(digest, reader.name, len(reader.days))
            outcomes.append(_deliver_one(config, store, digest, now=now, how=how))
            if outcomes[-1].failed:
                break
    return outcomes


def _inflight_key(profile: str, recipient: str) -> str:
    """The meta key journalling a profile's in-flight digest to one recipient (the default
    profile keeps the key it had before profiles existed)."""
    if profile == DEFAULT_PROFILE:
        return _INFLIGHT + recipient
    return f"{_INFLIGHT}{profile}:{recipient}"


def _batches(
    store: Store, key: str, candidates: list[DigestCandidate], how: Delivery
) -> list[list[DigestCandidate]]:
    """The digests to send now: first exactly the journalled in-flight set (meta ``key``; a
    message the server may already have), then everything else."""
    inflight = _inflight_ids(store, key) if how.dry_run_dir is None else None
    batches: list[list[DigestCandidate]] = []
    if inflight:
        first = [c for c in candidates if c.article_id in inflight]
        if first:
            batches.append(first)
        candidates = [c for c in candidates if c.article_id not in inflight]
        if not first:
            store.set_meta(key, None)
    if candidates or not batches:
        batches.append(candidates)
    return batches


def _inflight_ids(store: Store, key: str) -> set[int]:
    raw = store.get_meta(key)
    if not raw:
        return set()
    try:
        return {int(x) for x in json.loads(raw)}
    except (ValueError, TypeError):
        return set()


def _deliver_one(
    config: Config, store: Store, digest: Digest, *, now: datetime, how: Delivery
) -> DigestOutcome:
    recipient, profile = digest.recipient, digest.profile
    stories, articles = digest.story_count, digest.article_count
    inflight = _inflight_key(profile, recipient)
    if digest.is_empty and not config.digest.send_empty and how.dry_run_dir is None:
        if digest.article_ids:  # only stale copies: account for them silently
            store.mark_delivered(
                recipient, digest.digest_id, digest.article_ids, now, profile=profile
            )
        store.record_digest(_record(digest, now, "empty", counted=False))
        log.info("digest profile=%s to=%s status=empty", profile, recipient)
        return DigestOutcome(recipient, "empty", profile=profile)
    sender = config.digest.sender
    try:
        rendered = render.render(
            digest, template_dir=config.digest.template_dir, sender=sender,
            dry_run=how.dry_run_dir is not None, images=config.digest.images,
        )  # fmt: skip
    except TemplateError as e:
        # nothing is marked: everything stays pending for a digest that renders
        return _failed(store, digest, now, str(e))
    address = recipient if recipient != LOCAL_RECIPIENT else "me@localhost"
    msg = render.build_message(rendered, sender=sender, recipient=address, digest=digest)
    message_id = str(msg["Message-ID"])
    if how.dry_run_dir is not None:
        how.dry_run_dir.mkdir(parents=True, exist_ok=True)
        (how.dry_run_dir / "digest.html").write_text(rendered.html, encoding="utf-8")
        (how.dry_run_dir / "digest.txt").write_text(rendered.text, encoding="utf-8")
        (how.dry_run_dir / "digest.eml").write_bytes(msg.as_bytes())
        return DigestOutcome(
            recipient, "dry-run", stories, articles, message_id, path=str(how.dry_run_dir),
            profile=profile,
        )  # fmt: skip
    store.set_meta(inflight, json.dumps(sorted(digest.article_ids)))
    path: str | None = None
    try:
        if config.smtp is not None and recipient != LOCAL_RECIPIENT:
            password = mail.password_from_env(config.smtp)
            mail.deliver(
                msg, config.smtp, password=password, retries=how.retries, backoff=how.backoff,
                sleep=how.sleep,
            )  # fmt: skip
            status = "sent"
        else:
            path = str(mail.write_to_dir(msg, rendered, how.out_dir or config.digest.out_dir))
            status = "written"
    except (AggregatorError, OSError) as e:
        # The journalled set stays: if the server did accept before the failure showed (a
        # disconnect after DATA), the retry repeats this very message, same Message-ID.
        return _failed(store, digest, now, str(e), message_id)
    failpoints.hit("digest.accepted")  # the server has the message; we have not noted it yet
    with store.transaction():
        store.mark_delivered(recipient, digest.digest_id, digest.article_ids, now, profile=profile)
        store.record_digest(_record(digest, now, status, message_id))
        store.set_meta(inflight, None)
    log.info(
        "digest profile=%s to=%s status=%s stories=%d articles=%d message_id=%s",
        profile, recipient, status, stories, articles, message_id,
    )  # fmt: skip
    if config.digest.archive_dir is not None:
        try:
            archive.write(config.digest.archive_dir, digest, rendered.html, rendered.subject)
        except OSError as e:  # the reader has the mail; only the copy for later is missing
            log.error("digest archive dir=%s error=%r", config.digest.archive_dir, str(e))
    return DigestOutcome(
        recipient, status, stories, articles, message_id, path=path, profile=profile
    )


def _record(
    digest: Digest,
    now: datetime,
    status: str,
    message_id: str | None = None,
    error: str | None = None,
    *,
    counted: bool = True,
) -> DigestRecord:
    """The row noting one attempt at ``digest`` (``counted``: with its story and article
    counts; an empty digest notes none)."""
    return DigestRecord(
        digest.recipient, digest.digest_id, message_id, now, status, error,
        digest.story_count if counted else 0, digest.article_count if counted else 0,
        digest.profile,
    )  # fmt: skip


def _failed(
    store: Store, digest: Digest, now: datetime, error: str, message_id: str | None = None
) -> DigestOutcome:
    """Record a digest that could not be rendered or sent (status shows it); nothing is
    marked delivered."""
    stories, articles = digest.story_count, digest.article_count
    store.record_digest(_record(digest, now, "failed", message_id, error))
    log.error(
        "digest profile=%s to=%s status=failed error=%r", digest.profile, digest.recipient, error
    )
    return DigestOutcome(
        digest.recipient, "failed", stories, articles, message_id, error=error,
        profile=digest.profile,
    )  # fmt: skip
