"""Config loader: malformed configs give precise file:line:col issues with hints; valid ones load.

Every malformed case writes real files into a temp dir and loads them with ``load_config``;
the expected (line, col) was worked out by hand from the YAML text of the case.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from aggregator.config import (
    Config,
    DedupConfig,
    FetchConfig,
    FullText,
    SmtpSecurity,
    load_config,
    parse_duration,
    parse_send_at,
    parse_size,
)
from aggregator.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
CONFIG_NAME = "agg.yaml"


@dataclass(frozen=True)
class Bad:
    """A malformed config: files to write, and where the issue must be reported."""

    id: str
    text: str | bytes
    line: int
    col: int
    fragments: tuple[str, ...]
    file: str = CONFIG_NAME  # file the issue must name (relative to the temp dir)
    extra: dict[str, str] = field(default_factory=dict)  # other files to create


FEED = "feeds:\n  - url: https://a.example.org/feed\n"
TO = "digest:\n  to: [me@example.org]\n"


# "Billion laughs" in YAML: 4 ** 8 * 9 scalars if expanded; composing shares the nodes.
ALIAS_BOMB = (
    "dedup: {window: 7d}\n"
    "x0: &a0 [y, y, y, y, y, y, y, y, y]\n"
    + "".join(f"x{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n" for i in range(1, 9))
    + "feeds:\n  - url: https://a.example.org/f\n    name: *a8\n"
)

BAD = [
    Bad("yaml-syntax", "fetch:\n  timeout: 20s: x\n", 2, 15, ("YAML syntax error", "quote")),
    Bad("yaml-unclosed-quote", 'digest:\n  from: "Agg <a@b.org>\n', 3, 1, ("YAML syntax error",)),
    Bad("tab-indent", "fetch:\n\ttimeout: 20s\n", 2, 1, ("tabs", "spaces")),
    Bad("unknown-top", "databse: x.db\n", 1, 1, ("'databse'", "did you mean 'database'?")),
    Bad(
        "unknown-nested",
        "fetch:\n  timout: 20s\n",
        2,
        3,
        ("'fetch.timout'", "did you mean 'timeout'?"),
    ),
    Bad(
        "unknown-feed-key",
        FEED + "    nmae: X\n",
        3,
        5,
        ("'feeds[0].nmae'", "did you mean 'name'?"),
    ),
    Bad("unknown-far-off", "colour: blue\n", 1, 1, ("'colour'", "allowed keys: database")),
    Bad(
        "duplicate-key",
        "fetch:\n  timeout: 20s\n  timeout: 30s\n",
        3,
        3,
        ("fetch.timeout", "duplicate key", "keep only one"),
    ),
    Bad(
        "int-wrong-type",
        "fetch:\n  concurrency: many\n",
        2,
        16,
        ("fetch.concurrency", "expected a whole number"),
    ),
    Bad(
        "int-out-of-range",
        "fetch:\n  concurrency: 0\n",
        2,
        16,
        ("fetch.concurrency", "out of range", "use 1 to"),
    ),
    Bad(
        "bool-wrong-type",
        "fetch:\n  allow_private: maybe\n",
        2,
        18,
        ("fetch.allow_private", "true or false"),
    ),
    Bad("mapping-wrong-type", "fetch: [1, 2]\n", 1, 8, ("fetch:", "expected a mapping")),
    Bad(
        "feeds-not-list",
        "feeds: https://a.example.org/feed\n",
        1,
        8,
        ("feeds:", "expected a list of feeds"),
    ),
    Bad(
        "string-wrong-type", FEED + "    name: [a, b]\n", 3, 11, ("feeds[0].name", "expected text")
    ),
    Bad("string-empty", FEED + '    topic: ""\n', 3, 12, ("feeds[0].topic", "is empty")),
    Bad("duration-bare", "fetch:\n  timeout: 20\n", 2, 12, ("fetch.timeout", "no unit", "'20s'")),
    Bad(
        "duration-unit",
        "fetch:\n  interval: 30min\n",
        2,
        13,
        ("fetch.interval", "unknown duration unit 'min'", "s, m, h, d or w"),
    ),
    Bad("duration-garbage", "retention: soon\n", 1, 12, ("retention", "not a duration", "30m")),
    Bad("interval-floor", "fetch:\n  interval: 10s\n", 2, 13, ("fetch.interval", "floor is 1m")),
    Bad(
        "feed-interval-floor",
        FEED + "    interval: 30s\n",
        3,
        15,
        ("feeds[0].interval", "floor is 1m"),
    ),
    Bad(
        "timeout-range",
        "fetch:\n  timeout: 2h\n",
        2,
        12,
        ("fetch.timeout", "out of range", "between 1s and 10m"),
    ),
    Bad(
        "size-bare", "fetch:\n  max_bytes: 5000000\n", 2, 14, ("fetch.max_bytes", "no unit", "5MB")
    ),
    Bad(
        "size-unit",
        "fetch:\n  max_bytes: 5 megs\n",
        2,
        14,
        ("fetch.max_bytes", "unknown size unit 'megs'", "KB, MB"),
    ),
    Bad("size-range", "fetch:\n  max_bytes: 1KB\n", 2, 14, ("fetch.max_bytes", "out of range")),
    Bad(
        "timezone-typo",
        "digest:\n  timezone: Europe/Kyyiv\n",
        2,
        13,
        ("digest.timezone", "did you mean 'Europe/Kyiv'?"),
    ),
    Bad(
        "timezone-unknown",
        "digest:\n  timezone: Mars/Olympus_Mons\n",
        2,
        13,
        ("digest.timezone", "IANA name"),
    ),
    Bad(
        "send-at-range",
        'digest:\n  send_at: "25:00"\n',
        2,
        12,
        ("digest.send_at", "00:00 to 23:59"),
    ),
    Bad("send-at-format", "digest:\n  send_at: 7am\n", 2, 12, ("digest.send_at", "HH:MM")),
    Bad("send-at-type", "digest:\n  send_at: [7, 0]\n", 2, 12, ("digest.send_at", '"07:00"')),
    Bad(
        "full-text",
        FEED + "    full_text: sometimes\n",
        3,
        16,
        ("feeds[0].full_text", "auto | always | never"),
    ),
    Bad(
        "security",
        TO + "smtp:\n  host: smtp.example.org\n  security: ssl\n",
        5,
        13,
        ("smtp.security", "starttls | tls | none"),
    ),
    Bad(
        "port-range",
        TO + "smtp:\n  host: smtp.example.org\n  port: 70000\n",
        5,
        9,
        ("smtp.port", "1 to 65535"),
    ),
    Bad(
        "dup-url-inline",
        FEED + "  - url: https://A.example.org:443/feed#top\n",
        3,
        10,
        ("feeds[1].url", "duplicate feed", f"{CONFIG_NAME}:2:10", "remove one"),
    ),
    Bad(
        "dup-url-across-files",
        "feeds_file: more.yaml\n" + FEED,
        3,
        10,
        ("feeds[0].url", "duplicate feed", "more.yaml:2:8", "remove one"),
        extra={"more.yaml": "# mine\n- url: https://a.example.org/feed\n"},
    ),
    Bad("missing-url", "feeds:\n  - name: X\n", 2, 5, ("feeds[0].url", "missing", "url: https://")),
    Bad(
        "url-not-http",
        "feeds:\n  - url: ftp://a.example.org/f\n",
        2,
        10,
        ("feeds[0].url", "http(s)"),
    ),
    Bad(
        "url-feed-scheme",
        "feeds:\n  - url: feed://a.example.org/f\n",
        2,
        10,
        ("feeds[0].url", "https://"),
    ),
    Bad(
        "url-no-scheme",
        "feeds:\n  - example.org/rss\n",
        2,
        5,
        ("feeds[0]", "write https://example.org/rss"),
    ),
    Bad("url-no-host", "feeds:\n  - url: https:///path\n", 2, 10, ("feeds[0].url", "no host")),
    Bad(
        "feeds-file-missing",
        "feeds_file: nothere.yaml\n",
        1,
        13,
        ("feeds_file", "cannot read", "nothere.yaml", "relative to the config file"),
    ),
    Bad(
        "feeds-file-dir",
        "feeds_file: sub\n",
        1,
        13,
        ("feeds_file", "is a directory"),
        extra={"sub/x": ""},
    ),
    Bad(
        "feeds-file-bad-yaml",
        "feeds_file: more.yaml\n",
        2,
        1,
        ("YAML syntax error",),
        file="more.yaml",
        extra={"more.yaml": '- url: "https://b.example.org/feed\n'},
    ),
    Bad(
        "feeds-file-bad-feed",
        "feeds_file: more.yaml\n",
        3,
        11,
        ("feeds[1].prefer", "true or false"),
        file="more.yaml",
        extra={
            "more.yaml": "- url: https://b.example.org/f\n- url: https://c.example.org/f\n  prefer: maybe\n"
        },
    ),
    Bad(
        "feeds-file-unknown-key",
        "feeds_file: more.yaml\n",
        1,
        1,
        ("'feedz'", "did you mean 'feeds'?"),
        file="more.yaml",
        extra={"more.yaml": "feedz:\n  - url: https://b.example.org/f\n"},
    ),
    Bad(
        "password-literal",
        TO + "smtp:\n  host: smtp.example.org\n  password: hunter2\n",
        5,
        3,
        ("smtp.password", "password_env"),
    ),
    Bad(
        "password-env-value",
        TO + "smtp:\n  host: h.example.org\n  username: me\n  password_env: hunter2 secret\n",
        6,
        17,
        ("smtp.password_env", "not an environment variable name"),
    ),
    Bad(
        "username-no-password-env",
        TO + "smtp:\n  host: h.example.org\n  username: me\n",
        5,
        3,
        ("smtp.username", "add password_env"),
    ),
    Bad("smtp-no-host", TO + "smtp:\n  port: 25\n", 4, 3, ("smtp.host", "missing")),
    Bad(
        "smtp-no-recipients",
        'digest:\n  send_at: "07:00"\nsmtp:\n  host: h.example.org\n',
        1,
        1,
        ("digest.to", "add to:"),
    ),
    Bad(
        "per-host-over-concurrency",
        "fetch:\n  concurrency: 2\n  per_host: 4\n",
        3,
        13,
        ("fetch.per_host", "must not exceed concurrency"),
    ),
    Bad(
        "retention-below-window",
        "retention: 2d\n",
        1,
        12,
        ("retention", "shorter than the dedup windows", "raise retention"),
    ),
    Bad(
        "to-bad-address",
        "digest:\n  to: [me-at-example.org]\n",
        2,
        8,
        ("digest.to[0]", "not a mail address", "me@example.org"),
    ),
    Bad(
        "to-wrong-type",
        "digest:\n  to: {a: b}\n",
        2,
        7,
        ("digest.to", "expected a list of addresses"),
    ),
    Bad(
        "from-bad",
        'digest:\n  from: "Agg <nobody>"\n',
        2,
        9,
        ("digest.from", "not a mail address", "Aggregator <"),
    ),
    Bad(
        "template-dir-missing",
        "digest:\n  template_dir: nope\n",
        2,
        17,
        ("digest.template_dir", "not a directory", "remove the key"),
    ),
    Bad("empty-file", "", 1, 1, ("empty", "aggregator.example.yaml")),
    Bad("comments-only", "# nothing yet\n", 1, 1, ("empty",)),
    Bad("top-level-list", "- a\n- b\n", 1, 1, ("top level must be a mapping", "database:")),
    Bad("top-level-scalar", "hello\n", 1, 1, ("top level must be a mapping",)),
    Bad("not-utf8", b"database: caf\xe9.db\n", 1, 14, ("not valid UTF-8", "save it as UTF-8")),
    Bad("yaml-alias-bomb", ALIAS_BOMB, 13, 11, ("feeds[0].name", "expected text, found a list")),
    Bad(
        "python-tag",
        'database: !!python/object/apply:os.system ["touch pwned"]\n',
        1,
        11,
        ("database", "expected text"),
    ),
    Bad("nul-char", "database: a\x00b.db\n", 1, 12, ("character", "remove it")),
    Bad(
        "topic-bad-regex",
        "topics:\n  - name: Climate\n    match: [climate, '/COP (\\d+/']\n",
        3,
        22,
        ("topics[0].match[1]", "not a valid regular expression", "missing )"),
    ),
    Bad(
        "topic-no-match",
        "topics:\n  - name: Climate\n",
        2,
        5,
        ("topics[0].match", "missing"),
    ),
    Bad(
        "topic-typo",
        "topics:\n  - name: Climate\n    mach: [climate]\n",
        3,
        5,
        ("topics[0]", "mach", "match"),
    ),
    Bad("topics-not-a-list", "topics: Climate\n", 1, 9, ("topics", "expected a list of rules")),
]


def write_case(tmp_path: Path, case: Bad) -> Path:
    for name, content in case.extra.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content, encoding="utf-8")
    cfg = tmp_path / CONFIG_NAME
    if isinstance(case.text, bytes):
        cfg.write_bytes(case.text)
    else:
        cfg.write_text(case.text, encoding="utf-8")
    return cfg


def test_there_are_enough_malformed_cases() -> None:
    assert len(BAD) >= 35
    assert len({c.id for c in BAD}) == len(BAD)


@pytest.mark.parametrize("case", BAD, ids=[c.id for c in BAD])
def test_malformed_config(tmp_path: Path, case: Bad, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # file names in messages are then exactly as given
    write_case(tmp_path, case)
    with pytest.raises(ConfigError) as exc:
        load_config(CONFIG_NAME)
    issues = exc.value.issues
    at = [i for i in issues if (i.file, i.line, i.col) == (case.file, case.line, case.col)]
    assert at, f"no issue at {case.file}:{case.line}:{case.col}; got:\n{exc.value}"
    text = " | ".join(i.message for i in at)
    for fragment in case.fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    # the rendered error is what `aggregator check` prints: PATH:LINE:COL: message
    assert f"{case.file}:{case.line}:{case.col}: " in str(exc.value)


def test_all_issues_are_collected(tmp_path: Path) -> None:
    cfg = tmp_path / CONFIG_NAME
    cfg.write_text(
        "fetch:\n  timeout: 20\n  per_host: x\ndigest:\n  timezone: Nowhere/City\nbogus: 1\n"
    )
    with pytest.raises(ConfigError) as exc:
        load_config(cfg)
    where = [(i.line, i.col) for i in exc.value.issues]
    assert where == [(2, 12), (3, 13), (5, 13), (6, 1)]
    assert all(i.file == str(cfg) for i in exc.value.issues)


def test_unreadable_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "missing.yaml")
    assert "cannot read config file" in str(exc.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_feeds_file_permissions(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("- https://a.example.org/f\n")
    (tmp_path / "feeds.yaml").chmod(0)
    (tmp_path / CONFIG_NAME).write_text("feeds_file: feeds.yaml\n")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / CONFIG_NAME)
    assert "Permission denied" in str(exc.value)


# ---- valid configs -----------------------------------------------------------------------------


def test_defaults(tmp_path: Path) -> None:
    cfg = tmp_path / CONFIG_NAME
    cfg.write_text("{}\n")
    c = load_config(cfg)
    assert c.path == cfg.absolute()
    assert c.database == tmp_path / "aggregator.db"
    assert c.fetch == FetchConfig()
    assert c.dedup == DedupConfig()
    assert c.retention == 30 * 86400.0
    assert c.digest.send_at == "07:00"
    assert c.digest.timezone == "UTC"
    assert c.digest.out_dir == tmp_path / "digests"
    assert c.digest.template_dir is None
    assert c.smtp is None
    assert c.feeds == ()
    assert c.source_files == (cfg.absolute(),)


def test_relative_paths_resolve_against_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf_dir = tmp_path / "etc"
    (conf_dir / "tpl").mkdir(parents=True)
    (conf_dir / "lists").mkdir()
    (conf_dir / "lists" / "feeds.yaml").write_text("- https://b.example.org/f\n")
    (conf_dir / CONFIG_NAME).write_text(
        "database: state/agg.db\nfeeds_file: lists/feeds.yaml\n"
        "digest:\n  out_dir: out\n  template_dir: tpl\n"
    )
    monkeypatch.chdir(tmp_path)  # a different working directory must not matter
    c = load_config(Path("etc") / CONFIG_NAME)
    assert c.database == conf_dir / "state" / "agg.db"
    assert c.digest.out_dir == conf_dir / "out"
    assert c.digest.template_dir == conf_dir / "tpl"
    assert c.feeds_file == conf_dir / "lists" / "feeds.yaml"
    assert c.source_files == (conf_dir / CONFIG_NAME, conf_dir / "lists" / "feeds.yaml")


def test_inline_and_feeds_file_are_merged(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        "# a mapping with feeds: is accepted too\nfeeds:\n"
        "  - url: https://b.example.org/f\n    topic: Science\n    prefer: true\n"
        "  - https://c.example.org/f\n"
    )
    (tmp_path / CONFIG_NAME).write_text(
        "feeds_file: feeds.yaml\nfeeds:\n"
        "  - url: https://a.example.org/f\n    name: A\n    full_text: never\n    interval: 1h30m\n"
    )
    c = load_config(tmp_path / CONFIG_NAME)
    assert [f.url for f in c.feeds] == [
        "https://b.example.org/f",
        "https://c.example.org/f",
        "https://a.example.org/f",
    ]
    b, cc, a = c.feeds
    assert (b.topic, b.prefer, b.name) == ("Science", True, None)
    assert cc.topic == "General"
    assert (a.name, a.full_text, a.interval) == ("A", FullText.NEVER, 5400.0)
    assert c.topics() == ("Science", "General")


def test_full_valid_config(tmp_path: Path) -> None:
    (tmp_path / CONFIG_NAME).write_text(
        "fetch:\n  interval: 1h\n  timeout: 90s\n  max_bytes: 2MiB\n  concurrency: 8\n"
        "  per_host: 8\n  allow_private: yes\n"
        "digest:\n  send_at: 6:05\n  timezone: Europe/Kyiv\n  to: me@example.org\n"
        '  from: "Daily News <news@example.org>"\n  send_empty: true\n'
        "retention: 2w\ndedup:\n  window: 10d\n  story_window: 2d\n"
        "smtp:\n  host: smtp.example.org\n  security: tls\n  username: me\n"
        "  password_env: MY_SMTP_PASSWORD\n  timeout: 1m\n"
    )
    c = load_config(tmp_path / CONFIG_NAME)
    assert c.fetch == FetchConfig(3600.0, 90.0, 2 * 1024 * 1024, 8, 8, True)
    assert c.digest.send_at == "06:05"  # unquoted 6:05 is a YAML 1.1 sexagesimal int; read as text
    assert c.digest.to == ("me@example.org",)
    assert c.digest.sender == "Daily News <news@example.org>"
    assert c.digest.send_empty is True
    assert c.retention == 14 * 86400.0
    assert c.dedup == DedupConfig(window=10 * 86400.0, story_window=2 * 86400.0)
    assert c.smtp is not None
    assert c.smtp.security is SmtpSecurity.TLS
    assert c.smtp.port == 465  # default for implicit TLS
    assert c.smtp.password_env == "MY_SMTP_PASSWORD"
    assert c.smtp.timeout == 60.0


def test_example_config_loads() -> None:
    c = load_config(REPO / "config" / "aggregator.example.yaml")
    assert isinstance(c, Config)
    assert c.smtp is None
    assert c.database.name == "aggregator.db"
    assert 2 <= len(c.feeds) <= 4
    assert all(f.url.startswith("https://") for f in c.feeds)
    assert len(c.source_files) == (2 if c.feeds_file else 1)


def test_example_config_documents_every_key() -> None:
    from aggregator.config import (
        DEDUP_KEYS,
        DIGEST_KEYS,
        FEED_KEYS,
        FETCH_KEYS,
        SMTP_KEYS,
        TOP_KEYS,
    )

    text = (REPO / "config" / "aggregator.example.yaml").read_text()
    for key in (*TOP_KEYS, *FEED_KEYS, *FETCH_KEYS, *DIGEST_KEYS, *DEDUP_KEYS, *SMTP_KEYS):
        assert f"{key}:" in text, key


# ---- the pure parsers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1w", 604800),
     ("1h30m", 5400), ("1.5h", 5400), (" 45 s ", 45), ("2H", 7200)],
)  # fmt: skip
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "3.5", "m", "30 minutes", "1h 30x", "-5m", "1h,30m"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "size"),
    [("512KB", 512_000), ("5MB", 5_000_000), ("1GB", 10**9), ("100B", 100),
     ("1KiB", 1024), ("5MiB", 5 * 1024**2), ("5mb", 5_000_000), ("1.5 MB", 1_500_000)],
)  # fmt: skip
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "5", "5 megs", "MB", "-1MB", "5TB"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)


@pytest.mark.parametrize(
    ("text", "out"), [("7:00", "07:00"), ("00:00", "00:00"), ("23:59", "23:59")]
)
def test_parse_send_at(text: str, out: str) -> None:
    assert parse_send_at(text) == out


@pytest.mark.parametrize("text", ["24:00", "12:60", "7", "7.00", "07:00:00"])
def test_parse_send_at_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_send_at(text)


def test_database_may_be_a_postgresql_url_without_its_password(tmp_path: Path) -> None:
    from aggregator.store.target import PgTarget

    cfg = tmp_path / "agg.yaml"
    cfg.write_text(
        "database: postgresql://agg@db.example.org:5433/news\n"
        "database_password_env: AGG_DB_PASSWORD\n"
    )
    c = load_config(cfg)
    assert c.database == PgTarget("postgresql://agg@db.example.org:5433/news", "AGG_DB_PASSWORD")
    assert str(c.database) == "postgresql://agg@db.example.org:5433/news"
    cfg.write_text("database: postgresql://agg:hunter2@db.example.org/news\n")
    with pytest.raises(ConfigError) as e:
        load_config(cfg)
    message = str(e.value.issues[0])
    assert ":1:11:" in message and "password" in message and "hunter2" not in message
