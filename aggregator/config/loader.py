"""The validating loader: files -> node trees -> the key table's values -> a frozen ``Config``.

Each section is read the same way: its keys are checked against the table (unknown keys get a
"did you mean" hint), every given value is parsed by its key's kind, absent keys take the
table's default. Then the few rules that tie one key to another are checked here, next to
the section they belong to. Every issue is collected before one ``ConfigError`` is raised.

Reading files is the only I/O (the config, the optional ``feeds_file``, an existence check of
``template_dir``). ``overrides`` lets ``opml.add_feeds_to_yaml`` validate an edit in memory
before touching the disk.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aggregator.config import schema as k
from aggregator.config.fields import Values, parse_fields, read_section
from aggregator.config.model import (
    Config,
    DedupConfig,
    DigestConfig,
    FeedConfig,
    FetchConfig,
    FiltersConfig,
    MetricsConfig,
    SmtpConfig,
)
from aggregator.config.nodes import (
    NULL,
    STR,
    Cx,
    Fields,
    absolute,
    compose,
    decode,
    describe,
    is_null,
    issue_at,
    mapping,
    pos,
)
from aggregator.config.readers import (
    ProfileAt,
    check_profile_recipients,
    filters_of,
    profile_list,
)
from aggregator.config.values import feed_url_key, feed_url_problem, fmt_duration
from aggregator.errors import ConfigError, ConfigIssue
from aggregator.store.target import PgTarget
from aggregator.types import TopicRule

log = logging.getLogger(__name__)

V = TypeVar("V")

# a parsed feed, the file it came from, the node to point at, its key path (feeds[3])
FeedAt = tuple[FeedConfig, str, Node, str]


def database(base: Path, value: Path | str, password_env: str | None) -> Path | PgTarget:
    """The state's place: an SQLite path (the default relative to ``base``), or a
    PostgreSQL target."""
    if isinstance(value, Path):
        return base / value
    return PgTarget(value, password_env)


# ---- feeds -------------------------------------------------------------------------------------


def feed_entry(cx: Cx, node: Node, path: str) -> tuple[FeedConfig, Node] | None:
    """One feed: a mapping with ``url``, or a bare URL string as a shorthand."""
    if isinstance(node, ScalarNode) and node.tag == STR:
        problem = feed_url_problem(node.value)
        if problem:
            cx.err(node, f"{path}: {problem}")
            return None
        return FeedConfig(url=node.value.strip()), node
    fields = mapping(cx, node, path, k.FEED_KEYS, k.FORBIDDEN[k.FEED_URL.section])
    if fields is None:
        return None
    if k.FEED_URL.name not in fields:
        cx.err(node, f"{path}.{k.FEED_URL.name}: {k.FEED_URL.required}")
        return None
    v = parse_fields(cx, fields, path, k.FEED_URL.section)
    url = v.get(k.FEED_URL)
    if not feed_access_ok(cx, v, path) or not v.ok or url is None:
        return None
    filters: FiltersConfig | None = FiltersConfig()
    if "filters" in fields:
        filters = filters_of(cx, fields["filters"][1], f"{path}.filters", "feeds[].filters")
    if filters is None:
        return None
    keep: tuple[re.Pattern[str], ...] | None = v.get(k.FEED_KEEP_BLOCKS)
    drop: tuple[re.Pattern[str], ...] | None = v.get(k.FEED_DROP_BLOCKS)
    headers: tuple[tuple[str, str], ...] | None = v.get(k.FEED_HEADERS)
    feed = FeedConfig(
        url=url,
        name=v.get(k.FEED_NAME),
        topic=v.get(k.FEED_TOPIC),
        full_text=v.get(k.FEED_FULL_TEXT),
        interval=v.get(k.FEED_INTERVAL),
        prefer=v.get(k.FEED_PREFER),
        keep_blocks=keep or (),
        drop_blocks=drop or (),
        user_agent=v.get(k.FEED_USER_AGENT),
        username=v.get(k.FEED_USERNAME),
        password_env=v.get(k.FEED_PASSWORD_ENV),
        headers=headers or (),
        filters=filters,
    )
    return feed, v.value_node(k.FEED_URL)


def feed_access_ok(cx: Cx, v: Values, path: str) -> bool:
    """A feed's login: ``username`` and ``password_env`` come together (as in smtp), and an
    Authorization header would fight with them."""
    ok = True
    for key, other in (
        (k.FEED_USERNAME, k.FEED_PASSWORD_ENV),
        (k.FEED_PASSWORD_ENV, k.FEED_USERNAME),
    ):
        if v.given(key) and not v.given(other):
            hint = (
                "add password_env: SOME_VARIABLE (the variable holding the password)"
                if other is k.FEED_PASSWORD_ENV
                else "add the login name as username:"
            )
            cx.err(v.key_node(key), f"{path}.{key.name}: given without {other.name}; {hint}")
            ok = False
    headers: tuple[tuple[str, str], ...] | None = v.get(k.FEED_HEADERS)
    if v.given(k.FEED_USERNAME) and any(n.lower() == "authorization" for n, _ in headers or ()):
        cx.err(
            v.key_node(k.FEED_HEADERS),
            f"{path}.headers: Authorization is set by username/password_env; give one or the other",
        )
        ok = False
    return ok


def feed_list(cx: Cx, node: Node, path: str) -> list[FeedAt]:
    if is_null(node):
        return []
    if not isinstance(node, SequenceNode):
        cx.err(
            node,
            f"{path}: expected a list of feeds (lines starting with '- url: '), found {describe(node)}",
        )
        return []
    out = []
    for i, item in enumerate(node.value):
        key = f"{path}[{i}]"
        parsed = feed_entry(cx, item, key)
        if parsed is not None:
            out.append((parsed[0], cx.file, parsed[1], key))
    return out


def check_duplicate_urls(cx: Cx, feeds: list[FeedAt]) -> None:
    """A URL may appear once across the feeds file and the inline list."""
    first: dict[str, tuple[str, Node, str]] = {}
    for feed, file, node, key in feeds:
        url_key = feed_url_key(feed.url)
        if url_key in first:
            f0, n0, key0 = first[url_key]
            line, col = pos(n0)
            cx.at(file).err(
                node,
                f"{key}.url: duplicate feed {feed.url}, already listed at {f0}:{line}:{col} "
                f"({key0}); remove one of them",
            )
        else:
            first[url_key] = (file, node, key)


# ---- topic rules ------------------------------------------------------------------------------


def topic_list(cx: Cx, node: Node, path: str) -> tuple[TopicRule, ...]:
    """``topics:``: a list of ``{name, match}`` keyword rules, in the user's order."""
    if is_null(node):
        return ()
    if not isinstance(node, SequenceNode):
        cx.err(
            node,
            f"{path}: expected a list of rules ('- name: ...' with 'match: [...]'), found {describe(node)}",
        )
        return ()
    out = []
    for i, item in enumerate(node.value):
        key = f"{path}[{i}]"
        fields = mapping(cx, item, key, k.TOPIC_KEYS)
        if fields is None:
            continue
        missing = [x for x in (k.TOPIC_NAME, k.TOPIC_MATCH) if x.name not in fields]
        for x in missing:
            cx.err(item, f"{key}.{x.name}: {x.required}")
        v = parse_fields(cx, fields, key, k.TOPIC_NAME.section)
        name, patterns = v.get(k.TOPIC_NAME), v.get(k.TOPIC_MATCH)
        if v.ok and not missing and name is not None and patterns is not None:
            out.append(TopicRule(name=name, patterns=patterns))
    return tuple(out)


def known_topics(rules: Sequence[TopicRule], feeds: Sequence[FeedConfig]) -> list[str]:
    """Every digest section this config can produce (a profile's ``topics`` pick from it)."""
    out = [r.name for r in rules]
    out += [f.topic for f in feeds if f.topic not in out]
    return out if k.DEFAULT_TOPIC in out else [*out, k.DEFAULT_TOPIC]


# ---- sections ----------------------------------------------------------------------------------


def fetch_section(cx: Cx, node: Node) -> FetchConfig:
    default = FetchConfig()
    v = read_section(cx, node, "fetch")
    if v is None:
        return default
    concurrency, per_host = v.get(k.FETCH_CONCURRENCY), v.get(k.FETCH_PER_HOST)
    both = not v.failed(k.FETCH_CONCURRENCY) and not v.failed(k.FETCH_PER_HOST)
    if both and per_host > concurrency:
        key = k.FETCH_PER_HOST if v.given(k.FETCH_PER_HOST) else k.FETCH_CONCURRENCY
        cx.err(
            v.value_node(key),
            f"fetch.per_host: {per_host} is more than fetch.concurrency ({concurrency}); "
            "per_host must not exceed concurrency: lower per_host or raise concurrency",
        )
    if not v.ok:
        return default
    return FetchConfig(
        interval=v.get(k.FETCH_INTERVAL),
        timeout=v.get(k.FETCH_TIMEOUT),
        max_bytes=v.get(k.FETCH_MAX_BYTES),
        concurrency=concurrency,
        per_host=per_host,
        allow_private=v.get(k.FETCH_ALLOW_PRIVATE),
        user_agent=v.get(k.FETCH_USER_AGENT),
    )


def default_digest(cx: Cx) -> DigestConfig:
    return DigestConfig(out_dir=cx.state_base / k.DIGEST_OUT_DIR.default)


def digest_section(cx: Cx, node: Node) -> DigestConfig:
    """The digest section; a failed key keeps its default (the issue is already recorded)."""
    v = read_section(cx, node, "digest")
    if v is None:
        return default_digest(cx)
    return DigestConfig(
        send_at=v.get(k.DIGEST_SEND_AT),
        timezone=v.get(k.DIGEST_TIMEZONE),
        to=v.get(k.DIGEST_TO),
        sender=v.get(k.DIGEST_FROM),
        out_dir=cx.state_base / v.get(k.DIGEST_OUT_DIR),
        template_dir=v.get(k.DIGEST_TEMPLATE_DIR),
        send_empty=v.get(k.DIGEST_SEND_EMPTY),
        max_stories_per_topic=v.get(k.DIGEST_MAX_STORIES),
        retry=v.get(k.DIGEST_RETRY),
        max_age=v.get(k.DIGEST_MAX_AGE),
        images=v.get(k.DIGEST_IMAGES),
        archive_dir=v.get(k.DIGEST_ARCHIVE_DIR),
    )


def dedup_section(cx: Cx, node: Node) -> DedupConfig:
    v = read_section(cx, node, "dedup")
    if v is None:
        return DedupConfig()
    return DedupConfig(window=v.get(k.DEDUP_WINDOW), story_window=v.get(k.DEDUP_STORY_WINDOW))


def metrics_section(cx: Cx, node: Node) -> MetricsConfig:
    """``metrics:``; an empty section (``metrics:`` alone) means off, like no section."""
    if is_null(node):
        return MetricsConfig()
    v = read_section(cx, node, "metrics")
    if v is None:
        return MetricsConfig()
    return MetricsConfig(listen=v.get(k.METRICS_LISTEN))


def state_directory(environ: Mapping[str, str]) -> Path | None:
    """``$STATE_DIRECTORY`` (set by systemd's ``StateDirectory=``; its first entry when it
    lists several, colon-separated), or None when unset or not an absolute path."""
    first = environ.get("STATE_DIRECTORY", "").split(":")[0].strip()
    return Path(first) if first and Path(first).is_absolute() else None


def smtp_section(cx: Cx, node: Node) -> SmtpConfig | None:
    """The smtp section, or None when anything in it is wrong.

    The port follows ``security`` unless given; a username needs ``password_env`` and the
    other way round.
    """
    fields = mapping(cx, node, "smtp", k.SMTP_KEYS, k.FORBIDDEN["smtp"])
    if fields is None:
        return None
    ok = True
    if k.SMTP_HOST.name not in fields:
        cx.err(node, f"{k.SMTP_HOST.path}: {k.SMTP_HOST.required}")
        ok = False
    v = parse_fields(cx, fields, "smtp", "smtp")
    security = v.get(k.SMTP_SECURITY)
    port = v.get(k.SMTP_PORT) if v.given(k.SMTP_PORT) else k.SMTP_DEFAULT_PORTS[security]
    if v.given(k.SMTP_USERNAME) and not v.given(k.SMTP_PASSWORD_ENV):
        cx.err(
            v.key_node(k.SMTP_USERNAME),
            "smtp.username: given without smtp.password_env; add password_env: "
            "AGGREGATOR_SMTP_PASSWORD (the variable holding the password) or remove username",
        )
        ok = False
    if v.given(k.SMTP_PASSWORD_ENV) and not v.given(k.SMTP_USERNAME):
        cx.err(
            v.key_node(k.SMTP_PASSWORD_ENV),
            "smtp.password_env: given without smtp.username; add the login name as username:",
        )
        ok = False
    host = v.get(k.SMTP_HOST)
    if not ok or not v.ok or host is None:
        return None
    return SmtpConfig(
        host=host,
        port=port,
        security=security,
        username=v.get(k.SMTP_USERNAME),
        password_env=v.get(k.SMTP_PASSWORD_ENV),
        timeout=v.get(k.SMTP_TIMEOUT),
    )


def check_retention(cx: Cx, top: Values, dedup: DedupConfig) -> None:
    """Pruned articles cannot be matched: retention must cover the dedup windows."""
    if not top.given(k.RETENTION) or top.failed(k.RETENTION):
        return
    r = top.get(k.RETENTION)
    if r < max(dedup.window, dedup.story_window):
        cx.err(
            top.value_node(k.RETENTION),
            f"retention: {fmt_duration(r)} is shorter than the dedup windows "
            f"(window {fmt_duration(dedup.window)}, story_window {fmt_duration(dedup.story_window)}); "
            "pruned articles could not be matched and copies would be sent again; "
            "raise retention or shorten dedup.window",
        )


def smtp_and_digest(
    cx: Cx, top: Fields, digest: DigestConfig, profiles: Sequence[ProfileAt]
) -> SmtpConfig | None:
    """The smtp section, which needs recipients: the digest section's, or each profile's."""
    if "smtp" not in top or is_null(top["smtp"][1]):
        return None
    smtp = smtp_section(cx, top["smtp"][1])
    if smtp is not None and profiles:
        check_profile_recipients(cx, profiles)
    elif smtp is not None and not digest.to and "digest" in top:
        cx.err(
            top["digest"][0],
            "digest.to: no recipients although an smtp section is given; "
            "add to: [you@example.org] under digest",
        )
    elif smtp is not None and "digest" not in top:
        cx.err(
            top["smtp"][0],
            "smtp: given but there is no digest section with recipients; "
            "add digest: to: [you@example.org]",
        )
    return smtp


# ---- files -------------------------------------------------------------------------------------


class _Loader:
    """Reads the config file and its feeds file, collecting issues. One instance per load."""

    def __init__(
        self, read: Callable[[Path], bytes], overrides: Mapping[Path, str], state: Path | None
    ) -> None:
        self.read = read
        self.overrides = overrides
        self.state = state
        self.issues: list[ConfigIssue] = []

    def load(self, path: Path, display: str) -> Config | None:
        config_path = absolute(path)
        cx = Cx(display, config_path.parent, self.issues, state=self.state)
        text = self.read_text(config_path, display, cx, None)
        if text is None:
            return None
        root = compose(text, display, self.issues)
        if root is None:
            if not self.issues:
                message = "config file is empty; start from config/aggregator.example.yaml"
                self.issues.append(issue_at(display, 1, 1, message))
            return None
        top = mapping(cx, root, "", k.TOP_KEYS)
        if top is None:
            self.issues[-1] = issue_at(
                display,
                *pos(root),
                f"the top level must be a mapping of keys (database:, feeds:, fetch:, ...), found {describe(root)}",
            )
            return None
        return self.build(cx, config_path, top)

    def build(self, cx: Cx, config_path: Path, top: Fields) -> Config | None:
        v = parse_fields(cx, top, "", "")
        source_files = [config_path]
        feeds: list[FeedAt] = []
        feeds_file = v.get(k.FEEDS_FILE)
        if feeds_file is not None:
            ff_node = v.value_node(k.FEEDS_FILE)
            ff_text: str = ff_node.value
            ff_display = (
                ff_text
                if Path(ff_text).expanduser().is_absolute()
                else str(Path(cx.file).parent / ff_text)
            )
            source_files.append(feeds_file)
            feeds += self.feeds_file(feeds_file, cx, ff_display, ff_node)
        if "feeds" in top:
            feeds += feed_list(cx, top["feeds"][1], "feeds")
        check_duplicate_urls(cx, feeds)
        topic_rules = topic_list(cx, top["topics"][1], "topics") if "topics" in top else ()

        fetch = fetch_section(cx, top["fetch"][1]) if "fetch" in top else FetchConfig()
        digest = digest_section(cx, top["digest"][1]) if "digest" in top else default_digest(cx)
        metrics = metrics_section(cx, top["metrics"][1]) if "metrics" in top else MetricsConfig()
        dedup = dedup_section(cx, top["dedup"][1]) if "dedup" in top else DedupConfig()
        check_retention(cx, v, dedup)
        filters = (
            filters_of(cx, top["filters"][1], "filters", "filters") if "filters" in top else None
        )
        known = known_topics(topic_rules, [f for f, _, _, _ in feeds])
        profiles = profile_list(cx, top["profiles"][1], digest, known) if "profiles" in top else []
        smtp = smtp_and_digest(cx, top, digest, profiles)
        if self.issues:
            return None
        return Config(
            path=config_path,
            database=database(cx.state_base, v.get(k.DATABASE), v.get(k.DATABASE_PASSWORD_ENV)),
            database_password_env=v.get(k.DATABASE_PASSWORD_ENV),
            feeds=tuple(f for f, _, _, _ in feeds),
            fetch=fetch,
            digest=digest,
            retention=v.get(k.RETENTION),
            dedup=dedup,
            smtp=smtp,
            feeds_file=feeds_file,
            source_files=tuple(source_files),
            topic_rules=topic_rules,
            metrics=metrics,
            filters=filters or FiltersConfig(),
            profiles=tuple(p for p, _, _ in profiles),
        )

    def read_text(self, path: Path, display: str, cx: Cx, ref: Node | None) -> str | None:
        """The text of ``path`` (or its override), shown as ``display`` in messages.

        ``ref``: the ``feeds_file`` node (in ``cx``'s file) that named it, None for the config.
        """
        if path in self.overrides:
            return self.overrides[path]
        try:
            data = self.read(path)
        except OSError as e:
            reason = e.strerror or str(e)
            if ref is not None:
                cx.err(
                    ref,
                    f"feeds_file: cannot read {path}: {reason}; fix the path "
                    "(relative paths are relative to the config file) or the file's permissions",
                )
            else:
                self.issues.append(
                    issue_at(display, 1, 1, f"cannot read config file {path}: {reason}")
                )
            return None
        return decode(data, display, self.issues)

    def feeds_file(self, path: Path, cx: Cx, display: str, ref: Node) -> list[FeedAt]:
        """Feeds from ``feeds_file``: a list, a mapping with one ``feeds:`` key, or nothing."""
        if path.is_dir():
            cx.err(ref, f"feeds_file: {path} is a directory; point it at a YAML file")
            return []
        text = self.read_text(path, display, cx, ref)
        if text is None:
            return []
        fx = cx.at(display)
        root = compose(text, display, self.issues)
        if root is None:
            return []  # an empty feeds file is fine (a fresh subscription list), syntax errors recorded
        if isinstance(root, MappingNode):
            before = len(self.issues)
            top = mapping(fx, root, "", ("feeds",))
            if top is None or "feeds" not in top:
                if top is not None and len(self.issues) == before:
                    fx.err(root, "a feeds file must be a list of feeds or have a 'feeds:' key")
                return []
            return feed_list(fx, top["feeds"][1], "feeds")
        if isinstance(root, SequenceNode):
            return feed_list(fx, root, "feeds")
        if isinstance(root, ScalarNode) and root.tag == NULL:
            return []
        fx.err(
            root,
            f"a feeds file must be a list of feeds (- url: ...) or a mapping with 'feeds:', found {describe(root)}",
        )
        return []


def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def load_config(
    path: str | Path,
    *,
    overrides: Mapping[Path, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Read and validate a config file. Raises ConfigError listing file:line:col issues.

    ``overrides`` maps absolute file paths to text to use instead of the file's content: it lets
    an editor (``opml.add_feeds_to_yaml``) validate a change before writing it. ``environ``
    (default: the process's): with ``STATE_DIRECTORY`` set (systemd), relative paths of
    writable state (database, digest.out_dir, digest.archive_dir) start there; read-only
    inputs (feeds_file, template_dir) stay relative to the config file.
    """
    absolute_overrides = {absolute(Path(p)): text for p, text in (overrides or {}).items()}
    state = state_directory(os.environ if environ is None else environ)
    loader = _Loader(_read_bytes, absolute_overrides, state)
    config = loader.load(Path(path), str(path))
    if loader.issues or config is None:
        log.debug("config invalid path=%s issues=%d", path, len(loader.issues))
        issues = sorted(loader.issues, key=lambda i: (i.file != str(path), i.file, i.line, i.col))
        raise ConfigError(issues or [issue_at(str(path), 1, 1, "invalid config")])
    log.debug(
        "config loaded path=%s feeds=%d files=%d", path, len(config.feeds), len(config.source_files)
    )
    return config
