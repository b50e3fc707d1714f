"""`aggregator run`: as a real subprocess (sd_notify, watchdog, hot reload, SIGTERM) and
in process on the controllable clock (polls, reloads, the digest at send_at).

The subprocess tests wait for real ticks and reload checks (tens of seconds), so they are
marked slow; they still run in the default test command.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aggregator.config import load_config
from aggregator.scheduler import (
    Daemon,
    digest_due,
    last_scheduled,
    next_scheduled,
    sd_notify,
    watchdog_interval,
)
from aggregator.store import Store
from tests.support.clock import Clock
from tests.support.httpd import FixtureHTTPServer
from tests.support.smtpd import FixtureSMTPServer

TOPICS = ["harbour", "library", "tram line", "school roof", "market"]
BODIES = [
    "the harbour committee met on Tuesday to discuss new pontoons and the winter ferry timetable.",
    "the city library will stay open until nine in the evening from next month, the council said.",
    "engineers began laying track for the tram extension along the river road on Monday morning.",
    "the primary school roof will be replaced over the summer after leaks closed two classrooms.",
    "the weekly farmers market moves into the old hall for the winter, with stalls opening at eight.",
]


def rss(n: int, host: str, tag: str, offset: int = 0) -> bytes:
    items = "".join(
        f"<item><guid>{tag}-{i}</guid><link>{host}/{tag}/{i}</link><title>{tag} story number {i} about the {TOPICS[i + offset]}</title>"
        f"<description><![CDATA[<p>{tag} reports: {BODIES[i + offset]}</p>]]></description></item>"
        for i in range(n)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{tag}</title>{items}</channel></rss>'.encode()


class Notify:
    """A NOTIFY_SOCKET listener (what systemd does)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:  # like systemd: always reading
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except (TimeoutError, BlockingIOError):
                continue
            except OSError:
                return
            with self._lock:
                self.messages.append((time.monotonic(), data.decode()))

    def close(self) -> None:
        self._stop.set()
        self._reader.join(timeout=2)
        self.sock.close()

    def drain(self) -> list[str]:
        with self._lock:
            return [m for _, m in self.messages]

    def wait_for(self, text: str, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(text in m for m in self.drain()):
                return True
        return False


def write_config(
    path: Path, feeds: list[str], smtp_port: int, send_at: str, extra: str = ""
) -> None:
    feed_lines = "".join(f"  - url: {u}\n    topic: Local\n" for u in feeds)
    path.write_text(
        f"""database: state.db
feeds:
{feed_lines}fetch:
  allow_private: true
  interval: 1m
  timeout: 5s
digest:
  send_at: "{send_at}"
  timezone: UTC
  to: [reader@example.org]
  from: "Aggregator <agg@example.org>"
smtp:
  host: 127.0.0.1
  port: {smtp_port}
  security: none
{extra}"""
    )


def start(config: Path, tmp: Path, notify: Notify) -> subprocess.Popen[bytes]:
    env = dict(os.environ, NOTIFY_SOCKET=str(notify.path), WATCHDOG_USEC="1000000")
    env.pop("JOURNAL_STREAM", None)
    with open(tmp / "daemon.log", "ab") as log:  # a file, not a pipe nobody drains
        return subprocess.Popen(
            [sys.executable, "-m", "aggregator", "--config", str(config), "--log-level", "info", "run"],
            env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


@pytest.fixture
def servers() -> Iterator[tuple[FixtureHTTPServer, FixtureSMTPServer]]:
    with FixtureHTTPServer() as http, FixtureSMTPServer() as smtp:
        yield http, smtp


def stop(proc: subprocess.Popen[bytes], tmp: Path) -> tuple[int, float, str]:
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    took = time.monotonic() - t0
    return proc.returncode, took, (tmp / "daemon.log").read_text(errors="replace")


@pytest.mark.slow
def test_daemon_lifecycle(
    servers: tuple[FixtureHTTPServer, FixtureSMTPServer],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    http, smtp = servers
    http.static("/one.xml", rss(3, http.base_url, "one"))
    http.static("/two.xml", rss(2, http.base_url, "two", offset=3))
    notify = Notify(tmp_path / "notify.sock")
    request.addfinalizer(notify.close)
    config = tmp_path / "aggregator.yaml"
    send_at = "03:00"  # the digest's timing is tested on the controllable clock below
    write_config(config, [http.url("/one.xml")], smtp.port, send_at)
    proc = start(config, tmp_path, notify)
    try:
        assert notify.wait_for("READY=1", 20), (tmp_path / "daemon.log").read_text()
        # the first feed is polled at once
        end = time.monotonic() + 20
        while http.hits("/one.xml") == 0 and time.monotonic() < end:
            time.sleep(0.2)
        assert http.hits("/one.xml") >= 1
        # watchdog keeps arriving (WATCHDOG_USEC=1s -> every 0.5 s)
        time.sleep(2.5)
        assert sum("WATCHDOG=1" in m for m in notify.drain()) >= 3
        # a feed added to the YAML is polled within 60 s
        t_edit = time.monotonic()
        write_config(config, [http.url("/one.xml"), http.url("/two.xml")], smtp.port, send_at)
        while http.hits("/two.xml") == 0 and time.monotonic() - t_edit < 60:
            time.sleep(0.5)
        assert http.hits("/two.xml") >= 1, "added feed not polled within 60 s"
        # an invalid edit leaves the daemon running on the old config
        config.write_text(config.read_text() + "fetch:\n  timeout: [oops\n")
        time.sleep(12)
        assert proc.poll() is None
        with Store(tmp_path / "state.db") as store:
            err = store.get_meta("config_error")
        assert err and "aggregator.yaml:" in err
        # still healthy afterwards
        assert proc.poll() is None
    finally:
        code, took, out = stop(proc, tmp_path)
    assert code == 0, out[-3000:]
    assert took < 10
    assert "STOPPING=1" in "".join(notify.drain())


def _touch(path: Path, clock: Clock) -> None:
    """Give an edited config a new mtime even within the same second (hot reload compares)."""
    t = clock().timestamp()
    os.utime(path, (t, t))


def test_daemon_lifecycle_on_a_controllable_clock(
    servers: tuple[FixtureHTTPServer, FixtureSMTPServer], tmp_path: Path
) -> None:
    """The daemon's jobs driven by the controllable clock, in process: first poll, a feed
    added by a YAML edit, an invalid edit that keeps the last good config, the digest not
    due before send_at, sent at it with every story, and not again the same day."""
    http, smtp = servers
    http.static("/one.xml", rss(3, http.base_url, "one"))
    http.static("/two.xml", rss(2, http.base_url, "two", offset=3))
    config = tmp_path / "aggregator.yaml"
    write_config(config, [http.url("/one.xml")], smtp.port, "07:00")
    clock = Clock(datetime(2026, 11, 2, 6, 30, tzinfo=UTC))
    _touch(config, clock)

    async def scenario() -> None:
        d = Daemon(load_config(config), clock=clock)
        try:
            await d.tick()
            assert http.hits("/one.xml") == 1
            clock.advance(seconds=20)
            await d.tick()  # not due again before its interval
            assert http.hits("/one.xml") == 1
            write_config(config, [http.url("/one.xml"), http.url("/two.xml")], smtp.port, "07:00")
            clock.advance(seconds=20)
            _touch(config, clock)
            await d.reload()
            assert len(d.config.feeds) == 2
            await d.tick()
            assert (http.hits("/one.xml"), http.hits("/two.xml")) == (1, 1)
            good = config.read_text()
            config.write_text(good + "fetch:\n  timeout: [oops\n")
            clock.advance(seconds=20)
            _touch(config, clock)
            await d.reload()
            assert len(d.config.feeds) == 2
            err = d.store.get_meta("config_error")
            assert err and "aggregator.yaml:" in err
            config.write_text(good)
            clock.advance(seconds=20)
            _touch(config, clock)
            await d.reload()
            assert d.store.get_meta("config_error") is None
            assert not digest_due(clock(), "07:00", "UTC", d.store.last_sent_at())
            clock.now = datetime(2026, 11, 2, 7, 0, 5, tzinfo=UTC)
            assert digest_due(clock(), "07:00", "UTC", d.store.last_sent_at())
            await d.digest_job()
            assert len(smtp.messages) == 1
            msg = smtp.messages[0].message
            assert msg.get_content_type() == "multipart/alternative"
            text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            for title in ("one story number 0", "one story number 2", "two story number 1"):
                assert title in text
            clock.advance(hours=3)
            assert not digest_due(clock(), "07:00", "UTC", d.store.last_sent_at())
            clock.now = datetime(2026, 11, 3, 7, 0, 5, tzinfo=UTC)
            assert digest_due(clock(), "07:00", "UTC", d.store.last_sent_at())
        finally:
            d.pipeline.close()
            d.store.close()

    asyncio.run(scenario())


@pytest.mark.slow
def test_missed_digest_sent_once_after_late_start(
    servers: tuple[FixtureHTTPServer, FixtureSMTPServer],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    http, smtp = servers
    http.static("/one.xml", rss(2, http.base_url, "late"))
    notify = Notify(tmp_path / "notify.sock")
    request.addfinalizer(notify.close)
    config = tmp_path / "aggregator.yaml"
    send_at = (datetime.now(UTC) - timedelta(minutes=20)).strftime("%H:%M")
    write_config(config, [http.url("/one.xml")], smtp.port, send_at)
    # first start: poll, then the missed digest goes out
    proc = start(config, tmp_path, notify)
    try:
        end = time.monotonic() + 30
        while not smtp.messages and time.monotonic() < end:
            time.sleep(0.3)
    finally:
        code, _, out = stop(proc, tmp_path)
    assert code == 0, out[-2000:]
    assert len(smtp.messages) == 1, out[-2000:]
    # a restart after sending does not send again
    proc = start(config, tmp_path, notify)
    try:
        assert notify.wait_for("READY=1", 20)
        time.sleep(4)
    finally:
        code, _, out = stop(proc, tmp_path)
    assert code == 0
    assert len(smtp.messages) == 1
    with Store(tmp_path / "state.db") as store:
        assert store.integrity_check() == "ok"


def test_bad_config_at_start_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "aggregator.yaml"
    config.write_text("feeds:\n  - url: ftp://nope\n")
    proc = subprocess.run(
        [sys.executable, "-m", "aggregator", "--config", str(config), "run"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "aggregator.yaml:2:" in proc.stderr


# ---- pure pieces -----------------------------------------------------------------------------


def test_last_scheduled_and_digest_due_across_dst() -> None:
    tz = "Europe/Kyiv"
    # 2026-10-25: EEST -> EET at 04:00 local. 07:00 local is 04:00Z before, 05:00Z after.
    assert last_scheduled(datetime(2026, 10, 24, 6, tzinfo=UTC), "07:00", tz) == datetime(
        2026, 10, 24, 4, tzinfo=UTC
    )
    assert last_scheduled(datetime(2026, 10, 25, 6, tzinfo=UTC), "07:00", tz) == datetime(
        2026, 10, 25, 5, tzinfo=UTC
    )
    sched = datetime(2026, 10, 25, 5, tzinfo=UTC)
    late = sched + timedelta(minutes=20)
    assert digest_due(late, "07:00", tz, last_sent=None)
    assert digest_due(late, "07:00", tz, last_sent=sched - timedelta(days=1))
    assert not digest_due(late, "07:00", tz, last_sent=sched + timedelta(seconds=5))
    assert not digest_due(sched + timedelta(hours=13), "07:00", tz, last_sent=None)
    assert not digest_due(
        sched - timedelta(minutes=1), "07:00", tz, last_sent=sched - timedelta(hours=23)
    )


def test_sd_notify_abstract_and_path_sockets(tmp_path: Path) -> None:
    n = Notify(tmp_path / "n.sock")
    try:
        assert sd_notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "n.sock")})
        assert n.wait_for("READY=1", 2)
    finally:
        n.close()
    name = f"aggregator-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as abstract:
        abstract.bind("\0" + name)
        assert sd_notify("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name})
        assert abstract.recv(100) == b"WATCHDOG=1"
    assert not sd_notify("READY=1", {})


def test_sd_notify_never_blocks_on_a_stuck_listener(tmp_path: Path) -> None:
    path = tmp_path / "stuck.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as stuck:  # bound, never read
        stuck.bind(str(path))
        t0 = time.monotonic()
        results = [sd_notify("WATCHDOG=1", {"NOTIFY_SOCKET": str(path)}) for _ in range(500)]
        assert time.monotonic() - t0 < 5
        assert results[0] and not results[-1]
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_interval({}) is None


def _wait_exit(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


@pytest.mark.slow
def test_daemon_killed_during_poll_and_during_send_loses_nothing(
    servers: tuple[FixtureHTTPServer, FixtureSMTPServer],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """SIGKILL of `aggregator run` inside a feed's transaction, then right after the SMTP
    server accepted the digest; each restart: nothing lost, at most the one repeat with the
    same Message-ID, integrity_check ok."""
    http, smtp = servers
    http.static("/one.xml", rss(3, http.base_url, "one"))
    http.static("/two.xml", rss(2, http.base_url, "two", offset=3))
    notify = Notify(tmp_path / "notify.sock")
    request.addfinalizer(notify.close)
    config = tmp_path / "aggregator.yaml"
    send_at = (datetime.now(UTC) - timedelta(minutes=20)).strftime("%H:%M")  # catch-up digest
    write_config(config, [http.url("/one.xml"), http.url("/two.xml")], smtp.port, send_at)

    def run_with(failpoints: str) -> subprocess.Popen[bytes]:
        os.environ["AGGREGATOR_FAILPOINTS"] = failpoints
        try:
            return start(config, tmp_path, notify)
        finally:
            del os.environ["AGGREGATOR_FAILPOINTS"]

    # 1. killed inside the first feed's transaction: that poll is rolled back whole
    proc = run_with("poll.in_transaction")
    assert _wait_exit(proc, 30) == -signal.SIGKILL
    with Store(tmp_path / "state.db") as store:
        assert store.integrity_check() == "ok"
        assert smtp.messages == []
    # 2. restarted: polls everything, sends the missed digest, killed right after acceptance
    proc = run_with("digest.accepted")
    assert _wait_exit(proc, 60) == -signal.SIGKILL, (tmp_path / "daemon.log").read_text()[-2000:]
    assert len(smtp.messages) == 1
    first_id = smtp.messages[0].message["Message-ID"]
    with Store(tmp_path / "state.db") as store:
        assert store.integrity_check() == "ok"
        assert store.article_count() == 5
    # 3. restarted cleanly: the one repeat, same Message-ID, then nothing more
    proc = start(config, tmp_path, notify)
    try:
        end = time.monotonic() + 30
        while len(smtp.messages) < 2 and time.monotonic() < end:
            time.sleep(0.3)
        time.sleep(2)
    finally:
        code, _, out = stop(proc, tmp_path)
    assert code == 0, out[-2000:]
    assert [m.message["Message-ID"] for m in smtp.messages] == [first_id, first_id]
    with Store(tmp_path / "state.db") as store:
        assert store.integrity_check() == "ok"
        assert store.pending_for("reader@example.org") == []
        assert store.article_count() == 5
    text = smtp.messages[1].message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for title in ("one story number 0", "one story number 2", "two story number 1"):
        assert title in text


@pytest.mark.parametrize(
    ("now", "send_at", "tz", "expected"),
    [
        ("2026-11-02T06:30:00+00:00", "07:00", "UTC", "2026-11-02T07:00:00+00:00"),
        ("2026-11-02T07:00:00+00:00", "07:00", "UTC", "2026-11-03T07:00:00+00:00"),
        # Kyiv is UTC+2 in winter: 07:00 local is 05:00 UTC
        ("2026-11-02T06:30:00+00:00", "07:00", "Europe/Kyiv", "2026-11-03T05:00:00+00:00"),
        # the night DST ends in Europe (25 October 2026): 07:00 local moves from 04:00 to 05:00 UTC
        ("2026-10-24T05:00:00+00:00", "07:00", "Europe/Kyiv", "2026-10-25T05:00:00+00:00"),
    ],
)
def test_status_shows_the_next_digest(
    tmp_path: Path, now: str, send_at: str, tz: str, expected: str
) -> None:
    """`status` used to show "-" as the next digest, always (issue 14, item 7)."""
    from aggregator.status import collect_status

    config = tmp_path / "aggregator.yaml"
    write_config(config, ["https://feed.example/rss.xml"], 2525, send_at)
    config.write_text(config.read_text().replace("timezone: UTC", f"timezone: {tz}"))
    loaded = load_config(config)
    with Store(loaded.database) as store:
        report = collect_status(loaded, store, now=datetime.fromisoformat(now))
    assert [d["next"] for d in report["digest"]] == [expected]
    assert next_scheduled(datetime.fromisoformat(now), send_at, tz).isoformat() == expected


def test_a_failed_digest_is_retried_with_doubling_delay_until_the_next_one(
    servers: tuple[FixtureHTTPServer, FixtureSMTPServer], tmp_path: Path
) -> None:
    """Issue 14, item 6: after a failed send nothing was retried until the next day. Now
    digest.retry (default 10m), doubling, until the mail is accepted; status shows the next
    attempt; a retry never runs into the next scheduled digest."""
    from aggregator.status import collect_status

    http, smtp = servers
    http.static("/one.xml", rss(2, http.base_url, "one"))
    config = tmp_path / "aggregator.yaml"
    write_config(config, [http.url("/one.xml")], smtp.port, "07:00")
    clock = Clock(datetime(2026, 11, 2, 7, 0, 5, tzinfo=UTC))

    async def scenario() -> None:
        d = Daemon(load_config(config), clock=clock)
        try:
            await d.tick()
            smtp.fail("DATA", "554 5.7.1 refused for now", times=20)  # permanent: no SMTP retries
            await d.digest_job()
            assert smtp.messages == []
            job = d.scheduler.get_job("digest-retry")
            assert job is not None and job.trigger.run_date == clock() + timedelta(minutes=10)
            report = collect_status(d.config, d.store, now=clock())
            assert report["digest_retry_at"] == "2026-11-02T07:10:05+00:00"
            assert report["digest"][0]["last_status"] == "failed"
            clock.advance(minutes=10)
            await d.digest_job()  # the retry fires: fails again, the delay doubles
            job = d.scheduler.get_job("digest-retry")
            assert job is not None and job.trigger.run_date == clock() + timedelta(minutes=20)
            clock.advance(minutes=20)
            smtp.reset()
            await d.digest_job()  # accepted: nothing more to retry
            assert len(smtp.messages) == 1
            assert d.store.get_meta("digest_retry_at") is None
            assert d.scheduler.get_job("digest-retry") is None
            assert len(d.store.pending_for("reader@example.org")) == 0
        finally:
            d.pipeline.close()
            d.store.close()

    asyncio.run(scenario())


def test_retry_delays_double_and_yield_to_the_next_digest() -> None:
    from aggregator.digest.schedule import retry_at

    t = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    nxt = datetime(2026, 11, 3, 7, 0, tzinfo=UTC)
    delays = [retry_at(t, n, 600.0, nxt) for n in range(1, 10)]
    assert [(a - t).total_seconds() / 60 for a in delays[:4] if a] == [10, 20, 40, 80]
    assert delays[-1] is None  # 10 min * 2^8 = 42 h: the next scheduled digest takes over
    assert retry_at(t, 1, 600.0, t + timedelta(minutes=5)) is None
