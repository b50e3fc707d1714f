"""A small real HTTP/1.1 server on 127.0.0.1 for tests: canned replies, conditional GET, faults.

Shared by every test module that needs a web server (feeds, article pages, redirects, faults).
It is a ``ThreadingHTTPServer`` on a random loopback port with keep-alive, so clients see
ordinary sockets and ordinary HTTP; nothing in the code under test is replaced.

    with FixtureHTTPServer() as srv:
        srv.static("/feed.xml", rss_bytes)                      # ETag / Last-Modified / 304
        srv.add("/gone", Reply(status=410))                     # a canned reply
        srv.add("/slow", Reply(body=b"x" * 100, chunk_delay=0.2))  # slowloris
        srv.add("/dyn", lambda req: Reply(body=req.path.encode()))  # computed per request
        srv.url("/feed.xml")  -> "http://127.0.0.1:PORT/feed.xml"
        srv.hits("/feed.xml"), srv.requests[-1].headers["if-none-match"], srv.max_in_flight

Routes match the full request target (path + query) first, then the path alone. Unknown
paths get 404. Fault behaviours live on ``Reply``: ``delay`` (before the headers),
``chunk_delay`` (body in CHUNK_SIZE pieces), ``drop_after`` (close the socket after N body
bytes although Content-Length promised more), ``endless`` (chunked body until the client hangs
up), ``chunked`` (Transfer-Encoding: chunked, so no Content-Length).

The API (Reply, Request, FixtureHTTPServer and the methods in the example) is shared: extend
it, do not change it.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

CHUNK_SIZE = 64  # bytes per write when chunk_delay > 0
ENDLESS_PIECE = b"0" * 16384  # what an endless reply repeats when it has no body of its own
BASE_LAST_MODIFIED = 1_704_067_200  # 2024-01-01T00:00:00Z; "auto" Last-Modified = this + version h


@dataclass
class Reply:
    """A canned response."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before sending headers
    chunk_delay: float = 0.0  # if > 0, send the body in CHUNK_SIZE pieces with this delay
    drop_after: int | None = None  # close the connection after N body bytes
    endless: bool = False  # stream (chunked) forever until the client hangs up
    chunked: bool = False  # Transfer-Encoding: chunked instead of Content-Length


@dataclass
class Request:
    """One request as the server received it."""

    method: str
    path: str  # the request target: path and query
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""


Handler = Reply | Callable[[Request], Reply]


@dataclass
class _Static:
    body: bytes
    content_type: str
    etag: str | None  # None: not sent
    last_modified: str | None
    auto_etag: bool
    auto_last_modified: bool
    version: int = 0

    def refresh(self) -> None:
        if self.auto_etag:
            self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
        if self.auto_last_modified:
            stamp = BASE_LAST_MODIFIED + 3600 * self.version
            self.last_modified = formatdate(stamp, usegmt=True)

    def reply(self, req: Request) -> Reply:
        headers = {"Content-Type": self.content_type}
        if self.etag is not None:
            headers["ETag"] = self.etag
        if self.last_modified is not None:
            headers["Last-Modified"] = self.last_modified
        if self._not_modified(req):
            return Reply(
                status=304, headers={k: v for k, v in headers.items() if k != "Content-Type"}
            )
        return Reply(status=200, body=self.body, headers=headers)

    def _not_modified(self, req: Request) -> bool:
        inm = req.headers.get("if-none-match")
        if inm is not None:  # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
            tags = [t.strip() for t in inm.split(",")]
            return self.etag is not None and ("*" in tags or self.etag in tags)
        ims = req.headers.get("if-modified-since")
        if ims is not None and self.last_modified is not None:
            try:
                return parsedate_to_datetime(ims) >= parsedate_to_datetime(self.last_modified)
            except (TypeError, ValueError):
                return ims == self.last_modified
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FixtureHTTPServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-reply is a normal event in fault tests, not an error.
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_GET
    do_POST = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def _serve(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        req = Request(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        owner._enter(req)
        try:
            reply = owner._resolve(req)
            self._write(reply)
        finally:
            owner._leave()

    def _write(self, reply: Reply) -> None:
        stop = self.server.owner._stopping
        if reply.delay > 0 and stop.wait(reply.delay):
            self.close_connection = True
            return
        names = {k.lower() for k in reply.headers}
        self.send_response_only(reply.status)
        if "server" not in names:  # a reply may set its own Date/Server (e.g. for Expires)
            self.send_header("Server", self.version_string())
        if "date" not in names:
            self.send_header("Date", self.date_time_string())
        for k, v in reply.headers.items():
            self.send_header(k, v)
        no_body = self.command == "HEAD" or reply.status in (204, 304) or reply.status < 200
        chunked = (reply.chunked or reply.endless) and not no_body
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif not no_body and "content-length" not in names:
            self.send_header("Content-Length", str(len(reply.body)))
        if reply.drop_after is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if no_body:
            return
        if reply.endless:
            piece = reply.body or ENDLESS_PIECE
            while not stop.is_set():
                self._send(piece, chunked=True, delay=reply.chunk_delay)
            return
        body = reply.body
        if reply.drop_after is not None:
            body = body[: reply.drop_after]
        step = CHUNK_SIZE if reply.chunk_delay > 0 else max(len(body), 1)
        for i in range(0, len(body), step):
            if stop.is_set():
                self.close_connection = True
                return
            self._send(body[i : i + step], chunked=chunked, delay=reply.chunk_delay if i else 0.0)
        if reply.drop_after is not None:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _send(self, data: bytes, *, chunked: bool, delay: float) -> None:
        if delay > 0:
            self.server.owner._stopping.wait(delay)
        if chunked:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        else:
            self.wfile.write(data)
        self.wfile.flush()


class FixtureHTTPServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with a random port. Context manager."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._host = host
        self._lock = threading.Lock()
        self._routes: dict[str, Handler] = {}
        self._statics: dict[str, _Static] = {}
        self._requests: list[Request] = []
        self._conns: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.in_flight = 0  # requests being answered right now
        self.max_in_flight = 0  # highest in_flight seen since start / reset_stats()
        self.errors: list[BaseException] = []  # exceptions raised by callable replies
        self.base_url = ""

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FixtureHTTPServer:
        server = _Server((self._host, 0), _Handler)
        server.owner = self
        self._server = server
        port = server.server_address[1]
        self.base_url = f"http://{self._host}:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.01,), name="fixture-httpd", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> FixtureHTTPServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- configuration -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(urlsplit(self.base_url).port or 0)

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def add(self, path: str, reply: Handler) -> None:
        """Serve ``reply`` (or call it per request) at ``path``."""
        with self._lock:
            self._statics.pop(path, None)
            self._routes[path] = reply

    def static(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/rss+xml",
        etag: str | None = "auto",
        last_modified: str | None = "auto",
    ) -> None:
        """Serve a document with validators; answers 304 to matching conditional requests.

        ``"auto"`` derives the ETag from the body hash and Last-Modified from a fixed date
        that moves one hour forward on each ``set_body``; ``None`` omits the header.
        """
        st = _Static(
            body=body,
            content_type=content_type,
            etag=None if etag in (None, "auto") else etag,
            last_modified=None if last_modified in (None, "auto") else last_modified,
            auto_etag=etag == "auto",
            auto_last_modified=last_modified == "auto",
        )
        st.refresh()
        with self._lock:
            self._statics[path] = st
            self._routes[path] = st.reply

    def set_body(self, path: str, body: bytes) -> None:
        """Change a static document; "auto" validators change with it."""
        with self._lock:
            st = self._statics[path]
            st.body = body
            st.version += 1
            st.refresh()

    def reset_stats(self) -> None:
        with self._lock:
            self._requests.clear()
            self.max_in_flight = self.in_flight

    # ---- observations ------------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        """Every request received, in order (a snapshot)."""
        with self._lock:
            return list(self._requests)

    def hits(self, path: str) -> int:
        """Requests whose target equals ``path`` (or whose path does, ignoring the query)."""
        with self._lock:
            return sum(1 for r in self._requests if r.path == path or urlsplit(r.path).path == path)

    # ---- used by the handler -----------------------------------------------------------------

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def _enter(self, req: Request) -> None:
        with self._lock:
            self._requests.append(req)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _resolve(self, req: Request) -> Reply:
        with self._lock:
            handler = self._routes.get(req.path) or self._routes.get(urlsplit(req.path).path)
        if handler is None:
            return Reply(status=404, body=b"not found", headers={"Content-Type": "text/plain"})
        if isinstance(handler, Reply):
            return handler
        try:
            return handler(req)
        except Exception as e:  # a broken test handler: answer 500 and keep the evidence
            self.errors.append(e)
            return Reply(status=500, body=repr(e).encode(), headers={"Content-Type": "text/plain"})
