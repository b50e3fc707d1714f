"""The daemon: APScheduler 3.x as a ticker plus the digest cron job; the schedule lives in state.

Jobs (AsyncIOScheduler, one event loop):
    tick      every TICK_SECONDS: reload the config if a file changed, poll the feeds whose
              next_check_at has come (coalesce, max_instances=1: a slow poll is never doubled)
    digest    one cron job per profile (``config.readers()``) at its send_at, on its days, in
              its time zone (DST-correct via zoneinfo), with a misfire grace; at start,
              ``digest_due`` decides per profile whether its digest was missed while we were
              down (then it is sent now) or already sent (then it is not). The default
              profile's jobs keep the ids "digest" and "digest-retry"; a named profile's are
              "digest:NAME" and "digest-retry:NAME"
    retention daily: prune delivered articles older than `retention`, keeping the dedup window

CPU-heavy work runs in the pipeline's process pool, and the SMTP send in a thread with its
own database connection, so neither blocks the event loop. sd_notify is a few lines over the
standard library socket: READY=1 once the database is open and the scheduler runs, WATCHDOG=1
at half of WATCHDOG_USEC while a real health check passes, STOPPING=1 on the way out.
SIGTERM/SIGINT stop gracefully (a poll in flight finishes or is cancelled between feeds; store
transactions never span an await, so they commit or roll back whole); SIGHUP reloads at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from aggregator.config import Config, load_config
from aggregator.digest.claims import run_claimed_digests
from aggregator.digest.deliver import LOCAL_RECIPIENT, DigestOutcome
from aggregator.digest.schedule import (
    DIGEST_MISFIRE_GRACE,
    digest_due,
    last_scheduled,
    next_scheduled,
    retry_at,
)
from aggregator.errors import AggregatorError, ConfigError
from aggregator.metrics import Metrics, MetricsServer, liveness_problem
from aggregator.pipeline import Pipeline, PollSummary
from aggregator.poll.access import access_changed
from aggregator.store import Store
from aggregator.store.postgres import open_store
from aggregator.types import DEFAULT_PROFILE

log = logging.getLogger(__name__)

RETRY_META = "digest_retry_at"  # when the daemon tries a failed digest again (status shows it)


def job_id(kind: str, profile: str) -> str:
    """A profile's job (``digest``, ``digest-retry``) or meta key (``RETRY_META``): the bare
    name for the default profile, as before profiles existed, else ``NAME:profile``."""
    return kind if profile == DEFAULT_PROFILE else f"{kind}:{profile}"


TICK_SECONDS = 60.0  # how often due feeds are looked for
RELOAD_CHECK_SECONDS = 10.0  # how often config files are checked for edits (hot reload)
STOP_GRACE_SECONDS = 8.0  # in-flight work gets this long after SIGTERM (systemd waits 10 s+)
RETENTION_HOUR = 4  # local hour of the daily retention job


# ---- pure decisions --------------------------------------------------------------------------


# ---- sd_notify -------------------------------------------------------------------------------


def sd_notify(message: str, environ: dict[str, str] | None = None) -> bool:
    """Send one notification to systemd (or a test) via $NOTIFY_SOCKET. False if none."""
    env = os.environ if environ is None else environ
    addr = env.get("NOTIFY_SOCKET")
    if not addr:
        return False
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.setblocking(False)  # a stuck listener must never stall the event loop
            s.connect(addr)
            s.send(message.encode())
        return True
    except OSError as e:
        log.warning("sd_notify failed socket=%s error=%s", env.get("NOTIFY_SOCKET"), e)
        return False


def watchdog_interval(environ: dict[str, str] | None = None) -> float | None:
    """Half the watchdog timeout in seconds, or None when systemd set no watchdog for us."""
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC")
    pid = env.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(int(usec) / 1e6 / 2, 0.05)
    except ValueError:
        return None


# ---- the daemon ------------------------------------------------------------------------------


def _mtimes(paths: tuple[Path, ...]) -> tuple[float, ...]:
    out = []
    for p in paths:
        try:
            out.append(p.stat().st_mtime_ns / 1e9)
        except OSError:
            out.append(-1.0)
    return tuple(out)


@dataclass
class _Health:
    last_tick_end: float
    tick_running_since: float | None = None


class Daemon:
    """`aggregator run`. Construct with a valid config, then ``asyncio.run(d.run())``."""

    def __init__(self, config: Config, *, clock: Callable[[], datetime] | None = None) -> None:
        self.config = config
        self.clock = clock or (lambda: datetime.now(UTC))
        self.store: Store = open_store(config.database)
        self.pipeline = Pipeline(config, self.store, clock=self.clock)
        self._mt = _mtimes(config.source_files)
        self._stop = asyncio.Event()
        self._poll_task: asyncio.Task[list[PollSummary]] | None = None
        self._digest_lock = asyncio.Lock()
        self._health = _Health(time.monotonic())
        self._catch_up: set[str] = set()  # profiles whose digest was missed while down
        self._failed_sends: dict[str, int] = {}  # failed sends in a row, per profile (backoff)
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.metrics = Metrics(config, self.liveness)
        self._metrics_server: MetricsServer | None = None

    # health: database answers, scheduler runs, a tick is not stuck for more than an hour
    def healthy(self) -> bool:
        stuck = (
            self._health.tick_running_since is not None
            and time.monotonic() - self._health.tick_running_since > 3600
        )
        return self.store.ping() and bool(self.scheduler.running) and not stuck

    def liveness(self) -> str | None:
        """Why the scheduler does not count as alive for ``/healthz`` (ticked within two
        minutes, or a tick is running and not stuck), or None. Read from the metrics thread."""
        return liveness_problem(
            time.monotonic(), running=bool(self.scheduler.running),
            last_tick_end=self._health.last_tick_end,
            tick_running_since=self._health.tick_running_since,
        )  # fmt: skip

    def serve_metrics(self) -> None:
        """Start ``/metrics`` and ``/healthz`` when ``metrics.listen`` is set (raises
        AggregatorError when the address is taken). ``run`` calls it before READY=1."""
        listen = self.config.metrics.listen
        if listen is not None and self._metrics_server is None:
            server = MetricsServer(listen, self.metrics)
            server.start()
            self._metrics_server = server

    def schedule_digests(self) -> None:
        """One cron job per profile; jobs of profiles no longer configured go."""
        wanted = {job_id("digest", p.name): p for p in self.config.readers()}
        names = {p.name for p in wanted.values()}
        for job in self.scheduler.get_jobs():
            kind, _, name = job.id.partition(":")
            if kind in ("digest", "digest-retry") and (name or DEFAULT_PROFILE) not in names:
                job.remove()  # a profile no longer configured (its retry too)
        for jid, p in wanted.items():
            hh, mm = (int(x) for x in p.send_at.split(":"))
            trigger = CronTrigger(
                day_of_week=",".join(p.days), hour=hh, minute=mm, timezone=ZoneInfo(p.timezone)
            )
            self.scheduler.add_job(
                self.digest_job, trigger, args=(p.name,), id=jid, replace_existing=True,
                coalesce=True, max_instances=1,
                misfire_grace_time=int(DIGEST_MISFIRE_GRACE.total_seconds()),
            )  # fmt: skip

    def _note_profiles(self) -> None:
        """Note when each profile was first served (a profile added now starts from
        digest.max_age before now, not before its first digest)."""
        for p in self.config.readers():
            self.store.profile_since(p.name, self.clock())

    async def run(self) -> int:
        try:
            self.serve_metrics()
        except AggregatorError as e:
            log.error("cannot start: %s", e)
            print(f"error: {e}", flush=True)
            self.pipeline.close()
            self.store.close()
            return 1
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        loop.add_signal_handler(
            signal.SIGHUP, lambda: asyncio.ensure_future(self.reload(force=True))
        )
        self.scheduler.add_job(
            self.tick, IntervalTrigger(seconds=TICK_SECONDS), id="tick", coalesce=True,
            max_instances=1, next_run_time=datetime.now(UTC),
        )  # fmt: skip
        self.scheduler.add_job(
            self.reload, IntervalTrigger(seconds=RELOAD_CHECK_SECONDS), id="reload",
            coalesce=True, max_instances=1,
        )  # fmt: skip
        self.scheduler.add_job(
            self.retention_job, CronTrigger(hour=RETENTION_HOUR, minute=17,
            timezone=ZoneInfo(self.config.digest.timezone)), id="retention", coalesce=True,
            max_instances=1,
        )  # fmt: skip
        self.schedule_digests()
        self.scheduler.start()
        self.store.set_meta("config_error", None)
        log.info(
            "daemon started feeds=%d database=%s send_at=%s tz=%s",
            len(self.config.feeds), self.config.database, self.config.digest.send_at,
            self.config.digest.timezone,
        )  # fmt: skip
        sd_notify(f"READY=1\nSTATUS=polling {len(self.config.feeds)} feeds")
        self._note_profiles()
        for p in self.config.readers():
            last = self.store.last_sent_at(profile=p.name)
            if digest_due(self.clock(), p.send_at, p.timezone, last, days=p.days):
                log.info("digest profile=%s missed while down: sending after the first poll",
                         p.name)  # fmt: skip
                self._catch_up.add(p.name)
        watchdog = watchdog_interval()
        wd_task = asyncio.ensure_future(self._watchdog(watchdog)) if watchdog else None
        await self._stop.wait()
        return await self._shutdown(wd_task)

    async def _watchdog(self, interval: float) -> None:
        while True:
            if self.healthy():
                sd_notify("WATCHDOG=1")
            else:
                log.error("health check failed: watchdog not fed")
            await asyncio.sleep(interval)

    async def _shutdown(self, wd_task: asyncio.Task[None] | None) -> int:
        log.info("stopping")
        sd_notify("STOPPING=1")
        self.scheduler.shutdown(wait=False)
        if self._poll_task is not None and not self._poll_task.done():
            done, _ = await asyncio.wait({self._poll_task}, timeout=STOP_GRACE_SECONDS)
            if not done:
                self._poll_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._poll_task
        if self._digest_lock.locked():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STOP_GRACE_SECONDS / 2):
                    await self._digest_lock.acquire()
        if wd_task is not None:
            wd_task.cancel()
        if self._metrics_server is not None:
            await asyncio.to_thread(self._metrics_server.stop)
            self._metrics_server = None
        self.pipeline.close()
        with contextlib.suppress(AggregatorError):  # feeds claimed, not polled: to the others
            self.store.release_feeds()
            self.store.release_enrichment()  # and articles claimed, not cleaned
        self.store.close()
        log.info("stopped")
        return 0

    async def tick(self) -> None:
        self._health.tick_running_since = time.monotonic()
        try:
            self._poll_task = asyncio.ensure_future(self.pipeline.poll())
            results = await self._poll_task
            self.metrics.observe_polls(results)
            for name in sorted(self._catch_up):  # digests missed while down, with fresh news
                asyncio.ensure_future(self.digest_job(name))
            self._catch_up.clear()
            if results:
                log.info(
                    "tick polled=%d new=%d failed=%d",
                    len(results), sum(r.new for r in results),
                    sum(1 for r in results if not r.ok),
                )  # fmt: skip
        except asyncio.CancelledError:
            log.info("tick cancelled by shutdown")
        except AggregatorError as e:
            log.error("tick failed error=%r", str(e))
        finally:
            self._health.tick_running_since = None
            self._health.last_tick_end = time.monotonic()
            self.metrics.observe_tick()

    async def digest_job(self, profile: str | None = None) -> None:
        """Build and deliver the digest of ``profile`` (None: of every profile) now."""
        async with self._digest_lock:
            config = self.config
            now = self.clock()
            names = [p.name for p in config.readers() if profile in (None, p.name)]
            if not names:
                log.info("digest profile=%s is no longer configured: nothing to send", profile)
                return

            def send() -> list[DigestOutcome]:
                store = open_store(config.database)  # its own connection: runs in a thread
                try:
                    return run_claimed_digests(
                        config, store, now=now, profiles=names
                    )  # once among workers
                finally:
                    store.close()

            try:
                outcomes = await asyncio.to_thread(send)
            except AggregatorError as e:
                log.error("digest failed error=%r", str(e))
                self.metrics.observe_digests(None)
                return
            except Exception:  # a defect: logged loudly, the daemon goes on
                log.exception("digest failed by an internal error (everything stays pending)")
                self.metrics.observe_digests(None)
                return
            self.metrics.observe_digests(outcomes)
            for o in outcomes:
                log.info("%s", o.line())
            for name in names:
                self._plan_retry(now, name, any(o.failed for o in outcomes if o.profile == name))

    def _plan_retry(self, now: datetime, profile: str, failed: bool) -> None:
        """After a failed send, try again (``digest.retry``, doubling) until the mail is
        accepted or the profile's next scheduled digest takes over; ``status`` shows the next
        attempt (meta ``digest_retry_at``, ``digest_retry_at:NAME`` for a named profile)."""
        job, meta = job_id("digest-retry", profile), job_id(RETRY_META, profile)
        if not failed:
            self._failed_sends.pop(profile, None)
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(job)
            if self.store.get_meta(meta) is not None:
                self.store.set_meta(meta, None)
            return
        attempt = self._failed_sends[profile] = self._failed_sends.get(profile, 0) + 1
        p = self.config.reader(profile)
        if p is None:
            return
        nxt = next_scheduled(now, p.send_at, p.timezone, p.days)
        at = retry_at(now, attempt, self.config.digest.retry, nxt)
        self.store.set_meta(meta, at.isoformat(timespec="seconds") if at else None)
        if at is None:
            log.info("digest profile=%s retry: none before the next scheduled digest", profile)
            return
        log.info("digest profile=%s retry at=%s attempt=%d", profile,
                 at.isoformat(timespec="seconds"), attempt + 1)  # fmt: skip
        with contextlib.suppress(JobLookupError):  # one retry planned at a time
            self.scheduler.remove_job(job)
        self.scheduler.add_job(
            self.digest_job, DateTrigger(run_date=at), args=(profile,), id=job,
            replace_existing=True, misfire_grace_time=int(DIGEST_MISFIRE_GRACE.total_seconds()),
        )  # fmt: skip

    async def retention_job(self) -> None:
        now = self.clock()
        keep = max(self.config.dedup.window, self.config.dedup.story_window)
        readers = [(p.name, r) for p in self.config.readers() for r in (p.to or (LOCAL_RECIPIENT,))]
        n = self.store.prune(
            delivered_before=now - timedelta(seconds=self.config.retention),
            keep_dedup_since=now - timedelta(seconds=max(keep, self.config.retention)),
            readers=readers,
            keys_since=now - timedelta(seconds=keep),
        )
        log.info("retention pruned=%d", n)

    async def reload(self, force: bool = False) -> None:
        """Re-read the config when a source file changed (or on SIGHUP)."""
        mt = _mtimes(self.config.source_files)
        if not force and mt == self._mt:
            return
        self._mt = mt
        try:
            new = load_config(self.config.path)
        except ConfigError as e:
            msg = "; ".join(str(i) for i in e.issues)
            log.error("reload rejected, keeping the last good config: %s", msg)
            self.store.set_meta("config_error", msg)
            sd_notify(f"STATUS=config error (last good config in force): {msg[:200]}")
            return
        except OSError as e:
            log.error("reload failed, keeping the last good config: %s", e)
            self.store.set_meta("config_error", str(e))
            return
        old = self.config
        self._mt = _mtimes(new.source_files)
        self.config = new
        self.metrics.config = new
        if new.metrics.listen != old.metrics.listen:
            log.warning(
                "metrics.listen changed (%s -> %s): takes effect at the next restart",
                old.metrics.listen, new.metrics.listen,
            )  # fmt: skip
        self.pipeline.reconfigure(new)
        self.store.set_meta("config_error", None)
        added = {f.url for f in new.feeds} - {f.url for f in old.feeds}
        removed = {f.url for f in old.feeds} - {f.url for f in new.feeds}
        for url in added:
            self.store.reset_feed(url) if self.store.feed_state(url) else None
        relogin = access_changed(old.feeds, new.feeds)  # a fixed login is tried at once
        for url in relogin:
            self.store.reset_feed(url)
        if _schedules(old) != _schedules(new):
            self.schedule_digests()
        self._note_profiles()
        log.info("reload ok feeds=%d added=%d removed=%d", len(new.feeds), len(added), len(removed))
        sd_notify(f"STATUS=polling {len(new.feeds)} feeds")
        if added or relogin:  # new feeds are polled now, not at the next tick
            job = self.scheduler.get_job("tick")
            if job is not None:
                job.modify(next_run_time=datetime.now(UTC))


def _schedules(config: Config) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(p.name, p.send_at, p.timezone, p.days) for p in config.readers()]


def run_daemon(config: Config) -> int:
    """Entry point for `aggregator run`. Returns the process exit code."""
    try:
        daemon = Daemon(config)
    except AggregatorError as e:
        log.error("cannot start: %s", e)
        print(f"error: {e}", flush=True)
        return 1
    return asyncio.run(daemon.run())


__all__ = [
    "Daemon",
    "digest_due",
    "last_scheduled",
    "next_scheduled",
    "run_daemon",
    "sd_notify",
]
