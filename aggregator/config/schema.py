"""The table of config keys: the one place that says which keys exist, what they hold and what
they default to.

Each row is a ``Key``: the dotted path (``feeds[].url`` for a key of every feed), the kind of
value (``kinds``), the default, and one line of help. The loader parses what the table lists,
the "did you mean" hints offer what it lists, the frozen config types in ``model`` take their
defaults from it, and ``tests/test_config_schema.py`` holds ``config/aggregator.example.yaml``
to it. What the table cannot say (one key checked against another: ``per_host`` <=
``concurrency``, ``retention`` >= the dedup windows, the smtp port that follows ``security``)
lives in the loader next to the section it belongs to.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import aggregator
from aggregator.config.kinds import WEEKDAYS as WEEKDAYS
from aggregator.config.kinds import (
    Address,
    AddressList,
    Boolean,
    Choice,
    Database,
    Days,
    Duration,
    FeedUrl,
    FilePath,
    HeaderList,
    Headers,
    HostName,
    Integer,
    Kind,
    ListenAddress,
    Names,
    Patterns,
    ProfileName,
    SecretEnv,
    SendAt,
    Size,
    Text,
    Timezone,
    UserAgent,
)
from aggregator.config.values import (
    MAX_CONCURRENCY,
    MAX_INTERVAL,
    MAX_MAX_BYTES,
    MAX_PORT,
    MAX_RETENTION,
    MAX_TIMEOUT,
    MAX_WINDOW,
    MIN_INTERVAL,
    MIN_MAX_BYTES,
    MIN_RETENTION,
    MIN_TIMEOUT,
    MIN_WINDOW,
    Listen,
)
from aggregator.types import DEFAULT_PROFILE as DEFAULT_PROFILE

T_co = TypeVar("T_co", covariant=True)

_DAY = 86400.0


class FullText(enum.Enum):
    """``feeds[].full_text``: when to fetch the article page for its full text."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class SmtpSecurity(enum.Enum):
    """``smtp.security``: how the mail connection is protected."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


@dataclass(frozen=True, eq=False)
class Key(Generic[T_co]):
    """One config key.

    ``default`` is what an absent key means (None: nothing, or the key is ``required``).
    ``required``: the message when the key is missing. ``nullable``: ``key: null`` means the
    default, as if the key were absent. ``help``: one line for a reader of the table; the
    example config says the same at more length.
    """

    path: str
    kind: Kind[T_co]
    default: T_co
    help: str
    required: str | None = None
    nullable: bool = False

    @property
    def section(self) -> str:
        """``"fetch"`` for ``fetch.timeout``, ``"feeds[]"`` for a feed key, ``""`` at the top."""
        return self.path.rpartition(".")[0]

    @property
    def name(self) -> str:
        """The key as written in the YAML: ``timeout`` for ``fetch.timeout``."""
        return self.path.rpartition(".")[2]


# fmt: off
KEYS: tuple[Key[object], ...] = (
    DATABASE := Key[Path | str]("database", Database(), Path("aggregator.db"),
                    "state (seen entries, schedule, delivery marks): an SQLite file, or a"
                    " postgresql:// URL shared by several workers"),
    DATABASE_PASSWORD_ENV := Key[str | None]("database_password_env", SecretEnv(), None,
                    "environment variable with the PostgreSQL password; default: libpq's"
                    " PGPASSWORD / ~/.pgpass", nullable=True),
    FEEDS_FILE := Key[Path | None]("feeds_file", FilePath(), None,
                    "optional second file with more feeds", nullable=True),
    FEED_URL := Key[str | None]("feeds[].url", FeedUrl(), None, "the feed's http(s) URL",
                    required="missing; every feed needs url: https://..."),
    FEED_NAME := Key[str | None]("feeds[].name", Text(), None,
                    "display name; default: the feed's own title"),
    FEED_TOPIC := Key("feeds[].topic", Text(), "General", "digest section"),
    FEED_FULL_TEXT := Key("feeds[].full_text", Choice(FullText), FullText.AUTO,
                    "auto (fetch the page when the feed gives a teaser) | always | never"),
    FEED_INTERVAL := Key[float | None]("feeds[].interval",
                    Duration(0.0, MAX_INTERVAL, floor=MIN_INTERVAL), None,
                    "per-feed poll interval; default: fetch.interval"),
    FEED_PREFER := Key("feeds[].prefer", Boolean(), False,
                    "true: this feed's copy is the canonical one among syndicated copies"),
    FEED_KEEP_BLOCKS := Key[tuple[re.Pattern[str], ...] | None]("feeds[].keep_blocks",
                    Patterns(), None, "words, phrases or /regex/: a block of this feed's"
                    " articles that matches is never removed (wins over learned and detected"
                    " boilerplate)", nullable=True),
    FEED_DROP_BLOCKS := Key[tuple[re.Pattern[str], ...] | None]("feeds[].drop_blocks",
                    Patterns(), None, "words, phrases or /regex/: a block of this feed's"
                    " articles that matches is removed, wherever it is", nullable=True),
    FEED_USER_AGENT := Key[str | None]("feeds[].user_agent", UserAgent(), None,
                    "User-Agent for this feed's requests; default: fetch.user_agent"),
    FEED_USERNAME := Key[str | None]("feeds[].username", Text(strip=False), None,
                    "HTTP basic auth login name; requires password_env"),
    FEED_PASSWORD_ENV := Key[str | None]("feeds[].password_env", SecretEnv(), None,
                    "the NAME of the environment variable holding the feed's password"),
    FEED_HEADERS := Key[HeaderList | None]("feeds[].headers", Headers(), None,
                    "extra request headers {Name: value}; values may be ${ENV_VAR}; sent only"
                    " to the feed's own host", nullable=True),
    FEED_FILTERS_MUTE := Key[tuple[re.Pattern[str], ...] | None]("feeds[].filters.mute",
                    Patterns(allow_empty=True), None, "words, phrases or /regex/ on title, text"
                    " and author: this feed's matching articles are never mailed (added to the"
                    " global filters.mute)", nullable=True),
    FEED_FILTERS_KEEP := Key[tuple[re.Pattern[str], ...] | None]("feeds[].filters.keep",
                    Patterns(allow_empty=True), None, "when given, only this feed's articles"
                    " matching one of these (or a global filters.keep) are mailed",
                    nullable=True),
    FETCH_INTERVAL := Key("fetch.interval", Duration(0.0, MAX_INTERVAL, floor=MIN_INTERVAL),
                    30 * 60.0, "how often each feed is polled"),
    FETCH_TIMEOUT := Key("fetch.timeout", Duration(MIN_TIMEOUT, MAX_TIMEOUT), 20.0,
                    "connect/read timeout per request"),
    FETCH_MAX_BYTES := Key("fetch.max_bytes", Size(MIN_MAX_BYTES, MAX_MAX_BYTES), 5_000_000,
                    "a larger body (after decompression) is refused"),
    FETCH_CONCURRENCY := Key("fetch.concurrency", Integer(1, MAX_CONCURRENCY), 16,
                    "requests in flight at once, overall"),
    FETCH_PER_HOST := Key("fetch.per_host", Integer(1, MAX_CONCURRENCY), 2,
                    "requests in flight per host; at most concurrency"),
    FETCH_ALLOW_PRIVATE := Key("fetch.allow_private", Boolean(), False,
                    "loopback/private/link-local targets are refused unless true"),
    FETCH_USER_AGENT := Key("fetch.user_agent", UserAgent(), aggregator.USER_AGENT,
                    "User-Agent of every request (feeds may override it)"),
    TOPIC_NAME := Key[str | None]("topics[].name", Text(), None, "the digest section",
                    required="missing; every topic rule needs name: and match:"),
    TOPIC_MATCH := Key[tuple[re.Pattern[str], ...] | None]("topics[].match", Patterns(), None,
                    "words, phrases or /regex/ on title and text; the first rule that matches"
                    " a story gives its section", required="missing; give words, phrases or"
                    " /regex/ a story must contain"),
    FILTERS_MUTE := Key[tuple[re.Pattern[str], ...] | None]("filters.mute",
                    Patterns(allow_empty=True), None, "words, phrases or /regex/ on title, text"
                    " and author: matching articles are stored and exported with the reason,"
                    " never mailed", nullable=True),
    FILTERS_KEEP := Key[tuple[re.Pattern[str], ...] | None]("filters.keep",
                    Patterns(allow_empty=True), None, "when non-empty, only articles matching"
                    " one of these are mailed", nullable=True),
    DIGEST_SEND_AT := Key("digest.send_at", SendAt(), "07:00", "HH:MM, 24-hour, in timezone"),
    DIGEST_TIMEZONE := Key("digest.timezone", Timezone(), "UTC", "IANA time zone name"),
    DIGEST_TO := Key[tuple[str, ...]]("digest.to", AddressList(), (),
                    "recipients; required when smtp is given"),
    DIGEST_FROM := Key("digest.from", Address(display_name=True),
                    "Aggregator <aggregator@localhost>",
                    "sender (DigestConfig.sender); a display name is allowed"),
    DIGEST_OUT_DIR := Key("digest.out_dir", FilePath(state=True), Path("digests"),
                    "where digests are written as files when there is no smtp section"),
    DIGEST_TEMPLATE_DIR := Key[Path | None]("digest.template_dir", FilePath(
                    directory_hint="create it with digest.html.j2 / digest.txt.j2, or remove "
                    "the key to use the built-in templates"), None,
                    "folder whose digest.html.j2 / digest.txt.j2 override ours", nullable=True),
    DIGEST_SEND_EMPTY := Key("digest.send_empty", Boolean(), False,
                    "send a digest even when nothing is new"),
    DIGEST_ARCHIVE_DIR := Key[Path | None]("digest.archive_dir", FilePath(state=True), None,
                    "keep every sent digest here as HTML, with an index.html of past issues",
                    nullable=True),
    DIGEST_IMAGES := Key("digest.images", Boolean(), False,
                    "show each story's lead image from the feed (loaded from its site when read)"),
    DIGEST_MAX_AGE := Key("digest.max_age", Duration(3600.0, 3650 * _DAY), 3 * _DAY,
                    "entries older than this when first seen are stored, never mailed"),
    DIGEST_RETRY := Key("digest.retry", Duration(60.0, _DAY), 600.0,
                    "after a failed send, retry after this, then doubling, until the next digest"),
    DIGEST_MAX_STORIES := Key("digest.max_stories_per_topic", Integer(1, 1000), 10,
                    "stories per topic shown in full; the rest as linked headlines"),
    PROFILE_NAME := Key[str | None]("profiles[].name", ProfileName(), None,
                    "the profile's name (digest --profile NAME, status)",
                    required="missing; every profile needs name: (e.g. work)"),
    PROFILE_TO := Key[tuple[str, ...] | None]("profiles[].to", AddressList(), None,
                    "this reader's recipients; default: digest.to"),
    PROFILE_SEND_AT := Key[str | None]("profiles[].send_at", SendAt(), None,
                    "HH:MM in the profile's timezone; default: digest.send_at"),
    PROFILE_TIMEZONE := Key[str | None]("profiles[].timezone", Timezone(), None,
                    "IANA time zone name; default: digest.timezone"),
    PROFILE_DAYS := Key("profiles[].days", Days(), WEEKDAYS,
                    "days the digest goes out (mon..sun); one day = a weekly digest"),
    PROFILE_TOPICS := Key[tuple[str, ...] | None]("profiles[].topics", Names(), None,
                    "the digest sections this reader gets; default: all", nullable=True),
    PROFILE_FILTERS_MUTE := Key[tuple[re.Pattern[str], ...] | None](
                    "profiles[].filters.mute", Patterns(allow_empty=True), None,
                    "more mute patterns for this reader only", nullable=True),
    PROFILE_FILTERS_KEEP := Key[tuple[re.Pattern[str], ...] | None](
                    "profiles[].filters.keep", Patterns(allow_empty=True), None,
                    "more keep patterns for this reader only", nullable=True),
    RETENTION := Key("retention", Duration(MIN_RETENTION, MAX_RETENTION), 30 * _DAY,
                    "delivered articles older than this are pruned; >= the dedup windows"),
    DEDUP_WINDOW := Key("dedup.window", Duration(MIN_WINDOW, MAX_WINDOW), 7 * _DAY,
                    "syndicated copies are matched within this window"),
    DEDUP_STORY_WINDOW := Key("dedup.story_window", Duration(MIN_WINDOW, MAX_WINDOW), 3 * _DAY,
                    "independent write-ups join a story within this window"),
    SMTP_HOST := Key[str | None]("smtp.host", HostName(), None, "the mail server",
                    required="missing; give the mail server's host name (or remove the smtp "
                    "section to write digests to digest.out_dir)"),
    SMTP_PORT := Key("smtp.port", Integer(1, MAX_PORT), 587,
                    "default: 587 for starttls, 465 for tls, 25 for none"),
    SMTP_SECURITY := Key("smtp.security", Choice(SmtpSecurity), SmtpSecurity.STARTTLS,
                    "starttls | tls | none"),
    SMTP_USERNAME := Key[str | None]("smtp.username", Text(strip=False), None,
                    "login name; requires password_env"),
    SMTP_PASSWORD_ENV := Key[str | None]("smtp.password_env", SecretEnv(), None,
                    "the NAME of the environment variable holding the password"),
    SMTP_TIMEOUT := Key("smtp.timeout", Duration(MIN_TIMEOUT, MAX_TIMEOUT), 30.0,
                    "connect/command timeout"),
    METRICS_LISTEN := Key[Listen | None]("metrics.listen", ListenAddress(), None,
                    "HOST:PORT for Prometheus /metrics and /healthz; off when absent",
                    nullable=True),
)
# fmt: on

# smtp.port when not given follows smtp.security (the table's default is the starttls one)
SMTP_DEFAULT_PORTS = {
    SmtpSecurity.STARTTLS: SMTP_PORT.default,
    SmtpSecurity.TLS: 465,
    SmtpSecurity.NONE: 25,
}

_PASSWORD_HINT = (
    "secrets never go in the YAML; set password_env: SOME_VARIABLE and put the password "
    "in that environment variable (e.g. in the systemd EnvironmentFile)"
)
# keys refused with a reason instead of a "did you mean" hint, by section
_FORBIDDEN_PASSWORD = {
    "password": f"a literal password is not allowed; {_PASSWORD_HINT}",
    "pass": _PASSWORD_HINT,
}
FORBIDDEN: dict[str, dict[str, str]] = {
    "smtp": _FORBIDDEN_PASSWORD,
    "feeds[]": _FORBIDDEN_PASSWORD,
}


def children(section: str) -> tuple[str, ...]:
    """The names allowed directly in ``section`` (``""``: the top level), in table order.

    A section's own name (``fetch``, ``feeds``) counts as a key of the level above it.
    """
    prefix = f"{section}." if section else ""
    out: list[str] = []
    for key in KEYS:
        if key.path.startswith(prefix):
            name = key.path[len(prefix) :].split(".")[0].removesuffix("[]")
            if name not in out:
                out.append(name)
    return tuple(out)


def keys_in(section: str) -> tuple[Key[object], ...]:
    """The table rows that are plain values directly in ``section``."""
    return tuple(k for k in KEYS if k.section == section)


TOP_KEYS = children("")
FEED_KEYS = children("feeds[]")
FETCH_KEYS = children("fetch")
DIGEST_KEYS = children("digest")
TOPIC_KEYS = children("topics[]")
DEDUP_KEYS = children("dedup")
FILTER_KEYS = children("filters")
PROFILE_KEYS = children("profiles[]")
SMTP_KEYS = children("smtp")
METRICS_KEYS = children("metrics")

DEFAULT_DATABASE = str(DATABASE.default)
DEFAULT_TOPIC = FEED_TOPIC.default
