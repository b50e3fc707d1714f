"""The key table (aggregator.config.schema.KEYS) and config/aggregator.example.yaml agree.

The example promises "every key is shown with its default value". Here it is parsed (not
grepped): every key of the table must appear in it, holding the table's default as the loader
would parse it, and every key in it must be in the table.

Two things in the example are not plain "key: default" lines, and are named here:
* Sections shown commented out, because writing them changes behaviour (an smtp section
  turns on mailing). Their block is read from the comment lines, so they are checked too.
  Likewise a feed entry shown commented out inside the live ``feeds:`` list (the feed behind
  a login: a copied example must not poll a feed whose secrets are not set).
* Keys whose example line shows a sample instead of the default (a feed's topic: World);
  the comment on that line must then state the default.
Keys whose default is "nothing" (``name``, ``feeds_file``, ``smtp.username``) or that are
required (``url``, ``smtp.host``) only have to be present: the example shows a sample.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aggregator.config import KEYS, compose_yaml, load_config
from aggregator.config.nodes import Cx, absolute, is_null
from aggregator.config.schema import FEED_KEYS, Key

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "config" / "aggregator.example.yaml"
FEEDS_EXAMPLE = REPO / "config" / "feeds.example.yaml"

COMMENTED_SECTIONS = ("smtp", "profiles")
SAMPLE_VALUES = frozenset({"feeds[].topic"})


def commented_section(text: str, section: str) -> str | None:
    """The YAML of a section written as comment lines (``# smtp:`` then ``#   key: ...``)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.fullmatch(rf"#\s?{section}:\s*", line):
            block = [f"{section}:"]
            for more in lines[i + 1 :]:
                if not re.match(r"#( {2,}|$)", more):
                    break
                block.append(more[2:] if more.startswith("# ") else "")
            return "\n".join(block) + "\n"
    return None


def commented_feeds(text: str) -> str | None:
    """The YAML of feed entries written as comment lines inside ``feeds:`` (``  # - url: ...``
    then ``  #   key: ...``), as a ``feeds:`` section of their own."""
    block: list[str] = []
    for line in text.splitlines():
        if re.match(r"  # - url: ", line) or (block and re.match(r"  #   ", line)):
            block.append("  " + line[4:])
        elif block and not line.startswith("  #"):
            break
    return "feeds:\n" + "\n".join(block) + "\n" if block else None


TABLE_PATHS = frozenset(key.path for key in KEYS)


def leaves(node: Node, path: str) -> list[tuple[str, Node]]:
    """(dotted path, value node) of every value; a list of mappings is walked as ``key[]``.
    A key of the table whose value is a mapping (``feeds[].headers``) is one value."""
    if isinstance(node, MappingNode) and path not in TABLE_PATHS:
        out: list[tuple[str, Node]] = []
        for key, value in node.value:
            out += leaves(value, f"{path}.{key.value}" if path else str(key.value))
        return out
    items = node.value if isinstance(node, SequenceNode) else []
    if items and all(isinstance(item, MappingNode) for item in items):
        return [leaf for item in items for leaf in leaves(item, f"{path}[]")]
    return [(path, node)]


def documented(text: str) -> tuple[dict[str, tuple[Node, str]], list[str]]:
    """Path -> (first value node, its source line), and problems with the layout.

    The live YAML and each commented section are composed separately; the source line lets a
    check read the comment beside a value.
    """
    problems: list[str] = []
    root = compose_yaml(text)
    assert isinstance(root, MappingNode), "the example must be a mapping"
    parts: list[tuple[Node, list[str]]] = [(root, text.splitlines())]
    live = {str(key.value) for key, _ in root.value}
    for section in COMMENTED_SECTIONS:
        block = commented_section(text, section)
        if section in live:
            problems.append(f"{section}: listed as commented out but given live; update the test")
        elif block is None:
            problems.append(f"{section}: the commented-out section is missing")
        else:
            node = compose_yaml(block)
            assert node is not None
            parts.append((node, block.splitlines()))
    feeds = commented_feeds(text)
    if feeds is not None:
        node = compose_yaml(feeds)
        assert node is not None
        parts.append((node, feeds.splitlines()))
    found: dict[str, tuple[Node, str]] = {}
    for node, source in parts:
        for path, value in leaves(node, ""):
            found.setdefault(path, (value, source[value.start_mark.line]))
    return found, problems


def check(text: str) -> list[str]:
    """Every way ``text`` (an example config) disagrees with the key table."""
    found, problems = documented(text)
    table = {key.path: key for key in KEYS}
    for path in found:
        if path not in table:
            problems.append(f"{path}: in the example but not in the key table")
    for path, key in table.items():
        if path not in found:
            problems.append(f"{path}: in the key table but not in the example")
        else:
            problems += default_problems(key, *found[path])
    return problems


def default_problems(key: Key[object], node: Node, line: str) -> list[str]:
    """How the example's value for ``key`` fails to show its default ([] when it does)."""
    cx = Cx(str(EXAMPLE), EXAMPLE.parent, [])
    if key.nullable and is_null(node):
        value = key.default
    else:
        value = key.kind.parse(cx, node, key.path)
        if value is None:
            messages = "; ".join(issue.message for issue in cx.issues)
            return [f"{key.path}: the example's value does not parse: {messages}"]
    if key.default is None or key.required:
        return []  # nothing to show: the example gives a sample
    if key.path in SAMPLE_VALUES:
        if f"default: {key.default}" not in line:
            return [f"{key.path}: shows a sample; its comment must say 'default: {key.default}'"]
        return []
    expected = key.default
    if isinstance(expected, Path) and not expected.is_absolute():
        expected = absolute(EXAMPLE.parent / expected)
    if value != expected:
        return [f"{key.path}: the example shows {node.value!r}, the default is {key.default!r}"]
    return []


def test_example_shows_every_key_with_its_default() -> None:
    assert check(EXAMPLE.read_text(encoding="utf-8")) == []


def test_each_key_is_listed_once() -> None:
    paths = [key.path for key in KEYS]
    assert len(set(paths)) == len(paths)


def test_named_exceptions_are_table_keys() -> None:
    table = {key.path for key in KEYS}
    assert table >= SAMPLE_VALUES
    assert all(any(p.startswith((f"{s}.", f"{s}[].")) for p in table) for s in COMMENTED_SECTIONS)


def test_feeds_example_uses_feed_keys_only() -> None:
    root = compose_yaml(FEEDS_EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(root, SequenceNode) and root.value
    for item in root.value:
        if isinstance(item, MappingNode):
            assert {str(k.value) for k, _ in item.value} <= set(FEED_KEYS)
        else:
            assert isinstance(item, ScalarNode)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  timeout: 20s ", "  timeout: 25s ", "fetch.timeout: the example shows '25s'"),
        ("  max_bytes: 5MB ", "  max_bytes: 5MiB ", "fetch.max_bytes: the example shows"),
        ("  send_empty: false ", "  send_emtpy: false ", "digest.send_emtpy: in the example"),
        ("  send_empty: false ", "  # send_empty: false ", "digest.send_empty: in the key table"),
        ("#   timeout: 30s", "#   timeout: 1m", "smtp.timeout: the example shows '1m'"),
        ("#   port: 587 ", "#   port: 25 ", "smtp.port: the example shows '25'"),
        ("# smtp:\n", "# mail:\n", "smtp: the commented-out section is missing"),
        ("default: General", "default: Misc", "feeds[].topic: shows a sample"),
        ("  out_dir: digests ", "  out_dir: out ", "digest.out_dir: the example shows 'out'"),
        ("retention: 30d ", "retention: 30 ", "retention: the example's value does not parse"),
    ],
)
def test_check_catches_a_drifted_example(old: str, new: str, expected: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text, "the example changed; pick another line for this test"
    problems = check(text.replace(old, new, 1))
    assert any(p.startswith(expected) for p in problems), problems


ALL_CHANGED = """\
database: state/db.sqlite
database_password_env: AGG_DB_PASSWORD
feeds_file: more-feeds.yaml
feeds:
  - url: https://a.example.org/feed
    name: A
    topic: Tech
    full_text: never
    interval: 1h
    prefer: true
    keep_blocks: ["/^Editor's note/"]
    drop_blocks: [Become a patron]
    user_agent: "MyReader/1.0"
    username: me
    password_env: FEED_A_PW
    headers: {X-Client: aggregator, X-Token: "${FEED_A_TOKEN}"}
    filters:
      mute: [crypto]
      keep: ["/^Analysis:/"]
fetch:
  interval: 10m
  timeout: 5s
  max_bytes: 1MB
  concurrency: 4
  per_host: 1
  allow_private: true
  user_agent: "OurBot/2.0 (+https://example.org/bot)"
digest:
  send_at: "06:30"
  timezone: Europe/Kyiv
  to: [me@example.org]
  from: "Agg <agg@example.org>"
  out_dir: out
  template_dir: tpl
  send_empty: true
  retry: 20m
  max_age: 10d
  images: true
  archive_dir: past
  max_stories_per_topic: 5
retention: 60d
filters:
  mute: [sponsored, "/^Deal of the day/"]
  keep: [news]
profiles:
  - name: work
    to: [me@work.example]
    send_at: "08:30"
    timezone: America/New_York
    days: [mon]
    topics: [Climate]
    filters:
      mute: [football]
      keep: [policy]
topics:
  - name: Climate
    match: [climate, '/COP ?[0-9]+/']
dedup:
  window: 10d
  story_window: 2d
smtp:
  host: smtp.example.org
  port: 2525
  security: tls
  username: me
  password_env: SMTP_PW
  timeout: 10s
metrics:
  listen: 127.0.0.1:9464
"""
ATTRIBUTE = {
    "digest.from": "sender",
    "topics[].match": "patterns",
}  # YAML names that differ from the attribute


def test_every_key_reaches_the_config(tmp_path: Path) -> None:
    """A config that changes every key: each one must arrive changed in the Config object
    (a section builder that forgot a key would leave its default)."""
    (tmp_path / "tpl").mkdir()
    (tmp_path / "more-feeds.yaml").write_text("- https://b.example.org/rss\n")
    (tmp_path / "agg.yaml").write_text(ALL_CHANGED)
    config = load_config(tmp_path / "agg.yaml")
    feed = config.feed("https://a.example.org/feed")
    assert feed is not None
    sections: dict[str, object] = {
        "": config,
        "feeds[]": feed,
        "fetch": config.fetch,
        "digest": config.digest,
        "dedup": config.dedup,
        "smtp": config.smtp,
        "topics[]": config.topic_rules[0],
        "metrics": config.metrics,
        "filters": config.filters,
        "feeds[].filters": feed.filters,
        "profiles[]": config.profiles[0],
        "profiles[].filters": config.profiles[0].filters,
    }
    assert {key.section for key in KEYS} == set(sections)
    for key in KEYS:
        value = getattr(sections[key.section], ATTRIBUTE.get(key.path, key.name))
        default = key.default
        if isinstance(default, Path):
            default = tmp_path / default
        assert value is not None and value != default, key.path
