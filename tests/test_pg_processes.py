"""Three real `aggregator run` processes on one throwaway PostgreSQL, many loopback feeds
(tests/support/httpd.py) and a local SMTP server: the work is shared, nothing is done twice,
and a worker killed with SIGKILL mid-poll loses nothing.

The issue asks for 3,000 feeds; on two cores that is minutes, so the suite polls 120 (16 of
them slow); ``AGGREGATOR_TEST_PG_FEEDS=3000`` runs this same test with 3,000 (the figure in
docs/decisions.md), and ``bench/scale_pg.py`` times 3,000 with 1 and 3 workers. The workers run with a 2 s tick and
a 10 s lease (module constants set by the launcher below; not configuration keys).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from aggregator.store.postgres import PostgresStore
from aggregator.store.target import PgTarget
from tests.support.httpd import FixtureHTTPServer, Reply, Request
from tests.support.smtpd import FixtureSMTPServer
from tests.test_pg_enrich import _text

LAUNCH = (
    "import sys, aggregator.scheduler as s, aggregator.store.postgres as p;"
    " s.TICK_SECONDS = 2.0; p.FEED_LEASE = 10.0;"
    " from aggregator.cli import main; main()"
)
SLOW, SYNDICATED = 16, 12  # feeds held until the kill; stories that two feeds carry
NORMAL = int(os.environ.get("AGGREGATOR_TEST_PG_FEEDS", "120")) - SLOW  # the other feeds
WAIT = max(120.0, NORMAL * 0.2)  # seconds for the polls and enrichment of them all
RECIPIENTS = ["a@example.org", "b@example.org"]


def _rss(tag: str, items: list[tuple[str, str]]) -> bytes:
    xml = "".join(
        f"<item><guid>{guid}</guid><link>http://news.example/{guid}</link>"
        f"<title>Story {guid}</title><content:encoded><![CDATA[{html}]]></content:encoded></item>"
        for guid, html in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:content='
        '"http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Feed {tag}</title>{xml}</channel></rss>"
    ).encode()


def _slow(body: bytes, killed: threading.Event) -> Callable[[Request], Reply]:
    """Held until the test has killed the worker fetching it (at most 60 s)."""

    def reply(_: Request) -> Reply:
        killed.wait(60)
        return Reply(body=body, headers={"Content-Type": "application/rss+xml"})

    return reply


def _serve(http: FixtureHTTPServer, killed: threading.Event) -> tuple[list[str], dict[str, str]]:
    """The feeds (slow ones first in URL order); which guid copies which."""
    paths, copies = [], {}
    for i in range(SLOW):
        path = f"/a-slow-{i:02}.xml"
        items = [(f"s{i}-{j}", _text(1_000_000 + i * 2 + j)) for j in range(2)]  # apart
        http.add(path, _slow(_rss(path, items), killed))
        paths.append(path)
    for i in range(NORMAL):
        items = [(f"n{i}-{j}", _text(i * 2 + j)) for j in range(2)]
        if i >= NORMAL - SYNDICATED:  # a copy of a story of a feed far away (another batch)
            k = i - (NORMAL - SYNDICATED)
            items.append((f"copy-{k}", _text(k * 2)))
            copies[f"copy-{k}"] = f"n{k}-0"
        path = f"/f{i:03}.xml"
        http.static(path, _rss(path, items))
        paths.append(path)
    return paths, copies


def _config(tmp: Path, http: FixtureHTTPServer, paths: list[str], smtp: int, url: str) -> Path:
    send_at = (datetime.now(UTC) - timedelta(minutes=20)).strftime("%H:%M")
    feeds = "".join(f"  - url: {http.url(p)}\n    full_text: never\n" for p in paths)
    path = tmp / "agg.yaml"
    path.write_text(
        f"database: {url}\nfeeds:\n{feeds}"
        "fetch:\n  allow_private: true\n  interval: 1h\n  timeout: 60s\n  concurrency: 4\n"
        f'digest:\n  send_at: "{send_at}"\n  timezone: UTC\n  to: [{", ".join(RECIPIENTS)}]\n'
        '  from: "Aggregator <agg@example.org>"\n'
        f"smtp:\n  host: 127.0.0.1\n  port: {smtp}\n  security: none\n"
    )
    return path


def _start(config: Path, tmp: Path, name: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, AGGREGATOR_WORKER_ID=name)
    with open(tmp / f"{name}.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "--config", str(config), "--log-level", "info", "run"],
            env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _wait(what: Callable[[], bool], timeout: float, why: str) -> None:
    end = time.monotonic() + timeout
    while not what():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {why}")
        time.sleep(0.3)


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url, autocommit=True) as con:
        return con.execute(sql).fetchall()  # type: ignore[arg-type]


@pytest.mark.slow
def test_three_worker_processes_share_feeds_and_survive_a_kill(tmp_path: Path, pg_url: str) -> None:
    with FixtureHTTPServer() as http, FixtureSMTPServer() as smtp:
        killed = threading.Event()
        paths, copies = _serve(http, killed)
        config = _config(tmp_path, http, paths, smtp.port, pg_url)
        PostgresStore(PgTarget(pg_url)).close()  # the schema, before anyone looks
        procs = {f"w{i}": _start(config, tmp_path, f"w{i}") for i in range(3)}
        try:
            _run_and_kill(pg_url, http, smtp, paths, procs, killed)
            _check(pg_url, http, smtp, paths, copies)
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            codes = {n: p.wait(timeout=30) for n, p in procs.items()}
        logs = "".join((tmp_path / f"{n}.log").read_text(errors="replace")[-1500:] for n in procs)
        assert sorted(codes.values()) == [-signal.SIGKILL, 0, 0], logs


def _run_and_kill(
    url: str, http: FixtureHTTPServer, smtp: FixtureSMTPServer, paths: list[str],
    procs: dict[str, subprocess.Popen[bytes]], killed: threading.Event,
) -> None:  # fmt: skip
    """Wait until one worker holds the slow feeds and is fetching them; kill it (-9)."""
    slow = [http.url(p) for p in paths[:SLOW]]
    owners: list[tuple[object, ...]] = []

    def fetching() -> bool:
        owners[:] = _query(url, f"SELECT DISTINCT lease_owner FROM feeds WHERE url IN "
                                f"({', '.join(repr(u) for u in slow)})")  # fmt: skip
        return len(owners) == 1 and owners[0][0] is not None and http.hits(paths[0]) > 0

    _wait(fetching, 60, "a worker fetching the slow feeds")
    victim = str(owners[0][0])
    procs[victim].send_signal(signal.SIGKILL)
    procs[victim].wait(timeout=10)
    killed.set()
    # the others take its feeds over after the lease and poll everything once
    done = "SELECT COUNT(*) FROM feeds WHERE last_success_at IS NOT NULL"
    _wait(lambda: _query(url, done)[0][0] == len(paths), WAIT, "every feed polled")
    waiting = "SELECT COUNT(*) FROM articles WHERE enrich != 0"
    _wait(lambda: _query(url, waiting)[0][0] == 0, WAIT, "every article enriched")
    _wait(lambda: len(smtp.messages) >= len(RECIPIENTS), 60, "the digests")
    time.sleep(5)  # another worker's digest would come now


def _check(
    url: str, http: FixtureHTTPServer, smtp: FixtureSMTPServer, paths: list[str],
    copies: dict[str, str],
) -> None:  # fmt: skip
    for p in paths[SLOW:]:
        assert http.hits(p) == 1, f"{p} polled {http.hits(p)} times"
    for p in paths[:SLOW]:  # the killed worker's unanswered request, then the takeover's
        assert 1 <= http.hits(p) <= 2, f"{p} polled {http.hits(p)} times"
    rows = _query(url, "SELECT guid, id, duplicate_of, story FROM articles")
    assert len(rows) == (SLOW + NORMAL) * 2 + SYNDICATED, "an article is missing or doubled"
    by_guid = {str(g).rsplit("/", 1)[-1]: (i, d, s) for g, i, d, s in rows}
    assert len(by_guid) == len(rows)
    for copy, orig in copies.items():  # collapsed, whichever workers decided them
        (ci, cd, cs), (oi, od, os_) = by_guid[copy], by_guid[orig]
        assert {cd, od} in ({oi, None}, {ci, None}), (copy, orig)
        assert cs == os_
    assert sum(1 for _, _, d, _ in rows if d is not None) == SYNDICATED
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == RECIPIENTS
