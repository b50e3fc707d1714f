"""Per-feed access: user agent, HTTP basic auth and extra headers, and keeping their secrets
out of every message.

``feed_access(feed, environ)`` resolves a feed's ``user_agent``, ``username`` +
``password_env`` and ``headers`` (``${ENV_VAR}`` references) from the config and the
environment at each poll, so a changed variable or a reloaded config applies to the next
poll. A missing or unusable variable raises ``AccessError``, naming the variable and the
feed, never a value; the pipeline records it as that feed's ``auth`` error (a crash of one
feed's poll, never of the daemon).

Where credentials go: only to the *origin* (scheme, host, port) of the feed's configured
``url``, and to its ``https`` upgrade on the same host. A redirect to any other host, a
stored permanent redirect elsewhere, a discovered feed elsewhere and article pages get
neither the Authorization header nor the extra headers (which may carry tokens). httpx's own
client strips only Authorization on such redirects and keeps custom headers; we follow
redirects ourselves and strip both. The user agent goes everywhere the feed's requests go.

Redaction: ``FeedAccess.redact`` replaces every secret (the password, the Authorization
value, every resolved ``${...}`` value and header value that holds one) and any
``user:password@`` in a URL by ``***``; the fetcher applies it to every error it reports.
Feed URLs with a login in them are refused by the config (``feed_url_problem``), and
redirect targets lose theirs before they are followed or stored.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import httpx

from aggregator.config import FeedConfig
from aggregator.config.values import ENV_REF_RE, header_text_problem
from aggregator.errors import AggregatorError

REDACTED = "***"
_URL_LOGIN_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s@]*@")
_DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]  # scheme, host (lower case), port


class AccessError(AggregatorError):
    """A feed's credentials cannot be built (a variable is missing, empty or unusable)."""


def origin_of(url: httpx.URL) -> Origin:
    scheme = url.scheme.lower()
    return scheme, url.host.lower(), url.port or _DEFAULT_PORTS.get(scheme, 0)


def same_origin(allowed: Origin, url: httpx.URL) -> bool:
    """True when ``url`` may receive credentials meant for ``allowed``: the same scheme, host
    and port, or the https upgrade (default port) of an http origin on the same host."""
    target = origin_of(url)
    if target == allowed:
        return True
    scheme, host, port = allowed
    return scheme == "http" and port == 80 and target == ("https", host, 443)


def strip_login(url: httpx.URL) -> httpx.URL:
    """``url`` without a ``user:password@`` part (redirect targets)."""
    return url.copy_with(userinfo=b"") if url.userinfo else url


def redact_urls(text: str) -> str:
    """Any ``scheme://user:password@`` in ``text`` with the login replaced by ``***``."""
    return _URL_LOGIN_RE.sub(rf"\1{REDACTED}@", text)


@dataclass(frozen=True)
class FeedAccess:
    """What a feed's requests carry: the user agent (everywhere), and the headers (Authorization
    and the extras) that go only to ``origin``. Secrets are kept out of ``repr``."""

    origin: Origin
    user_agent: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    login: bool = False  # an Authorization header from username/password_env is among them
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def headers_for(self, url: httpx.URL) -> dict[str, str]:
        """The credential-bearing headers for a request to ``url`` ({} off the origin)."""
        return dict(self.headers) if same_origin(self.origin, url) else {}

    def redact(self, text: str) -> str:
        """``text`` with every secret of this feed, and any login in a URL, replaced."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return redact_urls(text)


def feed_access(feed: FeedConfig, environ: Mapping[str, str] | None = None) -> FeedAccess | None:
    """The feed's access, resolved now from ``environ`` (default: the process environment);
    None when the feed sets none of user_agent, username, headers. Raises ``AccessError``."""
    if feed.user_agent is None and feed.username is None and not feed.headers:
        return None
    env = os.environ if environ is None else environ
    headers: list[tuple[str, str]] = []
    secrets: list[str] = []
    if feed.username is not None and feed.password_env is not None:
        password = _variable(env, feed.password_env, "password_env", feed.url)
        token = base64.b64encode(f"{feed.username}:{password}".encode()).decode("ascii")
        headers.append(("Authorization", f"Basic {token}"))
        secrets += [password, token]
    for name, written in feed.headers:
        value, used = _expand(env, name, written, feed.url)
        headers.append((name, value))
        if used:  # a value built from the environment is a secret, whole and in parts
            secrets += [value, *used]
    return FeedAccess(
        origin=origin_of(httpx.URL(feed.url)),
        user_agent=feed.user_agent,
        headers=tuple(headers),
        login=feed.username is not None,
        secrets=tuple(s for s in secrets if s),
    )


def access_changed(old: Sequence[FeedConfig], new: Sequence[FeedConfig]) -> set[str]:
    """URLs of feeds in both lists whose user agent, login or headers changed (a reload):
    the daemon tries them again at once instead of waiting out an auth backoff."""

    def key(f: FeedConfig) -> tuple[object, ...]:
        return f.user_agent, f.username, f.password_env, f.headers

    before = {f.url: key(f) for f in old}
    return {f.url for f in new if f.url in before and before[f.url] != key(f)}


def _variable(env: Mapping[str, str], name: str, what: str, feed_url: str) -> str:
    value = env.get(name)
    if not value:
        state = "empty" if value == "" else "not set"
        raise AccessError(
            f"{what} names {name}, but that environment variable is {state} (feed {feed_url}); "
            "export it for the daemon (e.g. in the systemd EnvironmentFile)"
        )
    return value


def _expand(
    env: Mapping[str, str], header: str, written: str, feed_url: str
) -> tuple[str, list[str]]:
    """A header value with its ``${NAME}`` references replaced, and the values used."""
    used: list[str] = []

    def one(match: re.Match[str]) -> str:
        value = _variable(env, match.group(1), f"headers.{header}: ${{{match.group(1)}}}", feed_url)
        used.append(value)
        return value

    value = ENV_REF_RE.sub(one, written)
    problem = header_text_problem(value) if used else None
    if problem is not None:
        names = ", ".join(ENV_REF_RE.findall(written))
        raise AccessError(
            f"headers.{header}: the value built from {names} {problem} (feed {feed_url})"
        )
    return value, used


def auth_message(status: int, reason: str, *, login: bool, sent: bool) -> str:
    """The error of a 401/403: what happened and what to check. ``login``: the feed has
    username/password_env; ``sent``: its credentials went with the request that got this."""
    head = f"auth: {status} {reason}".rstrip()
    if login and not sent:
        return f"{head} — the feed redirected to another host, which never gets its login; " \
            "if that host is right, put its address in url:"  # fmt: skip
    if login:
        return f"{head} — check username/password_env"
    if sent:
        return f"{head} — the server refused the request; check the feed's headers"
    return f"{head} — the feed needs a login; set username and password_env (or headers)"
