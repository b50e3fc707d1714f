"""The fast paths of polling keep their guarantees: kept-alive connections, one-statement
writes, dedup decided before the insert.

A raw loopback server that counts accepted connections shows reuse (the shared fixture server
has no such counter); everything runs on real sockets and a real SQLite file.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import aggregator
from aggregator.config import Config, FeedConfig, FetchConfig
from aggregator.dedup import features, text_hash
from aggregator.pipeline import Pipeline
from aggregator.poll.fetch import FEED_ACCEPT, Fetcher, blocked_reason
from aggregator.store import ArticleRow, Store
from aggregator.types import FetchResult, Outcome
from tests.support.httpd import FixtureHTTPServer, Reply
from tests.test_pipeline import LONG, rss

FAST = FetchConfig(timeout=1.0, max_bytes=10_000, concurrency=4, per_host=4, allow_private=True)

# One response per request; what to do afterwards: "keep", "close" (silently, no header) or
# "garbage" (send stray bytes on the idle connection a moment later).
Script = Callable[[bytes], tuple[bytes, str]]


class CountingServer:
    """HTTP/1.1 over raw sockets; ``connections`` counts accepted TCP connections."""

    def __init__(self, script: Script) -> None:
        self._script = script
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.connections = 0
        self.requests: list[bytes] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._stop = False
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._conns.append(conn)
            t = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _handle(self, conn: socket.socket) -> None:
        buf = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buf:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                with self._lock:
                    self.requests.append(head)
                response, then = self._script(head)
                try:
                    conn.sendall(response)
                    if then == "close":
                        return
                    if then == "garbage":
                        threading.Event().wait(0.05)
                        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                except OSError:  # the client hung up (a body it did not want)
                    return

    def close(self) -> None:
        self._stop = True
        self._sock.close()
        with self._lock:
            for c in self._conns:
                with contextlib.suppress(OSError):
                    c.shutdown(socket.SHUT_RDWR)
        for t in self._threads:
            t.join(timeout=2)


@pytest.fixture
def serve() -> Iterator[Callable[[Script], CountingServer]]:
    servers: list[CountingServer] = []

    def make(script: Script) -> CountingServer:
        servers.append(CountingServer(script))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def reply(status: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def path_of(head: bytes) -> str:
    return head.split(b" ", 2)[1].decode()


def fetch_all(cfg: FetchConfig, urls: list[str], **kw: object) -> list[FetchResult]:
    """Sequential fetches through one Fetcher (one poll)."""

    async def go() -> list[FetchResult]:
        async with Fetcher(cfg, **kw) as f:  # type: ignore[arg-type]
            return [await f.fetch(u, etag='"v1"') for u in urls]

    return asyncio.run(go())


# ---- keep-alive ----------------------------------------------------------------------------


def test_304s_share_one_connection(serve: Callable[[Script], CountingServer]) -> None:
    srv = serve(lambda head: (reply("304 Not Modified", {"ETag": '"v1"'}), "keep"))
    results = fetch_all(FAST, [srv.url(f"/f{i}") for i in range(20)])
    assert [r.outcome for r in results] == [Outcome.NOT_MODIFIED] * 20
    assert all(r.etag == '"v1"' for r in results)
    assert srv.connections == 1
    assert all(b'if-none-match: "v1"' in h.lower() for h in srv.requests)


def test_redirects_and_errors_with_small_bodies_keep_the_connection(
    serve: Callable[[Script], CountingServer],
) -> None:
    def script(head: bytes) -> tuple[bytes, str]:
        path = path_of(head)
        if path == "/old":
            return reply("301 Moved", {"Location": "/new"}, b"moved"), "keep"
        if path == "/missing":
            return reply("404 Not Found", {}, b"<h1>not here</h1>"), "keep"
        return reply("200 OK", {"Content-Type": "application/rss+xml"}, b"<rss/>"), "keep"

    srv = serve(script)
    results = fetch_all(FAST, [srv.url("/old"), srv.url("/missing"), srv.url("/x")])
    assert [r.outcome for r in results] == [Outcome.OK, Outcome.NOT_FOUND, Outcome.OK]
    assert results[0].permanent_url == srv.url("/new") and results[0].body == b"<rss/>"
    assert srv.connections == 1


def test_unfinished_body_is_not_reused(serve: Callable[[Script], CountingServer]) -> None:
    def script(head: bytes) -> tuple[bytes, str]:
        if path_of(head) == "/big":
            return reply("200 OK", {}, b"x" * 4_000_000), "keep"
        return reply("200 OK", {}, b"small"), "keep"

    srv = serve(script)
    results = fetch_all(FAST, [srv.url("/big"), srv.url("/small")])
    # Content-Length over the cap: the body is not read, and not waited for either
    assert results[0].outcome is Outcome.TOO_LARGE
    assert results[1].outcome is Outcome.OK and results[1].body == b"small"
    assert srv.connections == 2


@pytest.mark.parametrize("then", ["close", "garbage"])
def test_a_kept_connection_the_server_gave_up_is_replaced(
    serve: Callable[[Script], CountingServer], then: str
) -> None:
    srv = serve(lambda head: (reply("200 OK", {}, path_of(head).encode()), then))

    async def go() -> list[FetchResult]:
        async with Fetcher(FAST) as f:
            first = await f.fetch(srv.url("/a"))
            await asyncio.sleep(0.2)  # the server closes / sends stray bytes meanwhile
            return [first, await f.fetch(srv.url("/b"))]

    results = asyncio.run(go())
    assert [r.body for r in results] == [b"/a", b"/b"]
    assert srv.connections == 2


def test_stale_connection_found_only_when_sending_is_retried_once(
    serve: Callable[[Script], CountingServer],
) -> None:
    # the server closes right after answering: a fetch issued before the close is seen
    # takes the kept connection, fails before any response byte, and goes again on a new one
    srv = serve(lambda head: (reply("200 OK", {}, path_of(head).encode()), "close"))

    async def go() -> list[FetchResult]:
        async with Fetcher(FAST) as f:
            return [await f.fetch(srv.url(f"/{i}")) for i in range(3)]

    results = asyncio.run(go())
    assert [r.outcome for r in results] == [Outcome.OK] * 3
    assert [r.body for r in results] == [b"/0", b"/1", b"/2"]


# ---- the guard on the kept-alive path ------------------------------------------------------


def test_guard_refuses_every_time_with_cached_addresses(httpd: FixtureHTTPServer) -> None:
    httpd.static("/feed.xml", b"<rss/>")
    guarded = FetchConfig(timeout=0.5, allow_private=False)
    url = f"http://localhost:{httpd.port}/feed.xml"
    results = fetch_all(guarded, [url, url, url])
    assert [r.outcome for r in results] == [Outcome.BLOCKED] * 3
    assert all("loopback" in (r.error or "") for r in results)
    assert httpd.hits("/feed.xml") == 0


def test_redirect_to_a_private_host_is_refused_even_on_a_kept_connection(
    httpd: FixtureHTTPServer,
) -> None:
    httpd.add("/fine", Reply(200, body=b"public"))
    httpd.add("/hop", Reply(302, headers={"Location": f"http://127.0.0.2:{httpd.port}/in"}))

    def only_first(ip: object) -> str | None:
        return None if str(ip) == "127.0.0.1" else blocked_reason(str(ip))

    guarded = FetchConfig(timeout=0.5, allow_private=False)
    results = fetch_all(guarded, [httpd.url("/fine"), httpd.url("/hop")], address_policy=only_first)
    assert results[0].outcome is Outcome.OK
    assert results[1].outcome is Outcome.BLOCKED and "127.0.0.2" in (results[1].error or "")


# ---- store: fewer statements, same rows ------------------------------------------------------


def test_text_hash_is_the_features_thash() -> None:
    # the pipeline stores features.thash (computed in the worker) as text_hash
    for text in [
        "Hello,  World!",
        "ＦＵＬＬＷＩＤＴＨ ﬁ ligature — and “quotes”",
        "line one\nline two\n\n  Straße ΣΊΣΥΦΟΣ",
        "",
        "can't won’t 3.14 e-mail_address",
    ]:
        assert features.extract(text, "a title").thash.hex() == text_hash(text)


def test_insert_with_dedup_fields(tmp_path: Path) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def row(key: str, **kw: object) -> ArticleRow:
        base: dict[str, object] = dict(
            feed_url="https://f.example/rss", key=key, guid=None, url=None, canonical_url=None,
            content_hash=key, text_hash=None, title="T", author=None, published=None,
            fetched_at=t0, html="<p>x</p>", text="x", site="f.example", full_text_error=None,
        )  # fmt: skip
        base.update(kw)
        return ArticleRow(**base)  # type: ignore[arg-type]

    with Store(tmp_path / "s.db") as s:
        with s.transaction():
            first = s.insert_article(row("a", story="s1", dedup_reason="new"))
            assert first == 1
            nxt = s.insert_article(
                row("b", id=7, story="s1", duplicate_of=first, dedup_reason="near-dup",
                    dedup_state=b"\x02blob")
            )  # fmt: skip
        assert nxt == 7
        plain = s.insert_article(row("c"))  # no id: SQLite's own choice, largest + 1
        assert plain == nxt + 1
        arts = {a.key: a for a in s.iter_articles()}
        assert arts["b"].story == "s1" and arts["b"].duplicate_of == first
        assert [(r[0], bytes(r[1])) for r in s.dedup_states(t0)] == [(nxt, b"\x02blob")]


def test_site_blocks_counted_in_bulk_like_one_by_one(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as a, Store(tmp_path / "b.db") as b:
        a.add_site_blocks({("s", "h1"): 1, ("s", "h2"): 1})  # one article at a time
        a.add_site_blocks({("s", "h1"): 1})
        a.add_site_blocks({("t", "h1"): 1})
        b.add_site_blocks({("s", "h1"): 2, ("s", "h2"): 1, ("t", "h1"): 1})
        for store in (a, b):
            assert store.learned_blocks("s", 2) == {"h1"}
            assert store.learned_blocks("s", 1) == {"h1", "h2"}
            assert store.learned_blocks("t", 1) == {"h1"}


def test_single_writes_outside_a_transaction_are_committed(tmp_path: Path) -> None:
    from tests.test_store import intent

    db = tmp_path / "s.db"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with Store(db) as s:
        s.ensure_feeds(["https://f.example/rss"])
        s.apply_poll(
            intent("https://f.example/rss", checked_at=now, outcome="not_modified", status=304,
                   next_check_at=now, etag='"e"', last_success_at=now)
        )  # fmt: skip
        # visible to another connection at once: nothing is left open
        other = sqlite3.connect(db)
        try:
            row = other.execute("SELECT last_outcome, etag FROM feeds").fetchone()
        finally:
            other.close()
        assert row == ("not_modified", '"e"')


# ---- the pipeline: one transaction per feed with new entries ---------------------------------


def test_cold_poll_rows_carry_dedup_state_and_text_hash(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    items = [(f"g{i}", f"https://example.test/{i}", f"Story {i}", LONG) for i in range(3)]
    httpd.static("/feed.xml", rss(items))
    feed = FeedConfig(url=httpd.url("/feed.xml"))
    config = Config(
        path=tmp_path / "aggregator.yaml",
        database=tmp_path / "state.db",
        feeds=(feed,),
        fetch=FetchConfig(allow_private=True, timeout=2.0),
    )
    with Store(config.database) as store:
        p = Pipeline(config, store, workers=0, strict=True)
        try:
            [summary] = asyncio.run(p.poll())
        finally:
            p.close()
        assert summary.new == 3
        state = store.feed_state(feed.url)
        assert state is not None and state.entries_seen == 3 and state.etag
    db = sqlite3.connect(config.database)
    try:
        rows = db.execute(
            "SELECT id, text, text_hash, story, dedup_reason, dedup_state IS NOT NULL"
            " FROM articles ORDER BY id"
        ).fetchall()
    finally:
        db.close()
    assert [r[0] for r in rows] == [1, 2, 3]
    for _, text, th, story, reason, has_state in rows:
        assert th == text_hash(text)
        assert story and reason and has_state
    assert [r[4] for r in rows][0] == "new"


# ---- what the server sees is what httpx's client sent ----------------------------------------


def test_request_headers_and_cookies_within_a_run(
    serve: Callable[[Script], CountingServer],
) -> None:
    def script(head: bytes) -> tuple[bytes, str]:
        if path_of(head) == "/gate":  # a consent redirect that sets a cookie
            cookie = {"Location": "/feed", "Set-Cookie": "consent=yes; Path=/"}
            return reply("302 Found", cookie), "keep"
        body = b"<rss/>" if b"\r\ncookie: consent=yes" in head.lower() else b"no cookie"
        return reply("200 OK", {}, body), "keep"

    srv = serve(script)
    first = fetch_all(FAST, [srv.url("/feed")])
    assert first[0].body == b"no cookie"
    [r] = fetch_all(FAST, [srv.url("/gate")])
    assert r.outcome is Outcome.OK and r.body == b"<rss/>"
    lines = srv.requests[0].decode().split("\r\n")
    assert lines[0] == "GET /feed HTTP/1.1"
    assert lines[1:] == [
        f"Host: 127.0.0.1:{srv.port}",
        "Connection: keep-alive",
        f"User-Agent: {aggregator.USER_AGENT}",
        "Accept-Encoding: gzip, deflate",
        f"Accept: {FEED_ACCEPT}",
        'If-None-Match: "v1"',
    ]
