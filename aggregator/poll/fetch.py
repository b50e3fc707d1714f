"""Fetching: one polite, guarded HTTP GET per feed or article page.

Shape
-----
Pure decisions, each tested as a table:

* ``classify(status, exc) -> Outcome``  the one response/error classification.
* ``plan_next_check(now, result, ...)`` when to look at a feed again (success: the interval or
  the server's longer hint; errors: exponential backoff; 410: never), capped at ``MAX_DELAY``.
* ``blocked_reason(ip)`` / ``is_blocked_address(ip)``  the private-address policy.
* ``parse_retry_after``, ``parse_max_age``  header arithmetic.

and a thin I/O shell, ``Fetcher``, around one ``http.HTTPClient`` per poll run.
``Fetcher.fetch`` never raises for network or HTTP problems: it returns a ``FetchResult``
whose ``outcome`` says what happened. Anything else (a bug) propagates.

Guarantees of ``Fetcher.fetch``
-------------------------------
* Conditional GET: ``If-None-Match`` / ``If-Modified-Since`` from the stored validators;
  304 -> ``Outcome.NOT_MODIFIED`` with no body.
* Time: connect (DNS + TCP + TLS) and read timeouts of ``cfg.timeout`` each, and an overall
  deadline of ``cfg.timeout`` per HTTP request (per redirect hop), so a server trickling one
  byte a second cannot hold a worker for longer than that.
* Size: ``cfg.max_bytes`` counts bytes *after* decompression. We ask for gzip/deflate only
  and decompress ourselves with ``zlib``'s ``max_length`` so that no single chunk can expand
  past the cap in memory (httpx's own decoder inflates a whole network chunk at once: a 50 KB
  gzip bomb chunk becomes 50 MB); see ``decode.BoundedDecoder``. A Content-Length above the
  cap fails before the body.
* Concurrency: a per-host semaphore (``cfg.per_host``) is taken first, then the global one
  (``cfg.concurrency``), per hop; so a busy host never holds global slots while it waits.
* Redirects are followed by hand: at most ``MAX_REDIRECTS`` hops, loops detected; every hop
  gets a fresh address check (below); ``permanent_url`` is set when every hop was 301/308.
* Address guard: ``http.AddressGuard`` resolves the host, refuses the connection if *any*
  resolved address is loopback, private, link-local, multicast, reserved, unspecified or
  otherwise not globally routable (``blocked_reason``: IPv4-mapped, 6to4 and NAT64 IPv6
  forms are unwrapped first), and the client connects to exactly an address it checked. So
  there is no DNS-rebinding window between check and connect, and redirects, keep-alive
  reuse and article pages all pass through the same check; resolved addresses are reused
  for ``DNS_CACHE_TTL`` seconds, the policy is applied to them on every new connection.
  ``allow_private: true`` skips the refusal. Environment proxies are never used: through a
  proxy the guard would check the proxy, not the target.
* Per-feed access (``access.FeedAccess``): its user agent on every hop; its Authorization
  and extra headers only on hops to the feed's own origin; every error message passes
  through its ``redact``; a redirect target's ``user:password@`` is dropped before it is
  followed or reported. A 401/403 is ``Outcome.AUTH`` with ``access.auth_message``.
* Keep-alive: ``http.HTTPClient`` (our HTTP/1.1 client on asyncio + ``h11``) keeps finished
  connections for reuse (at most ``cfg.concurrency`` idle) and never reuses one whose
  response was not read to the end; a stale kept connection is replaced once (see there).

Why our own HTTP client and not ``httpx.AsyncClient``: measured, see docs/decisions.md
("Fetcher: our own HTTP/1.1 client, measured against plain httpx"). ``Fetcher`` keeps what
httpx's client gave: the same request headers, httpx's URL parsing and joining, its header
decoding, and its cookie jar (for the run; used only once a server sets a cookie).

Outcome table (``classify``)
----------------------------
    2xx                          OK              304         NOT_MODIFIED
    404                          NOT_FOUND       410         GONE
    429                          RATE_LIMITED    408         TIMEOUT
    401, 403                     AUTH            other 4xx   CLIENT_ERROR
    5xx                          SERVER_ERROR
    3xx we could not follow      INVALID         (no/unusable Location)
    BlockedAddressError          BLOCKED         BodyTooLargeError     TOO_LARGE
    TooManyRedirectsError        TOO_MANY_REDIRECTS
    InvalidURLError, httpx.InvalidURL / UnsupportedProtocol            INVALID
    httpx.TimeoutException, TimeoutError (overall deadline)            TIMEOUT
    connect/read errors, protocol errors, TLS, DNS, bad gzip, OSError  NETWORK
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from types import TracebackType

import httpx

from aggregator.config import FetchConfig
from aggregator.errors import BlockedAddressError, FetchError
from aggregator.poll.access import FeedAccess, auth_message, redact_urls, strip_login
from aggregator.poll.decode import BodyTooLargeError, BoundedDecoder
from aggregator.poll.decode import ContentDecodingError as ContentDecodingError  # re-exported
from aggregator.poll.http import (
    AddressGuard,
    AddressPolicy,
    HTTPClient,
    IPAddress,
    Response,
)
from aggregator.types import FetchResult, Outcome

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5  # issue 2: "at most 5 redirects"
MAX_DELAY = 86400.0  # seconds; no feed waits longer than a day between checks (issue 2)
MAX_BACKOFF_EXPONENT = 32  # 2**32 * any sane interval is far past MAX_DELAY; avoids overflow

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
RETRY_AFTER_STATUSES = frozenset({429, 503})

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


# ---- errors raised inside the fetcher and classified at its boundary -----------------------


class TooManyRedirectsError(FetchError):
    """More than MAX_REDIRECTS hops, or a redirect loop."""


class InvalidURLError(FetchError):
    """Not an http(s) URL, or a URL that cannot be parsed."""


# ---- pure decisions ------------------------------------------------------------------------


def classify(status: int | None, exc: BaseException | None) -> Outcome:
    """Map a final HTTP status, or the exception that ended the fetch, to an Outcome.

    An exception wins over a status (a 200 whose body broke off is a NETWORK failure).
    """
    if exc is not None:
        return _classify_exception(exc)
    if status is None:
        raise ValueError("classify needs a status or an exception")
    if 200 <= status < 300:
        return Outcome.OK
    if status == 304:
        return Outcome.NOT_MODIFIED
    if status < 400:  # 1xx/3xx that reached us: a redirect without a usable Location
        return Outcome.INVALID
    if status == 404:
        return Outcome.NOT_FOUND
    if status == 410:
        return Outcome.GONE
    if status in (401, 403):
        return Outcome.AUTH
    if status == 429:
        return Outcome.RATE_LIMITED
    if status == 408:
        return Outcome.TIMEOUT
    if status < 500:
        return Outcome.CLIENT_ERROR
    return Outcome.SERVER_ERROR


def _classify_exception(exc: BaseException) -> Outcome:
    # Order matters: TimeoutError and ssl.SSLError are OSError subclasses.
    if isinstance(exc, BlockedAddressError):
        return Outcome.BLOCKED
    if isinstance(exc, BodyTooLargeError):
        return Outcome.TOO_LARGE
    if isinstance(exc, TooManyRedirectsError | httpx.TooManyRedirects):
        return Outcome.TOO_MANY_REDIRECTS
    if isinstance(exc, InvalidURLError | httpx.InvalidURL | httpx.UnsupportedProtocol):
        return Outcome.INVALID
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return Outcome.TIMEOUT
    return Outcome.NETWORK  # connect/read/protocol/TLS/DNS errors, corrupt gzip, OSError


def plan_next_check(
    now: datetime,
    result: FetchResult,
    *,
    interval: float,
    error_streak: int,
    ttl_minutes: int | None = None,
) -> tuple[datetime | None, int]:
    """When to check this feed next, and the new error streak.

    * 410 Gone: ``None`` (the feed stops until the user edits it), streak + 1.
    * OK / 304: ``interval``, or the server's hint (Cache-Control max-age, Expires, RSS ttl)
      when that is longer; streak resets to 0.
    * Any other error: ``interval * 2**error_streak`` (the streak *before* this failure, so
      one blip costs one normal interval), at least Retry-After when given; streak + 1.
      Never gives up.

    Every delay is capped at ``MAX_DELAY`` (1 day), whatever the interval or hint says.
    """
    interval = max(0.0, interval)
    if result.outcome is Outcome.GONE:
        return None, error_streak + 1
    if not result.outcome.is_error:
        delay = interval
        for hint in (result.max_age, ttl_minutes * 60.0 if ttl_minutes else None):
            if hint is not None:
                delay = max(delay, hint)
        return now + timedelta(seconds=min(delay, MAX_DELAY)), 0
    return plan_error_backoff(
        now, interval=interval, error_streak=error_streak, retry_after=result.retry_after
    )


def plan_error_backoff(
    now: datetime, *, interval: float, error_streak: int, retry_after: float | None = None
) -> tuple[datetime, int]:
    """When to check a feed again after a failure, and the new error streak: the error row of
    ``plan_next_check`` for a failure with no fetch result of its own (a feed that does not
    parse, a defect while polling it) as for a failed fetch.

    ``interval * 2**error_streak`` (the streak *before* this failure), at least ``retry_after``
    when given, capped at ``MAX_DELAY``; streak + 1.
    """
    interval = max(0.0, interval)
    delay = interval * 2.0 ** min(max(error_streak, 0), MAX_BACKOFF_EXPONENT)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return now + timedelta(seconds=min(delay, MAX_DELAY)), error_streak + 1


def blocked_reason(ip: IPAddress | str) -> str | None:
    """Why we refuse to connect to ``ip`` on a feed's behalf, or None if it is public."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0] if isinstance(ip, str) else ip)
    if isinstance(addr, ipaddress.IPv6Address):
        for label, inner in (
            ("IPv4-mapped", addr.ipv4_mapped),
            ("6to4", addr.sixtofour),
            ("NAT64", _nat64_embedded(addr)),
        ):
            if inner is not None:
                why = blocked_reason(inner)
                return f"{label} {why}" if why else None
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link-local"
    if addr.is_multicast:
        return "multicast"
    if addr.is_private:
        return "private"
    if addr.is_reserved:
        return "reserved"
    if not addr.is_global:
        return "not globally routable"
    return None


def is_blocked_address(ip: IPAddress | str) -> bool:
    """True when the default policy refuses ``ip`` (see ``blocked_reason``)."""
    return blocked_reason(ip) is not None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _nat64_embedded(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from ``now``: delta-seconds or an HTTP-date; None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = _parse_http_date(value)
    if when is None:
        return None
    return max(0.0, (when - now).total_seconds())


def parse_max_age(headers: Mapping[str, str], now: datetime) -> float | None:
    """Freshness lifetime in seconds: Cache-Control max-age, else Expires (minus Date/now).

    ``no-cache`` / ``no-store`` give no hint (None), as does an unparsable value.
    """
    cache_control = headers.get("cache-control", "")
    directives = {}
    for part in cache_control.split(","):
        name, _, arg = part.strip().partition("=")
        directives[name.strip().lower()] = arg.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return None
    if "max-age" in directives:
        arg = directives["max-age"]
        return float(arg) if arg.isdigit() else None
    expires = headers.get("expires")
    if expires is None:
        return None
    when = _parse_http_date(expires)
    if when is None:
        return 0.0  # RFC 9111 5.3: an invalid Expires means "already expired"
    base = _parse_http_date(headers.get("date", "")) or now
    return max(0.0, (when - base).total_seconds())


def _parse_http_date(value: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


# ---- the I/O shell -------------------------------------------------------------------------


@dataclass
class _Hop:
    """Progress of one fetch, kept so failures can still report status and final URL."""

    requested: str  # the URL asked for
    url: str  # the URL of the current (last) hop
    status: int | None = None
    hops: int = 0
    permanent: bool = True
    held_s: float = 0.0  # time spent holding slots (excludes queueing)
    access: FeedAccess | None = None  # the feed's user agent, credentials and secrets
    sent_login: bool = False  # the current hop carried the feed's credential headers

    def redact(self, text: str) -> str:
        return self.access.redact(text) if self.access is not None else redact_urls(text)


class Fetcher:
    """Polite, guarded HTTP GETs. One per process run; ``async with Fetcher(cfg) as f``.

    ``address_policy`` maps an IP to a refusal reason (None = allowed); it defaults to
    ``blocked_reason`` and exists so tests on loopback can model "a public host redirecting to
    a private one". It is ignored when ``cfg.allow_private`` is true.
    """

    def __init__(
        self,
        cfg: FetchConfig,
        *,
        user_agent: str | None = None,
        address_policy: AddressPolicy = blocked_reason,
    ) -> None:
        self._cfg = cfg
        self._global = asyncio.Semaphore(max(1, cfg.concurrency))
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self._client = HTTPClient(
            guard=AddressGuard(allow_private=cfg.allow_private, policy=address_policy),
            user_agent=user_agent or cfg.user_agent,
            max_idle=cfg.concurrency,
            timeout=cfg.timeout,
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
        access: FeedAccess | None = None,
    ) -> FetchResult:
        """GET ``url`` (feed or article page); never raises for network/HTTP problems.
        ``access``: the feed's user agent and credentials (see the module docstring)."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        hop = _Hop(requested=url, url=url, access=access)
        try:
            result = await self._follow(url, headers, hop)
        except TimeoutError as e:  # the overall per-request deadline
            result = self._failure(
                url, hop, e, f"no complete response within {self._cfg.timeout:g}s"
            )
        except (httpx.HTTPError, httpx.InvalidURL, FetchError, OSError) as e:
            result = self._failure(url, hop, e, None)
        error = hop.redact(result.error) if result.error is not None else None
        result = replace(result, elapsed_ms=hop.held_s * 1000.0, error=error)
        logger.debug(
            "fetch url=%s status=%s outcome=%s ms=%.0f",
            redact_urls(url),
            result.status,
            result.outcome.value,
            result.elapsed_ms,
        )
        return result

    def _failure(self, url: str, hop: _Hop, exc: BaseException, message: str | None) -> FetchResult:
        if message is None:
            message = str(exc) or type(exc).__name__
            if isinstance(exc, httpx.HTTPError) and not isinstance(exc, httpx.HTTPStatusError):
                message = f"{type(exc).__name__}: {message}"
        return FetchResult(
            url=url,
            outcome=classify(hop.status, exc),
            status=hop.status,
            final_url=hop.url,
            error=message,
        )

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        sem = self._per_host.get(host)
        if sem is None:
            sem = self._per_host[host] = asyncio.Semaphore(max(1, self._cfg.per_host))
        return sem

    async def _follow(self, url: str, headers: dict[str, str], hop: _Hop) -> FetchResult:
        visited = {url}
        access = hop.access
        while True:
            target = _http_url(hop.url)
            credentials = access.headers_for(target) if access is not None else {}
            hop.sent_login = bool(credentials)
            async with self._host_slot(target.host), self._global:
                started = time.monotonic()
                try:
                    async with asyncio.timeout(self._cfg.timeout):
                        location = await self._one_request(target, {**headers, **credentials}, hop)
                finally:
                    hop.held_s += time.monotonic() - started
            if isinstance(location, FetchResult):
                return location
            hop.hops += 1
            hop.permanent = hop.permanent and hop.status in PERMANENT_REDIRECTS
            if location in visited:
                raise TooManyRedirectsError(f"redirect loop: {hop.url} -> {location}")
            if hop.hops > MAX_REDIRECTS:
                raise TooManyRedirectsError(f"more than {MAX_REDIRECTS} redirects")
            visited.add(location)
            hop.url = location

    async def _one_request(
        self, target: httpx.URL, headers: dict[str, str], hop: _Hop
    ) -> FetchResult | str:
        """One request: the result, or the absolute URL a redirect points to."""
        agent = hop.access.user_agent if hop.access is not None else None
        response = await self._client.get(target, headers, user_agent=agent)
        try:
            hop.status = status = response.status
            location = response.headers.get("location")
            if status in REDIRECT_STATUSES and location:
                try:
                    return str(strip_login(target.join(location.strip())))
                except httpx.InvalidURL as e:
                    raise InvalidURLError(f"bad redirect Location {location!r}: {e}") from e
            outcome = classify(status, None)
            body = await self._read_body(response) if outcome is Outcome.OK else None
        finally:
            await response.aclose()
        return self._result(hop, response, outcome, body)

    async def _read_body(self, response: Response) -> bytes:
        cap = self._cfg.max_bytes
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > cap:
            raise BodyTooLargeError(f"Content-Length {declared} exceeds max_bytes={cap}")
        decoder = BoundedDecoder(response.headers.get("content-encoding", ""), cap)
        parts = [decoder.feed(chunk) async for chunk in response.aiter_raw()]
        parts.append(decoder.flush())
        return b"".join(parts)

    def _result(
        self, hop: _Hop, response: Response, outcome: Outcome, body: bytes | None
    ) -> FetchResult:
        status = response.status
        headers = response.headers
        now = datetime.now(UTC)
        error = None
        if outcome.is_error:
            reason = response.reason
            error = f"HTTP {status} {reason}".rstrip()
            if outcome is Outcome.INVALID:
                error += " (redirect without a usable Location)"
            if outcome is Outcome.AUTH:
                login = hop.access is not None and hop.access.login
                error = auth_message(status, reason, login=login, sent=hop.sent_login)
        return FetchResult(
            url=hop.requested,
            outcome=outcome,
            status=status,
            final_url=hop.url,
            permanent_url=hop.url if hop.hops and hop.permanent else None,
            body=body,
            headers=headers,
            etag=headers.get("etag") if not outcome.is_error else None,
            last_modified=headers.get("last-modified") if not outcome.is_error else None,
            retry_after=(
                parse_retry_after(headers.get("retry-after"), now)
                if status in RETRY_AFTER_STATUSES
                else None
            ),
            max_age=parse_max_age(headers, now) if not outcome.is_error else None,
            error=error,
        )


def _http_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as e:
        raise InvalidURLError(f"invalid URL {url!r}: {e}") from e
    if parsed.scheme not in ("http", "https"):
        raise InvalidURLError(f"unsupported URL scheme {parsed.scheme!r} in {url!r}")
    if not parsed.host:
        raise InvalidURLError(f"no host in URL {url!r}")
    return parsed
