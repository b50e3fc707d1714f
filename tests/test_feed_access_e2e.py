"""Feeds behind a login, end to end (issue 15): the real CLI or ``Pipeline`` against the local
HTTP server, a real SQLite file, the real environment; nothing of ours is replaced.

Covers basic auth with the right and a wrong password, a missing variable, per-feed and
global user agents, ``${ENV}`` headers, conditional GET with a login, redirects (credentials
stay on the feed's host), the per-host limit, hot reload of password_env, and that no secret
reaches the logs, ``status``, ``status --json``, ``export`` or ``export-opml``.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aggregator.config import load_config
from aggregator.pipeline import Pipeline
from aggregator.store import Store
from tests.support.cli import cli
from tests.support.httpd import FixtureHTTPServer, Reply, Request

PASSWORD = "Pa55-w0rd-4f8a1c"  # noqa: S105 - a test secret, grepped for below
TOKEN = "tok-7e6d5c4b3a29"  # noqa: S105
USER = "reader"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
SECRETS = (PASSWORD, TOKEN, BASIC.split()[1])
ENV = {"MEMBERS_PW": PASSWORD, "MEMBERS_TOKEN": TOKEN}


def rss(title: str, n: int) -> bytes:
    date = email.utils.format_datetime(datetime.now(UTC) - timedelta(hours=2))
    items = "".join(
        f"<item><guid>{title}-{i}</guid><link>https://{title}.example/{i}</link>"
        f"<title>{title} story {i}</title><pubDate>{date}</pubDate>"
        f"<description><![CDATA[<p>Body of {title} story {i}, long enough to keep.</p>]]>"
        "</description></item>"
        for i in range(n)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://{title}.example/</link>{items}</channel></rss>"
    ).encode()


def login_feed(body: bytes, etag: str = '"v1"') -> Callable[[Request], Reply]:
    """A feed behind basic auth (USER / PASSWORD) with ETag conditional GET."""

    def reply(req: Request) -> Reply:
        if req.headers.get("authorization") != BASIC:
            return Reply(401, body=b"login", headers={"WWW-Authenticate": 'Basic realm="m"'})
        if req.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        return Reply(200, body=body, headers={"ETag": etag, "Content-Type": "application/xml"})

    return reply


def write_config(path: Path, members_url: str, public_url: str, extra_feed: str = "") -> None:
    path.write_text(
        "database: state.db\n"
        "feeds:\n"
        f"  - url: {members_url}\n    name: Members\n    topic: Insider\n"
        "    full_text: never\n"
        "    user_agent: MemberReader/1.0\n"
        f"    username: {USER}\n    password_env: MEMBERS_PW\n"
        '    headers: {X-Api-Key: "${MEMBERS_TOKEN}", X-Client: aggregator-tests}\n'
        f"  - url: {public_url}\n    name: Public\n    topic: World\n    full_text: never\n"
        f"{extra_feed}"
        "fetch:\n  allow_private: true\n  timeout: 5s\n  user_agent: GlobalBot/3.0\n"
    )


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


@pytest.fixture
def site(httpd: FixtureHTTPServer, tmp_path: Path) -> tuple[FixtureHTTPServer, Path]:
    httpd.add("/members.xml", login_feed(rss("members", 2)))
    httpd.static("/public.xml", rss("public", 1))
    config = tmp_path / "agg.yaml"
    write_config(config, httpd.url("/members.xml"), httpd.url("/public.xml"))
    return httpd, config


def requests_to(httpd: FixtureHTTPServer, path: str) -> list[Request]:
    return [r for r in httpd.requests if r.path == path]


def test_login_feed_is_fetched_with_its_credentials_agent_and_headers(
    site: tuple[FixtureHTTPServer, Path],
) -> None:
    httpd, config = site
    run = cli(config, "--log-level", "debug", "fetch", env=ENV)
    assert run.returncode == 0, run.stderr
    lines = {line.split("\t")[0]: line for line in run.stdout.splitlines()}
    assert "\tok\t" in lines["Members"] and "new=2" in lines["Members"]
    assert "\tok\t" in lines["Public"]
    (members,) = requests_to(httpd, "/members.xml")
    assert members.headers["authorization"] == BASIC
    assert members.headers["x-api-key"] == TOKEN
    assert members.headers["x-client"] == "aggregator-tests"
    assert members.headers["user-agent"] == "MemberReader/1.0"  # the feed's own wins
    (public,) = requests_to(httpd, "/public.xml")
    assert public.headers["user-agent"] == "GlobalBot/3.0"  # fetch.user_agent
    assert "authorization" not in public.headers and "x-api-key" not in public.headers

    again = cli(config, "--log-level", "debug", "fetch", env=ENV)  # conditional GET, logged in
    assert "Members\tunchanged" in again.stdout, again.stdout + again.stderr
    last = requests_to(httpd, "/members.xml")[-1]
    assert last.headers["if-none-match"] == '"v1"' and last.headers["authorization"] == BASIC

    status = cli(config, "status", env=ENV)
    status_json = cli(config, "status", "--json", env=ENV)
    export = cli(config, "export", env=ENV)
    opml = cli(config, "export-opml", env=ENV)
    assert len(export.stdout.splitlines()) == 3
    assert_no_secret(
        run.stdout, run.stderr, again.stdout, again.stderr, status.stdout, status_json.stdout,
        export.stdout, opml.stdout, opml.stderr,
    )  # fmt: skip


def test_a_wrong_password_is_an_auth_error_with_backoff(
    site: tuple[FixtureHTTPServer, Path],
) -> None:
    httpd, config = site
    wrong = {**ENV, "MEMBERS_PW": "not-the-" + PASSWORD}
    run = cli(config, "--log-level", "debug", "fetch", env=wrong)
    assert run.returncode == 0, run.stderr
    line = next(s for s in run.stdout.splitlines() if s.startswith("Members"))
    fields = line.split("\t")
    assert fields[1] == "auth" and "status=401" in line
    assert "auth: 401 Unauthorized — check username/password_env" in line
    report = json.loads(cli(config, "status", "--json", env=wrong).stdout)
    (feed,) = [f for f in report["feeds"] if f["name"] == "Members"]
    assert feed["result"] == "auth" and feed["health"] == "login failing"
    assert feed["error_streak"] == 1 and feed["status"] == 401
    assert "parse" not in feed["result"]  # not a broken feed
    with Store(load_config(config).database) as store:
        state = store.feed_state(httpd.url("/members.xml"))
    assert state is not None and state.next_check_at is not None
    assert state.next_check_at > datetime.now(UTC) + timedelta(minutes=25)  # backoff, not now
    # the streak doubles the wait on the next failure
    forced = cli(config, "fetch", "--feed", "Members", env=wrong)
    assert "\tauth\t" in forced.stdout
    report = json.loads(cli(config, "status", "--json", env=wrong).stdout)
    (feed,) = [f for f in report["feeds"] if f["name"] == "Members"]
    assert feed["error_streak"] == 2
    assert_no_secret(run.stdout, run.stderr, json.dumps(report), forced.stdout)
    assert "not-the-" not in run.stdout + run.stderr + forced.stdout


def test_a_missing_variable_is_the_feeds_error_naming_it(
    site: tuple[FixtureHTTPServer, Path],
) -> None:
    httpd, config = site
    run = cli(config, "fetch", env={"MEMBERS_PW": PASSWORD, "MEMBERS_TOKEN": ""})
    assert run.returncode == 0, run.stderr
    line = next(s for s in run.stdout.splitlines() if s.startswith("Members"))
    assert "\tauth\t" in line and "MEMBERS_TOKEN" in line and "is empty" in line
    assert httpd.url("/members.xml") in line
    assert requests_to(httpd, "/members.xml") == []  # nothing sent without its credentials
    assert "Public\tok" in run.stdout  # the other feed is polled
    assert_no_secret(run.stdout, run.stderr)


def test_credentials_stay_on_the_feeds_host_across_redirects(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    with FixtureHTTPServer(host="127.0.0.2") as other:
        other.add("/elsewhere.xml", Reply(401, body=b"no"))
        httpd.add("/members.xml", Reply(302, headers={"Location": "/real.xml"}))
        httpd.add("/real.xml", login_feed(rss("members", 1)))
        httpd.add("/away.xml", Reply(302, headers={"Location": other.url("/elsewhere.xml")}))
        config = tmp_path / "agg.yaml"
        away = (
            f"  - url: {httpd.url('/away.xml')}\n    name: Away\n"
            f"    username: {USER}\n    password_env: MEMBERS_PW\n"
            '    headers: {X-Api-Key: "${MEMBERS_TOKEN}"}\n'
        )
        write_config(config, httpd.url("/members.xml"), httpd.url("/members.xml?p"), away)
        httpd.static("/members.xml?p", rss("public", 1))
        run = cli(config, "fetch", env=ENV)
        assert "Members\tok" in run.stdout, run.stdout + run.stderr
        # same host: the login follows the redirect
        assert requests_to(httpd, "/real.xml")[0].headers["authorization"] == BASIC
        # another host: neither the login nor the token, but the feed's user agent
        (hop,) = other.requests
        assert "authorization" not in hop.headers and "x-api-key" not in hop.headers
        line = next(s for s in run.stdout.splitlines() if s.startswith("Away"))
        assert "\tauth\t" in line and "redirected to another host" in line
        assert_no_secret(run.stdout, run.stderr)


def test_a_login_in_a_redirect_url_is_dropped_and_never_shown(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    url_password = "url-pass-31d9e0"  # noqa: S105
    target = httpd.url("/loop.xml").replace("http://", f"http://intruder:{url_password}@")
    httpd.add("/old.xml", Reply(302, headers={"Location": target}))
    httpd.add("/loop.xml", Reply(302, headers={"Location": "/old.xml"}))  # a loop: an error
    config = tmp_path / "agg.yaml"
    write_config(config, httpd.url("/old.xml"), httpd.url("/public.xml"))
    httpd.static("/public.xml", rss("public", 1))
    run = cli(config, "--log-level", "debug", "fetch", env=ENV)
    line = next(s for s in run.stdout.splitlines() if s.startswith("Members"))
    assert "too_many_redirects" in line and "redirect loop" in line
    (hop,) = requests_to(httpd, "/loop.xml")
    assert hop.headers["authorization"] == BASIC  # the feed's own login, not the URL's
    status = cli(config, "status", "--json", env=ENV)
    for text in (run.stdout, run.stderr, status.stdout):
        assert url_password not in text and "intruder" not in text
        assert_no_secret(text)


def test_per_host_limit_holds_with_logins(httpd: FixtureHTTPServer, tmp_path: Path) -> None:
    slow = login_feed(rss("members", 1))

    def delayed(req: Request) -> Reply:
        reply = slow(req)
        reply.delay = 0.2
        return reply

    feeds = ""
    for i in range(4):
        httpd.add(f"/m{i}.xml", delayed)
        feeds += (
            f"  - url: {httpd.url(f'/m{i}.xml')}\n    full_text: never\n"
            f"    username: {USER}\n    password_env: MEMBERS_PW\n"
        )
    config = tmp_path / "agg.yaml"
    config.write_text(
        f"database: state.db\nfeeds:\n{feeds}"
        "fetch:\n  allow_private: true\n  per_host: 1\n  concurrency: 4\n"
    )
    run = cli(config, "fetch", env=ENV)
    assert run.stdout.count("\tok\t") == 4, run.stdout + run.stderr
    assert httpd.max_in_flight == 1
    assert all(r.headers.get("authorization") == BASIC for r in httpd.requests)


def test_hot_reload_applies_a_new_password_env_on_the_next_poll(
    site: tuple[FixtureHTTPServer, Path],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    httpd, config_path = site
    monkeypatch.setenv("OLD_PW", "stale-" + PASSWORD)
    monkeypatch.setenv("MEMBERS_PW", PASSWORD)
    monkeypatch.setenv("MEMBERS_TOKEN", TOKEN)
    config_path.write_text(config_path.read_text().replace("MEMBERS_PW", "OLD_PW"))
    config = load_config(config_path)
    caplog.set_level(logging.DEBUG)
    with Store(config.database) as store:
        pipeline = Pipeline(config, store, workers=0)
        try:
            first = asyncio.run(pipeline.poll(config.feeds[:1], enrich=False))
            assert first[0].outcome == "auth"
            config_path.write_text(config_path.read_text().replace("OLD_PW", "MEMBERS_PW"))
            new = load_config(config_path)
            pipeline.reconfigure(new)  # what the daemon's reload does
            second = asyncio.run(pipeline.poll(new.feeds[:1], enrich=False))
        finally:
            pipeline.close()
    assert second[0].outcome == "ok" and second[0].new == 2
    assert_no_secret(caplog.text)
    assert "stale-" not in caplog.text


def test_the_daemon_tries_a_fixed_login_at_once_after_a_reload(
    site: tuple[FixtureHTTPServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Daemon on the controllable clock: a wrong variable -> auth error and backoff; the YAML
    edited to name the right variable -> the next tick polls the feed (no backoff wait)."""
    from aggregator.scheduler import Daemon
    from tests.support.clock import Clock

    httpd, config_path = site
    monkeypatch.setenv("OLD_PW", "stale-" + PASSWORD)
    monkeypatch.setenv("MEMBERS_PW", PASSWORD)
    monkeypatch.setenv("MEMBERS_TOKEN", TOKEN)
    config_path.write_text(config_path.read_text().replace("MEMBERS_PW", "OLD_PW"))
    clock = Clock(datetime.now(UTC))
    members = httpd.url("/members.xml")

    async def scenario() -> None:
        d = Daemon(load_config(config_path), clock=clock)
        try:
            await d.tick()
            state = d.store.feed_state(members)
            assert state is not None and state.last_outcome == "auth"
            clock.advance(seconds=30)
            await d.tick()  # in backoff: not polled again
            assert len(requests_to(httpd, "/members.xml")) == 1
            config_path.write_text(config_path.read_text().replace("OLD_PW", "MEMBERS_PW"))
            clock.advance(seconds=30)
            t = clock().timestamp() + 5
            os.utime(config_path, (t, t))
            await d.reload()
            await d.tick()
            state = d.store.feed_state(members)
            assert state is not None and state.last_outcome == "ok", state
            assert state.error_streak == 0
        finally:
            d.pipeline.close()
            d.store.close()

    asyncio.run(scenario())
