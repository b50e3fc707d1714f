"""Fetcher tests: the pure decisions as tables, the I/O shell against a real loopback server.

Loopback is private, so fetches use ``allow_private=True`` except in the guard tests.
Timeouts are short (fractions of a second) so the whole file runs in a few seconds.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import logging
import socket
import ssl
import time
import tracemalloc
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from aggregator.config import FetchConfig
from aggregator.errors import BlockedAddressError
from aggregator.poll.fetch import (
    HTML_ACCEPT,
    MAX_DELAY,
    MAX_REDIRECTS,
    BodyTooLargeError,
    ContentDecodingError,
    Fetcher,
    InvalidURLError,
    IPAddress,
    TooManyRedirectsError,
    blocked_reason,
    classify,
    is_blocked_address,
    parse_max_age,
    parse_retry_after,
    plan_next_check,
)
from aggregator.types import FetchResult, Outcome
from tests.support.httpd import FixtureHTTPServer, Reply, Request

FAST = FetchConfig(timeout=0.5, max_bytes=100_000, concurrency=8, per_host=2, allow_private=True)
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def fetch(cfg: FetchConfig, url: str, **kw: Any) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(cfg, **kw.pop("fetcher_kw", {})) as f:
            return await f.fetch(url, **kw)

    return asyncio.run(go())


# ---- classify ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "exc", "expected"),
    [
        (200, None, Outcome.OK),
        (203, None, Outcome.OK),
        (204, None, Outcome.OK),
        (304, None, Outcome.NOT_MODIFIED),
        (301, None, Outcome.INVALID),  # a redirect that reached classify had no usable Location
        (300, None, Outcome.INVALID),
        (400, None, Outcome.CLIENT_ERROR),
        (401, None, Outcome.AUTH),  # a login missing or refused, not a broken feed
        (403, None, Outcome.AUTH),
        (404, None, Outcome.NOT_FOUND),
        (408, None, Outcome.TIMEOUT),
        (410, None, Outcome.GONE),
        (429, None, Outcome.RATE_LIMITED),
        (451, None, Outcome.CLIENT_ERROR),
        (500, None, Outcome.SERVER_ERROR),
        (502, None, Outcome.SERVER_ERROR),
        (503, None, Outcome.SERVER_ERROR),
        (504, None, Outcome.SERVER_ERROR),
        (None, httpx.ReadTimeout("r"), Outcome.TIMEOUT),
        (None, httpx.ConnectTimeout("c"), Outcome.TIMEOUT),
        (None, httpx.PoolTimeout("p"), Outcome.TIMEOUT),
        (None, TimeoutError(), Outcome.TIMEOUT),  # the overall deadline (an OSError subclass)
        (None, httpx.ConnectError("refused"), Outcome.NETWORK),
        (None, httpx.ReadError("reset"), Outcome.NETWORK),
        (200, httpx.RemoteProtocolError("incomplete body"), Outcome.NETWORK),  # exc wins
        (None, ssl.SSLCertVerificationError("bad cert"), Outcome.NETWORK),
        (None, ConnectionResetError(), Outcome.NETWORK),
        (None, socket.gaierror("no such host"), Outcome.NETWORK),
        (None, zlib.error("bad"), Outcome.NETWORK),
        (200, ContentDecodingError("br"), Outcome.NETWORK),
        (None, BlockedAddressError("10.0.0.1"), Outcome.BLOCKED),
        (200, BodyTooLargeError("big"), Outcome.TOO_LARGE),
        (301, TooManyRedirectsError("loop"), Outcome.TOO_MANY_REDIRECTS),
        (None, httpx.TooManyRedirects("x"), Outcome.TOO_MANY_REDIRECTS),
        (None, InvalidURLError("ftp"), Outcome.INVALID),
        (None, httpx.InvalidURL("x"), Outcome.INVALID),
        (None, httpx.UnsupportedProtocol("x"), Outcome.INVALID),
    ],
)
def test_classify_table(status: int | None, exc: BaseException | None, expected: Outcome) -> None:
    assert classify(status, exc) is expected


def test_classify_needs_something() -> None:
    with pytest.raises(ValueError):
        classify(None, None)


# ---- plan_next_check -----------------------------------------------------------------------

H = 3600.0


def _res(outcome: Outcome, **kw: Any) -> FetchResult:
    return FetchResult(url="http://x/", outcome=outcome, **kw)


@pytest.mark.parametrize(
    ("result", "interval", "streak", "ttl", "expected_delay", "expected_streak"),
    [
        # success: the interval, or a longer server hint, capped at a day; streak resets
        (_res(Outcome.OK), 1800, 0, None, 1800, 0),
        (_res(Outcome.OK), 1800, 7, None, 1800, 0),
        (_res(Outcome.NOT_MODIFIED), 1800, 3, None, 1800, 0),
        (_res(Outcome.OK, max_age=60.0), 1800, 0, None, 1800, 0),  # shorter hint ignored
        (_res(Outcome.OK, max_age=2 * H), 1800, 0, None, 2 * H, 0),
        (_res(Outcome.OK), 1800, 0, 90, 90 * 60, 0),  # RSS ttl in minutes
        (_res(Outcome.OK, max_age=2 * H), 1800, 0, 180, 3 * H, 0),  # the longest hint wins
        (_res(Outcome.OK, max_age=30 * 86400.0), 1800, 0, None, MAX_DELAY, 0),  # capped
        (_res(Outcome.OK), 3 * 86400.0, 0, None, MAX_DELAY, 0),  # never beyond the cap
        # errors: interval * 2**streak, capped, never giving up
        (_res(Outcome.SERVER_ERROR), 1800, 0, None, 1800, 1),
        (_res(Outcome.SERVER_ERROR), 1800, 1, None, 3600, 2),
        (_res(Outcome.TIMEOUT), 1800, 2, None, 7200, 3),
        (_res(Outcome.NETWORK), 1800, 5, None, 57600, 6),
        (_res(Outcome.NETWORK), 1800, 6, None, MAX_DELAY, 7),
        (_res(Outcome.BLOCKED), 1800, 10_000, None, MAX_DELAY, 10_001),
        (_res(Outcome.NOT_FOUND, max_age=5 * H), 1800, 0, 600, 1800, 1),  # hints ignored on errors
        # Retry-After: at least that long, capped
        (_res(Outcome.RATE_LIMITED, retry_after=7200.0), 1800, 0, None, 7200, 1),
        (_res(Outcome.RATE_LIMITED, retry_after=10.0), 1800, 2, None, 7200, 3),
        (_res(Outcome.SERVER_ERROR, retry_after=1e9), 1800, 0, None, MAX_DELAY, 1),
    ],
)
def test_plan_next_check_table(
    result: FetchResult,
    interval: float,
    streak: int,
    ttl: int | None,
    expected_delay: float,
    expected_streak: int,
) -> None:
    when, new_streak = plan_next_check(
        NOW, result, interval=interval, error_streak=streak, ttl_minutes=ttl
    )
    assert when == NOW + timedelta(seconds=expected_delay)
    assert new_streak == expected_streak


def test_plan_next_check_gone_stops_the_feed() -> None:
    assert plan_next_check(NOW, _res(Outcome.GONE), interval=1800, error_streak=2) == (None, 3)


# ---- address guard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "blocked"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("172.31.255.255", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),  # cloud metadata endpoint
        ("0.0.0.0", True),
        ("100.64.0.1", True),  # carrier-grade NAT: not globally routable
        ("224.0.0.1", True),
        ("240.0.0.1", True),
        ("255.255.255.255", True),
        ("::1", True),
        ("::", True),
        ("fe80::1", True),
        ("fe80::1%eth0", True),
        ("fc00::1", True),
        ("fd12:3456::1", True),
        ("ff02::1", True),
        ("::ffff:127.0.0.1", True),  # IPv4-mapped loopback
        ("::ffff:10.0.0.1", True),
        ("::ffff:192.168.0.1", True),
        ("2002:7f00:1::", True),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:1", True),  # NAT64 wrapping 10.0.0.1
        ("8.8.8.8", False),
        ("93.184.216.34", False),
        ("1.1.1.1", False),
        ("172.32.0.1", False),  # just outside 172.16/12
        ("2606:4700:4700::1111", False),
        ("::ffff:8.8.8.8", False),
        ("64:ff9b::808:808", False),  # NAT64 wrapping 8.8.8.8
    ],
)
def test_is_blocked_address_table(ip: str, blocked: bool) -> None:
    assert is_blocked_address(ip) is blocked


def test_blocked_reason_names_the_kind() -> None:
    assert blocked_reason("127.0.0.1") == "loopback"
    assert blocked_reason("192.168.0.1") == "private"
    assert blocked_reason("169.254.1.1") == "link-local"
    assert blocked_reason("::ffff:127.0.0.1") == "IPv4-mapped loopback"
    assert blocked_reason("8.8.8.8") is None


def test_refuses_loopback_by_ip_and_by_name(httpd: FixtureHTTPServer) -> None:
    httpd.static("/feed.xml", b"<rss/>")
    guarded = FetchConfig(timeout=0.5, allow_private=False)
    for url in (httpd.url("/feed.xml"), f"http://localhost:{httpd.port}/feed.xml"):
        r = fetch(guarded, url)
        assert r.outcome is Outcome.BLOCKED, url
        assert any(addr in (r.error or "") for addr in ("127.0.0.1", "::1")), r.error
        assert "loopback" in (r.error or "")
        assert r.body is None
    assert httpd.hits("/feed.xml") == 0  # refused before connecting
    assert fetch(FAST, httpd.url("/feed.xml")).outcome is Outcome.OK  # allowed when configured


def _only_first_loopback(ip: IPAddress) -> str | None:
    """Policy modelling "127.0.0.1 is a public host": everything else uses the real rules."""
    return None if ip == ipaddress.ip_address("127.0.0.1") else blocked_reason(ip)


def test_redirect_to_private_address_is_refused(httpd: FixtureHTTPServer) -> None:
    httpd.add("/hop", Reply(302, headers={"Location": f"http://127.0.0.2:{httpd.port}/internal"}))
    httpd.add("/fine", Reply(200, body=b"public"))
    guarded = FetchConfig(timeout=0.5, allow_private=False)
    kw = {"fetcher_kw": {"address_policy": _only_first_loopback}}
    assert fetch(guarded, httpd.url("/fine"), **kw).outcome is Outcome.OK  # first host allowed
    r = fetch(guarded, httpd.url("/hop"), **kw)
    assert r.outcome is Outcome.BLOCKED
    assert "127.0.0.2" in (r.error or "") and "loopback" in (r.error or "")
    assert r.final_url == f"http://127.0.0.2:{httpd.port}/internal"


# ---- the real server: status codes ---------------------------------------------------------


def test_200_body_validators_and_user_agent(httpd: FixtureHTTPServer) -> None:
    httpd.static("/feed.xml", b"<rss>hello</rss>")
    r = fetch(FAST, httpd.url("/feed.xml"))
    assert r.outcome is Outcome.OK and r.status == 200
    assert r.body == b"<rss>hello</rss>"
    assert r.etag and r.etag.startswith('"')
    assert r.last_modified and r.last_modified.endswith("GMT")
    assert r.headers["content-type"] == "application/rss+xml"
    assert r.final_url == r.url == httpd.url("/feed.xml") and r.permanent_url is None
    req = httpd.requests[-1]
    assert req.headers["user-agent"].startswith("aggregator/")
    assert "application/rss+xml" in req.headers["accept"]
    assert "if-none-match" not in req.headers and "if-modified-since" not in req.headers
    assert r.elapsed_ms > 0


def test_article_pages_ask_for_html(httpd: FixtureHTTPServer) -> None:
    httpd.add("/a.html", Reply(body=b"<html>article</html>", headers={"Content-Type": "text/html"}))
    r = fetch(FAST, httpd.url("/a.html"), accept=HTML_ACCEPT)
    assert r.outcome is Outcome.OK and r.body == b"<html>article</html>"
    assert httpd.requests[-1].headers["accept"].startswith("text/html")


def test_conditional_get_304_then_change(httpd: FixtureHTTPServer) -> None:
    httpd.static("/feed.xml", b"<rss>v1</rss>")
    first = fetch(FAST, httpd.url("/feed.xml"))
    second = fetch(FAST, httpd.url("/feed.xml"), etag=first.etag, last_modified=first.last_modified)
    assert second.outcome is Outcome.NOT_MODIFIED and second.status == 304
    assert second.body is None
    seen = httpd.requests[-1].headers
    assert seen["if-none-match"] == first.etag
    assert seen["if-modified-since"] == first.last_modified
    # Last-Modified alone also works (servers without ETags)
    only_lm = fetch(FAST, httpd.url("/feed.xml"), last_modified=first.last_modified)
    assert only_lm.outcome is Outcome.NOT_MODIFIED
    httpd.set_body("/feed.xml", b"<rss>v2</rss>")
    third = fetch(FAST, httpd.url("/feed.xml"), etag=first.etag, last_modified=first.last_modified)
    assert third.outcome is Outcome.OK and third.body == b"<rss>v2</rss>"
    assert third.etag != first.etag


@pytest.mark.parametrize(
    ("codes", "permanent"),
    [
        ((301,), True),
        ((302,), False),
        ((307,), False),
        ((308,), True),
        ((301, 308), True),
        ((301, 302), False),
        ((302, 301), False),
    ],
)
def test_redirects_and_permanent_url(
    httpd: FixtureHTTPServer, codes: tuple[int, ...], permanent: bool
) -> None:
    for i, code in enumerate(codes):
        nxt = f"/r{i + 1}" if i + 1 < len(codes) else "/final.xml"
        # alternate relative and absolute Location headers
        httpd.add(f"/r{i}", Reply(code, headers={"Location": nxt if i % 2 else httpd.url(nxt)}))
    httpd.static("/final.xml", b"<rss>moved</rss>")
    r = fetch(FAST, httpd.url("/r0"))
    assert r.outcome is Outcome.OK and r.body == b"<rss>moved</rss>"
    assert r.url == httpd.url("/r0")
    assert r.final_url == httpd.url("/final.xml")
    assert r.permanent_url == (httpd.url("/final.xml") if permanent else None)


def test_redirect_loop(httpd: FixtureHTTPServer) -> None:
    httpd.add("/a", Reply(301, headers={"Location": "/b"}))
    httpd.add("/b", Reply(302, headers={"Location": "/a"}))
    r = fetch(FAST, httpd.url("/a"))
    assert r.outcome is Outcome.TOO_MANY_REDIRECTS
    assert "loop" in (r.error or "")
    assert httpd.hits("/a") == 1 and httpd.hits("/b") == 1


@pytest.mark.parametrize(
    ("hops", "outcome"),
    [(MAX_REDIRECTS, Outcome.OK), (MAX_REDIRECTS + 1, Outcome.TOO_MANY_REDIRECTS)],
)
def test_redirect_limit(httpd: FixtureHTTPServer, hops: int, outcome: Outcome) -> None:
    for i in range(hops):
        httpd.add(f"/h{i}", Reply(301, headers={"Location": f"/h{i + 1}"}))
    httpd.add(f"/h{hops}", Reply(200, body=b"end"))
    r = fetch(FAST, httpd.url("/h0"))
    assert r.outcome is outcome
    assert sum(httpd.hits(f"/h{i}") for i in range(hops + 1)) == min(hops, MAX_REDIRECTS) + 1


def test_redirect_to_other_scheme_or_without_location(httpd: FixtureHTTPServer) -> None:
    httpd.add("/ftp", Reply(301, headers={"Location": "ftp://example.org/feed"}))
    httpd.add("/bare", Reply(302))
    r = fetch(FAST, httpd.url("/ftp"))
    assert r.outcome is Outcome.INVALID and "ftp" in (r.error or "")
    r = fetch(FAST, httpd.url("/bare"))
    assert r.outcome is Outcome.INVALID and r.status == 302


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (404, Outcome.NOT_FOUND),
        (410, Outcome.GONE),
        (401, Outcome.AUTH),
        (403, Outcome.AUTH),
        (500, Outcome.SERVER_ERROR),
        (502, Outcome.SERVER_ERROR),
    ],
)
def test_error_statuses(httpd: FixtureHTTPServer, status: int, outcome: Outcome) -> None:
    httpd.add("/x", Reply(status, body=b"nope", headers={"Cache-Control": "max-age=99999"}))
    r = fetch(FAST, httpd.url("/x"))
    assert r.outcome is outcome and r.status == status
    assert r.body is None and r.etag is None and r.max_age is None
    assert r.error is not None and str(status) in r.error


def test_unknown_path_is_404(httpd: FixtureHTTPServer) -> None:
    assert fetch(FAST, httpd.url("/nothing-here")).outcome is Outcome.NOT_FOUND


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_and_date(httpd: FixtureHTTPServer, status: int) -> None:
    httpd.add("/secs", Reply(status, headers={"Retry-After": "120"}))
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=600), usegmt=True)
    httpd.add("/date", Reply(status, headers={"Retry-After": later}))
    httpd.add("/ok", Reply(200, body=b"x", headers={"Retry-After": "120"}))
    r = fetch(FAST, httpd.url("/secs"))
    assert r.outcome is classify(status, None) and r.retry_after == 120.0
    r = fetch(FAST, httpd.url("/date"))
    assert r.retry_after is not None and 590 <= r.retry_after <= 600
    assert fetch(FAST, httpd.url("/ok")).retry_after is None  # only on 429/503
    when, _ = plan_next_check(NOW, r, interval=60, error_streak=0)
    assert when is not None and (when - NOW).total_seconds() == pytest.approx(r.retry_after)


def test_cache_hints(httpd: FixtureHTTPServer) -> None:
    httpd.add("/cc", Reply(body=b"x", headers={"Cache-Control": "public, max-age=7200"}))
    date = datetime(2026, 1, 1, tzinfo=UTC)
    httpd.add(
        "/exp",
        Reply(
            body=b"x",
            headers={
                "Date": format_datetime(date, usegmt=True),
                "Expires": format_datetime(date + timedelta(hours=3), usegmt=True),
            },
        ),
    )
    assert fetch(FAST, httpd.url("/cc")).max_age == 7200.0
    assert fetch(FAST, httpd.url("/exp")).max_age == 3 * 3600.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Thu, 01 Jan 2026 12:05:00 GMT", 300.0),
        ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0),  # in the past
        ("soon", None),
        ("-5", None),
        (None, None),
    ],
)
def test_parse_retry_after_table(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"cache-control": "max-age=600"}, 600.0),
        ({"cache-control": 'public, max-age="60"'}, 60.0),
        ({"cache-control": "no-cache, max-age=600"}, None),
        ({"cache-control": "no-store"}, None),
        ({"cache-control": "max-age=600", "expires": "Thu, 01 Jan 2026 20:00:00 GMT"}, 600.0),
        ({"expires": "Thu, 01 Jan 2026 13:00:00 GMT"}, 3600.0),  # relative to now
        (
            {"expires": "Thu, 01 Jan 2026 13:00:00 GMT", "date": "Thu, 01 Jan 2026 12:30:00 GMT"},
            1800.0,
        ),
        ({"expires": "0"}, 0.0),  # invalid Expires = already expired
        ({"cache-control": "max-age=soon"}, None),
    ],
)
def test_parse_max_age_table(headers: dict[str, str], expected: float | None) -> None:
    assert parse_max_age(headers, NOW) == expected


def test_server_errors_back_off_then_recover(httpd: FixtureHTTPServer) -> None:
    calls = {"n": 0}

    def flaky(req: Request) -> Reply:
        calls["n"] += 1
        return Reply(500) if calls["n"] <= 3 else Reply(200, body=b"<rss/>")

    httpd.add("/flaky", flaky)
    now, streak, delays = NOW, 0, []
    for _ in range(4):
        r = fetch(FAST, httpd.url("/flaky"))
        when, streak = plan_next_check(now, r, interval=600, error_streak=streak)
        assert when is not None
        delays.append(((when - now).total_seconds(), r.outcome, streak))
        now = when
    assert delays == [
        (600, Outcome.SERVER_ERROR, 1),
        (1200, Outcome.SERVER_ERROR, 2),
        (2400, Outcome.SERVER_ERROR, 3),
        (600, Outcome.OK, 0),
    ]


def test_gone_stops_scheduling(httpd: FixtureHTTPServer) -> None:
    httpd.add("/gone", Reply(410))
    r = fetch(FAST, httpd.url("/gone"))
    assert plan_next_check(NOW, r, interval=600, error_streak=0)[0] is None


# ---- time and size limits ------------------------------------------------------------------


def test_read_timeout(httpd: FixtureHTTPServer) -> None:
    httpd.add("/slow", Reply(body=b"late", delay=2.0))
    t0 = time.monotonic()
    r = fetch(FetchConfig(timeout=0.3, allow_private=True), httpd.url("/slow"))
    assert r.outcome is Outcome.TIMEOUT
    assert time.monotonic() - t0 < 1.5


def test_slowloris_hits_the_overall_deadline(httpd: FixtureHTTPServer) -> None:
    # 64-byte pieces every 0.1 s: each read is well inside the read timeout, the whole is not
    httpd.add("/trickle", Reply(body=b"x" * 64 * 40, chunk_delay=0.1))
    t0 = time.monotonic()
    r = fetch(FetchConfig(timeout=0.4, allow_private=True), httpd.url("/trickle"))
    took = time.monotonic() - t0
    assert r.outcome is Outcome.TIMEOUT and r.status == 200
    assert "0.4s" in (r.error or "")
    assert took < 1.2, took  # the trickle alone would take 3.9 s


def test_connection_refused_is_network(httpd: FixtureHTTPServer) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = fetch(FAST, f"http://127.0.0.1:{port}/feed")
    assert r.outcome is Outcome.NETWORK and r.status is None


@pytest.mark.parametrize(
    "url", ["ftp://example.org/feed", "file:///etc/passwd", "http://", "not a url"]
)
def test_invalid_urls(url: str) -> None:
    assert fetch(FAST, url).outcome is Outcome.INVALID


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=b"x" * 150_000),  # with Content-Length: refused before the body
        Reply(body=b"x" * 150_000, chunked=True),  # no Content-Length: stopped while streaming
        Reply(endless=True),  # never ends
    ],
    ids=["content-length", "chunked", "endless"],
)
def test_oversized_body(httpd: FixtureHTTPServer, reply: Reply) -> None:
    httpd.add("/big", reply)
    r = fetch(FAST, httpd.url("/big"))
    assert r.outcome is Outcome.TOO_LARGE and r.body is None
    assert "100000" in (r.error or "")


def test_body_exactly_at_cap_is_accepted(httpd: FixtureHTTPServer) -> None:
    httpd.add("/cap", Reply(body=b"y" * FAST.max_bytes, chunked=True))
    r = fetch(FAST, httpd.url("/cap"))
    assert r.outcome is Outcome.OK and r.body is not None and len(r.body) == FAST.max_bytes


def test_gzip_bomb_stops_at_the_cap_with_bounded_memory(httpd: FixtureHTTPServer) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)  # ~50 KB on the wire
    assert len(bomb) < FAST.max_bytes  # so Content-Length cannot be what stops it
    httpd.add("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    tracemalloc.start()
    try:
        r = fetch(
            FetchConfig(timeout=2.0, max_bytes=1_000_000, allow_private=True), httpd.url("/bomb")
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.outcome is Outcome.TOO_LARGE
    assert "after decompression" in (r.error or "")
    assert peak < 10_000_000, peak  # never inflated the 50 MB


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
        ("gzip", lambda b: gzip.compress(b[:500]) + gzip.compress(b[500:])),  # two members
    ],
)
def test_compressed_bodies_decode(
    httpd: FixtureHTTPServer, encoding: str, compress: Callable[[bytes], bytes]
) -> None:
    text = b"<rss>" + b"news item " * 300 + b"</rss>"
    httpd.add("/z", Reply(body=compress(text), headers={"Content-Encoding": encoding}))
    r = fetch(FAST, httpd.url("/z"))
    assert r.outcome is Outcome.OK and r.body == text
    assert httpd.requests[-1].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("encoding", "body"), [("br", b"\x1b\x00"), ("gzip", b"this is not gzip at all")]
)
def test_undecodable_bodies_are_network_errors(
    httpd: FixtureHTTPServer, encoding: str, body: bytes
) -> None:
    httpd.add("/bad", Reply(body=body, headers={"Content-Encoding": encoding}))
    r = fetch(FAST, httpd.url("/bad"))
    assert r.outcome is Outcome.NETWORK and r.status == 200


def test_connection_dropped_mid_body(httpd: FixtureHTTPServer) -> None:
    httpd.add("/drop", Reply(body=b"z" * 5000, drop_after=1000))
    r = fetch(FAST, httpd.url("/drop"))
    assert r.outcome is Outcome.NETWORK and r.status == 200 and r.body is None


# ---- concurrency ---------------------------------------------------------------------------


def _gather(cfg: FetchConfig, urls: list[str]) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(cfg) as f:
            return list(await asyncio.gather(*(f.fetch(u) for u in urls)))

    return asyncio.run(go())


def test_per_host_limit(httpd: FixtureHTTPServer) -> None:
    httpd.add("/slow", Reply(body=b"ok", delay=0.1))
    cfg = FetchConfig(timeout=2.0, concurrency=16, per_host=2, allow_private=True)
    results = _gather(cfg, [httpd.url(f"/slow?{i}") for i in range(6)])
    assert all(r.outcome is Outcome.OK for r in results)
    assert httpd.max_in_flight == 2


def test_per_host_limit_is_per_host_name(httpd: FixtureHTTPServer) -> None:
    # 127.0.0.1 and localhost are two hosts to the limiter: one slot each -> 2 in flight
    httpd.add("/slow", Reply(body=b"ok", delay=0.1))
    cfg = FetchConfig(timeout=2.0, concurrency=16, per_host=1, allow_private=True)
    urls = [httpd.url(f"/slow?a{i}") for i in range(3)]
    urls += [f"http://localhost:{httpd.port}/slow?b{i}" for i in range(3)]
    results = _gather(cfg, urls)
    assert all(r.outcome is Outcome.OK for r in results), [r.error for r in results]
    assert httpd.max_in_flight == 2


def test_global_limit(httpd: FixtureHTTPServer) -> None:
    httpd.add("/slow", Reply(body=b"ok", delay=0.1))
    cfg = FetchConfig(timeout=2.0, concurrency=3, per_host=10, allow_private=True)
    results = _gather(cfg, [httpd.url(f"/slow?{i}") for i in range(7)])
    assert all(r.outcome is Outcome.OK for r in results)
    assert httpd.max_in_flight == 3


def test_one_debug_line_per_fetch(
    httpd: FixtureHTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpd.add("/x", Reply(404))
    with caplog.at_level(logging.DEBUG, logger="aggregator.poll.fetch"):
        fetch(FAST, httpd.url("/x"))
    lines = [r.getMessage() for r in caplog.records if r.name == "aggregator.poll.fetch"]
    assert len(lines) == 1
    assert lines[0].startswith(f"fetch url={httpd.url('/x')} status=404 outcome=not_found ms=")
