"""Plain httpx: one ``httpx.AsyncClient`` whose connection pool connects through the guard.

``HttpxClient`` is an ``http.HTTPClient``:

* Connections: httpcore's pool (HTTP/1.1, keep-alive, ``KEEPALIVE_EXPIRY``) on a network
  backend (``_GuardedBackend``) that resolves with ``AddressGuard.resolve`` and connects to
  exactly an address it checked; httpcore then starts TLS with the host name (verification,
  SNI). httpcore drops an idle connection the server closed or wrote to.
* Reuse of small bodies: httpcore keeps a connection only when its response was read to the
  end, so a response whose body we do not want (304, a redirect, an error) is drained first
  when it declares at most ``DRAIN_MAX_BYTES``, for at most ``DRAIN_TIMEOUT`` seconds;
  anything else closes the connection.
* Stale connections: httpcore does not retry. A GET that fails before its response head on a
  connection taken from the pool (no ``connect_tcp`` in its trace) goes once more.
* Client: ``trust_env=False`` (no proxies: through one the guard would check the proxy),
  timeouts of ``timeout`` each, no redirects (``Fetcher`` follows them), the cookie jar kept
  for the client's life, request headers ``User-Agent`` and ``Accept-Encoding`` set.

Known gap: httpx has no public hook for a network backend, so ``_GuardedHTTPTransport``
replaces ``httpx.AsyncHTTPTransport._pool``; it checks the attribute's type first, so an
httpx upgrade that renames it fails loudly instead of dropping the guard.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping

import httpcore
import httpx

from aggregator.poll.http import (
    ACCEPT_ENCODING,
    KEEPALIVE_EXPIRY,
    AddressGuard,
    default_ssl_context,
)

DRAIN_MAX_BYTES = 64 * 1024  # an unwanted body up to this is read so the connection is kept
DRAIN_TIMEOUT = 1.0  # seconds at most spent draining it
NO_BODY_STATUSES = frozenset({204, 304})
STALE_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve and check through the guard, connect to a checked address."""

    def __init__(self, guard: AddressGuard) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._guard = guard

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.resolve(host, port, timeout)
        last: Exception | None = None
        for ip in addresses:  # getaddrinfo order; first that connects wins
            try:
                return await self._inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                last = e
        assert last is not None  # resolve never returns an empty list
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by the fetcher")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedHTTPTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool rebuilt on the guarded backend."""

    def __init__(self, *, limits: httpx.Limits, backend: _GuardedBackend) -> None:
        ssl_context = default_ssl_context()
        super().__init__(verify=ssl_context, limits=limits, trust_env=False)
        if type(getattr(self, "_pool", None)) is not httpcore.AsyncConnectionPool:
            raise RuntimeError("httpx internals changed: cannot install the address guard")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class _Attempt:
    """httpcore trace hook of one request: did it open a new connection?"""

    __slots__ = ("connected",)

    def __init__(self) -> None:
        self.connected = False

    async def __call__(self, event: str, info: Mapping[str, object]) -> None:
        if event == "connection.connect_tcp.started":
            self.connected = True


class _HttpxResponse:
    """``http.Response`` over a streamed ``httpx.Response``."""

    __slots__ = ("_read", "_response", "headers", "reason", "status")

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._read = False
        self.status = response.status_code
        self.reason = response.reason_phrase
        self.headers: dict[str, str] = dict(response.headers.items())

    def aiter_raw(self) -> AsyncIterator[bytes]:
        self._read = True
        return self._response.aiter_raw()

    async def aclose(self) -> None:
        if not self._read and self._small_body():
            try:
                async with asyncio.timeout(DRAIN_TIMEOUT):
                    async for _ in self._response.aiter_raw():
                        pass
            except (TimeoutError, httpx.HTTPError):
                pass  # not drained: httpcore closes the connection
        await self._response.aclose()

    def _small_body(self) -> bool:
        if self.status in NO_BODY_STATUSES or self.status < 200:
            return True
        declared = self.headers.get("content-length", "").strip()
        return declared.isdigit() and int(declared) <= DRAIN_MAX_BYTES


class HttpxClient:
    """``http.HTTPClient`` over ``httpx.AsyncClient``."""

    def __init__(
        self, *, guard: AddressGuard, user_agent: str, max_connections: int, timeout: float
    ) -> None:
        limits = httpx.Limits(
            max_connections=max(1, max_connections),
            max_keepalive_connections=max(1, max_connections),
            keepalive_expiry=KEEPALIVE_EXPIRY,
        )
        self._client = httpx.AsyncClient(
            transport=_GuardedHTTPTransport(limits=limits, backend=_GuardedBackend(guard)),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        )

    async def get(self, url: httpx.URL, headers: Mapping[str, str]) -> _HttpxResponse:
        for retry in (False, True):
            attempt = _Attempt()
            request = self._client.build_request(
                "GET", url, headers=headers, extensions={"trace": attempt}
            )
            try:
                response = await self._client.send(request, stream=True)
            except STALE_ERRORS:
                if retry or attempt.connected:
                    raise
                continue  # went stale in the pool: once more, on a new connection
            return _HttpxResponse(response)
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self._client.aclose()
