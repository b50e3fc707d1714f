"""End to end through the CLI: local feed server -> `fetch` -> `digest` -> real SMTP server.

Covers issue 5 (delivery, failures, exactly-once) and issue 4's pipeline integration (four
outlets' versions of one event plus two other events on the same subject -> three entries).
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import json
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest

from aggregator.store import Store
from tests.support.cli import cli
from tests.support.httpd import FixtureHTTPServer
from tests.support.smtpd import FixtureSMTPServer, closed_port

STORIES = Path(__file__).parent / "fixtures" / "stories"


def recent(hours: float) -> str:
    """An RFC 822 date ``hours`` before now: entries the digest's max_age (3 days) lets
    through, whenever the suite runs."""
    return email.utils.format_datetime(datetime.now(UTC) - timedelta(hours=hours))


def item(guid: str, link: str, title: str, paragraphs: list[str], date: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<item><guid>{guid}</guid><link>{link}</link><title>{escape(title)}</title>"
        f"<pubDate>{date}</pubDate><description><![CDATA[{body}]]></description></item>"
    )


def feed(title: str, items: list[str]) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://{title.lower().replace(' ', '')}.example/</link>{''.join(items)}</channel></rss>"
    ).encode()


def story(name: str) -> tuple[str, list[str]]:
    title, *paras = [
        p.strip() for p in (STORIES / f"{name}.txt").read_text().split("\n\n") if p.strip()
    ]
    return title, paras


def write_config(
    path: Path, feeds: list[tuple[str, str, str]], smtp_port: int | None, extra: str = ""
) -> None:
    lines = "".join(
        f"  - url: {url}\n    name: {name}\n    topic: {topic}\n    full_text: never\n"
        for url, name, topic in feeds
    )
    smtp = f"smtp:\n  host: 127.0.0.1\n  port: {smtp_port}\n  security: none\n" if smtp_port else ""
    path.write_text(
        f"database: state.db\nfeeds:\n{lines}fetch:\n  allow_private: true\n  timeout: 5s\n"
        f"digest:\n  to: [reader@example.org]\n  timezone: Europe/Kyiv\n{smtp}{extra}"
    )


@pytest.fixture
def world(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> tuple[FixtureHTTPServer, Path, list[tuple[str, str, str]]]:
    """Five feeds in three topics; the four quake outlets carry one event in four versions."""
    date = recent(hours=3)
    outlets = [
        ("wire", "Wire Service"),
        ("rewrite", "Coast Chronicle"),
        ("scraped", "News Scraper"),
        ("spun", "Content Farm"),
    ]
    feeds: list[tuple[str, str, str]] = []
    for fixture, name in outlets:
        title, paras = story(fixture)
        items = [item(f"{fixture}-1", f"https://{fixture}.example/quake", title, paras, date)]
        if fixture == "wire":
            for other in ("other1", "other2"):
                t, p = story(other)
                items.append(
                    item(
                        f"{other}",
                        f"https://wire.example/{other}",
                        t,
                        p,
                        recent(hours=20),
                    )
                )
        httpd.static(f"/{fixture}.xml", feed(name, items))
        feeds.append((httpd.url(f"/{fixture}.xml"), name, "World"))
    httpd.static(
        "/city.xml",
        feed("City Desk", [item("c1", "https://city.example/bikes", "Council approves cycling network", [
            "The city council approved a new cycling network on Thursday, adding forty kilometres of protected lanes over the next three years.",
            "Opponents said the plan would hurt shops on the two central streets that close to through traffic, while cycling groups called it overdue.",
        ], date)]),
    )  # fmt: skip
    feeds.append((httpd.url("/city.xml"), "City Desk", "Local"))
    httpd.static(
        "/lab.xml",
        feed("Lab Notes", [item("l1", "https://lab.example/comet", "Amateur astronomer finds a new comet", [
            "An amateur astronomer in the hill town of Brena has discovered a comet that will pass closest to the sun next spring, the observatory confirmed on Friday.",
            "The comet is too faint to see without a telescope, but astronomers said it could brighten as it approaches.",
        ], date)]),
    )  # fmt: skip
    feeds.append((httpd.url("/lab.xml"), "Lab Notes", "Science"))
    return httpd, tmp_path / "aggregator.yaml", feeds


def received_parts(data: bytes) -> tuple[email.message.EmailMessage, str, str]:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return msg, text, html


def test_fetch_then_digest_over_smtp(
    world: tuple[FixtureHTTPServer, Path, list[tuple[str, str, str]]],
) -> None:
    httpd, config, feeds = world
    with FixtureSMTPServer() as smtp:
        write_config(config, feeds, smtp.port)
        sender = '  from: "News <digest@example.org>"\n'
        config.write_text(config.read_text().replace("Europe/Kyiv\n", "Europe/Kyiv\n" + sender))
        r = cli(config, "fetch")
        assert r.returncode == 0, r.stderr
        r = cli(config, "digest")
        assert r.returncode == 0, r.stdout + r.stderr
        assert len(smtp.messages) == 1
        msg, text, html = received_parts(smtp.messages[0].data)
        assert smtp.messages[0].rcpt_tos == ("reader@example.org",)
        # topics in the order the config first names them (not alphabetical)
        positions = [text.find(t) for t in ("World", "Local", "Science")]
        assert all(p >= 0 for p in positions) and positions == sorted(positions), text
        # issue 4 acceptance 3: three quake entries, the first listing four sources
        quake_lines = [t for t in ("Port Alder", "Velmora", "Lake Maren")]
        for t in quake_lines:
            assert t in text
        first, b, c = (text.find(t) for t in ("Port Alder", "Velmora", "Lake Maren"))
        assert 0 <= first < min(b, c), text  # the four-source story ranks first
        entry = text[first : min(b, c)]  # the first entry, up to the next quake's headline
        for name in ("Wire Service", "Coast Chronicle", "News Scraper", "Content Farm"):
            assert name in entry, entry
            assert name in html
        assert text.count("Port Alder counts the damage") + text.count("shakes Port Alder") <= 1
        # issue 14, items 4 and 10: the wire story's copies are copies, the rewrite is another
        # report; the mail is a list mail on the sender's domain
        with Store(config.parent / "state.db") as store:
            arts = list(store.iter_articles())
        dups = sum(1 for a in arts if a.duplicate_of is not None)
        head = " ".join(text.split("\n\n")[0].split())
        assert (f"{dups} copies collapsed" in head) == (dups > 1), head
        assert "other report" in head and "other report" in entry, (head, entry)
        assert msg["List-Id"] == "aggregator digest <digest.example.org>"
        assert str(msg["Message-ID"]).endswith("@example.org>")
        assert msg["Auto-Submitted"] == "auto-generated"
        with Store(config.parent / "state.db") as store:
            arts = list(store.iter_articles())
            stories = {a.story for a in arts}
            quake = [a for a in arts if "Port Alder" in a.title or "Port Alder" in a.text[:300]]
            assert len(quake) == 4 and len({a.story for a in quake}) == 1
            assert len(stories) == 5  # quake A, quake B, quake C, cycling, comet
            assert not store.pending_for("reader@example.org")
        # a second digest run has nothing new: no mail
        r = cli(config, "digest")
        assert r.returncode == 0 and len(smtp.messages) == 1, r.stdout


@pytest.mark.parametrize(
    "fault",
    ["refused", "451", "550", "drop"],
)
def test_failed_send_marks_nothing_then_delivers_once(
    world: tuple[FixtureHTTPServer, Path, list[tuple[str, str, str]]], fault: str
) -> None:
    httpd, config, feeds = world
    with FixtureSMTPServer() as smtp:
        port = closed_port() if fault == "refused" else smtp.port
        write_config(config, feeds, port)
        assert cli(config, "fetch").returncode == 0
        if fault == "451":
            smtp.fail("RCPT", "451 4.3.0 try again later", times=10)
        elif fault == "550":
            smtp.fail("DATA", "550 5.7.1 rejected by policy")
        elif fault == "drop":
            smtp.drop("DATA", times=10)
        r = cli(config, "digest", "--retries", "2", "--backoff", "0.05")
        assert r.returncode == 1, r.stdout + r.stderr
        assert "failed" in r.stdout
        with Store(config.parent / "state.db") as store:
            pending = store.pending_for("reader@example.org")
            assert len(pending) == 8
        r = cli(config, "status", "--json")
        assert '"last_status": "failed"' in r.stdout
        # the server is fine again
        smtp.reset()
        write_config(config, feeds, smtp.port)
        r = cli(config, "digest")
        assert r.returncode == 0, r.stdout + r.stderr
        ids = [m.message["Message-ID"] for m in smtp.messages]
        assert len(ids) == len(set(ids))
        _, text, _ = received_parts(smtp.messages[-1].data)
        assert text.count("Council approves cycling network") == 1
        with Store(config.parent / "state.db") as store:
            assert store.pending_for("reader@example.org") == []
        assert cli(config, "digest").returncode == 0
        assert len(smtp.messages) == len(ids)  # nothing delivered twice


def test_crash_after_acceptance_repeats_one_message_with_same_id(
    world: tuple[FixtureHTTPServer, Path, list[tuple[str, str, str]]],
) -> None:
    httpd, config, feeds = world
    with FixtureSMTPServer() as smtp:
        write_config(config, feeds, smtp.port)
        assert cli(config, "fetch").returncode == 0
        r = cli(config, "digest", env={"AGGREGATOR_FAILPOINTS": "digest.accepted"})
        assert r.returncode == -9  # SIGKILL right after the server accepted
        assert len(smtp.messages) == 1
        # more news arrives before the restart
        httpd.static("/city.xml", feed("City Desk", [item("c2", "https://city.example/tram", "Tram line extended to the harbour", [
            "The tram line will be extended to the harbour by 2028, the transport office said on Monday, after the council found the money.",
        ], recent(hours=1))]))  # fmt: skip
        assert cli(config, "fetch").returncode == 0
        r = cli(config, "digest")
        assert r.returncode == 0, r.stdout + r.stderr
        assert len(smtp.messages) == 3  # the repeat, then the new item
        first, repeat, new = (m.message for m in smtp.messages)
        assert first["Message-ID"] == repeat["Message-ID"]
        assert new["Message-ID"] != first["Message-ID"]
        _, text, _ = received_parts(smtp.messages[2].data)
        assert "Tram line extended" in text and "Port Alder" not in text
        assert cli(config, "digest").returncode == 0
        assert len(smtp.messages) == 3


def test_dry_run_and_out_dir(
    world: tuple[FixtureHTTPServer, Path, list[tuple[str, str, str]]], tmp_path: Path
) -> None:
    httpd, config, feeds = world
    write_config(config, feeds, None)
    assert cli(config, "fetch").returncode == 0
    out = tmp_path / "dry"
    r = cli(config, "digest", "--dry-run", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert {p.name for p in out.iterdir()} == {"digest.html", "digest.txt", "digest.eml"}
    # the dry run says what it did, and its footer does not claim anything was marked read
    assert "nothing was sent or marked delivered" in r.stdout
    for name in ("digest.html", "digest.txt"):
        footer = " ".join((out / name).read_text().split())
        assert "nothing was marked as read" in footer and "is marked as read" not in footer
    with Store(config.parent / "state.db") as store:
        assert len(store.pending_for("reader@example.org")) == 8
    r = cli(config, "digest")  # no smtp section: files in out_dir, marked delivered
    assert r.returncode == 0, r.stderr
    (html,) = (config.parent / "digests").glob("*.html")
    assert "Everything above is marked as read." in html.read_text()
    written = list((config.parent / "digests").glob("*.eml"))
    assert len(written) == 1 and len(list((config.parent / "digests").glob("*.html"))) == 1
    with Store(config.parent / "state.db") as store:
        assert store.pending_for("reader@example.org") == []


def test_twenty_five_stories_in_one_topic_all_reach_the_reader(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    """Issue 14, item 1: with the defaults, 10 stories in full and 15 as linked headlines
    with their sources; all 25 marked delivered; the next digest does not repeat them."""
    from tests.test_messy_input import prose

    date = recent(hours=3)
    items = [
        item(f"s{i}", f"https://desk.example/s{i}?utm_source=rss", f"Desk story {i:02d}",
             [prose(500 + i)], date)
        for i in range(25)
    ]  # fmt: skip
    httpd.static("/desk.xml", feed("Desk", items))
    config = tmp_path / "aggregator.yaml"
    with FixtureSMTPServer() as smtp:
        write_config(config, [(httpd.url("/desk.xml"), "Desk", "World")], smtp.port)
        assert cli(config, "fetch").returncode == 0
        r = cli(config, "digest")
        assert r.returncode == 0, r.stdout + r.stderr
        (sent,) = smtp.messages
        _, text, html = received_parts(sent.data)
        flat = " ".join(text.split())
        for i in range(25):
            assert f"Desk story {i:02d}" in flat
            assert f'href="https://desk.example/s{i}"' in html  # linked, tracking stripped
        assert "More in World:" in flat and "left out" not in flat
        summaries = [i for i in range(25) if prose(500 + i)[:40] in flat]
        assert len(summaries) == 10  # ten in full (with a summary), fifteen as headlines
        with Store(config.parent / "state.db") as store:
            assert store.pending_for("reader@example.org") == []
        r = cli(config, "digest")  # the next day: nothing new, nothing repeated
        assert r.returncode == 0 and "status=empty" in r.stdout
        assert len(smtp.messages) == 1


@pytest.mark.parametrize(
    ("template", "line", "says"),
    [
        ("<html>\n<body>\n{% for s in digest.topics %}\n</body>\n", 4, "template syntax error"),
        ("<html>\n<p>{{ digest.recipient }}</p>\n<p>{{ no_such_thing.title }}</p>\n", 3,
         "UndefinedError"),
    ],
)  # fmt: skip
def test_a_broken_user_template_is_caught_by_check_and_leaves_everything_pending(
    world: tuple[FixtureHTTPServer, Path, list[tuple[str, str, str]]],
    tmp_path: Path,
    template: str,
    line: int,
    says: str,
) -> None:
    """Issue 14, item 5: a broken template passed `check`, then `digest` died with a raw
    traceback and nothing was recorded."""
    httpd, config, feeds = world
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "digest.html.j2").write_text(template)
    with FixtureSMTPServer() as smtp:
        write_config(config, feeds, smtp.port)
        text = config.read_text().replace(
            "timezone: Europe/Kyiv\n", f"timezone: Europe/Kyiv\n  template_dir: {tpl}\n"
        )
        config.write_text(text)
        r = cli(config, "check")
        assert r.returncode == 2
        assert f"{tpl / 'digest.html.j2'}:{line}: " in r.stderr and says in r.stderr, r.stderr
        assert cli(config, "fetch").returncode == 0
        r = cli(config, "digest")
        assert r.returncode == 1 and "Traceback" not in r.stdout + r.stderr
        assert "status=failed" in r.stdout and says in r.stdout
        assert smtp.messages == []
        with Store(config.parent / "state.db") as store:
            assert len(store.pending_for("reader@example.org")) == 8
        report = json.loads(cli(config, "status", "--json").stdout)
        (row,) = report["digest"]
        assert row["last_status"] == "failed" and says in row["last_error"]


def test_sent_digests_are_archived_with_an_index_newest_first(
    world: tuple[FixtureHTTPServer, Path, list[tuple[str, str, str]]], tmp_path: Path
) -> None:
    from aggregator.config import load_config
    from aggregator.digest.deliver import run_digests

    httpd, config, feeds = world
    with FixtureSMTPServer() as smtp:
        write_config(config, feeds[:2], smtp.port)
        text = config.read_text().replace(
            "timezone: Europe/Kyiv\n", "timezone: Europe/Kyiv\n  archive_dir: past\n"
        )
        config.write_text(text)
        assert cli(config, "fetch").returncode == 0
        loaded = load_config(config)
        with Store(loaded.database) as store:
            (first,) = run_digests(loaded, store, now=datetime(2026, 11, 8, 5, 0, tzinfo=UTC))
            write_config(config, feeds, smtp.port)
            config.write_text(
                config.read_text().replace(
                    "timezone: Europe/Kyiv\n", "timezone: Europe/Kyiv\n  archive_dir: past\n"
                )
            )
            assert cli(config, "fetch").returncode == 0
            loaded = load_config(config)
            (second,) = run_digests(loaded, store, now=datetime(2026, 11, 9, 5, 0, tzinfo=UTC))
        assert (first.status, second.status) == ("sent", "sent") and len(smtp.messages) == 2
    past = config.parent / "past"
    files = sorted(p.name for p in past.glob("2026-*.html"))
    assert [f[:15] for f in files] == ["2026-11-08-0500", "2026-11-09-0500"]
    index = (past / "index.html").read_text()
    assert index.index(files[1]) < index.index(files[0])  # newest first
    assert "News digest for Mon 9 Nov 2026" in index  # each listed by its subject
    kept = (past / files[1]).read_text()
    _, _, html = received_parts(smtp.messages[1].data)
    assert kept.split() == html.split()  # the very HTML the reader got (mail may refold lines)
    assert "<script" not in kept and "src=" not in kept  # self-contained, nothing remote


def test_enclosures_are_linked_and_lead_images_shown_only_when_asked(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    """Issue 14: a podcast episode's file is a link with its type, size and duration; the
    feed's lead image appears only with digest.images: true; unsafe URLs never appear."""
    from tests.test_messy_input import prose

    body = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"'
        ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>Pod</title>'
        f"<item><guid>e1</guid><title>Episode one</title><link>https://p.example/1</link>"
        f"<pubDate>{recent(hours=2)}</pubDate><description>{prose(77)}</description>"
        '<enclosure url="https://p.example/e1.mp3" length="34500000" type="audio/mpeg"/>'
        "<itunes:duration>42:10</itunes:duration>"
        '<media:thumbnail url="https://p.example/e1.jpg"/></item>'
        f"<item><guid>e2</guid><title>Episode two</title><link>https://p.example/2</link>"
        f"<pubDate>{recent(hours=3)}</pubDate><description>{prose(78)}</description>"
        '<enclosure url="javascript:alert(1)" type="audio/mpeg"/>'
        '<media:thumbnail url="javascript:alert(2)"/></item></channel></rss>'
    ).encode()
    httpd.static("/pod.xml", body)
    config = tmp_path / "aggregator.yaml"
    write_config(config, [(httpd.url("/pod.xml"), "Pod", "Podcasts")], None)
    assert cli(config, "fetch").returncode == 0
    assert cli(config, "digest", "--dry-run", "--out", str(tmp_path / "off")).returncode == 0
    text = (tmp_path / "off" / "digest.txt").read_text()
    html = (tmp_path / "off" / "digest.html").read_text()
    assert "Audio (MP3, 34.5 MB, 42:10): https://p.example/e1.mp3" in " ".join(text.split())
    assert 'href="https://p.example/e1.mp3"' in html
    assert "<img" not in html and "javascript" not in html
    config.write_text(
        config.read_text().replace(
            "timezone: Europe/Kyiv\n", "timezone: Europe/Kyiv\n  images: true\n"
        )
    )
    assert cli(config, "digest", "--dry-run", "--out", str(tmp_path / "on")).returncode == 0
    html = (tmp_path / "on" / "digest.html").read_text()
    assert html.count("<img") == 1 and 'src="https://p.example/e1.jpg"' in html
    assert 'alt="Episode one"' in html and "javascript" not in html


def test_topic_rules_give_sections_through_the_whole_product(
    world: tuple[FixtureHTTPServer, Path, list[tuple[str, str, str]]],
) -> None:
    """Issue 14, item 2, end to end: a keyword rule puts the comet story in its own section,
    listed first; the quake story stays in World whichever outlet's article leads it."""
    httpd, config, feeds = world
    write_config(config, feeds, None)
    config.write_text(
        config.read_text() + "topics:\n  - name: Space\n    match: [comet, '/asteroids?/']\n"
    )
    assert cli(config, "fetch").returncode == 0
    r = cli(config, "digest", "--dry-run", "--out", str(config.parent / "dry"))
    assert r.returncode == 0, r.stderr
    text = (config.parent / "dry" / "digest.txt").read_text()
    space, world_at = text.find("\nSpace ("), text.find("\nWorld (")
    assert 0 <= space < world_at, text
    assert "comet" in text[space:world_at].lower()
    assert "Science (" not in text  # its only story moved to Space
    assert "Port Alder" in text[world_at:]
