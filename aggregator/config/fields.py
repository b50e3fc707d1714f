"""One mapping of the YAML read through the key table: ``parse_fields`` parses every given key
of a section with its kind; ``Values`` answers with the value, or the table's default."""

from __future__ import annotations

from typing import TypeVar, cast

from yaml.nodes import Node, ScalarNode

from aggregator.config import schema as k
from aggregator.config.nodes import Cx, Fields, is_null, mapping

V = TypeVar("V")


class Values:
    """One mapping read through the table: the values given, the keys that failed (already
    reported), and the table's default for everything else."""

    def __init__(self, fields: Fields, parsed: dict[str, object], failed: set[str]) -> None:
        self.fields = fields
        self.parsed = parsed
        self.failures = failed

    @property
    def ok(self) -> bool:
        return not self.failures

    def given(self, key: k.Key[object]) -> bool:
        return key.name in self.fields

    def failed(self, key: k.Key[object]) -> bool:
        return key.name in self.failures

    def get(self, key: k.Key[V]) -> V:
        """The parsed value; the default when the key is absent, null-as-default, or failed."""
        if key.name in self.parsed:
            return cast(V, self.parsed[key.name])
        return key.default

    def key_node(self, key: k.Key[object]) -> ScalarNode:
        return self.fields[key.name][0]

    def value_node(self, key: k.Key[object]) -> Node:
        return self.fields[key.name][1]


def parse_fields(cx: Cx, fields: Fields, path: str, section: str) -> Values:
    """Parse every given key of ``section`` with its kind (``path``: the key as shown)."""
    parsed: dict[str, object] = {}
    failed: set[str] = set()
    for key in k.keys_in(section):
        if key.name not in fields:
            continue
        node = fields[key.name][1]
        if key.nullable and is_null(node):
            continue
        value = key.kind.parse(cx, node, f"{path}.{key.name}" if path else key.name)
        if value is None:
            failed.add(key.name)
        else:
            parsed[key.name] = value
    return Values(fields, parsed, failed)


def read_section(cx: Cx, node: Node, section: str) -> Values | None:
    """Check the keys of a top-level section and parse them; None if it is not a mapping."""
    fields = mapping(cx, node, section, k.children(section), k.FORBIDDEN.get(section))
    if fields is None:
        return None
    return parse_fields(cx, fields, section, section)
