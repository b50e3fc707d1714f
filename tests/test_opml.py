"""OPML import/export: parse, append to YAML without losing comments, validate, round-trip."""

from __future__ import annotations

import random
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

from aggregator.config import FeedConfig, load_config
from aggregator.errors import ConfigError
from aggregator.opml import OpmlFeed, add_feeds_to_yaml, insert_feeds, parse_opml, to_opml

TOPICS = ["World", "Science & Tech", "Ukraine", "Local <News>", "Économie"]


def generated_opml(n: int, seed: int = 7) -> tuple[bytes, set[tuple[str, str | None, str]]]:
    """An OPML document written by hand (not by ``to_opml``) with ``n`` feeds in topic folders.

    Some feeds sit outside any folder (topic General), some have no title, some titles need
    escaping, and one folder nests a sub-folder (the innermost folder is the topic).
    """
    rnd = random.Random(seed)
    expected: set[tuple[str, str | None, str]] = set()
    folders: dict[str, list[str]] = {t: [] for t in TOPICS}
    loose: list[str] = []
    for i in range(n):
        url = f"https://site{i % 17}.example.org/feeds/{i}.xml?lang=en&amp;v=2"
        real_url = url.replace("&amp;", "&")
        name = (
            None if i % 9 == 0 else rnd.choice(["Daily", "Notes", "Wire", "Post"]) + f' "{i}" & co'
        )
        topic = "General" if i % 10 == 3 else TOPICS[i % len(TOPICS)]
        attrs = f'type="rss" xmlUrl="{url}" htmlUrl="https://site{i}.example.org/"'
        if name is not None:
            attrs += f" text={quoteattr(name)} title={quoteattr(name)}"
        else:
            attrs += f' text="{url}"'
        line = f"<outline {attrs}/>"
        (loose if topic == "General" else folders[topic]).append(line)
        expected.add((real_url, name, topic))
    body = []
    for topic, lines in folders.items():
        body.append(f"<outline text={quoteattr(topic)}>")
        if topic == "Ukraine":
            body.append('<outline text="Outer wrapper">')  # nested: innermost folder wins
            body.append("</outline>")
        body += lines
        body.append("</outline>")
    body += loose
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="1.0">\n<head><title>Subs</title>'
        "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</opml>\n"
    )
    return doc.encode("utf-8"), expected


CONFIG = """\
# My aggregator config.  (comment A)
database: agg.db   # state lives here (comment B)

feeds:
  # the one I always read (comment C)
  - url: https://seed.example.org/rss   # trailing (comment D)
    name: Seed
    topic: World

# fetch settings below (comment E)
fetch:
  interval: 30m
"""


def triples(feeds: list[OpmlFeed]) -> set[tuple[str, str | None, str]]:
    return {(f.url, f.name, f.topic) for f in feeds}


def assert_lines_kept_in_order(old: str, new: str) -> None:
    it = iter(new.splitlines())
    for line in old.splitlines():
        assert any(line == candidate for candidate in it), f"lost or moved: {line!r}"


def test_parse_generated_opml() -> None:
    data, expected = generated_opml(50)
    feeds = parse_opml(data, "subs.opml")
    assert len(feeds) == 50
    assert triples(feeds) == expected
    assert all(f.line > 0 for f in feeds)


@pytest.mark.parametrize("use_feeds_file", [False, True])
def test_round_trip_50_feeds(tmp_path: Path, use_feeds_file: bool) -> None:
    data, expected = generated_opml(50)
    cfg = tmp_path / "agg.yaml"
    if use_feeds_file:
        (tmp_path / "feeds.yaml").write_text("# my feeds\n- url: https://seed.example.org/rss\n")
        cfg.write_text("feeds_file: feeds.yaml\n")
    else:
        cfg.write_text(CONFIG)
    added = add_feeds_to_yaml(cfg, parse_opml(data, "subs.opml"))
    assert added == 50
    config = load_config(cfg)
    assert len(config.feeds) == 51
    exported = to_opml(config.feeds, "aggregator")
    again = parse_opml(exported.encode("utf-8"), "export.opml")
    seed = {f for f in triples(again) if f[0] == "https://seed.example.org/rss"}
    assert triples(again) - seed == expected
    # second import of the same file adds nothing and leaves the files byte-identical
    target = tmp_path / "feeds.yaml" if use_feeds_file else cfg
    before = target.read_bytes()
    assert add_feeds_to_yaml(cfg, parse_opml(data, "subs.opml")) == 0
    assert target.read_bytes() == before


def test_comments_survive_import(tmp_path: Path) -> None:
    cfg = tmp_path / "agg.yaml"
    cfg.write_text(CONFIG)
    data, _ = generated_opml(12)
    assert add_feeds_to_yaml(cfg, parse_opml(data, "subs.opml")) == 12
    new = cfg.read_text()
    assert_lines_kept_in_order(CONFIG, new)
    # the new feeds go right after the last existing feed, before the trailing comment block
    assert new.index("site0.example.org") < new.index("(comment E)")
    assert new.index("(comment D)") < new.index("site0.example.org")
    assert [p.name for p in tmp_path.iterdir()] == ["agg.yaml"]  # no temp files left


@pytest.mark.parametrize(
    ("config", "feeds_file"),
    [
        ("database: a.db\n", None),  # no feeds key: a feeds: block is appended
        ("feeds:\nfetch:\n  interval: 1h\n", None),  # feeds: with no value
        ("feeds: []   # none yet\ndigest:\n  send_empty: true\n", None),  # empty flow list
        ("feeds: [https://seed.example.org/rss, {url: 'https://x.example.org/f'}]\n", None),
        ("feeds:\n- url: https://seed.example.org/rss\n", None),  # indentless list
        ("feeds:\n    -   url: https://seed.example.org/rss\n        name: S\n", None),  # wide
        ("feeds_file: f.yaml\n", ""),  # empty feeds file
        ("feeds_file: f.yaml\n", "# nothing yet\n"),
        ("feeds_file: f.yaml\n", "feeds:  # mapping form\n  - https://seed.example.org/rss\n"),
        ("feeds_file: f.yaml\n", "- url: https://seed.example.org/rss\n  name: S  # no newline"),
    ],
)
def test_import_into_various_shapes(tmp_path: Path, config: str, feeds_file: str | None) -> None:
    cfg = tmp_path / "agg.yaml"
    cfg.write_text(config)
    target = cfg
    if feeds_file is not None:
        target = tmp_path / "f.yaml"
        target.write_text(feeds_file)
    old_text = target.read_text()
    old_urls = [f.url for f in load_config(cfg).feeds]
    feeds = [
        OpmlFeed("https://n1.example.org/rss", "New: one #1", "World"),
        OpmlFeed("https://n2.example.org/rss", None, "General"),
    ]
    assert add_feeds_to_yaml(cfg, feeds) == 2
    loaded = load_config(cfg)
    assert [f.url for f in loaded.feeds] == [*old_urls, feeds[0].url, feeds[1].url]
    assert loaded.feeds[-2].name == "New: one #1"
    assert loaded.feeds[-2].topic == "World"
    for line in old_text.splitlines():
        if line.lstrip().startswith("#") or "# " in line:
            assert line.split("#", 1)[1] in target.read_text()  # comments survive


BAD_OPML = [
    # expat points at the tag name after "</" of the mismatched end tag
    ("not-xml", b"<opml><body><outline text='x'></body></opml>", 1, 33, "not well-formed"),
    ("truncated", b'<?xml version="1.0"?>\n<opml>\n<body>\n<outline xmlUrl="https://a.org/f"/>\n', 5, 1, "not well-formed"),
    ("not-opml", b"<rss><channel/></rss>", 1, 1, "root element is <rss>"),
    (
        "billion-laughs",
        b'<?xml version="1.0"?>\n<!DOCTYPE opml [\n <!ENTITY lol "lol">\n'
        b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
        b"<opml><body><outline text='&lol2;' xmlUrl='https://a.org/f'/></body></opml>\n",
        3, 2, "entities",
    ),
    (
        "external-entity",
        b'<?xml version="1.0"?>\n<!DOCTYPE opml [\n <!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n'
        b"<opml><body><outline text='&x;' xmlUrl='https://a.org/f'/></body></opml>\n",
        3, 2, "entities",
    ),
    ("bad-url", b'<opml>\n<body>\n  <outline text="x" xmlUrl="ftp://a.org/f"/>\n</body></opml>', 3, 3, "http(s)"),
    ("empty", b"", 1, 1, "not well-formed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "line", "col", "fragment"), [c[1:] for c in BAD_OPML], ids=[c[0] for c in BAD_OPML]
)
def test_bad_opml_is_refused_and_yaml_unchanged(
    tmp_path: Path, data: bytes, line: int, col: int, fragment: str
) -> None:
    cfg = tmp_path / "agg.yaml"
    cfg.write_text(CONFIG)
    before = cfg.read_bytes()
    with pytest.raises(ConfigError) as exc:
        add_feeds_to_yaml(cfg, parse_opml(data, "bad.opml"))
    issue = exc.value.issues[-1]
    assert (issue.file, issue.line, issue.col) == ("bad.opml", line, col), str(exc.value)
    assert fragment in issue.message
    assert cfg.read_bytes() == before


def test_invalid_result_leaves_file_unchanged(tmp_path: Path) -> None:
    """A feed that would make the config invalid is caught by validation before writing."""
    cfg = tmp_path / "agg.yaml"
    cfg.write_text(CONFIG)
    before = cfg.read_bytes()
    bad = [FeedConfig(url="https://ok.example.org/f"), FeedConfig(url="gopher://x.example.org/")]
    with pytest.raises(ConfigError) as exc:
        add_feeds_to_yaml(cfg, bad)
    assert "gopher://" in str(exc.value)
    assert "agg.yaml:" in str(exc.value)
    assert cfg.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["agg.yaml"]


def test_invalid_config_is_not_edited(tmp_path: Path) -> None:
    cfg = tmp_path / "agg.yaml"
    cfg.write_text(CONFIG + "bogus: 1\n")
    before = cfg.read_bytes()
    with pytest.raises(ConfigError, match="bogus"):
        add_feeds_to_yaml(cfg, [OpmlFeed("https://n.example.org/f", None)])
    assert cfg.read_bytes() == before


def test_duplicates_inside_one_import_are_added_once(tmp_path: Path) -> None:
    cfg = tmp_path / "agg.yaml"
    cfg.write_text(CONFIG)
    feeds = [
        OpmlFeed("https://n.example.org/f", "A"),
        OpmlFeed("https://N.example.org:443/f", "B"),
        OpmlFeed("https://seed.example.org/rss", "Seed again"),
    ]
    assert add_feeds_to_yaml(cfg, feeds) == 1
    assert [f.name for f in load_config(cfg).feeds] == ["Seed", "A"]


def test_file_mode_is_kept(tmp_path: Path) -> None:
    cfg = tmp_path / "agg.yaml"
    cfg.write_text(CONFIG)
    cfg.chmod(0o640)
    add_feeds_to_yaml(cfg, [OpmlFeed("https://n.example.org/f", None)])
    assert cfg.stat().st_mode & 0o777 == 0o640


def test_to_opml_escapes_and_groups() -> None:
    feeds = [
        FeedConfig(url="https://a.example.org/f?x=1&y=2", name='A & "B" <C>', topic="T&T"),
        FeedConfig(url="https://b.example.org/f"),
        FeedConfig(url="https://c.example.org/f", name="C", topic="T&T"),
    ]
    doc = to_opml(feeds, "My <feeds>")
    assert "<title>My &lt;feeds&gt;</title>" in doc
    parsed = parse_opml(doc.encode(), "x.opml")
    assert [(f.url, f.name, f.topic) for f in parsed] == [
        ("https://a.example.org/f?x=1&y=2", 'A & "B" <C>', "T&T"),
        ("https://c.example.org/f", "C", "T&T"),
        ("https://b.example.org/f", None, "General"),
    ]


def test_insert_feeds_is_pure_text_surgery() -> None:
    text = "feeds:\n  - url: https://a.example.org/f  # keep\n# tail\nfetch: {}\n"
    out = insert_feeds(text, [OpmlFeed("https://b.example.org/f", None)], key="feeds")
    assert out == (
        "feeds:\n  - url: https://a.example.org/f  # keep\n"
        "  - url: https://b.example.org/f\n# tail\nfetch: {}\n"
    )


def test_edit_is_validated_in_the_feeds_file_reached_through_dotdot(tmp_path: Path) -> None:
    """The in-memory validation must see the edited feeds file even via a ``..`` path."""
    (tmp_path / "etc").mkdir()
    (tmp_path / "lists").mkdir()
    feeds = tmp_path / "lists" / "feeds.yaml"
    feeds.write_text("- url: https://seed.example.org/rss\n")
    cfg = tmp_path / "etc" / "agg.yaml"
    cfg.write_text("feeds_file: ../lists/./feeds.yaml\n")
    before = feeds.read_bytes()
    with pytest.raises(ConfigError, match="gopher"):
        add_feeds_to_yaml(cfg, [FeedConfig(url="gopher://x.example.org/")])
    assert feeds.read_bytes() == before
    assert load_config(cfg).feeds_file == feeds
    assert add_feeds_to_yaml(cfg, [FeedConfig(url="https://n.example.org/f")]) == 1
    assert [f.url for f in load_config(cfg).feeds][-1] == "https://n.example.org/f"


def test_import_given_the_feeds_file_itself(tmp_path: Path) -> None:
    """Callers may pass the feeds file instead of the config; it is validated on its own."""
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("# keep me\n- url: https://seed.example.org/rss\n")
    (tmp_path / "agg.yaml").write_text("feeds_file: feeds.yaml\n")
    data, expected = generated_opml(50)
    assert add_feeds_to_yaml(feeds, parse_opml(data, "subs.opml")) == 50
    assert add_feeds_to_yaml(feeds, parse_opml(data, "subs.opml")) == 0
    assert feeds.read_text().startswith("# keep me\n- url: https://seed.example.org/rss\n")
    loaded = load_config(tmp_path / "agg.yaml")
    assert {(f.url, f.name, f.topic) for f in loaded.feeds[1:]} == expected
    before = feeds.read_bytes()
    with pytest.raises(ConfigError, match="gopher"):
        add_feeds_to_yaml(feeds, [FeedConfig(url="gopher://x.example.org/")])
    assert feeds.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agg.yaml", "feeds.yaml"]


# ---- categories (issue 15): the `category` attribute other readers write ----------------------


def opml_of(*outlines: str) -> bytes:
    return (
        '<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
        + "".join(outlines)
        + "</body></opml>"
    ).encode()


@pytest.mark.parametrize(
    ("outline", "topic"),
    [
        ('<outline text="A" xmlUrl="https://a.example/f" category="/Tech"/>', "Tech"),  # FreshRSS
        ('<outline text="A" xmlUrl="https://a.example/f" category="Tech,Science"/>', "Tech"),
        ('<outline text="A" xmlUrl="https://a.example/f" category="/News/World,/Tech"/>', "World"),
        ('<outline text="A" xmlUrl="https://a.example/f" category=" / Climate change "/>',
         "Climate change"),
        ('<outline text="A" xmlUrl="https://a.example/f" category=""/>', "General"),
        ('<outline text="A" xmlUrl="https://a.example/f" category="/,"/>', "General"),
        ('<outline text="A" xmlUrl="https://a.example/f" Category="Sport"/>', "Sport"),
        # a folder is the reader's own grouping: it wins over the attribute
        ('<outline text="Folder"><outline text="A" xmlUrl="https://a.example/f" '
         'category="/Other"/></outline>', "Folder"),
    ],
)  # fmt: skip
def test_category_attribute_gives_the_topic(outline: str, topic: str) -> None:
    (feed,) = parse_opml(opml_of(outline), "c.opml")
    assert feed.topic == topic and feed.name == "A"


def test_inoreader_and_miniflux_shapes() -> None:
    data = opml_of(
        '<outline text="Tech" title="Tech">'
        '<outline type="rss" text="LWN" title="LWN.net" xmlUrl="https://lwn.net/headlines/rss"'
        ' htmlUrl="https://lwn.net"/></outline>',
        '<outline title="Science" text="Science"><outline title="Nature" text="Nature"'
        ' xmlUrl="https://www.nature.com/nature.rss" type="rss"/></outline>',
        '<outline text="Loose" xmlUrl="https://loose.example/rss" category="/Misc"/>',
    )
    feeds = parse_opml(data, "reader.opml")
    assert triples(feeds) == {
        ("https://lwn.net/headlines/rss", "LWN.net", "Tech"),
        ("https://www.nature.com/nature.rss", "Nature", "Science"),
        ("https://loose.example/rss", "Loose", "Misc"),
    }


def test_an_opml_url_with_a_login_is_refused_without_repeating_it() -> None:
    data = opml_of('<outline text="A" xmlUrl="https://me:hunter2@a.example/f"/>')
    with pytest.raises(ConfigError) as raised:
        parse_opml(data, "c.opml")
    assert "username: and password_env:" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_export_round_trips_every_feed_with_its_topic_and_no_credentials(tmp_path: Path) -> None:
    """Through the real CLI: export-opml, then import-opml into an empty config."""
    from tests.support.cli import cli

    source = tmp_path / "agg.yaml"
    source.write_text(
        "feeds:\n"
        "  - url: https://members.example.org/feed.xml\n    name: Members only\n"
        "    topic: Insider\n    username: reader\n    password_env: MEMBERS_PASSWORD\n"
        '    headers: {X-Api-Key: "${MEMBERS_KEY}", X-Client: aggregator-x}\n'
        "  - url: https://a.example.org/rss\n    topic: Science & Tech\n"
        "  - url: https://b.example.org/rss?x=1&y=2\n    name: B <news>\n"
        "  - url: https://c.example.org/atom\n    name: C\n    topic: Insider\n"
    )
    secrets = {"MEMBERS_PASSWORD": "pw-3c2b1a", "MEMBERS_KEY": "key-9z8y7x"}
    exported = cli(source, "export-opml", env=secrets)
    assert exported.returncode == 0, exported.stderr
    for leak in ("pw-3c2b1a", "key-9z8y7x", "MEMBERS_PASSWORD", "MEMBERS_KEY", "reader",
                 "aggregator-x", "X-Api-Key"):  # fmt: skip
        assert leak not in exported.stdout
    (tmp_path / "subs.opml").write_text(exported.stdout)
    target = tmp_path / "new.yaml"
    target.write_text("feeds:\n")
    imported = cli(target, "import-opml", str(tmp_path / "subs.opml"))
    assert imported.returncode == 0, imported.stderr
    want = {(f.url, f.name, f.topic) for f in load_config(source).feeds}
    assert {(f.url, f.name, f.topic) for f in load_config(target).feeds} == want
    assert len(want) == 4
