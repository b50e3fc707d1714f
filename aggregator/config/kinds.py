"""Kinds of value: how one YAML node becomes one typed value, or an issue at that node.

Each kind is a small frozen object with ``parse(cx, node, path)``, which returns the value, or
None after recording an issue (``path`` is the key as the user sees it, ``feeds[3].interval``).
The table in ``schema`` gives every key its kind; the loader never parses a value itself.
"""

from __future__ import annotations

import enum
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aggregator.config.nodes import (
    BOOL,
    FLOAT,
    INT,
    NULL,
    STR,
    TIMESTAMP,
    Cx,
    absolute,
    describe,
)
from aggregator.config.values import (
    ENV_NAME_RE,
    Listen,
    address_problem,
    feed_url_problem,
    fmt_duration,
    header_name_problem,
    header_value_problem,
    parse_duration,
    parse_listen,
    parse_send_at,
    parse_size,
    suggest,
    timezone_problem,
    user_agent_problem,
)

T_co = TypeVar("T_co", covariant=True)
E = TypeVar("E", bound=enum.Enum)


class Kind(ABC, Generic[T_co]):
    """How a node becomes a value of type ``T_co``."""

    @abstractmethod
    def parse(self, cx: Cx, node: Node, path: str) -> T_co | None:
        """The value, or None with an issue recorded at ``node``."""


def text_of(cx: Cx, node: Node, path: str) -> str | None:
    """A scalar written as text (numbers, booleans and dates count: ``name: 1984``)."""
    if isinstance(node, ScalarNode) and node.tag in (STR, INT, FLOAT, BOOL, TIMESTAMP):
        value: str = node.value
        if not value.strip():
            cx.err(node, f"{path}: is empty; give a value or remove the key")
            return None
        return value
    if isinstance(node, ScalarNode) and node.tag == NULL:
        cx.err(node, f"{path}: has no value; give a value or remove the key")
        return None
    cx.err(node, f"{path}: expected text, found {describe(node)}")
    return None


@dataclass(frozen=True)
class Text(Kind[str]):
    """Non-empty text; surrounding spaces removed unless ``strip`` is false."""

    strip: bool = True

    def parse(self, cx: Cx, node: Node, path: str) -> str | None:
        value = text_of(cx, node, path)
        if value is None:
            return None
        return value.strip() if self.strip else value


@dataclass(frozen=True)
class Integer(Kind[int]):
    """A whole number from ``lo`` to ``hi``."""

    lo: int
    hi: int

    def parse(self, cx: Cx, node: Node, path: str) -> int | None:
        if not (isinstance(node, ScalarNode) and node.tag == INT):
            cx.err(node, f"{path}: expected a whole number, found {describe(node)}")
            return None
        value = cx.constructor.construct_yaml_int(node)
        assert isinstance(value, int)
        if not self.lo <= value <= self.hi:
            cx.err(node, f"{path}: {value} is out of range; use {self.lo} to {self.hi}")
            return None
        return value


@dataclass(frozen=True)
class Boolean(Kind[bool]):
    """``true`` or ``false`` (YAML's ``yes``/``no`` too)."""

    def parse(self, cx: Cx, node: Node, path: str) -> bool | None:
        if not (isinstance(node, ScalarNode) and node.tag == BOOL):
            cx.err(node, f"{path}: expected true or false, found {describe(node)}")
            return None
        return bool(cx.constructor.construct_yaml_bool(node))


@dataclass(frozen=True)
class Duration(Kind[float]):
    """``90s``, ``30m``, ``2h``, ``1d`` -> seconds, from ``lo`` to ``hi``.

    ``floor``: values below it are refused as "too often" (poll intervals; be polite).
    """

    lo: float
    hi: float
    floor: float = 0.0

    def parse(self, cx: Cx, node: Node, path: str) -> float | None:
        if isinstance(node, ScalarNode) and node.tag in (INT, FLOAT):
            cx.err(
                node,
                f"{path}: {node.value} has no unit; write e.g. '{node.value}s' or "
                f"'{node.value}m' (units: s, m, h, d, w)",
            )
            return None
        text = text_of(cx, node, path)
        if text is None:
            return None
        try:
            value = parse_duration(text)
        except ValueError as e:
            cx.err(node, f"{path}: {e}")
            return None
        if not self.lo <= value <= self.hi:
            cx.err(
                node,
                f"{path}: {text} is out of range; use between {fmt_duration(self.lo)} "
                f"and {fmt_duration(self.hi)}",
            )
            return None
        if value < self.floor:
            cx.err(
                node,
                f"{path}: {text} is too often; the floor is {fmt_duration(self.floor)} "
                "(be polite to feed servers)",
            )
            return None
        return value


@dataclass(frozen=True)
class Size(Kind[int]):
    """``512KB``, ``5MB``, ``1MiB`` -> bytes, from ``lo`` to ``hi``."""

    lo: int
    hi: int

    def parse(self, cx: Cx, node: Node, path: str) -> int | None:
        if isinstance(node, ScalarNode) and node.tag in (INT, FLOAT):
            cx.err(
                node,
                f"{path}: {node.value} has no unit; write e.g. '{node.value}B' or '5MB' "
                "(units: B, KB, MB, GB, KiB, MiB, GiB)",
            )
            return None
        text = text_of(cx, node, path)
        if text is None:
            return None
        try:
            value = parse_size(text)
        except ValueError as e:
            cx.err(node, f"{path}: {e}")
            return None
        if not self.lo <= value <= self.hi:
            cx.err(
                node,
                f"{path}: {text} is out of range; use between {self.lo:,} bytes and {self.hi:,} bytes",
            )
            return None
        return value


@dataclass(frozen=True)
class Choice(Kind[E]):
    """One of an enum's values, case-insensitive, with a "did you mean" hint."""

    enum_type: type[E]

    def parse(self, cx: Cx, node: Node, path: str) -> E | None:
        allowed = [str(m.value) for m in self.enum_type]
        # `never: off` style answers arrive as booleans; show them as written
        is_bool = isinstance(node, ScalarNode) and node.tag == BOOL
        text = str(node.value) if is_bool else text_of(cx, node, path)
        if text is None:
            return None
        for member in self.enum_type:
            if member.value == text.strip().lower():
                return member
        cx.err(
            node,
            f"{path}: {text!r} is not one of {' | '.join(allowed)}{suggest(text, allowed)}",
        )
        return None


@dataclass(frozen=True)
class FilePath(Kind[Path]):
    """A path; ``~`` expanded, relative to the config file's directory, made absolute.

    ``directory_hint``: when set, the path must be an existing directory, and the hint says
    what to do when it is not. ``state``: the path is writable state (the database, digest
    files): relative to ``Cx.state_base`` instead ($STATE_DIRECTORY under systemd).
    """

    directory_hint: str | None = None
    state: bool = False

    def parse(self, cx: Cx, node: Node, path: str) -> Path | None:
        text = text_of(cx, node, path)
        if text is None:
            return None
        if "\x00" in text:
            cx.err(node, f"{path}: contains a NUL character; remove it")
            return None
        p = Path(text).expanduser()
        base = cx.state_base if self.state else cx.base
        resolved = absolute(p if p.is_absolute() else base / p)
        if self.directory_hint is not None and not resolved.is_dir():
            cx.err(node, f"{path}: {resolved} is not a directory; {self.directory_hint}")
            return None
        return resolved


@dataclass(frozen=True)
class Database(Kind[Path | str]):
    """The state: an SQLite file (a path, as ``FilePath(state=True)``) or a PostgreSQL
    database shared by several workers (a ``postgresql://`` URL, kept as text; a password in
    it is an error: it comes from ``database_password_env`` or libpq's PG* variables)."""

    def parse(self, cx: Cx, node: Node, path: str) -> Path | str | None:
        text = text_of(cx, node, path)
        if text is None:
            return None
        if not text.strip().startswith(("postgresql://", "postgres://")):
            return FilePath(state=True).parse(cx, node, path)
        from urllib.parse import urlsplit

        url = text.strip()
        try:
            password = urlsplit(url).password
        except ValueError as e:
            cx.err(node, f"{path}: not a valid postgresql:// URL: {e}")
            return None
        if password is not None:
            cx.err(
                node,
                f"{path}: the URL holds a password; secrets never go in the YAML: "
                "remove it and set database_password_env: SOME_VARIABLE (or PGPASSWORD)",
            )
            return None
        return url


@dataclass(frozen=True)
class SendAt(Kind[str]):
    """``"7:00"`` / ``"07:00"`` -> ``"07:00"`` (unquoted 7:00 is a YAML number: accepted)."""

    def parse(self, cx: Cx, node: Node, path: str) -> str | None:
        text = node.value if isinstance(node, ScalarNode) and node.tag in (STR, INT) else None
        if text is None:
            cx.err(node, f'{path}: expected a time like "07:00", found {describe(node)}')
            return None
        try:
            return parse_send_at(text)
        except ValueError as e:
            cx.err(node, f"{path}: {e}")
            return None


@dataclass(frozen=True)
class Timezone(Kind[str]):
    """An IANA time zone name, with a suggestion for near misses."""

    def parse(self, cx: Cx, node: Node, path: str) -> str | None:
        tz = text_of(cx, node, path)
        if tz is None:
            return None
        problem = timezone_problem(tz.strip())
        if problem:
            cx.err(node, f"{path}: {problem}")
            return None
        return tz.strip()


@dataclass(frozen=True)
class Address(Kind[str]):
    """One plausible mail address; ``display_name`` allows ``"Name <addr>"``."""

    display_name: bool = False

    def parse(self, cx: Cx, node: Node, path: str) -> str | None:
        addr = text_of(cx, node, path)
        if addr is None:
            return None
        problem = address_problem(addr, display_name=self.display_name)
        if problem:
            cx.err(node, f"{path}: {problem}")
            return None
        return addr.strip()


@dataclass(frozen=True)
class AddressList(Kind[tuple[str, ...]]):
    """A list of bare addresses (one address or nothing is accepted too).

    Bad or repeated entries are reported and left out; the rest are kept, so later checks
    (recipients needed for smtp) see what was valid. It never returns None.
    """

    def parse(self, cx: Cx, node: Node, path: str) -> tuple[str, ...]:
        items: list[Node]
        if isinstance(node, SequenceNode):
            items = list(node.value)
        elif isinstance(node, ScalarNode) and node.tag == STR:
            items = [node]
        elif isinstance(node, ScalarNode) and node.tag == NULL:
            items = []
        else:
            cx.err(
                node,
                f"{path}: expected a list of addresses like [me@example.org], found {describe(node)}",
            )
            items = []
        one = Address(display_name=False)
        out: list[str] = []
        for i, item in enumerate(items):
            key = f"{path}[{i}]" if isinstance(node, SequenceNode) else path
            addr = one.parse(cx, item, key)
            if addr is None:
                continue
            if addr in out:
                cx.err(item, f"{key}: {addr} is listed twice; remove one")
            else:
                out.append(addr)
        return tuple(out)


@dataclass(frozen=True)
class SecretEnv(Kind[str]):
    """The *name* of an environment variable that holds a secret (never the secret)."""

    def parse(self, cx: Cx, node: Node, path: str) -> str | None:
        name = text_of(cx, node, path)
        if name is not None and not ENV_NAME_RE.fullmatch(name):
            cx.err(
                node,
                f"{path}: {name!r} is not an environment variable name; "
                "it names the variable that holds the password (e.g. AGGREGATOR_SMTP_PASSWORD), "
                "never the password itself",
            )
            return None
        return name


@dataclass(frozen=True)
class UserAgent(Kind[str]):
    """A User-Agent string: printable ASCII on one line, kept as written."""

    def parse(self, cx: Cx, node: Node, path: str) -> str | None:
        value = text_of(cx, node, path)
        problem = user_agent_problem(value) if value is not None else None
        if problem:
            cx.err(node, f"{path}: {problem}")
            return None
        return value


HeaderList = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Headers(Kind[HeaderList]):
    """Extra request headers, ``{Name: value}``; values may hold ``${ENV_VAR}`` references
    (resolved when the feed is polled). Names the poller owns are refused with the reason,
    at the name; a bad value at the value. Values are never repeated in messages."""

    def parse(self, cx: Cx, node: Node, path: str) -> HeaderList | None:
        if not isinstance(node, MappingNode) or not node.value:
            found = "an empty mapping" if isinstance(node, MappingNode) else describe(node)
            cx.err(node, f"{path}: expected a mapping of headers like {{X-Client: aggregator}}, "
                   f"found {found}")  # fmt: skip
            return None
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        ok = True
        for key, value in node.value:
            name = str(key.value) if isinstance(key, ScalarNode) else ""
            problem = header_name_problem(name) if name else "header names must be plain words"
            if problem is None and name.lower() in seen:
                problem = f"{name} is given twice (header names ignore case); keep one"
            if problem is not None:
                cx.err(key, f"{path}: {problem}")
                ok = False
                continue
            seen.add(name.lower())
            text = text_of(cx, value, f"{path}.{name}")
            problem = header_value_problem(name, text) if text is not None else ""
            if problem:
                cx.err(value, f"{path}.{name}: {problem}")
            if problem is not None:
                ok = False
                continue
            assert text is not None
            out.append((name, text.strip()))
        return tuple(out) if ok else None


@dataclass(frozen=True)
class HostName(Kind[str]):
    """A bare host name (no scheme, path or spaces)."""

    def parse(self, cx: Cx, node: Node, path: str) -> str | None:
        host = text_of(cx, node, path)
        if host is not None and (any(c.isspace() for c in host.strip()) or "/" in host):
            cx.err(
                node,
                f"{path}: {host!r} is not a host name; write just the name, e.g. smtp.example.org",
            )
            return None
        return host.strip() if host is not None else None


@dataclass(frozen=True)
class FeedUrl(Kind[str]):
    """An http(s) feed URL (``feed:`` pseudo-schemes and missing schemes get a hint)."""

    def parse(self, cx: Cx, node: Node, path: str) -> str | None:
        url = text_of(cx, node, path)
        if url is None:
            return None
        problem = feed_url_problem(url)
        if problem:
            cx.err(node, f"{path}: {problem}")
            return None
        return url.strip()


def compile_pattern(text: str) -> re.Pattern[str]:
    """``/regex/`` as written, else a word or phrase matched whole (not inside a longer word,
    any run of spaces between its words); both case-insensitive. Raises ``re.error``."""
    text = text.strip()
    if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        return re.compile(text[1:-1], re.IGNORECASE)
    words = [re.escape(w) for w in text.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Patterns(Kind[tuple[re.Pattern[str], ...]]):
    """A list of words, phrases or ``/regex/`` (a single one may be written without the
    list); each compiled case-insensitively. A bad regex is an issue at its own line and
    column. ``allow_empty``: ``[]`` means none (filters), else it is an issue."""

    allow_empty: bool = False

    def parse(self, cx: Cx, node: Node, path: str) -> tuple[re.Pattern[str], ...] | None:
        items = node.value if isinstance(node, SequenceNode) else [node]
        if not items and self.allow_empty and isinstance(node, SequenceNode):
            return ()
        if not items:
            cx.err(node, f"{path}: is empty; give words, phrases or /regex/")
            return None
        out = []
        ok = True
        for i, item in enumerate(items):
            where = f"{path}[{i}]" if isinstance(node, SequenceNode) else path
            text = text_of(cx, item, where)
            if text is None:
                ok = False
                continue
            try:
                out.append(compile_pattern(text))
            except re.error as e:
                cx.err(item, f"{where}: {text.strip()} is not a valid regular expression: {e}")
                ok = False
        return tuple(out) if ok else None


@dataclass(frozen=True)
class ListenAddress(Kind[Listen]):
    """``HOST:PORT`` to serve on (``values.parse_listen``); a bare port means loopback."""

    def parse(self, cx: Cx, node: Node, path: str) -> Listen | None:
        text = text_of(cx, node, path)
        if text is None:
            return None
        try:
            return parse_listen(text)
        except ValueError as e:
            cx.err(node, f"{path}: {e}")
            return None


# the kinds of ``profiles:`` (days, names) live in ``kinds_profiles``
from aggregator.config.kinds_profiles import WEEKDAYS as WEEKDAYS  # noqa: E402
from aggregator.config.kinds_profiles import Days as Days  # noqa: E402
from aggregator.config.kinds_profiles import Names as Names  # noqa: E402
from aggregator.config.kinds_profiles import ProfileName as ProfileName  # noqa: E402
