"""The readers' controls: ``filters`` (globally, per feed, per profile) and ``profiles``.

A ``filters`` mapping holds ``mute`` and ``keep`` (words, phrases or ``/regex/``); a bad regex
is reported at its own line and column by the ``Patterns`` kind. A profile is one reader's
digest: its own recipients, hour, time zone, days, sections and filters; ``to``, ``send_at``
and ``timezone`` default to the digest section's. Names are unique (delivery state is kept
per profile name), and ``topics`` must name sections the config has (a typo would silently
mail nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

from yaml.nodes import Node, SequenceNode

from aggregator.config import schema as k
from aggregator.config.fields import parse_fields
from aggregator.config.model import DigestConfig, FiltersConfig, ProfileConfig
from aggregator.config.nodes import Cx, describe, is_null, mapping
from aggregator.config.values import suggest

# a parsed profile, the node of its entry and its key path (profiles[2])
ProfileAt = tuple[ProfileConfig, Node, str]


def filters_of(cx: Cx, node: Node, path: str, section: str) -> FiltersConfig | None:
    """A ``filters`` mapping (``section``: its table section, e.g. ``feeds[].filters``);
    None after an issue. ``null`` means no filters."""
    if is_null(node):
        return FiltersConfig()
    fields = mapping(cx, node, path, k.children(section))
    if fields is None:
        return None
    v = parse_fields(cx, fields, path, section)
    if not v.ok:
        return None
    by_name = {key.name: key for key in k.keys_in(section)}
    mute = v.get(by_name["mute"])
    keep = v.get(by_name["keep"])
    return FiltersConfig(
        mute=mute if isinstance(mute, tuple) else (),
        keep=keep if isinstance(keep, tuple) else (),
    )


def profile_list(
    cx: Cx, node: Node, digest: DigestConfig, known_topics: Sequence[str]
) -> list[ProfileAt]:
    """``profiles:``: one reader's digest per entry, in the user's order."""
    if is_null(node):
        return []
    if not isinstance(node, SequenceNode):
        cx.err(
            node,
            f"profiles: expected a list of profiles ('- name: ...'), found {describe(node)}",
        )
        return []
    out: list[ProfileAt] = []
    first: dict[str, str] = {}
    for i, item in enumerate(node.value):
        path = f"profiles[{i}]"
        profile = _profile(cx, item, path, digest, known_topics)
        if profile is None:
            continue
        if profile.name in first:
            cx.err(
                item,
                f"{path}.name: {profile.name!r} is already the name of {first[profile.name]};"
                " each profile needs its own name (delivery state is kept per name)",
            )
            continue
        first[profile.name] = path
        out.append((profile, item, path))
    return out


def _profile(
    cx: Cx, node: Node, path: str, digest: DigestConfig, known_topics: Sequence[str]
) -> ProfileConfig | None:
    fields = mapping(cx, node, path, k.PROFILE_KEYS)
    if fields is None:
        return None
    if k.PROFILE_NAME.name not in fields:
        cx.err(node, f"{path}.name: {k.PROFILE_NAME.required}")
    v = parse_fields(cx, fields, path, k.PROFILE_NAME.section)
    filters: FiltersConfig | None = FiltersConfig()
    if "filters" in fields:
        filters = filters_of(cx, fields["filters"][1], f"{path}.filters", "profiles[].filters")
    topics = v.get(k.PROFILE_TOPICS)
    if topics is not None and not _topics_known(cx, v.value_node(k.PROFILE_TOPICS), path, topics,
                                                known_topics):  # fmt: skip
        return None
    name = v.get(k.PROFILE_NAME)
    if name is None or filters is None or not v.ok:
        return None
    to = v.get(k.PROFILE_TO)
    return ProfileConfig(
        name=name,
        to=digest.to if to is None else to,
        send_at=v.get(k.PROFILE_SEND_AT) or digest.send_at,
        timezone=v.get(k.PROFILE_TIMEZONE) or digest.timezone,
        days=v.get(k.PROFILE_DAYS),
        topics=topics,
        filters=filters,
    )


def _topics_known(
    cx: Cx, node: Node, path: str, topics: Sequence[str], known: Sequence[str]
) -> bool:
    """Every name in ``topics`` is a section of this config (any case)."""
    folded = {t.casefold() for t in known}
    items = node.value if isinstance(node, SequenceNode) else [node]
    ok = True
    for i, (item, topic) in enumerate(zip(items, topics, strict=False)):
        if topic.casefold() in folded:
            continue
        where = f"{path}.topics[{i}]" if isinstance(node, SequenceNode) else f"{path}.topics"
        cx.err(
            item,
            f"{where}: {topic!r} is not a digest section of this config (sections:"
            f" {', '.join(known)}){suggest(topic, [t.casefold() for t in known])}",
        )
        ok = False
    return ok


def check_profile_recipients(cx: Cx, profiles: Sequence[ProfileAt]) -> None:
    """With an smtp section every profile needs recipients (its own ``to``, or digest.to)."""
    for profile, node, path in profiles:
        if not profile.to:
            cx.err(
                node,
                f"{path}.to: no recipients although an smtp section is given;"
                " add to: [reader@example.org] to the profile (or digest.to for all)",
            )
