"""The daemon's metrics: counters for events, the database's facts at scrape time.

Stored facts (articles, copies collapsed, stories, digests on record, queue depths, the last
successful poll and digest) are gauges read by ``StoreCollector`` when Prometheus scrapes:
retention prunes old rows, so those totals can fall, and a counter that falls would look like
a reset to ``rate()``. What happens in this process (each poll's result, new articles, each
digest's outcome, each tick) is a counter that starts at zero with the process, as
Prometheus expects of counters.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypedDict

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from aggregator.config import Config
from aggregator.digest.deliver import LOCAL_RECIPIENT, DigestOutcome
from aggregator.errors import StoreError
from aggregator.store.facts import StoreFacts, facts_at, probe
from aggregator.types import Outcome

if TYPE_CHECKING:
    from aggregator.pipeline import PollSummary

log = logging.getLogger(__name__)

TICK_STALE_SECONDS = 120.0  # /healthz: the scheduler must have ticked within this
TICK_STUCK_SECONDS = 3600.0  # a tick (poll) running longer than this is stuck
# every poll result `aggregator fetch` can report, so each series exists from the start
POLL_RESULTS = (
    *(o.value for o in Outcome),
    "unchanged",  # 200 with the same bytes as last time
    "parse_error",
    "internal_error",
)
DIGEST_STATUSES = ("sent", "written", "empty", "failed")


def recipients(config: Config) -> tuple[str, ...]:
    """Whose deliveries the undelivered counts are for (as the digest jobs send): every
    profile's recipients, each once (an article counts as delivered to a recipient when any
    of their profiles delivered it)."""
    out: list[str] = []
    for profile in config.readers():
        for r in profile.to or (LOCAL_RECIPIENT,):
            if r not in out:
                out.append(r)
    return tuple(out) or (LOCAL_RECIPIENT,)


def poll_result(summary: PollSummary) -> str:
    """The result label of one poll: a 304 is ``not_modified``, the same bytes again
    ``unchanged``, a fetch error its kind (``timeout``, ``server_error``, ...)."""
    if summary.outcome == "unchanged" and summary.status == 304:
        return Outcome.NOT_MODIFIED.value
    return summary.outcome


def liveness_problem(
    now: float, *, running: bool, last_tick_end: float, tick_running_since: float | None
) -> str | None:
    """Why the scheduler does not count as alive (monotonic seconds), or None.

    Alive: it runs, and a tick ended within ``TICK_STALE_SECONDS`` or one is running (a long
    poll of many feeds is work, not a hang) for less than ``TICK_STUCK_SECONDS``."""
    if not running:
        return "scheduler not running"
    if tick_running_since is not None:
        busy = now - tick_running_since
        if busy > TICK_STUCK_SECONDS:
            return f"a tick has been running for {busy:.0f}s (stuck?)"
        return None
    age = now - last_tick_end
    if age > TICK_STALE_SECONDS:
        return f"no scheduler tick for {age:.0f}s (limit {TICK_STALE_SECONDS:.0f}s)"
    return None


class UndeliveredReport(TypedDict):
    articles: int
    stories: int


class FactsReport(TypedDict):
    """``status --json``'s ``metrics`` key: the database facts ``/metrics`` shows."""

    articles_stored: int
    duplicates_collapsed: int
    stories: int
    articles_held: int
    enrichment_queue: int
    last_poll_success: str | None
    last_digest_sent: str | None
    feeds_by_result: dict[str, int]
    digests_by_status: dict[str, int]
    undelivered: dict[str, UndeliveredReport]


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat(timespec="seconds") if dt else None


def facts_report(f: StoreFacts) -> FactsReport:
    return {
        "articles_stored": f.articles,
        "duplicates_collapsed": f.duplicates,
        "stories": f.stories,
        "articles_held": f.held,
        "enrichment_queue": f.waiting_enrichment,
        "last_poll_success": _iso(f.last_poll_success),
        "last_digest_sent": _iso(f.last_digest_sent),
        "feeds_by_result": dict(sorted(f.feeds_by_result.items())),
        "digests_by_status": dict(sorted(f.digests_by_status.items())),
        "undelivered": {
            r: {"articles": u.articles, "stories": u.stories} for r, u in f.undelivered.items()
        },
    }


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


def _labelled(name: str, doc: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    g = GaugeMetricFamily(name, doc, labels=[label])
    for key, n in sorted(values.items()):
        g.add_metric([key], n)
    return g


def fact_metrics(f: StoreFacts) -> list[Metric]:
    """The database's facts as metric families."""
    out: list[Metric] = [
        _gauge("aggregator_articles_stored", "Articles in the database.", f.articles),
        _gauge("aggregator_duplicates_collapsed",
               "Stored articles collapsed into another (syndicated copies).", f.duplicates),
        _gauge("aggregator_stories", "Distinct stories among stored articles.", f.stories),
        _gauge("aggregator_articles_held",
               "Articles held back from every digest (digest.max_age).", f.held),
        _gauge("aggregator_enrichment_queue_articles",
               "Articles waiting for cleaning and dedup.", f.waiting_enrichment),
        _labelled("aggregator_feeds", "Feeds by the result of their last poll.", "result",
                  f.feeds_by_result),
        _labelled("aggregator_digests_recorded",
                  "Digest attempts on record (retention prunes old ones) by status.", "status",
                  f.digests_by_status),
    ]  # fmt: skip
    for name, doc, at in (
        ("aggregator_last_poll_success_timestamp_seconds",
         "When a feed was last polled successfully (unix time; 0: never).", f.last_poll_success),
        ("aggregator_last_digest_sent_timestamp_seconds",
         "When a digest was last sent or written (unix time; 0: never).", f.last_digest_sent),
    ):  # fmt: skip
        out.append(_gauge(name, doc, at.timestamp() if at else 0.0))
    articles = GaugeMetricFamily(
        "aggregator_undelivered_articles", "Articles waiting for a digest.", labels=["recipient"]
    )
    stories = GaugeMetricFamily(
        "aggregator_undelivered_stories", "Stories waiting for a digest.", labels=["recipient"]
    )
    for r, u in f.undelivered.items():
        articles.add_metric([r], u.articles)
        stories.add_metric([r], u.stories)
    return [*out, articles, stories]


class StoreCollector:
    """Reads ``store.facts`` at each scrape through a short-lived read-only connection;
    when the database does not answer, ``aggregator_database_up`` is 0 and the rest absent."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        config = self.metrics.config
        try:
            facts = facts_at(config.database, datetime.now(UTC), recipients(config))
        except StoreError as e:
            log.warning("metrics: %s", e)
            yield _gauge("aggregator_database_up", "1 when the database answered.", 0)
            return
        yield _gauge("aggregator_database_up", "1 when the database answered.", 1)
        yield from fact_metrics(facts)


class Metrics:
    """One daemon's registry. ``config`` follows hot reloads (the daemon sets it);
    ``liveness`` says why the scheduler is not alive, or None."""

    def __init__(self, config: Config, liveness: Callable[[], str | None]) -> None:
        self.config = config
        self.liveness = liveness
        self.registry = CollectorRegistry()
        r = self.registry
        self.polls = Counter("aggregator_polls", "Feed polls by result.", ["result"], registry=r)
        self.new_articles = Counter(
            "aggregator_articles_new", "New articles stored by polls.", registry=r
        )
        self.updated_articles = Counter(
            "aggregator_articles_updated", "Stored articles updated by polls.", registry=r
        )
        self.digests = Counter(
            "aggregator_digests", "Digest runs by outcome.", ["status"], registry=r
        )
        self.ticks = Counter("aggregator_ticks", "Scheduler ticks completed.", registry=r)
        self.last_tick = Gauge(
            "aggregator_last_tick_timestamp_seconds", "When the last tick ended (unix time).",
            registry=r,
        )  # fmt: skip
        self.started = Gauge(
            "aggregator_start_timestamp_seconds", "When the daemon started (unix time).",
            registry=r,
        )  # fmt: skip
        self.started.set(time.time())
        for result in POLL_RESULTS:
            self.polls.labels(result)
        for status in DIGEST_STATUSES:
            self.digests.labels(status)
        r.register(StoreCollector(self))

    def observe_polls(self, results: Sequence[PollSummary]) -> None:
        for s in results:
            self.polls.labels(poll_result(s)).inc()
            self.new_articles.inc(s.new)
            self.updated_articles.inc(s.updated)

    def observe_tick(self) -> None:
        self.ticks.inc()
        self.last_tick.set(time.time())

    def observe_digests(self, outcomes: Sequence[DigestOutcome] | None) -> None:
        """Each recipient's outcome; None: the digest run raised before any (a failure)."""
        if outcomes is None:
            self.digests.labels("failed").inc()
        for o in outcomes or ():
            self.digests.labels(o.status).inc()

    def health(self) -> str | None:
        """Why the daemon is not healthy (scheduler first, then the database), or None."""
        return self.liveness() or probe(self.config.database)
