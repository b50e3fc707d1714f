"""Pure parsers and checks for config values: text in, value or a message with a hint out.

Nothing here knows about YAML nodes or files; ``kinds`` wraps these for the loader, and
``opml`` uses the feed URL checks on its own.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import re
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

# ---- limits (policy, not tuned on data: they catch typos and abuse, not preferences) ----------

MIN_INTERVAL = 60.0  # a feed polled more often than once a minute is a typo or abuse
MAX_INTERVAL = 30 * 86400.0  # longer than a month is almost certainly a unit mistake
MIN_TIMEOUT = 1.0
MAX_TIMEOUT = 600.0  # the scheduler ticks every minute; a fetch must not outlive ten ticks
MIN_MAX_BYTES = 10_000  # smaller than the smallest useful feed document
MAX_MAX_BYTES = 1_000_000_000  # bodies are held in memory
MAX_CONCURRENCY = 1000
MIN_WINDOW = 3600.0  # dedup windows below an hour would match nothing useful
MIN_RETENTION = 86400.0
MAX_WINDOW = 365 * 86400.0  # a longer dedup window is a unit mistake
MAX_RETENTION = 100 * 365 * 86400.0
MAX_PORT = 65535

_DURATION_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)")
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}
_SIZE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)")
_SEND_AT_RE = re.compile(r"(\d{1,2}):(\d{2})")
ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# scheme://...@ before the first /, ? or #: a login written into a URL
_USERINFO_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/*[^/?#]*@")
# Plausible, not RFC 5322: one @, no spaces or brackets, a dotted or single-label domain
# (``aggregator@localhost`` is a legitimate sender on a single machine).
_ADDR_RE = re.compile(
    r"[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_NAMED_ADDR_RE = re.compile(r"(?P<name>[^<>]*?)\s*<(?P<addr>[^<>]+)>")

# ---- pure parsers ------------------------------------------------------------------------------


def parse_duration(s: str) -> float:
    """``"90s"``, ``"30m"``, ``"2h"``, ``"1d"``, ``"1w"``, chained ``"1h30m"`` -> seconds.

    Raises ValueError with a message that says what to write instead. Bare numbers are refused:
    ``30`` could mean seconds or minutes.
    """
    text = s.strip()
    if not text:
        raise ValueError("empty duration; write a number with a unit, e.g. 30m")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        raise ValueError(
            f"{text!r} has no unit; write e.g. '{text}s' or '{text}m' (units: s, m, h, d, w)"
        )
    pos = 0
    total = 0.0
    for m in _DURATION_PART.finditer(text):
        if m.start() != pos and text[pos : m.start()].strip():
            break
        unit = m.group(2).lower()
        if unit not in _DURATION_UNITS:
            raise ValueError(
                f"unknown duration unit {m.group(2)!r} in {text!r}; use s, m, h, d or w "
                "(e.g. 90s, 30m, 2h, 1d)"
            )
        total += float(m.group(1)) * _DURATION_UNITS[unit]
        pos = m.end()
    if pos == 0 or text[pos:].strip():
        raise ValueError(
            f"{text!r} is not a duration; write a number with a unit, e.g. 90s, 30m, 2h, 1d"
        )
    return total


def parse_size(s: str) -> int:
    """``"512KB"``, ``"5MB"`` (decimal), ``"1MiB"`` (binary), ``"100B"`` -> bytes.

    Units are case-insensitive. Bare numbers are refused with a hint.
    """
    text = s.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        raise ValueError(
            f"{text!r} has no unit; write e.g. '{text}B' or '5MB' (units: B, KB, MB, GB, KiB, MiB, GiB)"
        )
    m = _SIZE_RE.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a size; write a number with a unit, e.g. 512KB or 5MB")
    unit = m.group(2).lower()
    if unit not in _SIZE_UNITS:
        raise ValueError(
            f"unknown size unit {m.group(2)!r} in {text!r}; use B, KB, MB, GB, KiB, MiB or GiB"
        )
    return int(float(m.group(1)) * _SIZE_UNITS[unit])


def parse_send_at(s: str) -> str:
    """``"7:00"`` / ``"07:00"`` -> ``"07:00"``; 00:00 to 23:59."""
    m = _SEND_AT_RE.fullmatch(s.strip())
    if m is None:
        raise ValueError(f'{s!r} is not a time; write HH:MM in 24-hour form, e.g. "07:00"')
    hh, mm = int(m.group(1)), int(m.group(2))
    if hh > 23 or mm > 59:
        raise ValueError(f"{s!r} is out of range; use 00:00 to 23:59")
    return f"{hh:02d}:{mm:02d}"


def feed_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a feed URL (with what to do), or None if it is fine.

    A URL with a login in it (``https://user:pass@host/feed``) is refused without repeating
    it, so the password never reaches a message, a log or the status.
    """
    if not url.strip():
        return "is empty; give the feed's http(s) URL"
    if _USERINFO_RE.match(url.strip()):
        return (
            "contains a login (user:password@ before the host), which is refused so that "
            "no password sits in the YAML, the logs or the status; remove it and give "
            "username: and password_env: (the NAME of an environment variable) instead"
        )
    if any(c.isspace() for c in url):
        return f"{url!r} contains whitespace; remove it or percent-encode it (%20)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        return f"{url!r} is not a valid URL ({e})"
    scheme = parts.scheme.lower()
    if scheme in ("feed", "rss") or scheme == "":
        if scheme == "" and "." in url.split("/", 1)[0]:
            return f"{url!r} has no scheme; write https://{url}"
        if scheme:
            return f"{url!r} uses the {scheme}: pseudo-scheme; write it with https:// instead"
    if scheme not in ("http", "https"):
        return f"{url!r} is not an http(s) URL; feeds are fetched over http:// or https://"
    if not parts.hostname:
        return f"{url!r} has no host; write it as https://host/path"
    return None


def feed_url_key(url: str) -> str:
    """The form in which two feed URLs count as the same subscription.

    Scheme and host are case-insensitive, default ports and fragments do not matter; the path
    and query are kept exactly (they select content).
    """
    try:
        p = urlsplit(url.strip())
        host = (p.hostname or "").lower()
        port = p.port
    except ValueError:
        return url.strip()
    scheme = p.scheme.lower()
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, p.path or "/", p.query, ""))


def address_problem(addr: str, *, display_name: bool) -> str | None:
    """Why ``addr`` is not a plausible mail address (with a hint), or None."""
    text = addr.strip()
    m = _NAMED_ADDR_RE.fullmatch(text)
    if m is not None:
        if not display_name:
            return f"{addr!r}: write the bare address here (me@example.org), without a display name"
        text = m.group("addr").strip()
    if not _ADDR_RE.fullmatch(text):
        example = '"Aggregator <aggregator@example.org>"' if display_name else "me@example.org"
        return f"{addr!r} is not a mail address; write it like {example}"
    return None


@functools.cache
def _timezones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def timezone_problem(name: str) -> str | None:
    """Why ``name`` is not an IANA timezone (with a suggestion), or None."""
    try:
        zoneinfo.ZoneInfo(name)
        return None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pass
    zones = _timezones()
    lower = {z.lower(): z for z in zones}
    close = lower.get(name.lower())
    if close is None:
        matches = difflib.get_close_matches(name, zones, n=1, cutoff=0.6)
        close = matches[0] if matches else None
    hint = f"did you mean '{close}'?" if close else "use an IANA name such as Europe/Kyiv or UTC"
    return f"unknown timezone {name!r}; {hint}"


def suggest(word: str, choices: list[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or "" when none is close."""
    matches = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    """The hint for an unknown key: the closest allowed key, else the list of allowed keys."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if matches:
        return f"did you mean '{matches[0]}'?"
    return "allowed keys: " + ", ".join(choices)


def fmt_duration(seconds: float) -> str:
    """Seconds -> the largest whole unit (``"7d"``, ``"90s"``), for messages."""
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


# ---- HTTP request headers (feeds[].headers, user_agent) ----------------------------------------

HEADER_NAME_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an RFC 9110 token
ENV_REF_RE = re.compile(r"\$\{([^}]*)\}")  # ${NAME} in a header value
_VISIBLE_ASCII = re.compile(r"[\x20-\x7e]*")
MAX_HEADER_VALUE = 4096

_FRAMING = "the poller frames its own requests and connections"
_CONDITIONAL = "the poller sends its own conditional GET from the stored validators"
_PARTIAL = "it would make the server answer with part of the feed or a 412"
# headers a feed may not set: the poller owns them, or they would break its logic or security
RESERVED_HEADERS: dict[str, str] = {
    "host": "the poller sets Host from the feed URL",
    "content-length": _FRAMING,
    "transfer-encoding": _FRAMING,
    "connection": _FRAMING,
    "keep-alive": _FRAMING,
    "upgrade": _FRAMING,
    "te": _FRAMING,
    "trailer": _FRAMING,
    "expect": _FRAMING,
    "if-none-match": f"{_CONDITIONAL} (ETag)",
    "if-modified-since": f"{_CONDITIONAL} (Last-Modified)",
    "if-match": _PARTIAL,
    "if-unmodified-since": _PARTIAL,
    "if-range": _PARTIAL,
    "range": _PARTIAL,
    "accept-encoding": "the poller asks only for gzip/deflate, which its size-capped "
    "decompressor reads",
    "user-agent": "give user_agent: on the feed (or fetch.user_agent) instead",
    "proxy-authorization": "proxies are never used",
}
# credentials by nature: their value must come from the environment, never the YAML
CREDENTIAL_HEADERS = frozenset({"authorization", "cookie"})


def header_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an extra request header of a feed (with the reason), or None."""
    if not HEADER_NAME_RE.fullmatch(name):
        return f"{name!r} is not a header name (letters, digits and -, no spaces or colons)"
    reason = RESERVED_HEADERS.get(name.lower())
    if reason is not None:
        return f"{name} may not be set here: {reason}"
    return None


def header_value_problem(name: str, value: str) -> str | None:
    """Why ``value`` (as written, with ``${NAME}`` references) cannot be sent as ``name``.

    The value is never repeated in the message: it may be a token written by mistake.
    """
    problem = header_text_problem(value)
    if problem is not None:
        return problem
    refs = ENV_REF_RE.findall(value)
    for ref in refs:
        if not ENV_NAME_RE.fullmatch(ref):
            return f"${{{ref}}} is not an environment variable reference; write ${{NAME}}"
    if "${" in ENV_REF_RE.sub("", value):
        return "has an unclosed ${; write ${NAME}"
    if name.lower() in CREDENTIAL_HEADERS and not refs:
        return (
            f"{name} carries a credential, which never goes in the YAML; put it in an "
            f'environment variable and write e.g. {name}: "Bearer ${{FEED_TOKEN}}"'
        )
    return None


def user_agent_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as the User-Agent, or None."""
    if not value.strip():
        return "is empty; give a user agent string or remove the key"
    return header_text_problem(value)


def header_text_problem(value: str) -> str | None:
    """Why ``value`` cannot travel in a header line (without repeating it), or None."""
    if not _VISIBLE_ASCII.fullmatch(value):
        return "must be printable ASCII on one line (no line breaks or control characters)"
    if len(value) > MAX_HEADER_VALUE:
        return f"is longer than {MAX_HEADER_VALUE} characters"
    return None


# ---- metrics.listen ----------------------------------------------------------------------------

_LOOPBACK_NAMES = {"localhost": "127.0.0.1", "ip6-localhost": "::1"}


@dataclass(frozen=True)
class Listen:
    """Where ``/metrics`` and ``/healthz`` are served: an IP literal and a port."""

    host: str
    port: int

    @property
    def loopback(self) -> bool:
        return ipaddress.ip_address(self.host).is_loopback

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_listen(text: str) -> Listen:
    """``"127.0.0.1:9464"``, ``"[::1]:9464"``, ``"localhost:9464"``; a bare ``"9464"`` or
    ``":9464"`` means loopback. Any other interface must be written out (``0.0.0.0:9464``):
    serving beyond this machine is always an explicit choice. Host names other than localhost
    are refused (nothing is resolved at load time). Raises ValueError with a hint."""
    s = text.strip()
    example = "write HOST:PORT, e.g. 127.0.0.1:9464 (loopback) or 0.0.0.0:9464 (every interface)"
    if "://" in s or "/" in s:
        raise ValueError(f"{s!r} is not an address; {example}, without a scheme or path")
    if s.isdigit() or (s.startswith(":") and s[1:].isdigit()):
        host, port_text = "127.0.0.1", s.lstrip(":")
    elif s.startswith("["):
        host, sep, port_text = s[1:].partition("]:")
        if not sep:
            raise ValueError(f"{s!r} has no port; {example}")
    else:
        host, sep, port_text = s.rpartition(":")
        if not sep or not host or ":" in host:
            hint = "; write an IPv6 address in brackets, e.g. [::1]:9464" if ":" in host else ""
            raise ValueError(f"{s!r} has no port{hint}; {example}")
    if not port_text.isdigit() or not 1 <= int(port_text) <= MAX_PORT:
        raise ValueError(f"{s!r}: the port must be a number from 1 to {MAX_PORT}; {example}")
    host = _LOOPBACK_NAMES.get(host.lower(), host)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"{s!r}: {host!r} is not an IP address; {example} (host names are not resolved)"
        ) from None
    return Listen(host, int(port_text))
