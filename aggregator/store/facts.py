"""Facts the database holds, counted for `/metrics`, `/healthz` and `status --json`.

Each fact is computed by a query when it is asked for, so a restart never resets what is a
stored fact (articles, duplicates, stories, digests, the last successful poll). The metrics
server reads them on its own thread through its own read-only connection (``open_read_only``):
a scrape never writes, never creates a missing database, and never shares the daemon's
connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aggregator.errors import StoreError
from aggregator.store.target import PgTarget

# statuses of a digest that reached its reader (``digests.status``)
DELIVERED_STATUSES = ("sent", "written")


@dataclass(frozen=True)
class Undelivered:
    """What waits for one recipient's next digest."""

    articles: int  # finished articles, not held back, not copies, not yet delivered
    stories: int  # the stories they belong to


@dataclass(frozen=True)
class StoreFacts:
    articles: int  # stored (retention prunes delivered ones)
    waiting_enrichment: int  # stored, waiting for cleaning and dedup (due now)
    duplicates: int  # collapsed into another article (``duplicate_of`` set)
    stories: int  # distinct stories
    held: int  # held back from every digest (digest.max_age)
    last_poll_success: datetime | None  # the latest successful poll of any feed
    last_digest_sent: datetime | None  # the latest digest sent or written
    feeds_by_result: dict[str, int] = field(default_factory=dict)  # last result -> feeds
    digests_by_status: dict[str, int] = field(default_factory=dict)  # on record (retention)
    undelivered: dict[str, Undelivered] = field(default_factory=dict)  # by recipient


def _dt(value: object) -> datetime | None:
    return datetime.fromtimestamp(float(value), UTC) if isinstance(value, int | float) else None


def _one(db: sqlite3.Connection, sql: str, params: Sequence[object] = ()) -> int:
    return int(db.execute(sql, params).fetchone()[0] or 0)


def read_facts(db: sqlite3.Connection, now: datetime, recipients: Sequence[str]) -> StoreFacts:
    """Every fact, from one connection (raises ``sqlite3.Error``)."""
    counts = db.execute(
        "SELECT COUNT(*), COUNT(duplicate_of), COUNT(DISTINCT story), COUNT(held),"
        " SUM(CASE WHEN enrich != 0 AND (enrich_retry_at IS NULL OR enrich_retry_at <= ?)"
        " THEN 1 ELSE 0 END)"
        " FROM articles",
        (now.timestamp(),),
    ).fetchone()
    undelivered = {}
    for r in recipients:
        row = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT COALESCE(a.story, 'article:' || a.id))"
            " FROM articles a WHERE a.enrich = 0 AND a.held IS NULL AND a.duplicate_of IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM deliveries d"
            "                 WHERE d.recipient = ? AND d.article_id = a.id)",
            (r,),
        ).fetchone()
        undelivered[r] = Undelivered(int(row[0]), int(row[1]))
    marks = ",".join("?" * len(DELIVERED_STATUSES))
    return StoreFacts(
        articles=int(counts[0]),
        duplicates=int(counts[1]),
        stories=int(counts[2]),
        held=int(counts[3]),
        waiting_enrichment=int(counts[4] or 0),
        last_poll_success=_dt(db.execute("SELECT MAX(last_success_at) FROM feeds").fetchone()[0]),
        last_digest_sent=_dt(
            db.execute(
                f"SELECT MAX(attempted_at) FROM digests WHERE status IN ({marks})",
                DELIVERED_STATUSES,
            ).fetchone()[0]
        ),
        feeds_by_result={
            str(k): int(n)
            for k, n in db.execute(
                "SELECT CASE WHEN gone != 0 THEN 'gone' ELSE COALESCE(last_outcome, 'never')"
                " END AS result, COUNT(*) FROM feeds GROUP BY result"
            )
        },
        digests_by_status={
            str(k): int(n)
            for k, n in db.execute("SELECT status, COUNT(*) FROM digests GROUP BY status")
        },
        undelivered=undelivered,
    )


def open_read_only(path: Path, *, timeout: float = 2.0) -> sqlite3.Connection:
    """A read-only connection to an existing database; raises StoreError with the reason
    (a missing file is an error: it is never created here)."""
    try:
        db = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=timeout,
            check_same_thread=False,
        )  # fmt: skip
        db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        db.execute("SELECT COUNT(*) FROM meta").fetchone()
    except sqlite3.Error as e:
        raise StoreError(f"database {path} does not answer: {e}") from e
    return db


def facts_at(path: Path | PgTarget, now: datetime, recipients: Sequence[str]) -> StoreFacts:
    """``read_facts`` through a short-lived read-only connection (raises StoreError); on
    PostgreSQL through a store on the process's pool."""
    if isinstance(path, PgTarget):
        from aggregator.store.postgres import PostgresStore

        with PostgresStore(path) as store:
            return store.facts(now, recipients)
    db = open_read_only(path)
    try:
        return read_facts(db, now, recipients)
    except sqlite3.Error as e:
        raise StoreError(f"database {path} does not answer: {e}") from e
    finally:
        db.close()


def probe(path: Path | PgTarget) -> str | None:
    """None when the database answers a read, else why not (for ``/healthz``)."""
    if isinstance(path, PgTarget):
        try:
            facts_at(path, datetime.now(UTC), ())
        except StoreError as e:
            return str(e)
        return None
    try:
        open_read_only(path).close()
    except StoreError as e:
        return str(e)
    return None
