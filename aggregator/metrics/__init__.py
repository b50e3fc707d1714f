"""Prometheus metrics and a health check for `aggregator run` (``metrics.listen``).

* ``collect``  ``Metrics``: the daemon's own registry (never prometheus_client's global one, so
               tests and several daemons in one process do not collide). Events of this
               process are counters (polls by result, new articles, digests by outcome,
               ticks); facts the database holds are read from it at scrape time by a custom
               collector (``store.facts``), so a restart never resets them.
* ``serve``    ``MetricsServer``: ``/metrics`` and ``/healthz`` over HTTP on a thread of its
               own, started before READY=1 and stopped with the daemon's graceful stop.
"""

from aggregator.metrics.collect import (
    TICK_STALE_SECONDS,
    Metrics,
    facts_report,
    liveness_problem,
    recipients,
)
from aggregator.metrics.serve import MetricsServer

__all__ = [
    "TICK_STALE_SECONDS",
    "Metrics",
    "MetricsServer",
    "facts_report",
    "liveness_problem",
    "recipients",
]
