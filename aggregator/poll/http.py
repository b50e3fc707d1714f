"""What every HTTP client of the fetcher shares: the address guard, the TLS context, and the
small interface ``Fetcher`` talks to.

``AddressGuard.resolve`` is the private-address guard: it resolves a host with asyncio's
``getaddrinfo`` (addresses cached ``DNS_CACHE_TTL`` seconds per host and port; IP literals need
no lookup) and refuses, on *every* call, cached or not, if any address is refused by the
policy. A client connects only to an address this returned, so there is no DNS-rebinding
window between check and connect.

A client (``HTTPClient``) sends one GET and returns the response head with its body still to
be read (``Response``); closing the response gives its connection back for reuse when that is
safe. Errors are httpx's exception types (``httpx.ConnectError``, ``httpx.ReadTimeout``, ...)
plus ``BlockedAddressError``; ``fetch.classify`` maps them.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Protocol

import httpx

from aggregator.errors import BlockedAddressError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], "str | None"]

KEEPALIVE_EXPIRY = 30.0  # seconds an idle connection is kept for reuse
DNS_CACHE_TTL = 30.0  # seconds a host's resolved addresses are reused for new connections
ACCEPT_ENCODING = "gzip, deflate"  # exactly what fetch's bounded decoder understands


class Response(Protocol):
    """Status line and headers of one response; the body is read with ``aiter_raw``."""

    @property
    def status(self) -> int: ...

    @property
    def reason(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]:
        """Lower-case names; repeated headers joined with ", "."""
        ...

    def aiter_raw(self) -> AsyncIterator[bytes]:
        """The body as it came over the wire (still Content-Encoded)."""
        ...

    async def aclose(self) -> None: ...


class HTTPClient(Protocol):
    """One GET at a time per call, many calls at once; one client per ``Fetcher``."""

    async def get(self, url: httpx.URL, headers: Mapping[str, str]) -> Response:
        """Send GET ``url`` with ``headers`` (Accept, validators) and read the response head."""
        ...

    async def aclose(self) -> None: ...


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
