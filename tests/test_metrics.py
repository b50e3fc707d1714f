"""`/metrics` and `/healthz` (issue 15): real daemon, real fixture feeds and mail server, real
SQLite, scraped over loopback HTTP; the counters move between a scrape before and after a
poll, /healthz turns 503 when the scheduler stops or the database does not answer, and the
server stops with the daemon's graceful stop."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from aggregator.config import load_config
from aggregator.metrics import TICK_STALE_SECONDS, liveness_problem
from aggregator.scheduler import Daemon
from tests.support.cli import cli
from tests.support.clock import Clock
from tests.support.httpd import FixtureHTTPServer, Reply
from tests.support.smtpd import FixtureSMTPServer
from tests.test_daemon import rss, write_config

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def scrape(port: int) -> Samples:
    status, text = get(port, "/metrics")
    assert status == 200, text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def metrics_config(path: Path, http: FixtureHTTPServer, smtp_port: int, port: int) -> None:
    write_config(path, [http.url("/one.xml")], smtp_port, "07:00")
    path.write_text(path.read_text() + f"metrics:\n  listen: 127.0.0.1:{port}\n")


def test_counters_move_with_a_poll_and_a_digest_and_healthz_follows_the_scheduler(
    tmp_path: Path,
) -> None:
    """In process, on the controllable clock: scrape, poll, scrape, send, scrape; /healthz is
    503 before the scheduler runs, 200 while it does, 503 once it is stopped and while the
    database file is gone."""
    port = free_port()
    config = tmp_path / "aggregator.yaml"
    with FixtureHTTPServer() as http, FixtureSMTPServer() as smtp:
        http.static("/one.xml", rss(3, http.base_url, "one"))
        metrics_config(config, http, smtp.port, port)
        clock = Clock(datetime(2026, 11, 2, 6, 30, tzinfo=UTC))

        async def scenario() -> None:
            d = Daemon(load_config(config), clock=clock)
            d.serve_metrics()
            try:
                before = scrape(port)
                assert value(before, "aggregator_polls_total", result="ok") == 0
                assert value(before, "aggregator_articles_stored") == 0
                assert value(before, "aggregator_database_up") == 1
                assert get(port, "/healthz") == (503, "unhealthy: scheduler not running\n")
                d.scheduler.start()
                assert get(port, "/healthz") == (200, "ok\n")

                await d.tick()
                after = scrape(port)
                assert value(after, "aggregator_polls_total", result="ok") == 1
                assert value(after, "aggregator_polls_total", result="timeout") == 0
                assert value(after, "aggregator_articles_new_total") == 3
                assert value(after, "aggregator_ticks_total") == 1
                assert value(after, "aggregator_articles_stored") == 3
                assert value(after, "aggregator_stories") == 3
                assert value(after, "aggregator_duplicates_collapsed") == 0
                assert value(after, "aggregator_enrichment_queue_articles") == 0
                assert value(after, "aggregator_feeds", result="ok") == 1
                assert value(after, "aggregator_last_poll_success_timestamp_seconds") == (
                    clock().timestamp()
                )
                recipient = {"recipient": "reader@example.org"}
                assert value(after, "aggregator_undelivered_articles", **recipient) == 3
                assert value(after, "aggregator_undelivered_stories", **recipient) == 3
                assert value(after, "aggregator_last_digest_sent_timestamp_seconds") == 0

                clock.advance(seconds=60)
                await d.tick()  # not due: nothing polled, but the tick counts
                assert value(scrape(port), "aggregator_polls_total", result="ok") == 1
                assert value(scrape(port), "aggregator_ticks_total") == 2

                clock.now = datetime(2026, 11, 2, 7, 0, 5, tzinfo=UTC)
                await d.digest_job()
                sent = scrape(port)
                assert len(smtp.messages) == 1
                assert value(sent, "aggregator_digests_total", status="sent") == 1
                assert value(sent, "aggregator_digests_total", status="failed") == 0
                assert value(sent, "aggregator_digests_recorded", status="sent") == 1
                assert value(sent, "aggregator_undelivered_articles", **recipient) == 0
                assert value(sent, "aggregator_last_digest_sent_timestamp_seconds") == (
                    clock().timestamp()
                )

                db = d.config.database
                db.rename(db.with_suffix(".moved"))  # the database does not answer
                code, body = get(port, "/healthz")
                assert code == 503 and "database" in body and "does not answer" in body
                assert value(scrape(port), "aggregator_database_up") == 0
                db.with_suffix(".moved").rename(db)
                assert get(port, "/healthz") == (200, "ok\n")

                d.scheduler.shutdown(wait=False)
                await asyncio.sleep(0.05)  # AsyncIOScheduler stops on the loop
                assert get(port, "/healthz") == (503, "unhealthy: scheduler not running\n")
                assert get(port, "/nope")[0] == 404
            finally:
                if d._metrics_server is not None:
                    d._metrics_server.stop()
                d.pipeline.close()
                d.store.close()

        asyncio.run(scenario())


def test_the_server_stops_with_the_daemons_graceful_stop(tmp_path: Path) -> None:
    """`Daemon.run()`: the first tick polls at once and /healthz says ok; after the graceful
    stop the port is closed."""
    port = free_port()
    config = tmp_path / "aggregator.yaml"
    with FixtureHTTPServer() as http, FixtureSMTPServer() as smtp:
        http.static("/one.xml", rss(2, http.base_url, "one"))
        metrics_config(config, http, smtp.port, port)

        async def scenario() -> int:
            d = Daemon(load_config(config))
            task = asyncio.ensure_future(d.run())
            end = time.monotonic() + 20
            polled = 0.0
            while polled < 1 and time.monotonic() < end:
                await asyncio.sleep(0.1)
                with _refused_ok():
                    polled = value(
                        await asyncio.to_thread(scrape, port), "aggregator_polls_total", result="ok"
                    )
            assert polled == 1
            assert await asyncio.to_thread(get, port, "/healthz") == (200, "ok\n")
            d._stop.set()
            return await asyncio.wait_for(task, 15)

        assert asyncio.run(scenario()) == 0
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


class _refused_ok:
    """Tolerate 'connection refused' while the server is starting."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> bool:
        return kind is not None and issubclass(kind, urllib.error.URLError)


@pytest.mark.slow
def test_the_real_daemon_serves_metrics_during_and_after_a_poll(tmp_path: Path) -> None:
    """`aggregator run` as a subprocess: the feed answers slowly, so a scrape during the
    first poll shows nothing polled yet; after it, the poll and its articles are counted.
    SIGTERM stops the daemon and the server (exit 0)."""
    port = free_port()
    config = tmp_path / "aggregator.yaml"
    with FixtureHTTPServer() as http, FixtureSMTPServer() as smtp:
        http.add("/one.xml", Reply(body=rss(3, http.base_url, "one"), delay=3.0))
        metrics_config(config, http, smtp.port, port)
        log = open(tmp_path / "daemon.log", "ab")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(
            [sys.executable, "-m", "aggregator", "--config", str(config), "--log-level",
             "info", "run"],
            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"},
        )  # fmt: skip
        try:
            before = _wait_scrape(port, proc, lambda s: http.hits("/one.xml") >= 1)
            assert value(before, "aggregator_polls_total", result="ok") == 0
            assert value(before, "aggregator_articles_stored") == 0
            after = _wait_scrape(
                port, proc, lambda s: value(s, "aggregator_polls_total", result="ok") >= 1
            )
            assert value(after, "aggregator_articles_new_total") == 3
            assert value(after, "aggregator_articles_stored") == 3
            assert value(after, "aggregator_last_poll_success_timestamp_seconds") > 0
            assert get(port, "/healthz") == (200, "ok\n")
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=20)
            log.close()
    assert code == 0, (tmp_path / "daemon.log").read_text()[-3000:]
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def _wait_scrape(
    port: int, proc: subprocess.Popen[bytes], done: object, timeout: float = 30
) -> Samples:
    assert callable(done)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, "the daemon exited"
        try:
            samples = scrape(port)
        except urllib.error.URLError:
            time.sleep(0.1)
            continue
        if done(samples):
            return samples
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def test_a_port_in_use_is_a_clear_startup_error(tmp_path: Path) -> None:
    config = tmp_path / "aggregator.yaml"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config.write_text(f"database: state.db\nmetrics:\n  listen: 127.0.0.1:{port}\n")
        r = cli(config, "run")
    assert r.returncode == 1, r.stdout + r.stderr
    out = r.stdout + r.stderr
    assert f"metrics.listen 127.0.0.1:{port}: cannot listen" in out, out
    assert "in use" in out, out


def test_status_json_carries_the_same_facts(tmp_path: Path) -> None:
    """`status --json` keeps its keys and adds the database facts under `metrics`."""
    config = tmp_path / "aggregator.yaml"
    with FixtureHTTPServer() as http, FixtureSMTPServer() as smtp:
        http.static("/one.xml", rss(3, http.base_url, "one"))
        write_config(config, [http.url("/one.xml")], smtp.port, "07:00")
        assert cli(config, "fetch").returncode == 0
        r = cli(config, "status", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["articles"] == 3 and report["articles_waiting"] == 0  # unchanged keys
    facts = report["metrics"]
    assert facts["articles_stored"] == 3
    assert facts["stories"] == 3
    assert facts["duplicates_collapsed"] == 0
    assert facts["enrichment_queue"] == 0
    assert facts["feeds_by_result"] == {"ok": 1}
    assert facts["digests_by_status"] == {}
    assert facts["last_poll_success"] is not None and facts["last_digest_sent"] is None
    assert facts["undelivered"] == {"reader@example.org": {"articles": 3, "stories": 3}}


def test_liveness_needs_a_recent_tick_or_one_running() -> None:
    t = 10_000.0
    ok = {"running": True, "tick_running_since": None}
    assert liveness_problem(t, last_tick_end=t - 30, **ok) is None  # type: ignore[arg-type]
    stale = liveness_problem(t, last_tick_end=t - TICK_STALE_SECONDS - 1, **ok)  # type: ignore[arg-type]
    assert stale is not None and "no scheduler tick for 121s" in stale
    busy = liveness_problem(t, running=True, last_tick_end=t - 900, tick_running_since=t - 600)
    assert busy is None  # a long poll is work, not a hang
    stuck = liveness_problem(t, running=True, last_tick_end=t - 9000, tick_running_since=t - 7200)
    assert stuck is not None and "stuck" in stuck
    assert liveness_problem(t, running=False, last_tick_end=t, tick_running_since=None) == (
        "scheduler not running"
    )
