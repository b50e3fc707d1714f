"""Config value kinds of ``profiles:``: days of the week, lists of names, a profile's name
(split from ``kinds`` to keep modules small; ``kinds`` re-exports them)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from yaml.nodes import Node, SequenceNode

from aggregator.config.kinds import Kind, text_of
from aggregator.config.nodes import Cx
from aggregator.config.values import suggest

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Days(Kind[tuple[str, ...]]):
    """Days of the week: ``[mon, wed]`` (or one day without the list; full names and any
    case accepted) -> the canonical short names in week order, each once."""

    def parse(self, cx: Cx, node: Node, path: str) -> tuple[str, ...] | None:
        items = node.value if isinstance(node, SequenceNode) else [node]
        if not items:
            cx.err(node, f"{path}: is empty; give days like [mon, tue] (default: every day)")
            return None
        chosen: set[str] = set()
        ok = True
        for i, item in enumerate(items):
            where = f"{path}[{i}]" if isinstance(node, SequenceNode) else path
            text = text_of(cx, item, where)
            if text is None:
                ok = False
                continue
            word = text.strip().lower()
            day = next((d for d in WEEKDAYS if word in (d, _FULL_DAYS[d])), None)
            if day is None:
                cx.err(
                    item,
                    f"{where}: {text.strip()!r} is not a day; use mon, tue, wed, thu, fri, sat"
                    f" or sun{suggest(word[:3], list(WEEKDAYS))}",
                )
                ok = False
            elif day in chosen:
                cx.err(item, f"{where}: {day} is listed twice; remove one")
                ok = False
            else:
                chosen.add(day)
        return tuple(d for d in WEEKDAYS if d in chosen) if ok else None


_FULL_DAYS = dict(
    zip(
        WEEKDAYS,
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        strict=True,
    )
)


@dataclass(frozen=True)
class Names(Kind[tuple[str, ...]]):
    """A list of names (a single one may be written without the list), each once."""

    def parse(self, cx: Cx, node: Node, path: str) -> tuple[str, ...] | None:
        items = node.value if isinstance(node, SequenceNode) else [node]
        if not items:
            cx.err(node, f"{path}: is empty; give names, or remove the key for all")
            return None
        out: list[str] = []
        ok = True
        for i, item in enumerate(items):
            where = f"{path}[{i}]" if isinstance(node, SequenceNode) else path
            text = text_of(cx, item, where)
            if text is None:
                ok = False
            elif text.strip() in out:
                cx.err(item, f"{where}: {text.strip()} is listed twice; remove one")
                ok = False
            else:
                out.append(text.strip())
        return tuple(out) if ok else None


_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


@dataclass(frozen=True)
class ProfileName(Kind[str]):
    """A profile's name: letters, digits, ``_ . -`` (it is typed as ``digest --profile``)."""

    def parse(self, cx: Cx, node: Node, path: str) -> str | None:
        text = text_of(cx, node, path)
        if text is None:
            return None
        if not _PROFILE_NAME.fullmatch(text.strip()):
            cx.err(
                node,
                f"{path}: {text.strip()!r} is not a usable profile name; use up to 40 letters,"
                " digits, '_', '.' or '-' (e.g. work), starting with a letter or digit",
            )
            return None
        return text.strip()
