"""Our HTTP/1.1 client: keep-alive connections on asyncio + ``h11``, guarded at connect.

``HTTPClient.get`` sends one GET and returns the ``Response`` head with its body still to be
read; closing the response gives its connection back for reuse when that is safe. Errors are
httpx's exception types (``httpx.ConnectError``, ``httpx.ReadTimeout``, ...) plus
``BlockedAddressError``; ``fetch.classify`` maps them. Why not httpx's own client: see
docs/decisions.md ("Fetcher: our own HTTP/1.1 client, measured against plain httpx").

* Address guard (``AddressGuard.resolve``): resolve the host with asyncio's ``getaddrinfo``
  (addresses cached ``DNS_CACHE_TTL`` seconds per host and port; IP literals need no lookup),
  refuse if *any* address is refused by the policy (on every new connection, cached or not),
  then connect to exactly one of those addresses: no DNS-rebinding window between check and
  connect. TLS verifies (and sends SNI for) the host name.
* Keep-alive: a finished response returns its connection to a small idle pool (per scheme,
  host and port; at most ``max_idle``, ``KEEPALIVE_EXPIRY`` seconds). A 304, or a redirect or
  error whose small body already arrived, is finished without waiting on the network; a body
  not completely received (too large, failed) closes the connection. A kept connection that
  the server closed (or wrote to) while idle is never reused; one found closed only when the
  request is sent is replaced once, before any byte of a response arrived (GET only).
* Requests carry what ``httpx.AsyncClient(headers={User-Agent, Accept-Encoding})`` sends, in
  its order; httpx parses the URLs, decodes the headers and keeps the cookie jar (used only
  once a server sets a cookie).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Mapping

import h11
import httpx

from aggregator.errors import BlockedAddressError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], "str | None"]

KEEPALIVE_EXPIRY = 30.0  # seconds an idle connection is kept for reuse
DNS_CACHE_TTL = 30.0  # seconds a host's resolved addresses are reused for new connections
ACCEPT_ENCODING = "gzip, deflate"  # exactly what fetch's bounded decoder understands


# ---- the address guard ---------------------------------------------------------------------


class AddressGuard:
    """Resolve a host and refuse it when any of its addresses is not allowed.

    ``policy`` maps an IP to a refusal reason (None = allowed); it is skipped entirely when
    ``allow_private`` is true.
    """

    def __init__(self, *, allow_private: bool, policy: AddressPolicy) -> None:
        self._allow_private = allow_private
        self._policy = policy
        self._dns: dict[tuple[str, int], tuple[float, list[IPAddress]]] = {}

    async def resolve(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        """Addresses to connect to, in getaddrinfo order; never empty."""
        bare = host.strip("[]")
        literal = _ip_literal(bare)
        if literal is not None:
            addresses = [literal]
        else:
            now = asyncio.get_running_loop().time()
            cached = self._dns.get((bare, port))
            if cached is not None and cached[0] > now:
                addresses = cached[1]
            else:
                addresses = await _lookup(bare, port, timeout)
                self._dns[(bare, port)] = (now + DNS_CACHE_TTL, addresses)
        if not self._allow_private:  # checked on every new connection, cached or not
            for ip in addresses:
                why = self._policy(ip)
                if why is not None:
                    raise BlockedAddressError(
                        f"refused {bare} -> {ip} ({why} address); "
                        "set fetch.allow_private: true to allow such targets"
                    )
        return addresses


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


async def _lookup(host: str, port: int, timeout: float | None) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError as e:
        raise httpx.ConnectTimeout(f"DNS lookup for {host} timed out") from e
    except OSError as e:
        raise httpx.ConnectError(f"cannot resolve {host}: {e}") from e
    addresses: list[IPAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise httpx.ConnectError(f"cannot resolve {host}: no addresses")
    return addresses


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """httpx's default verifying context (certifi CAs), built once: loading it costs ~80 ms."""
    return httpx.create_ssl_context(trust_env=False)


# ---- connections -------------------------------------------------------------------------

H11_MAX_INCOMPLETE_EVENT_SIZE = 100 * 1024  # the largest response head accepted (as httpcore)

_PoolKey = tuple[str, str, int]  # scheme, host (IDNA), port
_EOM = h11.EndOfMessage()


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 client connection: an asyncio protocol feeding an ``h11`` state machine.

    Reading is paused after every network chunk and resumed only when h11 needs more, so no
    more than one chunk is ever buffered beyond what the reader consumed. While the
    connection idles in the pool, any byte or EOF from the server makes it unusable."""

    def __init__(self, key: _PoolKey) -> None:
        self.key = key
        self.h11 = h11.Connection(
            h11.CLIENT, max_incomplete_event_size=H11_MAX_INCOMPLETE_EVENT_SIZE
        )
        self.transport: asyncio.Transport | None = None
        self.idle = False
        self.broken = False  # closed, or must not be reused
        self.reused = False  # taken from the pool (it may have gone stale there)
        self.received = False  # any byte of the current response arrived
        self.expires = 0.0
        self._eof = False
        self._error: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.idle or self._eof:  # unsolicited bytes: the next response would be garbage
            self.close()
            return
        self.received = True
        self.h11.receive_data(data)
        assert self.transport is not None
        self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self._mark_eof()
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None and self._error is None:
            self._error = exc
        self._mark_eof()

    def _mark_eof(self) -> None:
        self.broken = True
        if not self._eof:
            self._eof = True
            self.h11.receive_data(b"")  # ends a close-delimited body, or makes h11 complain
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- used by the transport

    def usable(self, now: float) -> bool:
        return (
            not self.broken
            and self.transport is not None
            and not self.transport.is_closing()
            and now < self.expires
        )

    def close(self) -> None:
        self.broken = True
        if self.transport is not None:
            self.transport.abort()  # no graceful TLS shutdown to wait for: drop it now

    def send(self, *events: h11.Event) -> None:
        try:
            data = b"".join(self.h11.send(e) or b"" for e in events)
        except h11.LocalProtocolError as e:
            raise httpx.LocalProtocolError(str(e)) from e
        if self.broken or self.transport is None or self.transport.is_closing():
            raise httpx.WriteError("connection closed before the request was sent")
        self.transport.write(data)

    async def next_event(self, timeout: float | None) -> h11.Event:
        """The next h11 event, reading from the network whenever h11 needs more bytes."""
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as e:
                if self._error is not None:  # a reset, not a protocol violation
                    raise httpx.ReadError(str(self._error) or type(self._error).__name__) from e
                raise httpx.RemoteProtocolError(str(e)) from e
            if event is h11.PAUSED:
                raise httpx.RemoteProtocolError("response data after the end of the message")
            if event is not h11.NEED_DATA:
                assert isinstance(event, h11.Event)
                return event
            await self._wait_data(timeout)

    async def _wait_data(self, timeout: float | None) -> None:
        if self._eof or self.transport is None or self.transport.is_closing():
            raise httpx.ReadError(str(self._error or "connection closed"))
        self._waiter = waiter = asyncio.get_running_loop().create_future()
        self.transport.resume_reading()
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except TimeoutError as e:
            raise httpx.ReadTimeout(f"no data for {timeout:g}s") from e
        finally:
            self._waiter = None

    async def response_head(self, timeout: float | None) -> h11.Response:
        while True:
            event = await self.next_event(timeout)
            if isinstance(event, h11.Response):
                return event
            if isinstance(event, h11.ConnectionClosed):
                raise httpx.RemoteProtocolError("server disconnected without sending a response")
            # h11.InformationalResponse (1xx): wait for the final response

    def finish(self) -> bool:
        """End the current exchange from what is already buffered, without waiting on the
        network; True if the connection can carry another request."""
        try:
            while self.h11.their_state in (h11.SEND_RESPONSE, h11.SEND_BODY):
                event = self.h11.next_event()
                if event is h11.NEED_DATA or event is h11.PAUSED:
                    return False
                if isinstance(event, h11.ConnectionClosed):
                    return False
        except h11.ProtocolError:
            return False
        if self.broken or not (self.h11.our_state is self.h11.their_state is h11.DONE):
            return False
        data, closed = self.h11.trailing_data
        if data or closed:  # bytes beyond the response: the next one would start mid-stream
            return False
        self.h11.start_next_cycle()
        self.received = False
        return True


class _ResponseBody:
    """The body of one response; closing it returns a finished connection to the pool."""

    def __init__(self, pool: _Pool, conn: _Connection, timeout: float | None):
        self._pool = pool
        self._conn = conn
        self._timeout = timeout
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while not self._closed:
            event = await self._conn.next_event(self._timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return
            elif isinstance(event, h11.ConnectionClosed):
                raise httpx.RemoteProtocolError("server disconnected in the middle of a body")

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._pool.release(self._conn)


class Response:
    """Status line and headers of one response, its body still to be read (or not)."""

    __slots__ = ("body", "headers", "raw_headers", "reason", "status")

    def __init__(self, head: h11.Response, body: _ResponseBody) -> None:
        self.status: int = head.status_code
        self.reason = head.reason.decode("ascii", errors="ignore")  # as httpx.Response does
        self.raw_headers = head.headers.raw_items()
        # lower-case names, repeated headers joined with ", ", httpx's decoding fallbacks
        self.headers: dict[str, str] = dict(httpx.Headers(self.raw_headers).items())
        self.body = body

    def aiter_raw(self) -> AsyncIterator[bytes]:
        return aiter(self.body)

    async def aclose(self) -> None:
        await self.body.aclose()


class _Pool:
    """HTTP/1.1 keep-alive transport with the address guard in its connect step.

    New connections: ``AddressGuard.resolve`` (cached addresses, the policy applied every
    time), then connect to exactly one of those addresses (TLS verifies and sends SNI for the
    host name). Finished connections go back to an idle pool (at most ``max_idle``, oldest
    dropped first, ``KEEPALIVE_EXPIRY`` seconds); a kept-alive connection that turns out to
    be closed by the server before any byte of the response is replaced once.
    """

    def __init__(self, *, guard: AddressGuard, max_idle: int) -> None:
        self._guard = guard
        self._max_idle = max(1, max_idle)
        self._idle: dict[_PoolKey, list[_Connection]] = {}
        self._idle_order: dict[_Connection, None] = {}  # oldest first
        self._active: set[_Connection] = set()
        self._closed = False

    async def request(
        self,
        method: str,
        url: httpx.URL,
        headers: list[tuple[bytes, bytes]],
        *,
        timeout: float | None,
    ) -> Response:
        """Send one request (no body) and read the response head; ``timeout`` bounds the
        connect step and every wait for data."""
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}")
        host = url.raw_host.decode("ascii")
        key = (url.scheme, host, url.port or (443 if url.scheme == "https" else 80))
        events = (h11.Request(method=method, target=url.raw_path, headers=headers), _EOM)
        while True:
            conn = self._checkout(key)
            if conn is None:
                conn = await self._connect(key, timeout)
            try:
                conn.send(*events)
                head = await conn.response_head(timeout)
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
                self._discard(conn)
                if conn.reused and not conn.received and method in ("GET", "HEAD"):
                    continue  # went stale in the pool: once more on a new connection
                raise
            except BaseException:
                self._discard(conn)
                raise
            return Response(head, _ResponseBody(self, conn, timeout))

    # -- the idle pool

    def _checkout(self, key: _PoolKey) -> _Connection | None:
        idle = self._idle.get(key)
        if not idle:
            return None
        now = asyncio.get_running_loop().time()
        while idle:
            conn = idle.pop()
            del self._idle_order[conn]
            if conn.usable(now):
                conn.idle = False
                conn.reused = True
                self._active.add(conn)
                return conn
            conn.close()
        return None

    def release(self, conn: _Connection) -> None:
        self._active.discard(conn)
        if self._closed or not conn.finish() or conn.transport is None:
            conn.close()
            return
        if len(self._idle_order) >= self._max_idle:
            oldest = next(iter(self._idle_order))
            del self._idle_order[oldest]
            self._idle[oldest.key].remove(oldest)
            oldest.close()
        conn.idle = True
        conn.expires = asyncio.get_running_loop().time() + KEEPALIVE_EXPIRY
        conn.transport.resume_reading()  # so a server-side close is noticed while idle
        self._idle.setdefault(conn.key, []).append(conn)
        self._idle_order[conn] = None

    def _discard(self, conn: _Connection) -> None:
        self._active.discard(conn)
        conn.close()

    async def aclose(self) -> None:
        self._closed = True
        for conn in [*self._idle_order, *self._active]:
            conn.close()
        self._idle.clear()
        self._idle_order.clear()
        self._active.clear()

    # -- new connections, through the address guard

    async def _connect(self, key: _PoolKey, timeout: float | None) -> _Connection:
        scheme, host, port = key
        addresses = await self._guard.resolve(host, port, timeout)
        ssl_context = default_ssl_context() if scheme == "https" else None
        loop = asyncio.get_running_loop()
        last: httpx.TransportError | None = None
        for ip in addresses:  # getaddrinfo order; first that connects wins
            conn = _Connection(key)
            try:
                async with asyncio.timeout(timeout):
                    await loop.create_connection(
                        lambda conn=conn: conn,
                        str(ip),
                        port,
                        ssl=ssl_context,
                        server_hostname=host if ssl_context is not None else None,
                    )
            except TimeoutError:
                conn.close()
                last = httpx.ConnectTimeout(f"connecting to {host} ({ip}) timed out")
            except OSError as e:  # refused, unreachable, TLS verification, ...
                conn.close()
                last = httpx.ConnectError(str(e) or type(e).__name__)
            else:
                if self._closed:
                    conn.close()
                    raise httpx.ConnectError("the fetcher was closed")
                self._active.add(conn)
                return conn
        assert last is not None  # resolve never returns an empty list
        raise last


class HTTPClient:
    """GETs over ``_Pool`` with httpx's request headers; cookies kept for the client's life."""

    def __init__(
        self, *, guard: AddressGuard, user_agent: str, max_idle: int, timeout: float
    ) -> None:
        self._pool = _Pool(guard=guard, max_idle=max_idle)
        self._timeout = timeout
        # What httpx.AsyncClient(headers={User-Agent, Accept-Encoding}) sent, in its order
        # (after Host); header values are ASCII, as httpx requires.
        self._base_headers = [
            (b"Connection", b"keep-alive"),
            (b"User-Agent", user_agent.encode("ascii")),
            (b"Accept-Encoding", ACCEPT_ENCODING.encode("ascii")),
        ]
        self._cookies = httpx.Cookies()

    async def get(
        self, url: httpx.URL, headers: Mapping[str, str], *, user_agent: str | None = None
    ) -> Response:
        """GET ``url`` with ``headers`` (Accept, validators, a feed's own headers): the
        response head, body unread. ``user_agent`` replaces the client's for this request."""
        raw = [(b"Host", url.netloc), *self._base_headers]
        if user_agent is not None:
            raw[2] = (b"User-Agent", user_agent.encode("ascii"))  # after Host, Connection
        raw += [(k.encode("ascii"), v.encode("ascii")) for k, v in headers.items()]
        if self._cookies:  # httpx's client cookie handling, paid only once there are cookies
            request = httpx.Request("GET", url, headers=raw)
            self._cookies.set_cookie_header(request)
            raw = request.headers.raw
        response = await self._pool.request("GET", url, raw, timeout=self._timeout)
        if "set-cookie" in response.headers or "set-cookie2" in response.headers:
            try:
                self._cookies.extract_cookies(
                    httpx.Response(
                        response.status,
                        headers=response.raw_headers,
                        request=httpx.Request("GET", url, headers=raw),
                    )
                )
            except BaseException:
                await response.aclose()
                raise
        return response

    async def aclose(self) -> None:
        await self._pool.aclose()
