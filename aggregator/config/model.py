"""The validated config: frozen objects, one per section, with defaults from the key table.

Everything outside the package gets a ``Config`` and never sees raw dicts. Defaults are not
restated here: each field reads its ``Key``'s default in ``schema``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from aggregator.config import schema as k
from aggregator.config.schema import FullText, SmtpSecurity
from aggregator.config.values import Listen
from aggregator.store.target import PgTarget
from aggregator.types import TopicRule


@dataclass(frozen=True)
class FiltersConfig:
    """``filters: {mute, keep}`` (globally, per feed, per profile): compiled words, phrases
    or /regex/, matched on title + text + author. The levels add up (``digest.filters``)."""

    mute: tuple[re.Pattern[str], ...] = ()
    keep: tuple[re.Pattern[str], ...] = ()  # non-empty: only matching articles are mailed

    def __add__(self, other: FiltersConfig) -> FiltersConfig:
        return FiltersConfig(self.mute + other.mute, self.keep + other.keep)


@dataclass(frozen=True)
class FeedConfig:
    url: str
    name: str | None = k.FEED_NAME.default  # None: the feed's own title
    topic: str = k.FEED_TOPIC.default
    full_text: FullText = k.FEED_FULL_TEXT.default
    interval: float | None = k.FEED_INTERVAL.default  # seconds; None = fetch.interval
    prefer: bool = k.FEED_PREFER.default
    # blocks of this feed's articles: never removed / always removed (None in the table: none)
    keep_blocks: tuple[re.Pattern[str], ...] = ()
    drop_blocks: tuple[re.Pattern[str], ...] = ()
    # access: None = fetch.user_agent; basic auth login and the NAME of the variable holding
    # its password; extra headers as written (``${ENV_VAR}`` resolved at each poll)
    user_agent: str | None = k.FEED_USER_AGENT.default
    username: str | None = k.FEED_USERNAME.default
    password_env: str | None = k.FEED_PASSWORD_ENV.default
    headers: tuple[tuple[str, str], ...] = ()
    filters: FiltersConfig = FiltersConfig()  # added to the global ones


@dataclass(frozen=True)
class FetchConfig:
    interval: float = k.FETCH_INTERVAL.default  # seconds
    timeout: float = k.FETCH_TIMEOUT.default  # seconds
    max_bytes: int = k.FETCH_MAX_BYTES.default
    concurrency: int = k.FETCH_CONCURRENCY.default
    per_host: int = k.FETCH_PER_HOST.default
    allow_private: bool = k.FETCH_ALLOW_PRIVATE.default
    user_agent: str = k.FETCH_USER_AGENT.default


@dataclass(frozen=True)
class DigestConfig:
    send_at: str = k.DIGEST_SEND_AT.default  # HH:MM
    timezone: str = k.DIGEST_TIMEZONE.default
    to: tuple[str, ...] = k.DIGEST_TO.default
    sender: str = k.DIGEST_FROM.default  # YAML key: from
    out_dir: Path = k.DIGEST_OUT_DIR.default  # the loader makes it absolute
    template_dir: Path | None = k.DIGEST_TEMPLATE_DIR.default
    send_empty: bool = k.DIGEST_SEND_EMPTY.default
    max_stories_per_topic: int = k.DIGEST_MAX_STORIES.default
    retry: float = k.DIGEST_RETRY.default  # seconds
    max_age: float = k.DIGEST_MAX_AGE.default  # seconds
    images: bool = k.DIGEST_IMAGES.default
    archive_dir: Path | None = k.DIGEST_ARCHIVE_DIR.default  # absolute; None: no archive


@dataclass(frozen=True)
class ProfileConfig:
    """One reader's digest (``profiles:``); without that list the digest section is the one
    profile, named ``DEFAULT_PROFILE``. The loader fills in the digest section's ``to``,
    ``send_at`` and ``timezone`` where a profile leaves them out."""

    name: str
    to: tuple[str, ...] = k.DIGEST_TO.default
    send_at: str = k.DIGEST_SEND_AT.default
    timezone: str = k.DIGEST_TIMEZONE.default
    days: tuple[str, ...] = k.PROFILE_DAYS.default  # mon..sun, in week order
    topics: tuple[str, ...] | None = k.PROFILE_TOPICS.default  # None: every section
    filters: FiltersConfig = FiltersConfig()  # added to the global and the feed's

    @property
    def is_default(self) -> bool:
        return self.name == k.DEFAULT_PROFILE

    def wants_topic(self, topic: str) -> bool:
        return self.topics is None or topic.casefold() in {t.casefold() for t in self.topics}


@dataclass(frozen=True)
class DedupConfig:
    window: float = k.DEDUP_WINDOW.default  # seconds
    story_window: float = k.DEDUP_STORY_WINDOW.default  # seconds


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = k.SMTP_PORT.default
    security: SmtpSecurity = k.SMTP_SECURITY.default
    username: str | None = k.SMTP_USERNAME.default
    password_env: str | None = k.SMTP_PASSWORD_ENV.default
    timeout: float = k.SMTP_TIMEOUT.default  # seconds


@dataclass(frozen=True)
class MetricsConfig:
    listen: Listen | None = k.METRICS_LISTEN.default  # None: no /metrics, no /healthz


@dataclass(frozen=True)
class Config:
    path: Path  # the main config file (absolute)
    database: Path | PgTarget  # an absolute SQLite path, or a PostgreSQL database
    database_password_env: str | None = None  # PostgreSQL: the password's variable
    feeds: tuple[FeedConfig, ...] = ()
    fetch: FetchConfig = field(default_factory=FetchConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    retention: float = k.RETENTION.default  # seconds
    dedup: DedupConfig = field(default_factory=DedupConfig)
    smtp: SmtpConfig | None = None
    feeds_file: Path | None = None  # absolute, if used
    source_files: tuple[Path, ...] = ()  # every file read (for hot reload)
    topic_rules: tuple[TopicRule, ...] = ()  # `topics:`, in the order the user listed them
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    filters: FiltersConfig = FiltersConfig()  # `filters:`, for every feed and profile
    profiles: tuple[ProfileConfig, ...] = ()  # `profiles:` as written (see ``readers``)

    def feed(self, url: str) -> FeedConfig | None:
        for f in self.feeds:
            if f.url == url:
                return f
        return None

    def readers(self) -> tuple[ProfileConfig, ...]:
        """The profiles in force: ``profiles:``, else the digest section as the one profile."""
        if self.profiles:
            return self.profiles
        d = self.digest
        return (ProfileConfig(k.DEFAULT_PROFILE, d.to, d.send_at, d.timezone),)

    def reader(self, name: str) -> ProfileConfig | None:
        return next((p for p in self.readers() if p.name == name), None)

    def topics(self) -> tuple[str, ...]:
        """Sections in order: the topic rules as listed, then the feeds' topics in order of
        first appearance, the default topic ('General') last."""
        seen: list[str] = [r.name for r in self.topic_rules if r.name != k.DEFAULT_TOPIC]
        for f in self.feeds:
            if f.topic not in seen and f.topic != k.DEFAULT_TOPIC:
                seen.append(f.topic)
        return (*seen, k.DEFAULT_TOPIC)
