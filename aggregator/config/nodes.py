"""YAML text -> node trees with marks, and the issue list every check writes to.

The YAML is *composed* (``yaml.compose`` with the SafeLoader), not loaded: the node tree keeps
a mark for every key and value, so every problem is reported as ``file:line:col`` (1-based).
Nothing is ever constructed from arbitrary tags; scalars are converted by the safe
constructor only where a type is expected (``kinds``).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aggregator.config.values import did_you_mean
from aggregator.errors import ConfigIssue

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
MERGE = "tag:yaml.org,2002:merge"

# key -> (key node, value node), for one mapping that passed the key checks
Fields = dict[str, tuple[ScalarNode, Node]]


def pos(node: Node) -> tuple[int, int]:
    """1-based line and column where ``node`` starts."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL


def describe(node: Node) -> str:
    """What the user wrote, for "expected X, found Y" messages."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        kinds = {
            STR: "text",
            INT: "a number",
            FLOAT: "a number",
            BOOL: "true/false",
            NULL: "nothing",
        }
        kind = kinds.get(node.tag, "a value")
        return kind if node.tag == NULL else f"{kind} {node.value!r}"
    return "a value"


def issue_at(file: str, line: int, col: int, message: str) -> ConfigIssue:
    return ConfigIssue(file=file, line=line, col=col, message=message)


def absolute(path: Path) -> Path:
    """Absolute and normalised (``a/../b`` -> ``b``), so one file has one name."""
    return Path(os.path.abspath(path))


@dataclass
class Cx:
    """Where values are read from: the file as named in messages, the directory relative
    paths start from, and the issue list shared by the whole load.

    ``state``: where relative paths of writable state (the database, digests, the archive)
    start instead of ``base``: ``$STATE_DIRECTORY`` under systemd, where the config's own
    directory is read-only. None: next to the config like everything else.
    """

    file: str
    base: Path
    issues: list[ConfigIssue]
    constructor: yaml.constructor.SafeConstructor = field(
        default_factory=yaml.constructor.SafeConstructor
    )
    state: Path | None = None

    @property
    def state_base(self) -> Path:
        """The directory relative state paths start from."""
        return self.state if self.state is not None else self.base

    def err(self, node: Node, message: str) -> None:
        line, col = pos(node)
        self.issues.append(issue_at(self.file, line, col, message))

    def at(self, file: str) -> Cx:
        """The same load, reading another file (a ``feeds_file``)."""
        return Cx(file, self.base, self.issues, self.constructor, self.state)


def mapping(
    cx: Cx,
    node: Node,
    path: str,
    allowed: tuple[str, ...],
    forbidden: Mapping[str, str] | None = None,
) -> Fields | None:
    """Check that ``node`` is a mapping with plain keys from ``allowed``; return key -> nodes.

    Unknown keys get a "did you mean" hint; ``forbidden`` maps a key to the message that
    explains why it is refused (``smtp.password``). Bad keys are reported and skipped.
    """
    if not isinstance(node, MappingNode):
        cx.err(node, f"{path}: expected a mapping (key: value lines), found {describe(node)}")
        return None
    out: Fields = {}
    for key, value in node.value:
        if not isinstance(key, ScalarNode) or key.tag not in (STR, INT, BOOL, FLOAT, MERGE):
            where = path or "top level"
            cx.err(key, f"{where}: keys must be plain words, found {describe(key)}")
            continue
        name = key.value
        full = f"{path}.{name}" if path else name
        if key.tag == MERGE:
            cx.err(key, f"{full}: YAML merge keys are not supported; write the keys out")
            continue
        if forbidden and name in forbidden:
            cx.err(key, f"{full}: {forbidden[name]}")
            continue
        if name not in allowed:
            where = f"in {path}" if path else "at the top level"
            cx.err(key, f"unknown key '{full}' {where}; {did_you_mean(name, allowed)}")
            continue
        if name in out:
            first = out[name][0]
            cx.err(
                key,
                f"{full}: duplicate key (first given at line {first.start_mark.line + 1}); "
                "keep only one",
            )
            continue
        out[name] = (key, value)
    return out


# ---- composing ---------------------------------------------------------------------------------


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


def compose(text: str, file: str, issues: list[ConfigIssue]) -> Node | None:
    """YAML text -> node tree, or None with an issue recorded (None and no issue: empty)."""
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
        issues.append(issue_at(file, line, col, f"YAML syntax error: {problem}; {hint}"))
    except yaml.reader.ReaderError as e:
        line, col = _line_col(text, e.position)
        issues.append(
            issue_at(
                file,
                line,
                col,
                f"YAML cannot contain the character {chr(e.character)!r} (0x{e.character:x}); remove it",
            )
        )
    except yaml.YAMLError as e:
        issues.append(issue_at(file, 1, 1, f"YAML error: {e}"))
    return None


def decode(data: bytes, file: str, issues: list[ConfigIssue]) -> str | None:
    """UTF-8 bytes -> text without a BOM, or None with an issue at the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        prefix = data[: e.start].decode("utf-8", errors="replace")
        line, col = _line_col(prefix, len(prefix))
        issues.append(issue_at(file, line, col, "file is not valid UTF-8; save it as UTF-8"))
        return None
    return text.removeprefix("\ufeff")
