"""Per-feed access (issue 15): the config keys and their errors at file:line:col, and the pure
parts of ``aggregator.poll.access`` (resolution from the environment, where credentials may
go, redaction, the auth messages). End to end: tests/test_feed_access_e2e.py."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import aggregator
from aggregator.config import FeedConfig, load_config
from aggregator.errors import ConfigError
from aggregator.poll.access import (
    REDACTED,
    AccessError,
    auth_message,
    feed_access,
    redact_urls,
    same_origin,
)

FEED = "feeds:\n  - url: https://m.example.org/feed.xml\n"


def load(tmp_path: Path, text: str) -> ConfigError | None:
    path = tmp_path / "agg.yaml"
    path.write_text(text)
    try:
        load_config(path)
    except ConfigError as e:
        return e
    return None


def test_the_access_keys_load(tmp_path: Path) -> None:
    path = tmp_path / "agg.yaml"
    path.write_text(
        FEED + "    user_agent: Reader/1.0 (+https://example.org)\n    username: me\n"
        "    password_env: M_PW\n"
        '    headers: {X-Api-Key: "${M_KEY}", Accept-Language: "uk, en;q=0.5", X-N: 5}\n'
        "  - https://plain.example.org/rss\n"
    )
    config = load_config(path)
    feed, plain = config.feeds
    assert feed.user_agent == "Reader/1.0 (+https://example.org)"
    assert (feed.username, feed.password_env) == ("me", "M_PW")
    assert feed.headers == (
        ("X-Api-Key", "${M_KEY}"), ("Accept-Language", "uk, en;q=0.5"), ("X-N", "5"),
    )  # fmt: skip
    assert (plain.user_agent, plain.username, plain.headers) == (None, None, ())
    assert config.fetch.user_agent == aggregator.USER_AGENT


BAD = [
    # (id, feed lines, line, col, fragments)
    ("password-literal", "    password: hunter2\n", 3, 5, ("password_env", "not allowed")),
    ("typo", "    user_agnet: x\n", 3, 5, ("did you mean 'user_agent'",)),
    ("username-alone", "    username: me\n", 3, 5, ("without password_env",)),
    ("password-env-alone", "    password_env: M_PW\n", 3, 5, ("without username",)),
    ("password-env-value", "    username: me\n    password_env: hunter 2\n", 4, 19,
     ("not an environment variable name",)),
    ("host", "    headers: {Host: evil.example}\n", 3, 15, ("Host may not be set",)),
    ("content-length", "    headers:\n      Content-Length: '0'\n", 4, 7, ("Content-Length",)),
    ("if-none-match", "    headers: {If-None-Match: '*'}\n", 3, 15,
     ("If-None-Match may not be set", "conditional GET")),
    ("if-modified-since", "    headers: {if-modified-since: x}\n", 3, 15, ("conditional GET",)),
    ("user-agent-header", "    headers: {User-Agent: x}\n", 3, 15, ("give user_agent:",)),
    ("accept-encoding", "    headers: {Accept-Encoding: br}\n", 3, 15, ("gzip/deflate",)),
    ("literal-authorization", "    headers: {Authorization: Bearer abc123}\n", 3, 30,
     ("carries a credential", "${FEED_TOKEN}")),
    ("bad-ref", '    headers: {X-Key: "${1BAD}"}\n', 3, 22, ("not an environment variable",)),
    ("unclosed-ref", '    headers: {X-Key: "${KEY"}\n', 3, 22, ("unclosed",)),
    ("bad-name", '    headers: {"X Key": v}\n', 3, 15, ("not a header name",)),
    ("twice", "    headers: {X-A: a, x-a: b}\n", 3, 23, ("given twice",)),
    ("not-mapping", "    headers: [X-A]\n", 3, 14, ("expected a mapping of headers",)),
    ("newline-ua", '    user_agent: "a\\nb"\n', 3, 17, ("printable ASCII",)),
    ("auth-and-login", "    username: me\n    password_env: P\n"
     '    headers: {Authorization: "Bearer ${T}"}\n', 5, 5, ("give one or the other",)),
]  # fmt: skip


@pytest.mark.parametrize(("lines", "line", "col", "fragments"), [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])  # fmt: skip
def test_access_errors_name_file_line_col(
    tmp_path: Path, lines: str, line: int, col: int, fragments: tuple[str, ...]
) -> None:
    error = load(tmp_path, FEED + lines)
    assert error is not None
    issue = error.issues[0]
    assert (issue.line, issue.col) == (line, col), issue
    for fragment in fragments:
        assert fragment in issue.message
    assert "hunter2" not in str(error) and "abc123" not in str(error)


def test_a_url_with_a_login_is_refused_without_repeating_it(tmp_path: Path) -> None:
    error = load(tmp_path, "feeds:\n  - url: https://me:hunter2@m.example.org/feed\n")
    assert error is not None
    assert "username: and password_env:" in str(error) and "hunter2" not in str(error)
    error = load(tmp_path, "feeds:\n  - https://me:hunter2@m.example.org/feed\n")
    assert error is not None and "hunter2" not in str(error)


def test_fetch_user_agent(tmp_path: Path) -> None:
    assert load(tmp_path, FEED + "fetch:\n  user_agent: Bot/2\n") is None
    error = load(tmp_path, FEED + "fetch:\n  user_agent: ''\n")
    assert error is not None and error.issues[0].line == 4


# ---- resolution from the environment -----------------------------------------------------------

LOGIN = FeedConfig(
    url="http://m.example.org/feed.xml",
    user_agent="R/1",
    username="me",
    password_env="M_PW",
    headers=(("X-Key", "k-${M_KEY}"), ("X-Plain", "aggregator")),
)


def test_feed_access_resolves_now_and_keeps_secrets_out_of_repr() -> None:
    access = feed_access(LOGIN, {"M_PW": "pw-123", "M_KEY": "key-456"})
    assert access is not None
    headers = access.headers_for(httpx.URL("http://m.example.org/other"))
    assert headers["Authorization"] == "Basic bWU6cHctMTIz"  # me:pw-123
    assert headers["X-Key"] == "k-key-456" and headers["X-Plain"] == "aggregator"
    assert access.user_agent == "R/1" and access.login
    assert "pw-123" not in repr(access) and "key-456" not in repr(access)
    assert feed_access(FeedConfig(url="https://x.example/f"), {}) is None


@pytest.mark.parametrize(
    ("env", "fragments"),
    [
        ({"M_KEY": "k"}, ("password_env names M_PW", "not set", LOGIN.url)),
        ({"M_PW": "", "M_KEY": "k"}, ("M_PW", "is empty")),
        ({"M_PW": "p"}, ("headers.X-Key: ${M_KEY}", "not set", LOGIN.url)),
        ({"M_PW": "p", "M_KEY": "bad\r\nInjected: yes"}, ("built from M_KEY", "printable")),
    ],
)
def test_a_missing_or_bad_variable_is_named_never_shown(
    env: dict[str, str], fragments: tuple[str, ...]
) -> None:
    with pytest.raises(AccessError) as raised:
        feed_access(LOGIN, env)
    for fragment in fragments:
        assert fragment in str(raised.value)
    assert "Injected" not in str(raised.value)


@pytest.mark.parametrize(
    ("target", "allowed"),
    [
        ("http://m.example.org/feed.xml", True),
        ("http://M.Example.org:80/x", True),
        ("https://m.example.org/x", True),  # the https upgrade of the same host
        ("https://m.example.org:8443/x", False),
        ("http://m.example.org:8080/x", False),
        ("http://cdn.example.org/x", False),
        ("http://example.org/x", False),
        ("http://m.example.org.evil.example/x", False),
    ],
)
def test_credentials_go_to_the_feeds_origin_only(target: str, allowed: bool) -> None:
    access = feed_access(LOGIN, {"M_PW": "p", "M_KEY": "k"})
    assert access is not None
    assert same_origin(access.origin, httpx.URL(target)) is allowed
    assert bool(access.headers_for(httpx.URL(target))) is allowed


def test_https_origin_is_not_downgraded() -> None:
    access = feed_access(
        FeedConfig(url="https://m.example.org/f", username="me", password_env="P"), {"P": "p"}
    )
    assert access is not None
    assert access.headers_for(httpx.URL("http://m.example.org/f")) == {}


def test_redaction() -> None:
    access = feed_access(LOGIN, {"M_PW": "pw-123", "M_KEY": "key-456"})
    assert access is not None
    text = (
        "LocalProtocolError: Illegal header value b'k-key-456' after Basic bWU6cHctMTIz "
        "pw-123 at https://u:pw@h.example/x"
    )
    out = access.redact(text)
    for secret in ("key-456", "bWU6cHctMTIz", "pw-123", "u:pw@"):
        assert secret not in out
    assert f"https://{REDACTED}@h.example/x" in out
    assert (
        redact_urls("see http://a:b@h/ and https://h/x@y")
        == f"see http://{REDACTED}@h/ and https://h/x@y"
    )


@pytest.mark.parametrize(
    ("status", "reason", "login", "sent", "expected"),
    [
        (401, "Unauthorized", True, True, "auth: 401 Unauthorized — check username/password_env"),
        (403, "Forbidden", True, True, "auth: 403 Forbidden — check username/password_env"),
        (401, "Unauthorized", False, False, "— the feed needs a login; set username"),
        (403, "Forbidden", False, True, "check the feed's headers"),
        (401, "", True, False, "auth: 401 — the feed redirected to another host"),
    ],
)
def test_auth_messages(status: int, reason: str, login: bool, sent: bool, expected: str) -> None:
    assert expected in auth_message(status, reason, login=login, sent=sent)
