"""Configuration: YAML -> validated frozen objects.

The loader (``load_config``) is the only place that reads the YAML. Everything else gets a
``Config`` and never sees raw dicts.

Design
------
* The YAML is *composed* (``yaml.compose`` with the SafeLoader), not loaded: the node tree keeps
  a mark for every key and value, so every problem is reported as ``file:line:col`` (1-based)
  plus the key path (``fetch.timeout``, ``feeds[3].url``). Nothing is ever constructed from
  arbitrary tags; scalars are converted by the safe constructor only where a type is expected.
* Validation collects every issue before raising one ``errors.ConfigError(issues)``, so a user
  fixes the whole file in one pass. Messages say what is wrong and what to do.
* Reading files is the only I/O (the config, the optional ``feeds_file``, an existence check of
  ``template_dir``). ``_Loader`` takes already-read text so that ``opml.add_feeds_to_yaml`` can
  validate an edit in memory before touching the disk.
* Durations are ``<number><unit>`` with units ``s m h d w`` and may be chained (``1h30m``); a
  bare number is an error because ``interval: 30`` is ambiguous. Sizes use decimal units
  ``B KB MB GB`` (``5MB`` = 5,000,000 bytes) or binary ``KiB MiB GiB``; units are
  case-insensitive.
* A ``feeds_file`` holds either a plain list of feeds, or a mapping with a single ``feeds:`` key
  (so one file can be moved between the two forms). Feeds from the file come first, then the
  inline ``feeds:`` list. A feed entry is a mapping, or a bare URL string as a shorthand.
* Relative paths (``database``, ``feeds_file``, ``digest.out_dir``, ``digest.template_dir``)
  are relative to the directory of the config file, and ``~`` is expanded.
* Secrets never live in the YAML: ``smtp.password`` is an error that points at
  ``smtp.password_env``, which only names an environment variable.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import enum
import functools
import logging
import os
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aggregator.errors import ConfigError, ConfigIssue

log = logging.getLogger(__name__)


class FullText(enum.Enum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class SmtpSecurity(enum.Enum):
    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


@dataclass(frozen=True)
class FeedConfig:
    url: str
    name: str | None = None  # default: the feed's own title
    topic: str = "General"
    full_text: FullText = FullText.AUTO
    interval: float | None = None  # seconds; None = fetch.interval
    prefer: bool = False


@dataclass(frozen=True)
class FetchConfig:
    interval: float = 30 * 60.0  # seconds
    timeout: float = 20.0  # seconds
    max_bytes: int = 5 * 1000 * 1000
    concurrency: int = 16
    per_host: int = 2
    allow_private: bool = False


@dataclass(frozen=True)
class DigestConfig:
    send_at: str = "07:00"  # HH:MM
    timezone: str = "UTC"
    to: tuple[str, ...] = ()
    sender: str = "Aggregator <aggregator@localhost>"  # YAML key: from
    out_dir: Path = Path("digests")
    template_dir: Path | None = None
    send_empty: bool = False


@dataclass(frozen=True)
class DedupConfig:
    window: float = 7 * 86400.0  # seconds
    story_window: float = 3 * 86400.0  # seconds


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str | None = None
    password_env: str | None = None
    timeout: float = 30.0


@dataclass(frozen=True)
class Config:
    path: Path  # the main config file (absolute)
    database: Path  # absolute
    feeds: tuple[FeedConfig, ...] = ()
    fetch: FetchConfig = field(default_factory=FetchConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    retention: float = 30 * 86400.0  # seconds
    dedup: DedupConfig = field(default_factory=DedupConfig)
    smtp: SmtpConfig | None = None
    feeds_file: Path | None = None  # absolute, if used
    source_files: tuple[Path, ...] = ()  # every file read (for hot reload)

    def feed(self, url: str) -> FeedConfig | None:
        for f in self.feeds:
            if f.url == url:
                return f
        return None

    def topics(self) -> tuple[str, ...]:
        """Topics in order of first appearance, 'General' last."""
        seen: list[str] = []
        for f in self.feeds:
            if f.topic not in seen and f.topic != "General":
                seen.append(f.topic)
        return (*seen, "General")


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

DEFAULT_DATABASE = "aggregator.db"
DEFAULT_TOPIC = "General"

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
_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Plausible, not RFC 5322: one @, no spaces or brackets, a dotted or single-label domain
# (``aggregator@localhost`` is a legitimate sender on a single machine).
_ADDR_RE = re.compile(
    r"[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_NAMED_ADDR_RE = re.compile(r"(?P<name>[^<>]*?)\s*<(?P<addr>[^<>]+)>")

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"

TOP_KEYS = ("database", "feeds_file", "feeds", "fetch", "digest", "retention", "dedup", "smtp")
FEED_KEYS = ("url", "name", "topic", "full_text", "interval", "prefer")
FETCH_KEYS = ("interval", "timeout", "max_bytes", "concurrency", "per_host", "allow_private")
DIGEST_KEYS = ("send_at", "timezone", "to", "from", "out_dir", "template_dir", "send_empty")
DEDUP_KEYS = ("window", "story_window")
SMTP_KEYS = ("host", "port", "security", "username", "password_env", "timeout")
_SMTP_DEFAULT_PORTS = {
    SmtpSecurity.STARTTLS: 587,
    SmtpSecurity.TLS: 465,
    SmtpSecurity.NONE: 25,
}
_PASSWORD_HINT = (
    "secrets never go in the YAML; set password_env: SOME_VARIABLE and put the password "
    "in that environment variable (e.g. in the systemd EnvironmentFile)"
)


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
    """Why ``url`` cannot be a feed URL (with what to do), or None if it is fine."""
    if not url.strip():
        return "is empty; give the feed's http(s) URL"
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


def _suggest(word: str, choices: list[str]) -> str:
    matches = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if matches:
        return f"did you mean '{matches[0]}'?"
    return "allowed keys: " + ", ".join(choices)


# ---- the validating loader --------------------------------------------------------------------


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        kinds = {
            _STR: "text",
            _INT: "a number",
            _FLOAT: "a number",
            _BOOL: "true/false",
            _NULL: "nothing",
        }
        kind = kinds.get(node.tag, "a value")
        return kind if node.tag == _NULL else f"{kind} {node.value!r}"
    return "a value"


def _issue_at(file: str, line: int, col: int, message: str) -> ConfigIssue:
    return ConfigIssue(file=file, line=line, col=col, message=message)


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


class MarkedLoader(yaml.SafeLoader):
    """SafeLoader whose aliases carry the position where they are *used*.

    Plain composing returns the anchored node itself for ``*name``, so an error in an aliased
    value would point at the anchor. Here each alias yields a shallow copy of that node with the
    alias's marks; the copy shares the children, so nothing is expanded (an alias bomb stays
    as small as its text).
    """

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            node = super().compose_node(parent, index)
            if node is None:
                return None
            clone = copy.copy(node)
            clone.start_mark, clone.end_mark = event.start_mark, event.end_mark
            return clone
        return super().compose_node(parent, index)


def compose_yaml(text: str) -> Node | None:
    """YAML text -> node tree with marks (safe: only standard tags, aliases not expanded)."""
    return yaml.compose(text, Loader=MarkedLoader)


def _compose(text: str, file: str, issues: list[ConfigIssue]) -> Node | None:
    """YAML text -> node tree, or None with an issue recorded."""
    try:
        return compose_yaml(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = e.problem or e.context or "invalid YAML"
        if e.problem and e.context and e.context_mark is not None:
            cm = e.context_mark
            problem += f" {e.context} (at line {cm.line + 1}, column {cm.column + 1})"
        hint = "fix the YAML syntax"
        if "'\\t'" in problem or (mark is not None and text[mark.index : mark.index + 1] == "\t"):
            hint = "YAML indentation must use spaces, not tabs"
        elif "mapping values are not allowed" in problem:
            hint = "quote values that contain ': ', or check the indentation above"
        elif "expected <block end>" in problem or "expected <document start>" in problem:
            hint = "check the indentation of this line against the lines above"
        issues.append(_issue_at(file, line, col, f"YAML syntax error: {problem}; {hint}"))
    except yaml.reader.ReaderError as e:
        line, col = _line_col(text, e.position)
        issues.append(
            _issue_at(
                file,
                line,
                col,
                f"YAML cannot contain the character {chr(e.character)!r} (0x{e.character:x}); remove it",
            )
        )
    except yaml.YAMLError as e:
        issues.append(_issue_at(file, 1, 1, f"YAML error: {e}"))
    return None


def _decode(data: bytes, file: str, issues: list[ConfigIssue]) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        prefix = data[: e.start].decode("utf-8", errors="replace")
        line, col = _line_col(prefix, len(prefix))
        issues.append(_issue_at(file, line, col, "file is not valid UTF-8; save it as UTF-8"))
        return None
    return text.removeprefix("\ufeff")


class _Loader:
    """Walks the composed node trees, collecting issues. One instance per load."""

    def __init__(self, read: Callable[[Path], bytes]) -> None:
        self.read = read
        self.issues: list[ConfigIssue] = []
        self.constructor = yaml.constructor.SafeConstructor()

    # -- issue helpers --

    def err(self, file: str, node: Node, message: str) -> None:
        line, col = _pos(node)
        self.issues.append(_issue_at(file, line, col, message))

    def mapping(
        self,
        file: str,
        node: Node,
        path: str,
        allowed: tuple[str, ...],
        special: Mapping[str, str] | None = None,
    ) -> dict[str, tuple[ScalarNode, Node]] | None:
        """Check that ``node`` is a mapping with string keys from ``allowed``; return key -> nodes."""
        if not isinstance(node, MappingNode):
            self.err(
                file,
                node,
                f"{path}: expected a mapping (key: value lines), found {_describe(node)}",
            )
            return None
        out: dict[str, tuple[ScalarNode, Node]] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode) or key.tag not in (
                _STR,
                _INT,
                _BOOL,
                _FLOAT,
                _MERGE,
            ):
                where = path or "top level"
                self.err(file, key, f"{where}: keys must be plain words, found {_describe(key)}")
                continue
            name = key.value
            full = f"{path}.{name}" if path else name
            if key.tag == _MERGE:
                self.err(
                    file, key, f"{full}: YAML merge keys are not supported; write the keys out"
                )
                continue
            if special and name in special:
                self.err(file, key, f"{full}: {special[name]}")
                continue
            if name not in allowed:
                where = f"in {path}" if path else "at the top level"
                self.err(file, key, f"unknown key '{full}' {where}; {did_you_mean(name, allowed)}")
                continue
            if name in out:
                first = out[name][0]
                self.err(
                    file,
                    key,
                    f"{full}: duplicate key (first given at line {first.start_mark.line + 1}); "
                    "keep only one",
                )
                continue
            out[name] = (key, value)
        return out

    def string(self, file: str, node: Node, path: str, *, empty_ok: bool = False) -> str | None:
        if isinstance(node, ScalarNode) and node.tag in (_STR, _INT, _FLOAT, _BOOL, _TIMESTAMP):
            value: str = node.value
            if not value.strip() and not empty_ok:
                self.err(file, node, f"{path}: is empty; give a value or remove the key")
                return None
            return value
        if isinstance(node, ScalarNode) and node.tag == _NULL:
            self.err(file, node, f"{path}: has no value; give a value or remove the key")
            return None
        self.err(file, node, f"{path}: expected text, found {_describe(node)}")
        return None

    def integer(self, file: str, node: Node, path: str, lo: int, hi: int) -> int | None:
        if not (isinstance(node, ScalarNode) and node.tag == _INT):
            self.err(file, node, f"{path}: expected a whole number, found {_describe(node)}")
            return None
        value = self.constructor.construct_yaml_int(node)
        assert isinstance(value, int)
        if not lo <= value <= hi:
            self.err(file, node, f"{path}: {value} is out of range; use {lo} to {hi}")
            return None
        return value

    def boolean(self, file: str, node: Node, path: str) -> bool | None:
        if not (isinstance(node, ScalarNode) and node.tag == _BOOL):
            self.err(file, node, f"{path}: expected true or false, found {_describe(node)}")
            return None
        value = self.constructor.construct_yaml_bool(node)
        return bool(value)

    def duration(self, file: str, node: Node, path: str, lo: float, hi: float) -> float | None:
        if isinstance(node, ScalarNode) and node.tag in (_INT, _FLOAT):
            self.err(
                file,
                node,
                f"{path}: {node.value} has no unit; write e.g. '{node.value}s' or "
                f"'{node.value}m' (units: s, m, h, d, w)",
            )
            return None
        text = self.string(file, node, path)
        if text is None:
            return None
        try:
            value = parse_duration(text)
        except ValueError as e:
            self.err(file, node, f"{path}: {e}")
            return None
        if not lo <= value <= hi:
            self.err(
                file,
                node,
                f"{path}: {text} is out of range; use between {_fmt_dur(lo)} and {_fmt_dur(hi)}",
            )
            return None
        return value

    def size(self, file: str, node: Node, path: str, lo: int, hi: int) -> int | None:
        if isinstance(node, ScalarNode) and node.tag in (_INT, _FLOAT):
            self.err(
                file,
                node,
                f"{path}: {node.value} has no unit; write e.g. '{node.value}B' or '5MB' "
                "(units: B, KB, MB, GB, KiB, MiB, GiB)",
            )
            return None
        text = self.string(file, node, path)
        if text is None:
            return None
        try:
            value = parse_size(text)
        except ValueError as e:
            self.err(file, node, f"{path}: {e}")
            return None
        if not lo <= value <= hi:
            self.err(
                file,
                node,
                f"{path}: {text} is out of range; use between {lo:,} bytes and {hi:,} bytes",
            )
            return None
        return value

    def choice(
        self, file: str, node: Node, path: str, enum_type: type[enum.Enum]
    ) -> enum.Enum | None:
        allowed = [str(m.value) for m in enum_type]
        text = (
            self.string(file, node, path)
            if not (isinstance(node, ScalarNode) and node.tag == _BOOL)
            else node.value
        )
        if text is None:
            return None
        for member in enum_type:
            if member.value == text.strip().lower():
                return member
        self.err(
            file,
            node,
            f"{path}: {text!r} is not one of {' | '.join(allowed)}{_suggest(text, allowed)}",
        )
        return None

    def path_value(self, file: str, node: Node, path: str, base: Path) -> Path | None:
        text = self.string(file, node, path)
        if text is None:
            return None
        if "\x00" in text:
            self.err(file, node, f"{path}: contains a NUL character; remove it")
            return None
        p = Path(text).expanduser()
        return _absolute(p if p.is_absolute() else base / p)

    # -- sections --

    def load(self, path: Path, display: str, text_override: Mapping[Path, str]) -> Config | None:
        config_path = _absolute(path)
        base = config_path.parent
        text = self.read_text(config_path, display, None, "", text_override)
        if text is None:
            return None
        root = _compose(text, display, self.issues)
        if root is None:
            if not self.issues:
                self.issues.append(
                    _issue_at(
                        display,
                        1,
                        1,
                        "config file is empty; start from config/aggregator.example.yaml",
                    )
                )
            return None
        top = self.mapping(display, root, "", TOP_KEYS)
        if top is None:
            self.issues[-1] = _issue_at(
                display,
                *_pos(root),
                f"the top level must be a mapping of keys (database:, feeds:, fetch:, ...), found {_describe(root)}",
            )
            return None
        source_files = [config_path]

        database = base / DEFAULT_DATABASE
        if "database" in top:
            database = self.path_value(display, top["database"][1], "database", base) or database

        feeds: list[tuple[FeedConfig, str, Node, str]] = []  # feed, file, url node, key path
        feeds_file: Path | None = None
        if "feeds_file" in top:
            ff_node = top["feeds_file"][1]
            if not (isinstance(ff_node, ScalarNode) and ff_node.tag == _NULL):
                feeds_file = self.path_value(display, ff_node, "feeds_file", base)
                if feeds_file is not None:
                    ff_text = self.string(display, ff_node, "feeds_file") or ""
                    ff_display = (
                        ff_text
                        if Path(ff_text).expanduser().is_absolute()
                        else str(Path(display).parent / ff_text)
                    )
                    source_files.append(feeds_file)
                    feeds += self.feeds_file(
                        feeds_file, ff_display, display, ff_node, text_override
                    )
        if "feeds" in top:
            feeds += self.feed_list(display, top["feeds"][1], "feeds")
        self.check_duplicate_urls(feeds)

        fetch = self.fetch(display, top["fetch"][1]) if "fetch" in top else FetchConfig()
        digest = (
            self.digest(display, top["digest"][1], base)
            if "digest" in top
            else DigestConfig(out_dir=base / "digests")
        )
        dedup = self.dedup(display, top["dedup"][1]) if "dedup" in top else DedupConfig()
        retention = Config.__dataclass_fields__["retention"].default
        assert isinstance(retention, float)
        if "retention" in top:
            r = self.duration(
                display, top["retention"][1], "retention", MIN_RETENTION, 100 * 365 * 86400.0
            )
            if r is not None:
                retention = r
                if r < max(dedup.window, dedup.story_window):
                    self.err(
                        display,
                        top["retention"][1],
                        f"retention: {_fmt_dur(r)} is shorter than the dedup windows "
                        f"(window {_fmt_dur(dedup.window)}, story_window {_fmt_dur(dedup.story_window)}); "
                        "pruned articles could not be matched and copies would be sent again; "
                        "raise retention or shorten dedup.window",
                    )
        smtp: SmtpConfig | None = None
        if "smtp" in top:
            smtp_node = top["smtp"][1]
            if not (isinstance(smtp_node, ScalarNode) and smtp_node.tag == _NULL):
                smtp = self.smtp(display, smtp_node)
                if smtp is not None and not digest.to and "digest" in top:
                    self.err(
                        display,
                        top["digest"][0],
                        "digest.to: no recipients although an smtp section is given; "
                        "add to: [you@example.org] under digest",
                    )
                elif smtp is not None and "digest" not in top:
                    self.err(
                        display,
                        top["smtp"][0],
                        "smtp: given but there is no digest section with recipients; "
                        "add digest: to: [you@example.org]",
                    )

        if self.issues:
            return None
        return Config(
            path=config_path,
            database=database,
            feeds=tuple(f for f, _, _, _ in feeds),
            fetch=fetch,
            digest=digest,
            retention=retention,
            dedup=dedup,
            smtp=smtp,
            feeds_file=feeds_file,
            source_files=tuple(source_files),
        )

    def read_text(
        self,
        path: Path,
        display: str,
        ref_file: str | None,
        ref_node: Node | str,
        text_override: Mapping[Path, str],
    ) -> str | None:
        if path in text_override:
            return text_override[path]
        try:
            data = self.read(path)
        except OSError as e:
            reason = e.strerror or str(e)
            if ref_file is not None and isinstance(ref_node, Node):
                self.err(
                    ref_file,
                    ref_node,
                    f"feeds_file: cannot read {path}: {reason}; fix the path "
                    "(relative paths are relative to the config file) or the file's permissions",
                )
            else:
                self.issues.append(
                    _issue_at(display, 1, 1, f"cannot read config file {path}: {reason}")
                )
            return None
        return _decode(data, display, self.issues)

    def feeds_file(
        self,
        path: Path,
        display: str,
        ref_file: str,
        ref_node: Node,
        text_override: Mapping[Path, str],
    ) -> list[tuple[FeedConfig, str, Node, str]]:
        if path.is_dir():
            self.err(
                ref_file, ref_node, f"feeds_file: {path} is a directory; point it at a YAML file"
            )
            return []
        text = self.read_text(path, display, ref_file, ref_node, text_override)
        if text is None:
            return []
        root = _compose(text, display, self.issues)
        if root is None:
            return []  # an empty feeds file is fine (a fresh subscription list), syntax errors recorded
        if isinstance(root, MappingNode):
            before = len(self.issues)
            top = self.mapping(display, root, "", ("feeds",))
            if top is None or "feeds" not in top:
                if top is not None and len(self.issues) == before:
                    self.err(
                        display, root, "a feeds file must be a list of feeds or have a 'feeds:' key"
                    )
                return []
            return self.feed_list(display, top["feeds"][1], "feeds")
        if isinstance(root, SequenceNode):
            return self.feed_list(display, root, "feeds")
        if isinstance(root, ScalarNode) and root.tag == _NULL:
            return []
        self.err(
            display,
            root,
            f"a feeds file must be a list of feeds (- url: ...) or a mapping with 'feeds:', found {_describe(root)}",
        )
        return []

    def feed_list(
        self, file: str, node: Node, path: str
    ) -> list[tuple[FeedConfig, str, Node, str]]:
        if isinstance(node, ScalarNode) and node.tag == _NULL:
            return []
        if not isinstance(node, SequenceNode):
            self.err(
                file,
                node,
                f"{path}: expected a list of feeds (lines starting with '- url: '), found {_describe(node)}",
            )
            return []
        out = []
        for i, item in enumerate(node.value):
            key = f"{path}[{i}]"
            parsed = self.feed(file, item, key)
            if parsed is not None:
                out.append((parsed[0], file, parsed[1], key))
        return out

    def feed(self, file: str, node: Node, path: str) -> tuple[FeedConfig, Node] | None:
        if isinstance(node, ScalarNode) and node.tag == _STR:
            problem = feed_url_problem(node.value)
            if problem:
                self.err(file, node, f"{path}: {problem}")
                return None
            return FeedConfig(url=node.value.strip()), node
        m = self.mapping(file, node, path, FEED_KEYS)
        if m is None:
            return None
        if "url" not in m:
            self.err(file, node, f"{path}.url: missing; every feed needs url: https://...")
            return None
        ok = True
        url_node = m["url"][1]
        url = self.string(file, url_node, f"{path}.url")
        if url is None:
            ok = False
        else:
            problem = feed_url_problem(url)
            if problem:
                self.err(file, url_node, f"{path}.url: {problem}")
                ok = False
        kwargs: dict[str, object] = {}
        if "name" in m:
            v = self.string(file, m["name"][1], f"{path}.name")
            ok = ok and v is not None
            kwargs["name"] = v.strip() if v else None
        if "topic" in m:
            v = self.string(file, m["topic"][1], f"{path}.topic")
            ok = ok and v is not None
            kwargs["topic"] = v.strip() if v else DEFAULT_TOPIC
        if "full_text" in m:
            ft = self.choice(file, m["full_text"][1], f"{path}.full_text", FullText)
            ok = ok and ft is not None
            kwargs["full_text"] = ft
        if "interval" in m:
            iv_node = m["interval"][1]
            iv = self.duration(file, iv_node, f"{path}.interval", 0.0, MAX_INTERVAL)
            if iv is not None and iv < MIN_INTERVAL:
                self.err(
                    file,
                    iv_node,
                    f"{path}.interval: {iv_node.value} is too often; the floor is 1m (be polite to feed servers)",
                )
                iv = None
            ok = ok and iv is not None
            kwargs["interval"] = iv
        if "prefer" in m:
            b = self.boolean(file, m["prefer"][1], f"{path}.prefer")
            ok = ok and b is not None
            kwargs["prefer"] = b
        if not ok or url is None:
            return None
        return FeedConfig(url=url.strip(), **kwargs), url_node  # type: ignore[arg-type]

    def check_duplicate_urls(self, feeds: list[tuple[FeedConfig, str, Node, str]]) -> None:
        first: dict[str, tuple[str, Node, str]] = {}
        for feed, file, node, key in feeds:
            k = feed_url_key(feed.url)
            if k in first:
                f0, n0, key0 = first[k]
                line, col = _pos(n0)
                self.err(
                    file,
                    node,
                    f"{key}.url: duplicate feed {feed.url}, already listed at {f0}:{line}:{col} "
                    f"({key0}); remove one of them",
                )
            else:
                first[k] = (file, node, key)

    def fetch(self, file: str, node: Node) -> FetchConfig:
        m = self.mapping(file, node, "fetch", FETCH_KEYS)
        d = FetchConfig()
        if m is None:
            return d
        interval = (
            self.duration(file, m["interval"][1], "fetch.interval", 0.0, MAX_INTERVAL)
            if "interval" in m
            else d.interval
        )
        if interval is not None and interval < MIN_INTERVAL:
            self.err(
                file,
                m["interval"][1],
                f"fetch.interval: {m['interval'][1].value} is too often; the floor is 1m (be polite to feed servers)",
            )
            interval = None
        timeout = (
            self.duration(file, m["timeout"][1], "fetch.timeout", MIN_TIMEOUT, MAX_TIMEOUT)
            if "timeout" in m
            else d.timeout
        )
        max_bytes = (
            self.size(file, m["max_bytes"][1], "fetch.max_bytes", MIN_MAX_BYTES, MAX_MAX_BYTES)
            if "max_bytes" in m
            else d.max_bytes
        )
        concurrency = (
            self.integer(file, m["concurrency"][1], "fetch.concurrency", 1, MAX_CONCURRENCY)
            if "concurrency" in m
            else d.concurrency
        )
        per_host = (
            self.integer(file, m["per_host"][1], "fetch.per_host", 1, MAX_CONCURRENCY)
            if "per_host" in m
            else d.per_host
        )
        allow_private = (
            self.boolean(file, m["allow_private"][1], "fetch.allow_private")
            if "allow_private" in m
            else d.allow_private
        )
        if concurrency is not None and per_host is not None and per_host > concurrency:
            where = m["per_host"][1] if "per_host" in m else m["concurrency"][1]
            self.err(
                file,
                where,
                f"fetch.per_host: {per_host} is more than fetch.concurrency ({concurrency}); "
                "per_host must not exceed concurrency: lower per_host or raise concurrency",
            )
        if None in (interval, timeout, max_bytes, concurrency, per_host, allow_private):
            return d
        assert interval is not None and timeout is not None and max_bytes is not None
        assert concurrency is not None and per_host is not None and allow_private is not None
        return FetchConfig(interval, timeout, max_bytes, concurrency, per_host, allow_private)

    def digest(self, file: str, node: Node, base: Path) -> DigestConfig:
        d = DigestConfig(out_dir=base / "digests")
        m = self.mapping(file, node, "digest", DIGEST_KEYS)
        if m is None:
            return d
        kw: dict[str, object] = {}
        if "send_at" in m:
            n = m["send_at"][1]
            text = n.value if isinstance(n, ScalarNode) and n.tag in (_STR, _INT) else None
            if text is None:
                self.err(
                    file, n, f'digest.send_at: expected a time like "07:00", found {_describe(n)}'
                )
            else:
                try:
                    kw["send_at"] = parse_send_at(text)
                except ValueError as e:
                    self.err(file, n, f"digest.send_at: {e}")
        if "timezone" in m:
            n = m["timezone"][1]
            tz = self.string(file, n, "digest.timezone")
            if tz is not None:
                problem = timezone_problem(tz.strip())
                if problem:
                    self.err(file, n, f"digest.timezone: {problem}")
                else:
                    kw["timezone"] = tz.strip()
        if "to" in m:
            n = m["to"][1]
            items: list[Node]
            if isinstance(n, SequenceNode):
                items = list(n.value)
            elif isinstance(n, ScalarNode) and n.tag == _STR:
                items = [n]
            elif isinstance(n, ScalarNode) and n.tag == _NULL:
                items = []
            else:
                self.err(
                    file,
                    n,
                    f"digest.to: expected a list of addresses like [me@example.org], found {_describe(n)}",
                )
                items = []
            to: list[str] = []
            for i, item in enumerate(items):
                key = f"digest.to[{i}]" if isinstance(n, SequenceNode) else "digest.to"
                addr = self.string(file, item, key)
                if addr is None:
                    continue
                problem = address_problem(addr, display_name=False)
                if problem:
                    self.err(file, item, f"{key}: {problem}")
                elif addr.strip() in to:
                    self.err(file, item, f"{key}: {addr.strip()} is listed twice; remove one")
                else:
                    to.append(addr.strip())
            kw["to"] = tuple(to)
        if "from" in m:
            n = m["from"][1]
            sender = self.string(file, n, "digest.from")
            if sender is not None:
                problem = address_problem(sender, display_name=True)
                if problem:
                    self.err(file, n, f"digest.from: {problem}")
                else:
                    kw["sender"] = sender.strip()
        if "out_dir" in m:
            p = self.path_value(file, m["out_dir"][1], "digest.out_dir", base)
            if p is not None:
                kw["out_dir"] = p
        if "template_dir" in m:
            n = m["template_dir"][1]
            if not (isinstance(n, ScalarNode) and n.tag == _NULL):
                p = self.path_value(file, n, "digest.template_dir", base)
                if p is not None:
                    if not p.is_dir():
                        self.err(
                            file,
                            n,
                            f"digest.template_dir: {p} is not a directory; create it with "
                            "digest.html.j2 / digest.txt.j2, or remove the key to use the built-in templates",
                        )
                    else:
                        kw["template_dir"] = p
        if "send_empty" in m:
            b = self.boolean(file, m["send_empty"][1], "digest.send_empty")
            if b is not None:
                kw["send_empty"] = b
        return dataclasses.replace(d, **kw)  # type: ignore[arg-type]

    def dedup(self, file: str, node: Node) -> DedupConfig:
        d = DedupConfig()
        m = self.mapping(file, node, "dedup", DEDUP_KEYS)
        if m is None:
            return d
        year = 365 * 86400.0
        window = (
            self.duration(file, m["window"][1], "dedup.window", MIN_WINDOW, year)
            if "window" in m
            else d.window
        )
        story = (
            self.duration(file, m["story_window"][1], "dedup.story_window", MIN_WINDOW, year)
            if "story_window" in m
            else d.story_window
        )
        return DedupConfig(window=window or d.window, story_window=story or d.story_window)

    def smtp(self, file: str, node: Node) -> SmtpConfig | None:
        m = self.mapping(
            file,
            node,
            "smtp",
            SMTP_KEYS,
            special={
                "password": f"a literal password is not allowed; {_PASSWORD_HINT}",
                "pass": _PASSWORD_HINT,
            },
        )
        if m is None:
            return None
        ok = True
        host: str | None = None
        if "host" not in m:
            self.err(
                file,
                node,
                "smtp.host: missing; give the mail server's host name (or remove the smtp section to write digests to digest.out_dir)",
            )
            ok = False
        else:
            host = self.string(file, m["host"][1], "smtp.host")
            if host is not None and (any(c.isspace() for c in host.strip()) or "/" in host):
                self.err(
                    file,
                    m["host"][1],
                    f"smtp.host: {host!r} is not a host name; write just the name, e.g. smtp.example.org",
                )
                host = None
            ok = ok and host is not None
        security = SmtpSecurity.STARTTLS
        if "security" in m:
            s = self.choice(file, m["security"][1], "smtp.security", SmtpSecurity)
            if s is None:
                ok = False
            else:
                assert isinstance(s, SmtpSecurity)
                security = s
        port = _SMTP_DEFAULT_PORTS[security]
        if "port" in m:
            p = self.integer(file, m["port"][1], "smtp.port", 1, 65535)
            ok = ok and p is not None
            port = p or port
        username: str | None = None
        if "username" in m:
            username = self.string(file, m["username"][1], "smtp.username")
            ok = ok and username is not None
        password_env: str | None = None
        if "password_env" in m:
            n = m["password_env"][1]
            password_env = self.string(file, n, "smtp.password_env")
            if password_env is not None and not _ENV_NAME_RE.fullmatch(password_env):
                self.err(
                    file,
                    n,
                    f"smtp.password_env: {password_env!r} is not an environment variable name; "
                    "it names the variable that holds the password (e.g. AGGREGATOR_SMTP_PASSWORD), "
                    "never the password itself",
                )
                password_env = None
            ok = ok and password_env is not None
        if "username" in m and "password_env" not in m:
            self.err(
                file,
                m["username"][0],
                "smtp.username: given without smtp.password_env; add password_env: "
                "AGGREGATOR_SMTP_PASSWORD (the variable holding the password) or remove username",
            )
            ok = False
        if "password_env" in m and "username" not in m:
            self.err(
                file,
                m["password_env"][0],
                "smtp.password_env: given without smtp.username; add the login name as username:",
            )
            ok = False
        timeout = 30.0
        if "timeout" in m:
            t = self.duration(file, m["timeout"][1], "smtp.timeout", MIN_TIMEOUT, MAX_TIMEOUT)
            ok = ok and t is not None
            timeout = t or timeout
        if not ok or host is None:
            return None
        return SmtpConfig(
            host=host.strip(),
            port=port,
            security=security,
            username=username,
            password_env=password_env,
            timeout=timeout,
        )


def _fmt_dur(seconds: float) -> str:
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _absolute(path: Path) -> Path:
    """Absolute and normalised (``a/../b`` -> ``b``), so one file has one name."""
    return Path(os.path.abspath(path))


def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def load_config(path: str | Path, *, overrides: Mapping[Path, str] | None = None) -> Config:
    """Read and validate a config file. Raises ConfigError listing file:line:col issues.

    ``overrides`` maps absolute file paths to text to use instead of the file's content: it lets
    an editor (``opml.add_feeds_to_yaml``) validate a change before writing it.
    """
    p = Path(path)
    loader = _Loader(_read_bytes)
    absolute = {_absolute(Path(k)): v for k, v in (overrides or {}).items()}
    config = loader.load(p, str(path), absolute)
    if loader.issues or config is None:
        log.debug("config invalid path=%s issues=%d", path, len(loader.issues))
        issues = sorted(loader.issues, key=lambda i: (i.file != str(path), i.file, i.line, i.col))
        raise ConfigError(issues or [_issue_at(str(path), 1, 1, "invalid config")])
    log.debug(
        "config loaded path=%s feeds=%d files=%d", path, len(config.feeds), len(config.source_files)
    )
    return config
