"""OPML import and export: move subscriptions in and out of other feed readers.

Design
------
* ``parse_opml`` reads OPML 1.0/2.0 with the stdlib expat parser configured the way
  defusedxml configures it: any entity declaration (internal or external), unparsed entity or
  external entity reference is refused, so "billion laughs" and XXE cannot expand. A document
  type declaration without entities is tolerated. Errors are ``ConfigError`` issues with the
  OPML file's ``line:col`` (1-based), like config errors, so the CLI prints them the same way.
* A feed is an ``<outline>`` with an ``xmlUrl`` attribute (any case: some exporters write
  ``xmlurl``). Its topic is the text of the nearest enclosing outline that has no ``xmlUrl``
  (a folder); a feed outside any folder takes its ``category`` attribute (OPML 2.0, written by
  FreshRSS, Inoreader, Miniflux and others: comma-separated, slash-delimited, e.g.
  ``category="/Tech"``, ``"Tech,Science"``, ``"/News/World"``): the first category, its
  innermost part (``World``), as for nested folders; else ``General``. Its name is
  ``title``, else ``text``; a name that merely repeats the URL counts as no name. Repeated
  URLs keep the first. A URL with a login in it is refused like in the config.
* ``to_opml`` writes OPML 2.0 with one folder per topic, in order of first appearance; each
  feed carries its topic as ``category`` too, for readers that read only that. Only URL,
  name and topic are written: never a feed's username, password_env or headers.
* ``add_feeds_to_yaml`` edits YAML *text*, never re-dumps it, so the user's comments, order and
  quoting survive: new entries are inserted right after the last existing feed of the list that
  receives them (the ``feeds_file`` if the config has one, else the inline ``feeds:`` list, else a
  new ``feeds:`` block at the end of the config). The edited text is validated with
  ``load_config`` in memory first; only a valid result is written, via a temporary file in the
  same directory and ``os.replace`` (atomic), keeping the file's permissions.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import xml.parsers.expat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import quoteattr

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aggregator.config import (
    DEFAULT_TOPIC,
    compose_yaml,
    feed_url_key,
    feed_url_problem,
    load_config,
)
from aggregator.errors import ConfigError, ConfigIssue

log = logging.getLogger(__name__)

MAX_OPML_BYTES = 20_000_000  # far above any real subscription list (10,000 feeds ~ 2 MB)


@dataclass(frozen=True)
class OpmlFeed:
    """One subscription read from an OPML file."""

    url: str
    name: str | None
    topic: str = DEFAULT_TOPIC
    line: int = 0  # where it was found (1-based), for messages; 0 if unknown


class FeedLike(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def topic(self) -> str: ...


# ---- parsing -----------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, message: str, where: tuple[int, int]) -> None:
        super().__init__(message)
        self.message = message
        self.where = where


def parse_opml(data: bytes, source: str) -> list[OpmlFeed]:
    """OPML bytes -> feeds in document order. Raises ConfigError with ``source:line:col``."""
    if len(data) > MAX_OPML_BYTES:
        raise ConfigError(
            [ConfigIssue(source, 1, 1, f"OPML file is larger than {MAX_OPML_BYTES:,} bytes")]
        )
    feeds = _OpmlReader(data, source).read()
    log.debug("opml parsed source=%s feeds=%d", source, len(feeds))
    return feeds


class _OpmlReader:
    """One expat pass over an OPML document; entities refused, folders become topics."""

    def __init__(self, data: bytes, source: str) -> None:
        self.data = data
        self.source = source
        self.parser = xml.parsers.expat.ParserCreate()
        self.issues: list[ConfigIssue] = []
        self.feeds: list[OpmlFeed] = []
        self.seen: set[str] = set()
        # stack of (element name, folder text or None); a folder is an outline without xmlUrl
        self.stack: list[tuple[str, str | None]] = []
        self.root: str | None = None

    def read(self) -> list[OpmlFeed]:
        p = self.parser
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.EntityDeclHandler = self.refuse_entity
        p.UnparsedEntityDeclHandler = self.refuse_entity
        p.ExternalEntityRefHandler = self.refuse_external
        try:
            p.Parse(self.data, True)
        except _Refused as e:
            raise ConfigError(
                [*self.issues, ConfigIssue(self.source, *e.where, e.message)]
            ) from None
        except xml.parsers.expat.ExpatError as e:
            reason = xml.parsers.expat.errors.messages[e.code] if e.code else str(e)
            message = f"OPML is not well-formed XML: {reason}; fix the file or export it again"
            issue = ConfigIssue(self.source, e.lineno, e.offset + 1, message)
            raise ConfigError([*self.issues, issue]) from None
        if self.issues:
            raise ConfigError(self.issues)
        return self.feeds

    def here(self) -> tuple[int, int]:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def decl_start(self) -> tuple[int, int]:
        # expat reports a position inside the declaration; point at its "<!ENTITY" instead
        data = self.data
        start = data.rfind(b"<!ENTITY", 0, max(self.parser.CurrentByteIndex, 0) + 1)
        if start < 0:
            return self.here()
        line_start = data.rfind(b"\n", 0, start) + 1
        col = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
        return data.count(b"\n", 0, start) + 1, col

    def refuse_entity(self, *_args: object) -> None:
        raise _Refused(
            "OPML declares entities, which are refused for safety (entity expansion); "
            "export the subscriptions again without a DTD",
            self.decl_start(),
        )

    def refuse_external(self, *_args: object) -> int:
        raise _Refused(
            "OPML references an external entity, which is refused; remove it", self.here()
        )

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.root is None:
            self.root = name
            if name.lower() != "opml":
                raise _Refused(
                    f"this is not OPML: the root element is <{name}>, expected <opml>", self.here()
                )
        lower = {k.lower(): v for k, v in attrs.items()}
        folder: str | None = None
        if name == "outline":
            url = (lower.get("xmlurl") or "").strip()
            if url:
                self.outline_feed(url, lower)
            else:
                folder = (lower.get("text") or lower.get("title") or "").strip() or None
        self.stack.append((name, folder))

    def outline_feed(self, url: str, lower: dict[str, str]) -> None:
        line, col = self.here()
        problem = feed_url_problem(url)
        if problem:
            self.issues.append(ConfigIssue(self.source, line, col, f"outline xmlUrl: {problem}"))
            return
        if feed_url_key(url) in self.seen:
            return
        self.seen.add(feed_url_key(url))
        title = (lower.get("title") or lower.get("text") or "").strip()
        topics = [t for _, t in self.stack if t]
        topic = topics[-1] if topics else category_topic(lower.get("category", ""))
        self.feeds.append(
            OpmlFeed(
                url=url,
                name=title if title and title != url else None,
                topic=topic or DEFAULT_TOPIC,
                line=line,
            )
        )

    def end(self, _name: str) -> None:
        self.stack.pop()


def category_topic(category: str) -> str | None:
    """The topic an OPML ``category`` attribute gives: its first category, innermost part
    (``"/News/World,/Tech"`` -> ``World``; ``"Tech,Science"`` -> ``Tech``), or None."""
    for entry in category.split(","):
        parts = [p.strip() for p in entry.split("/") if p.strip()]
        if parts:
            return parts[-1]
    return None


# ---- export ------------------------------------------------------------------------------------


def to_opml(feeds: Sequence[FeedLike], title: str) -> str:
    """Feeds -> an OPML 2.0 document, one folder per topic (in order of first appearance)."""
    by_topic: dict[str, list[FeedLike]] = {}
    for f in feeds:
        by_topic.setdefault(f.topic, []).append(f)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{_text(title)}</title>",
        "  </head>",
        "  <body>",
    ]
    for topic, group in by_topic.items():
        lines.append(f"    <outline text={quoteattr(topic)} title={quoteattr(topic)}>")
        for f in group:
            attrs = f'type="rss" text={quoteattr(f.name or f.url)}'
            if f.name:
                attrs += f" title={quoteattr(f.name)}"
            attrs += f" xmlUrl={quoteattr(f.url)} category={quoteattr('/' + f.topic)}"
            lines.append(f"      <outline {attrs}/>")
        lines.append("    </outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---- import into YAML (text surgery, validated) ------------------------------------------------


def new_feeds(existing: Iterable[str], feeds: Iterable[FeedLike]) -> list[FeedLike]:
    """The feeds whose URL is neither in ``existing`` nor earlier in ``feeds`` (pure)."""
    seen = {feed_url_key(u) for u in existing}
    out: list[FeedLike] = []
    for f in feeds:
        k = feed_url_key(f.url)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out


def _yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when that reads back identically, else double-quoted."""
    try:
        plain_ok = (
            value == value.strip()
            and "#" not in value
            and yaml.safe_load(f"k: {value}\n") == {"k": value}
        )
    except yaml.YAMLError:
        plain_ok = False
    if plain_ok:
        return value
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def render_feed_items(feeds: Iterable[FeedLike], dash_col: int, key_offset: int) -> str:
    """YAML block-sequence items for ``feeds`` (each line ends with a newline)."""
    pad = " " * dash_col
    inner = " " * (dash_col + key_offset)
    gap = " " * (key_offset - 1)
    out = []
    for f in feeds:
        out.append(f"{pad}-{gap}url: {_yaml_scalar(f.url)}\n")
        if f.name:
            out.append(f"{inner}name: {_yaml_scalar(f.name)}\n")
        if f.topic and f.topic != DEFAULT_TOPIC:
            out.append(f"{inner}topic: {_yaml_scalar(f.topic)}\n")
    return "".join(out)


def _last_end(node: Node) -> int:
    """Index just after the last character of ``node``'s content (ignores trailing comments)."""
    if isinstance(node, ScalarNode):
        return int(node.end_mark.index)
    if isinstance(node, SequenceNode) and node.value:
        if node.flow_style:
            return int(node.end_mark.index)
        return _last_end(node.value[-1])
    if isinstance(node, MappingNode) and node.value:
        if node.flow_style:
            return int(node.end_mark.index)
        return _last_end(node.value[-1][1])
    return int(node.end_mark.index)


def _line_end(text: str, index: int) -> int:
    """Index of the end of the line holding ``index`` (after its newline, if any)."""
    nl = text.find("\n", index)
    return len(text) if nl < 0 else nl + 1


def insert_feeds(text: str, feeds: Sequence[FeedLike], *, key: str | None) -> str:
    """Return ``text`` with ``feeds`` appended to its feed list (pure text surgery).

    ``key=None``: the document is a feeds file (a list, or a mapping with ``feeds:``).
    ``key="feeds"``: the document is a config; append to its ``feeds:`` list, creating it.
    """
    if not feeds:
        return text
    root = compose_yaml(text)
    seq: Node | None = None
    key_node: ScalarNode | None = None
    if root is None or (isinstance(root, ScalarNode) and root.tag.endswith(":null")):
        if key is None:
            return _ensure_newline(text) + render_feed_items(feeds, 0, 2)
    elif isinstance(root, SequenceNode) and key is None:
        seq = root
    elif isinstance(root, MappingNode):
        for k, v in root.value:
            if isinstance(k, ScalarNode) and k.value == "feeds":
                key_node, seq = k, v
    if seq is None and key_node is None:
        base = _ensure_newline(text)
        return base + "feeds:\n" + render_feed_items(feeds, 2, 2)
    if seq is None or (isinstance(seq, ScalarNode) and seq.tag.endswith(":null")):
        assert key_node is not None
        # `feeds:` with no value: put the list on the lines after the key
        at = _line_end(text, key_node.end_mark.index)
        col = key_node.start_mark.column + 2
        prefix = text[:at] if text[:at].endswith("\n") else text[:at] + "\n"
        return prefix + render_feed_items(feeds, col, 2) + text[at:]
    if not isinstance(seq, SequenceNode):
        raise ValueError("the feeds key does not hold a list")
    if seq.flow_style or not seq.value:
        # `feeds: []` or `feeds: [a, b]`: rewrite that span as a block list
        col = (key_node.start_mark.column + 2) if key_node is not None else 0
        items = "".join(
            f"{' ' * col}- {text[item.start_mark.index : item.end_mark.index]}\n"
            for item in seq.value
        )
        start, end = seq.start_mark.index, seq.end_mark.index
        before = text[:start].rstrip(" ")
        after = text[end:]
        # keep a trailing comment on the same line, before the new list
        nl = after.find("\n")
        rest_of_line, after = (after, "") if nl < 0 else (after[:nl], after[nl + 1 :])
        head = before + (" " + rest_of_line.strip() if rest_of_line.strip() else "") + "\n"
        return head + items + render_feed_items(feeds, col, 2) + after
    dash_col = seq.start_mark.column
    first = seq.value[0]
    key_offset = (
        max(2, first.start_mark.column - dash_col)
        if first.start_mark.line == seq.start_mark.line
        else 2
    )
    at = _line_end(text, _last_end(seq.value[-1]))
    prefix = text[:at] if text[:at].endswith("\n") else text[:at] + "\n"
    return prefix + render_feed_items(feeds, dash_col, key_offset) + text[at:]


def _ensure_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _is_feeds_file(path: Path) -> bool:
    """True if ``path`` holds a bare feed list (or nothing), i.e. it is a feeds file, not a config.

    A mapping is treated as a config: a feeds file in mapping form (only ``feeds:``) is also a
    valid config, and appending to its ``feeds:`` list is the same edit either way.
    """
    try:
        root = compose_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False  # let load_config report the problem precisely
    return root is None or isinstance(root, SequenceNode)


def add_feeds_to_yaml(path: Path, feeds: Iterable[FeedLike]) -> int:
    """Append ``feeds`` whose URLs are new; return how many were added.

    ``path`` is the config file (preferred: duplicates are checked against every feed the config
    lists); the receiving file is its ``feeds_file`` when it has one, else the config itself.
    ``path`` may also be a feeds file holding a bare list; it is then validated on its own.
    Raises ConfigError (and changes nothing) if the config is invalid before or after the edit.
    """
    path = Path(os.path.abspath(path))
    overrides: dict[Path, str] = {}
    config_path = path
    if _is_feeds_file(path):
        # validate the list through a config that exists only in memory and names this file
        config_path = path.parent / f".{path.name}.import-check.yaml"
        overrides[config_path] = f"feeds_file: {json.dumps(path.name)}\n"
    config = load_config(config_path, overrides=overrides)
    todo = new_feeds((f.url for f in config.feeds), feeds)
    if not todo:
        log.info("opml import config=%s added=0", path)
        return 0
    target = config.feeds_file or config_path
    try:
        old = target.read_text(encoding="utf-8") if target.exists() else ""
    except OSError as e:
        raise ConfigError([ConfigIssue(str(target), 1, 1, f"cannot read {target}: {e}")]) from e
    try:
        new = insert_feeds(old, todo, key=None if config.feeds_file else "feeds")
    except (ValueError, yaml.YAMLError) as e:
        raise ConfigError(
            [ConfigIssue(str(target), 1, 1, f"cannot add feeds to {target}: {e}")]
        ) from e
    load_config(config_path, overrides={**overrides, target: new})  # raises; nothing written yet
    _write_atomic(target, new)
    log.info("opml import config=%s file=%s added=%d", path, target, len(todo))
    return len(todo)
