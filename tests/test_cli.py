"""The CLI as a user runs it: a real subprocess per command, real files, a local server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.httpd import FixtureHTTPServer

ROOT = Path(__file__).resolve().parent.parent


def run(
    *args: str, config: Path | None = None, input: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "aggregator"]
    if config is not None:
        cmd += ["--config", str(config)]
    return subprocess.run(
        cmd + list(args), capture_output=True, text=True, input=input, timeout=120, cwd=cwd
    )


def rss(host: str) -> bytes:
    body = (
        "<p>The city council approved a new cycling network on Thursday, adding forty kilometres of "
        "protected lanes over the next three years and closing two central streets to through traffic.</p>"
        "<p>Opponents said the plan would hurt shops, while cycling groups called it overdue.</p>"
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>City Desk</title>'
        f"<item><guid>c1</guid><link>{host}/c1</link><title>Council approves cycling network</title>"
        f"<description><![CDATA[{body}]]></description></item></channel></rss>"
    ).encode()


@pytest.fixture
def setup(httpd: FixtureHTTPServer, tmp_path: Path) -> Path:
    httpd.static("/city.xml", rss(httpd.base_url))
    cfg = tmp_path / "aggregator.yaml"
    cfg.write_text(
        f"database: state.db\nfeeds:\n  - url: {httpd.url('/city.xml')}\n    topic: City\n"
        f"    full_text: never\n  - url: {httpd.url('/missing.xml')}\n    name: Missing\n"
        "fetch:\n  allow_private: true\n  timeout: 3s\n"
        "digest:\n  to: [me@example.org]\n"
    )
    return cfg


def test_check_ok_and_bad(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("feeds:\n  - url: https://example.org/feed.xml\n")
    r = run("check", config=good)
    assert r.returncode == 0, r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds:\n  - url: https://example.org/feed.xml\n    topik: World\n")
    r = run("check", config=bad)
    assert r.returncode == 2
    assert re.search(rf"{re.escape(str(bad))}:3:5: .*topik.*did you mean 'topic'", r.stderr), (
        r.stderr
    )


def test_no_config_is_a_clear_error(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "aggregator", "check"], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "AGGREGATOR_CONFIG" in r.stderr


def test_fetch_status_export(setup: Path) -> None:
    r = run("fetch", config=setup)
    assert r.returncode == 0, r.stderr  # exit 0 even though one feed fails
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 2
    assert "City Desk\tok" in lines[0] and "new=1" in lines[0]
    assert lines[1].startswith("Missing\tnot_found") and "status=404" in lines[1]
    r = run("status", "--json", config=setup)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    health = {f["name"]: f["health"] for f in report["feeds"]}
    assert health == {"City Desk": "ok", "Missing": "failing"}
    r = run("status", config=setup)
    assert r.returncode == 0 and "City Desk" in r.stdout and "failing" in r.stdout
    r = run("export", config=setup)
    (rec,) = [json.loads(x) for x in r.stdout.splitlines()]
    assert rec["title"] == "Council approves cycling network"
    assert "forty kilometres" in rec["text"]
    r = run("fetch", "--feed", "City Desk", config=setup)
    assert r.returncode == 0 and "unchanged" in r.stdout
    r = run("fetch", "--feed", "nope", config=setup)
    assert r.returncode == 2


def test_a_cut_off_feed_is_read_and_shown_as_malformed_until_it_is_fixed(
    setup: Path, httpd: FixtureHTTPServer
) -> None:
    whole = rss(httpd.base_url)
    httpd.static("/city.xml", whole[: whole.index(b"</item>") + 7])  # cut off mid-channel
    r = run("fetch", config=setup)
    assert r.returncode == 0, r.stderr
    assert "City Desk\tok" in r.stdout and "new=1" in r.stdout
    assert "error=feed is not well-formed (line " in r.stdout and "1 entry read" in r.stdout

    def city() -> dict[str, object]:
        report = json.loads(run("status", "--json", config=setup).stdout)
        (feed,) = [f for f in report["feeds"] if f["name"] == "City Desk"]
        return feed

    assert city()["health"] == "malformed" and "not well-formed" in str(city()["error"])
    assert "malformed" in run("status", config=setup).stdout
    dry = setup.parent / "dry"
    assert run("digest", "--dry-run", "--out", str(dry), config=setup).returncode == 0
    text = (dry / "digest.txt").read_text()
    assert "1 feed malformed" in text and "City Desk: feed is not well-formed (line" in text
    run("fetch", config=setup)  # the same bytes again (a 304): still the same broken document
    assert city()["health"] == "malformed" and city()["result"] == "not_modified"
    httpd.static("/city.xml", whole)  # the publisher fixes the feed
    r = run("fetch", config=setup)
    assert "error=" not in r.stdout.splitlines()[0]
    assert city()["health"] == "ok" and city()["error"] is None
    (rec,) = [json.loads(x) for x in run("export", config=setup).stdout.splitlines()]
    assert rec["title"] == "Council approves cycling network"  # stored once, not doubled


def test_title_less_entries_are_headed_by_their_first_sentence_or_their_slug(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    # a microblog's feed (Mastodon's RSS has no item titles): the digest heads an entry by
    # its first sentence, or by its link's slug when it has no text either
    pier = httpd.url("/2026/12/07/harbour-north-pier-reopens")
    ferry = httpd.url("/2026/12/07/ferry-timetable-winter-changes")
    text = (
        "<p>The harbour authority reopened the north pier on Monday after six months of "
        "repairs. Fishing boats can moor there again from Wednesday.</p>"
    )
    httpd.static("/micro.xml", (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Micro</title>'
        f"<item><guid>m1</guid><link>{pier}</link><description><![CDATA[{text}]]></description>"
        f"</item><item><guid>m2</guid><link>{ferry}</link></item></channel></rss>"
    ).encode())  # fmt: skip
    cfg = tmp_path / "aggregator.yaml"
    cfg.write_text(
        f"database: state.db\nfeeds:\n  - url: {httpd.url('/micro.xml')}\n    topic: Local\n"
        "    full_text: never\nfetch:\n  allow_private: true\n  timeout: 3s\n"
        "digest:\n  to: [me@example.org]\n"
    )
    assert run("fetch", config=cfg).returncode == 0
    out = tmp_path / "d"
    r = run("digest", "--dry-run", "--out", str(out), config=cfg)
    assert r.returncode == 0, r.stderr
    digest = (out / "digest.txt").read_text()
    assert "* The harbour authority reopened the north pier on Monday" in digest
    assert "* Ferry timetable winter changes" in digest
    assert "(untitled)" not in digest
    assert {json.loads(x)["title"] for x in run("export", config=cfg).stdout.splitlines()} == {""}


def test_opml_round_trip_via_cli(setup: Path, tmp_path: Path) -> None:
    r = run("export-opml", config=setup)
    assert r.returncode == 0 and "<opml" in r.stdout
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body><outline text="Science">'
        '<outline type="rss" text="Lab Notes" xmlUrl="https://lab.example/rss"/></outline></body></opml>'
    )
    r = run("import-opml", str(opml), config=setup)
    assert r.returncode == 0, r.stderr
    assert "1 feeds added" in r.stdout
    r = run("export-opml", config=setup)
    assert "https://lab.example/rss" in r.stdout and "Science" in r.stdout
    assert run("check", config=setup).returncode == 0


def test_every_command_is_documented_in_the_readme() -> None:
    from aggregator.cli import main

    readme = (ROOT / "README.md").read_text()
    for name in main.commands:
        assert f"aggregator {name}" in readme, f"README does not show `aggregator {name}`"
