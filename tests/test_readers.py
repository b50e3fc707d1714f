"""Readers' controls (issue 15): filters and profiles, with real parts only.

A local HTTP server serves the fixture feeds, a local aiosmtpd server takes the mail, the
state is a real SQLite file, and the daemon runs in process on the controllable clock: its
digest jobs fire when the scheduler's own cron triggers say so (``run_digest_jobs`` moves the
clock from one fire time to the next). The command line runs as a subprocess.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

from aggregator.config import load_config
from aggregator.export import iter_export
from aggregator.scheduler import Daemon
from aggregator.store import Store
from tests.support.cli import cli
from tests.support.clock import Clock
from tests.support.httpd import FixtureHTTPServer
from tests.support.smtpd import FixtureSMTPServer, Received


def rss(title: str, items: list[tuple[str, str, str]]) -> bytes:
    """A feed of (guid, title, text) items, without dates (never held by max_age)."""
    body = "".join(
        f"<item><guid>{g}</guid><link>https://{title.lower()}.example/{g}</link>"
        f"<title>{escape(t)}</title><description><![CDATA[<p>{escape(x)}</p>]]></description>"
        "</item>"
        for g, t, x in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{body}'
        "</channel></rss>"
    ).encode()


def text_of(received: Received) -> str:
    body = received.message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def touch(path: Path, clock: Clock) -> None:
    t = clock().timestamp()
    os.utime(path, (t, t))


def write(path: Path, feeds: str, smtp_port: int, extra: str = "") -> None:
    path.write_text(
        f"database: state.db\nfeeds:\n{feeds}fetch:\n  allow_private: true\n  interval: 1m\n"
        '  timeout: 5s\ndigest:\n  send_at: "07:00"\n  timezone: UTC\n'
        '  to: [reader@example.org]\n  from: "Aggregator <agg@example.org>"\n'
        f"smtp:\n  host: 127.0.0.1\n  port: {smtp_port}\n  security: none\n{extra}"
    )


async def run_digest_jobs(d: Daemon, clock: Clock, until: datetime) -> list[tuple[datetime, str]]:
    """Run the daemon's digest jobs in the order their cron triggers fire, moving the clock to
    each fire time, until ``until``; returns (when, job id) of each run."""
    ran: list[tuple[datetime, str]] = []
    while True:
        jobs = [j for j in d.scheduler.get_jobs() if j.id.split(":")[0] == "digest"]
        times = [(j.trigger.get_next_fire_time(None, clock()), j) for j in jobs]
        at = min(t for t, _ in times if t is not None)
        if at > until:
            clock.now = until
            return ran
        clock.now = at.astimezone(UTC)
        for t, job in times:
            if t == at:  # every job that fires at this moment
                await job.func(*job.args)
                ran.append((clock.now, job.id))
        clock.advance(seconds=1)


# ---- filters -------------------------------------------------------------------------------


def test_muted_and_kept_articles_across_feeds(httpd: FixtureHTTPServer, tmp_path: Path) -> None:
    """A global mute (whole words: "ai" does not mute "said"), a per-feed mute that removes
    one outlet's copy from a story's sources, and a per-feed keep; the muted and the not-kept
    are stored and exported with the reason, never mailed."""
    harbour = "The harbour reopened on Monday after the storm, the port authority said today."
    httpd.static("/wire.xml", rss("Wire", [
        ("w1", "Harbour reopens after the storm", harbour),
        ("w2", "New AI chips for phones", "Chip makers showed faster chips for phones."),
        ("w3", "Mayor opens the library", "The mayor said the library opens in May."),
    ]))  # fmt: skip
    httpd.static("/copy.xml", rss("Copydesk", [("c1", "Harbour reopens after the storm", harbour)]))
    httpd.static("/green.xml", rss("Green", [
        ("g1", "Climate talks resume in Bonn", "Delegates met again to discuss emissions."),
        ("g2", "Football final tonight", "The cup final kicks off at eight."),
    ]))  # fmt: skip
    config = tmp_path / "aggregator.yaml"
    feeds = (
        f"  - url: {httpd.url('/wire.xml')}\n    name: Wire Service\n    full_text: never\n"
        f"  - url: {httpd.url('/copy.xml')}\n    name: Copy Desk\n    full_text: never\n"
        "    filters:\n      mute: [harbour]\n"
        f"  - url: {httpd.url('/green.xml')}\n    name: Green Post\n    full_text: never\n"
        "    filters: {keep: [climate]}\n"
    )
    with FixtureSMTPServer() as smtp:
        write(config, feeds, smtp.port, "filters:\n  mute: [ai, sponsored]\n")
        r = cli(config, "fetch")
        assert r.returncode == 0, r.stderr
        r = cli(config, "digest")
        assert r.returncode == 0, r.stdout + r.stderr
        (msg,) = smtp.messages
        text = text_of(msg)
    for shown in ("Harbour reopens", "Mayor opens the library", "Climate talks resume"):
        assert shown in text, text
    for hidden in ("AI chips", "Football final", "Copy Desk"):
        assert hidden not in text, text  # the muted copy is not counted among the sources
    r = cli(config, "export")
    assert r.returncode == 0, r.stderr
    held = {rec["title"]: rec.get("held") for rec in map(json.loads, r.stdout.splitlines())}
    assert held["New AI chips for phones"] == "mute: filters.mute matches 'AI'"
    assert held["Football final tonight"] == "keep: matches none of feeds[Green Post].filters.keep"
    assert held["Mayor opens the library"] is None
    copies = [
        rec for rec in map(json.loads, r.stdout.splitlines()) if rec["feed"].endswith("/copy.xml")
    ]
    assert copies[0]["held"].startswith("mute: feeds[Copy Desk].filters.mute")
    with Store(tmp_path / "state.db") as store:  # stored, and still not delivered
        assert {p.article.title for p in store.pending_for("reader@example.org")} == {
            "New AI chips for phones", "Football final tonight", "Harbour reopens after the storm",
        }  # fmt: skip


def test_a_bad_regex_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    config = tmp_path / "aggregator.yaml"
    config.write_text(
        "feeds:\n"
        "  - url: https://a.example.org/feed\n"
        "    filters:\n"
        "      keep: [climate, '/(COP/']\n"
        "filters:\n"
        '  mute: [sponsored, "/^Deal [of/"]\n'
        "profiles:\n"
        "  - name: work\n"
        "    filters: {mute: ['/a{2,1}/']}\n"
    )
    r = cli(config, "check")
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert lines[0].startswith(f"{config}:4:23: feeds[0].filters.keep[1]: /(COP/ is not a valid")
    assert lines[1].startswith(f"{config}:6:21: filters.mute[1]: /^Deal [of/ is not a valid")
    assert lines[2].startswith(f"{config}:9:22: profiles[0].filters.mute[0]: /a{{2,1}}/ is not")
    assert len(lines) == 3, r.stderr


def test_a_filter_edit_applies_to_stored_undelivered_articles(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    """Articles stored before the YAML gained a mute are held back by it at the next digest
    (hot reload, no restart); taking the mute away again lets them through."""
    httpd.static("/one.xml", rss("One", [
        ("a", "Sponsored: the best mattress", "Buy our mattress today."),
        ("b", "Bridge repairs finish early", "The old bridge reopens to traffic this week."),
    ]))  # fmt: skip
    config = tmp_path / "aggregator.yaml"
    feeds = f"  - url: {httpd.url('/one.xml')}\n    full_text: never\n"
    clock = Clock(datetime(2026, 11, 2, 6, 0, tzinfo=UTC))
    with FixtureSMTPServer() as smtp:
        write(config, feeds, smtp.port)
        touch(config, clock)

        async def scenario() -> None:
            d = Daemon(load_config(config), clock=clock)
            try:
                await d.tick()  # both stored, neither delivered
                write(config, feeds, smtp.port, "filters:\n  mute: ['/^Sponsored:/']\n")
                clock.advance(minutes=5)
                touch(config, clock)
                await d.reload()
                assert d.config.filters.mute
                reasons = {r["title"]: r.get("held") for r in iter_export(d.store, d.config)}
                assert reasons["Sponsored: the best mattress"] == (
                    "mute: filters.mute matches 'Sponsored:'"
                )
                await d.digest_job()
                assert "Bridge repairs" in text_of(smtp.messages[0])
                assert "mattress" not in text_of(smtp.messages[0])
                write(config, feeds, smtp.port)  # the mute goes again
                clock.advance(days=1)
                touch(config, clock)
                await d.reload()
                await d.digest_job()
                assert "mattress" in text_of(smtp.messages[1])
                assert "Bridge repairs" not in text_of(smtp.messages[1])
            finally:
                d.pipeline.close()
                d.store.close()

        asyncio.run(scenario())


# ---- profiles ------------------------------------------------------------------------------


def test_two_profiles_each_at_its_own_hour_without_cross_marking(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    """work: weekdays 08:00 Kyiv (06:00 UTC in November), Tech only. home: weekends 08:00 New
    York (13:00 UTC), Tech and World. Each mail goes to its own recipient at its own hour;
    the Tech story mailed to work on Friday still reaches home on Saturday."""
    httpd.static("/tech.xml", rss("Tech", [("t1", "Chip plant opens", "A new chip plant opened.")]))
    httpd.static("/world.xml", rss("World", [("w1", "Summit ends", "Leaders ended the summit.")]))
    config = tmp_path / "aggregator.yaml"
    feeds = (
        f"  - url: {httpd.url('/tech.xml')}\n    topic: Tech\n    full_text: never\n"
        f"  - url: {httpd.url('/world.xml')}\n    topic: World\n    full_text: never\n"
    )
    profiles = (
        "profiles:\n"
        '  - name: work\n    to: [work@example.org]\n    send_at: "08:00"\n'
        "    timezone: Europe/Kyiv\n    days: [mon, tue, wed, thu, fri]\n    topics: [Tech]\n"
        '  - name: home\n    to: [home@example.org]\n    send_at: "08:00"\n'
        "    timezone: America/New_York\n    days: [sat, sun]\n    topics: [tech, World]\n"
    )
    clock = Clock(datetime(2026, 11, 6, 0, 0, tzinfo=UTC))  # a Friday
    with FixtureSMTPServer() as smtp:
        write(config, feeds, smtp.port, profiles)

        async def scenario() -> None:
            d = Daemon(load_config(config), clock=clock)
            try:
                d.schedule_digests()
                await d.tick()
                ran = await run_digest_jobs(d, clock, datetime(2026, 11, 7, 23, 0, tzinfo=UTC))
                assert ran == [
                    (datetime(2026, 11, 6, 6, 0, tzinfo=UTC), "digest:work"),
                    (datetime(2026, 11, 7, 13, 0, tzinfo=UTC), "digest:home"),
                ]
                work, home = smtp.messages
                assert work.rcpt_tos == ("work@example.org",)
                assert "Chip plant opens" in text_of(work) and "Summit" not in text_of(work)
                assert home.rcpt_tos == ("home@example.org",)
                assert "Chip plant opens" in text_of(home) and "Summit ends" in text_of(home)
                assert work.message["Message-ID"] != home.message["Message-ID"]
                # work never got World: it stays pending for work, delivered for home
                pending = d.store.pending_for("work@example.org", profile="work")
                assert [p.article.title for p in pending] == ["Summit ends"]
                assert d.store.pending_for("home@example.org", profile="home") == []
                from aggregator.status import collect_status

                rows = {
                    r["profile"]: r
                    for r in collect_status(d.config, d.store, now=clock())["digest"]
                }
                assert rows["work"]["last_status"] == rows["home"]["last_status"] == "sent"
                assert rows["work"]["next"] == "2026-11-09T06:00:00+00:00"  # Monday
                assert rows["home"]["next"] == "2026-11-08T13:00:00+00:00"  # Sunday
            finally:
                d.pipeline.close()
                d.store.close()

        asyncio.run(scenario())


DAYS = [
    ("harbour pontoons", "The harbour committee met to discuss new pontoons for the marina."),
    ("library hours", "The city library will stay open until nine in the evening."),
    ("tram extension", "Engineers began laying track for the tram along the river road."),
    ("school roof", "The primary school roof will be replaced over the summer holidays."),
    ("farmers market", "The weekly farmers market moves into the old hall for the winter."),
    ("bicycle lanes", "Painted bicycle lanes appeared on the bridge over the weekend."),
    ("museum reopening", "The maritime museum reopens after a two-year renovation of its halls."),
    ("water tower", "Volunteers repainted the water tower that overlooks the north quarter."),
]


def test_a_weekly_profile_skips_six_days_then_sends_them_all(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    """A daily and a weekly (mon) profile over eight days with one new article a day: the
    daily one mails every day, the weekly one on the two Mondays only, the second time with
    every article of the six days it skipped (and the Monday morning's)."""
    config = tmp_path / "aggregator.yaml"
    profiles = (
        "profiles:\n  - name: daily\n    to: [daily@example.org]\n"
        "  - name: weekly\n    to: [weekly@example.org]\n    days: [mon]\n"
    )
    items: list[tuple[str, str, str]] = []
    clock = Clock(datetime(2026, 11, 2, 6, 0, tzinfo=UTC))  # Monday, before 07:00
    with FixtureSMTPServer() as smtp:
        write(config, f"  - url: {httpd.url('/day.xml')}\n    full_text: never\n", smtp.port,
              profiles)  # fmt: skip

        async def scenario() -> None:
            d = Daemon(load_config(config), clock=clock)
            try:
                d.schedule_digests()
                for day in range(8):
                    items.append((f"d{day}", f"Day {day} {DAYS[day][0]}", DAYS[day][1]))
                    httpd.static("/day.xml", rss("Day", items))
                    await d.tick()
                    await run_digest_jobs(
                        d, clock, clock() + timedelta(days=1) - timedelta(hours=1)
                    )
                    clock.advance(hours=1)
            finally:
                d.pipeline.close()
                d.store.close()

        asyncio.run(scenario())
        daily = [m for m in smtp.messages if m.rcpt_tos == ("daily@example.org",)]
        weekly = [m for m in smtp.messages if m.rcpt_tos == ("weekly@example.org",)]
    assert len(daily) == 8
    assert len(weekly) == 2
    first, second = (text_of(m) for m in weekly)
    assert f"Day 0 {DAYS[0][0]}" in first and "Day 1" not in first
    for day in range(1, 8):
        assert f"Day {day} {DAYS[day][0]}" in second, second
    assert "Day 0" not in second
    assert second.startswith("WEEKLY DIGEST") and text_of(daily[0]).startswith("DAILY DIGEST")


def test_a_profile_added_later_starts_from_max_age(
    httpd: FixtureHTTPServer, tmp_path: Path
) -> None:
    """The digest section ran alone for ten days; a profile added then gets the articles
    first seen in the last digest.max_age (3 days), not the whole archive. The default
    profile, named in the list, carries on its own state (nothing sent twice)."""
    config = tmp_path / "aggregator.yaml"
    feeds = f"  - url: {httpd.url('/n.xml')}\n    full_text: never\n"
    clock = Clock(datetime(2026, 11, 2, 6, 0, tzinfo=UTC))
    items = [("old", "Old quarry closes", "The quarry closed after ninety years of work.")]
    with FixtureSMTPServer() as smtp:
        write(config, feeds, smtp.port)
        touch(config, clock)

        async def scenario() -> None:
            d = Daemon(load_config(config), clock=clock)
            try:
                httpd.static("/n.xml", rss("N", items))
                await d.tick()
                clock.advance(days=5)
                items.append(("mid", "Ferry timetable changes", "Ferries leave earlier in winter."))
                httpd.static("/n.xml", rss("N", items))
                await d.tick()
                await d.digest_job()  # the reader gets both
                clock.advance(days=5)
                items.append(
                    ("new", "Tram line opens", "The new tram line carried its first riders.")
                )
                httpd.static("/n.xml", rss("N", items))
                await d.tick()
                write(config, feeds, smtp.port, "profiles:\n  - name: default\n"
                      "  - name: late\n    to: [late@example.org]\n")  # fmt: skip
                clock.advance(minutes=1)
                touch(config, clock)
                await d.reload()
                clock.advance(hours=1)
                await d.digest_job()
            finally:
                d.pipeline.close()
                d.store.close()

        asyncio.run(scenario())
        first, default, late = smtp.messages
    assert "Old quarry" in text_of(first) and "Ferry timetable" in text_of(first)
    assert default.rcpt_tos == ("reader@example.org",)
    assert "Tram line opens" in text_of(default) and "Ferry" not in text_of(default)
    assert late.rcpt_tos == ("late@example.org",)
    assert "Tram line opens" in text_of(late)
    assert "Old quarry" not in text_of(late) and "Ferry timetable" not in text_of(late)


def test_digest_profile_names_the_known_profiles(tmp_path: Path) -> None:
    config = tmp_path / "aggregator.yaml"
    config.write_text(
        "feeds: [https://a.example.org/feed]\nprofiles:\n  - name: work\n  - name: home\n"
    )
    r = cli(config, "digest", "--profile", "wrok")
    assert r.returncode == 2
    assert "no profile named 'wrok'" in r.stderr and "known profiles: work, home" in r.stderr
