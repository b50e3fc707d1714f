"""``/metrics`` and ``/healthz`` over HTTP, on a thread of their own.

A small threaded WSGI server from the standard library (``wsgiref``): each request runs on
its own short-lived thread, so a slow scrape never holds up a health check, and nothing of
it runs on the daemon's event loop. ``/metrics`` is prometheus_client's text format from the
daemon's own registry; ``/healthz`` answers ``200 ok`` or ``503`` with a one-line reason.
Binding happens in ``start()``, before the daemon reports READY=1: a port already in use is a
startup error that names the address and the config key.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from prometheus_client import generate_latest

from aggregator.config import Listen
from aggregator.errors import AggregatorError
from aggregator.metrics.collect import Metrics

log = logging.getLogger(__name__)

# the classic text format (what generate_latest writes); every Prometheus version reads it
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REQUEST_TIMEOUT = 10.0  # seconds a client may take to send its request

StartResponse = Callable[[str, list[tuple[str, str]]], object]


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a hung client never delays the daemon's exit
    allow_reuse_address = True  # a restart right after a stop can bind again (TIME_WAIT)


class _IPv6Server(_Server):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr (a scrape every 15 s would flood the journal)."""

    timeout = REQUEST_TIMEOUT

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        log.debug("metrics http %s", format % args)


def make_app(metrics: Metrics) -> Callable[[dict[str, object], StartResponse], Iterable[bytes]]:
    """The WSGI application: GET (or HEAD) /metrics and /healthz; anything else 404/405."""

    def app(environ: dict[str, object], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        if path not in ("/metrics", "/healthz"):
            return _reply(start_response, "404 Not Found", b"not found: try /metrics or /healthz\n")
        if method not in ("GET", "HEAD"):
            return _reply(start_response, "405 Method Not Allowed", b"GET only\n")
        if path == "/metrics":
            body = generate_latest(metrics.registry)
            return _reply(start_response, "200 OK", body, CONTENT_TYPE, head=method == "HEAD")
        problem = metrics.health()
        if problem is None:
            return _reply(start_response, "200 OK", b"ok\n", head=method == "HEAD")
        return _reply(
            start_response, "503 Service Unavailable", f"unhealthy: {problem}\n".encode(),
            head=method == "HEAD",
        )  # fmt: skip

    return app


def _reply(
    start_response: StartResponse,
    status: str,
    body: bytes,
    content_type: str = "text/plain; charset=utf-8",
    *,
    head: bool = False,
) -> list[bytes]:
    start_response(
        status,
        [("Content-Type", content_type), ("Content-Length", str(len(body))),
         ("Cache-Control", "no-store")],
    )  # fmt: skip
    return [] if head else [body]


class MetricsServer:
    """Serves ``metrics`` on ``listen`` from ``start()`` until ``stop()``."""

    def __init__(self, listen: Listen, metrics: Metrics) -> None:
        self.listen = listen
        self.metrics = metrics
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port actually bound (``listen.port``)."""
        return int(self._server.server_address[1]) if self._server else self.listen.port

    def start(self) -> None:
        """Bind and serve on a thread; raises AggregatorError when the address is taken."""
        cls = _IPv6Server if ":" in self.listen.host else _Server
        try:
            server = cls((self.listen.host, self.listen.port), _QuietHandler)
        except OSError as e:
            raise AggregatorError(
                f"metrics.listen {self.listen}: cannot listen: {e.strerror or e}; another "
                "process (another aggregator?) may hold the port: stop it or change "
                "metrics.listen"
            ) from e
        server.set_app(make_app(self.metrics))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.2},
            name="aggregator-metrics", daemon=True,
        )  # fmt: skip
        self._thread.start()
        if not self.listen.loopback:
            log.warning(
                "metrics served beyond this machine on %s: anyone who reaches it reads the "
                "daemon's counts; firewall it", self.listen,
            )  # fmt: skip
        log.info("metrics listening on http://%s/metrics and /healthz", self.listen)

    def stop(self) -> None:
        """Stop serving and close the socket (waits for the serving loop, not for requests)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._server = None
        log.info("metrics server stopped")
