"""Digest delivery: select -> group (``build``) -> render -> deliver -> mark.

``run_digests`` builds one digest per recipient from everything not yet delivered to it,
renders it (``render``), and delivers it by SMTP or as files (``mail``); articles are marked
delivered only after the server accepted the message (or the file was written).

Before sending, the exact set of article ids is journalled (meta ``inflight:<recipient>``).
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
from datetime import datetime
from pathlib import Path

from aggregator import failpoints
from aggregator.config import Config
from aggregator.digest import archive, mail, render
from aggregator.digest.build import build_digest, held_reason
from aggregator.errors import AggregatorError, TemplateError
from aggregator.feeds import display_name, feed_index
from aggregator.store import Store
from aggregator.types import Digest, DigestCandidate, FailingFeed

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

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def line(self) -> str:
        if self.status == "dry-run":
            return (
                f"digest to={self.recipient} status=dry-run stories={self.stories}"
                f" articles={self.articles}: wrote digest.html, digest.txt and digest.eml to"
                f" {self.path}; nothing was sent or marked delivered"
            )
        where = f" path={self.path}" if self.path else ""
        err = f" error={self.error!r}" if self.error else ""
        return (
            f"digest to={self.recipient} status={self.status} stories={self.stories}"
            f" articles={self.articles}{where}{err}"
        )


def digest_candidates(
    config: Config, store: Store, recipient: str, *, hold: bool = True
) -> list[DigestCandidate]:
    """Everything not yet delivered to ``recipient`` from the configured feeds, less what
    ``digest.max_age`` holds back: those are stored as held, with the reason (``hold``
    false, for a dry run: only left out)."""
    configured = feed_index(config.feeds)
    titles = {s.url: s.title for s in store.feed_states(configured.urls)}
    out = []
    held: dict[int, str] = {}
    for p in store.pending_for(recipient, configured.urls):
        a = p.article
        why = held_reason(a.published, a.fetched_at, config.digest.max_age)
        if why is not None:
            held[a.id] = why
            continue
        feed = configured.by_url[a.feed_url]
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
            )
        )
    if held and hold:
        store.hold(held)
        log.info("digest held=%d reason=max_age", len(held))
    return out


def failing_feeds(config: Config, store: Store) -> list[FailingFeed]:
    configured = feed_index(config.feeds).by_url
    return [
        FailingFeed(
            name=display_name(s.url, configured[s.url].name, s.title),
            url=s.url,
            error=s.last_error or (s.last_outcome or "error"),
            error_streak=s.error_streak,
            since=s.last_success_at,
        )
        for s in store.feed_states(configured)
        if s.gone or s.error_streak > 0
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
) -> list[DigestOutcome]:
    """Build, render and deliver one digest per recipient; mark delivered only on success
    (see the module docstring for the in-flight journal)."""
    to = list(recipients or config.digest.to or [LOCAL_RECIPIENT])
    failing = failing_feeds(config, store)
    outcomes: list[DigestOutcome] = []
    for recipient in to:
        cands = digest_candidates(config, store, recipient, hold=how.dry_run_dir is None)
        for batch in _batches(store, recipient, cands, how):
            digest = build_digest(
                batch,
                recipient=recipient,
                topics_order=config.topics(),
                timezone=config.digest.timezone,
                now=now,
                failing=failing,
                per_topic_cap=config.digest.max_stories_per_topic,
                topic_rules=config.topic_rules,
            )
            outcomes.append(_deliver_one(config, store, digest, now=now, how=how))
            if outcomes[-1].failed:
                break
    return outcomes


def _batches(
    store: Store, recipient: str, candidates: list[DigestCandidate], how: Delivery
) -> list[list[DigestCandidate]]:
    """The digests to send now: first exactly the journalled in-flight set (a message the
    server may already have), then everything else."""
    inflight = _inflight_ids(store, recipient) if how.dry_run_dir is None else None
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
    return batches


def _inflight_ids(store: Store, recipient: str) -> set[int]:
    raw = store.get_meta(_INFLIGHT + recipient)
    if not raw:
        return set()
    try:
        return {int(x) for x in json.loads(raw)}
    except (ValueError, TypeError):
        return set()


def _deliver_one(
    config: Config, store: Store, digest: Digest, *, now: datetime, how: Delivery
) -> DigestOutcome:
    recipient = digest.recipient
    stories, articles = digest.story_count, digest.article_count
    if digest.is_empty and not config.digest.send_empty and how.dry_run_dir is None:
        if digest.article_ids:  # only stale copies: account for them silently
            store.mark_delivered(recipient, digest.digest_id, digest.article_ids, now)
        store.record_digest(recipient, digest.digest_id, now=now, status="empty")
        log.info("digest to=%s status=empty", recipient)
        return DigestOutcome(recipient, "empty")
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
            recipient, "dry-run", stories, articles, message_id, path=str(how.dry_run_dir)
        )
    store.set_meta(_INFLIGHT + recipient, json.dumps(sorted(digest.article_ids)))
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
        store.mark_delivered(recipient, digest.digest_id, digest.article_ids, now)
        store.record_digest(
            recipient, digest.digest_id, now=now, status=status, message_id=message_id,
            stories=stories, articles=articles,
        )  # fmt: skip
        store.set_meta(_INFLIGHT + recipient, None)
    log.info(
        "digest to=%s status=%s stories=%d articles=%d message_id=%s",
        recipient, status, stories, articles, message_id,
    )  # fmt: skip
    if config.digest.archive_dir is not None:
        try:
            archive.write(config.digest.archive_dir, digest, rendered.html, rendered.subject)
        except OSError as e:  # the reader has the mail; only the copy for later is missing
            log.error("digest archive dir=%s error=%r", config.digest.archive_dir, str(e))
    return DigestOutcome(recipient, status, stories, articles, message_id, path=path)


def _failed(
    store: Store, digest: Digest, now: datetime, error: str, message_id: str | None = None
) -> DigestOutcome:
    """Record a digest that could not be rendered or sent (status shows it); nothing is
    marked delivered."""
    stories, articles = digest.story_count, digest.article_count
    store.record_digest(
        digest.recipient, digest.digest_id, now=now, status="failed", message_id=message_id,
        error=error, stories=stories, articles=articles,
    )  # fmt: skip
    log.error("digest to=%s status=failed error=%r", digest.recipient, error)
    return DigestOutcome(digest.recipient, "failed", stories, articles, message_id, error=error)
