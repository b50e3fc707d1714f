"""The poll's SQL: feed state, the due query, identity lookups and ``apply_poll``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from aggregator import failpoints
from aggregator.store.connection import Connection, dt, ts
from aggregator.store.records import ENRICH_NEW, ENRICH_SUMMARY_ONLY, ArticleRow
from aggregator.types import ChangedEntry, ExistingEntry, FeedState, NewEntry, PollIntent

_FEED_COLS = (
    "url, title, etag, last_modified, body_hash, next_check_at, last_fetch_at,"
    " last_success_at, last_outcome, last_status, last_error, error_streak, gone,"
    " redirect_url, entries_seen"
)
# Bound on ``?`` parameters per statement (SQLite's default limit is 32766; older: 999).
_CHUNK = 500


class PollStore(Connection):
    """Feeds and the poll's writes. ``Store`` adds enrichment, digests and retention."""

    _configured: frozenset[str] | None = None  # the URLs in ``temp.configured``

    # ---- feeds -------------------------------------------------------------------------------

    def ensure_feeds(self, urls: Iterable[str]) -> None:
        """Make sure a state row exists for every configured feed (new ones are due now)."""
        with self.transaction():
            self._db.executemany(
                "INSERT INTO feeds (url) VALUES (?) ON CONFLICT DO NOTHING", [(u,) for u in urls]
            )

    def feed_states(self, urls: Iterable[str] | None = None) -> list[FeedState]:
        """The state of the given feeds (default: every feed ever configured), by URL."""
        if urls is None:
            rows = self._db.execute(f"SELECT {_FEED_COLS} FROM feeds ORDER BY url").fetchall()
            return [_feed_state(r) for r in rows]
        out: list[FeedState] = []
        for chunk in _chunks(list(dict.fromkeys(urls)), _CHUNK):
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT {_FEED_COLS} FROM feeds WHERE url IN ({marks})", chunk
            ).fetchall()
            out.extend(_feed_state(r) for r in rows)
        out.sort(key=lambda s: s.url)
        return out

    def feed_state(self, url: str) -> FeedState | None:
        states = self.feed_states([url])
        return states[0] if states else None

    def due_feeds(
        self, now: datetime, configured: frozenset[str] | None = None, limit: int | None = None
    ) -> list[str]:
        """The URLs of the feeds whose next check time has come: never checked first, then by
        next check time and URL; not the gone ones; with ``configured``, only those feeds;
        with ``limit``, the first ``limit`` of them.

        One range read of the index ``feeds_due`` (it covers the query: no table row is
        read), whatever the number of feeds; the configured URLs are kept in a temporary
        table, refilled only when they change. A feed's state is read when its poll starts
        (``feed_state``)."""
        sql = (
            "SELECT url FROM feeds INDEXED BY feeds_due"
            " WHERE gone = 0 AND COALESCE(next_check_at, 0) <= ?"
        )
        if configured is not None:
            self._set_configured(configured)
            sql += " AND url IN temp.configured"
        sql += " ORDER BY COALESCE(next_check_at, 0), url LIMIT ?"
        return [r[0] for r in self._db.execute(sql, (now.timestamp(), limit or -1))]

    def _set_configured(self, urls: frozenset[str]) -> None:
        if urls is self._configured or urls == self._configured:
            self._configured = urls
            return
        script = (
            "CREATE TEMP TABLE IF NOT EXISTS configured (url TEXT PRIMARY KEY) WITHOUT ROWID",
            "DELETE FROM temp.configured",
        )
        # only the temporary database is written: no lock on the state database is taken
        own = not self._in_tx
        if own:
            self._db.execute("BEGIN")
        try:
            for statement in script:
                self._db.execute(statement)
            self._db.executemany(
                "INSERT INTO temp.configured (url) VALUES (?)", [(u,) for u in urls]
            )
        except BaseException:
            if own:
                self._db.execute("ROLLBACK")
            self._configured = None
            raise
        if own:
            self._db.execute("COMMIT")
        self._configured = urls

    def apply_poll(self, intent: PollIntent) -> None:
        """Store one poll (``aggregator.poll.decide``): the new entries as the feed gave them,
        queued for enrichment, the new content of changed ones, and the feed's new state; one
        transaction, so a kill -9 leaves all of it or none."""
        if not intent.new_entries and not intent.changed_entries:
            self._write_feed(intent)  # one statement: atomic without BEGIN/COMMIT round trips
            return
        with self.transaction():
            for entry in intent.new_entries:
                self._insert_new(intent, entry)
                failpoints.hit("poll.in_transaction")
            for changed in intent.changed_entries:
                self._mark_changed(changed)
            self._write_feed(intent)

    def _write_feed(self, i: PollIntent) -> None:
        self._write(
            """
            UPDATE feeds SET
                last_fetch_at = ?, last_outcome = ?, last_status = ?, last_error = ?,
                next_check_at = ?, error_streak = ?, gone = ?, etag = ?, last_modified = ?,
                body_hash = ?, title = ?, redirect_url = ?, last_success_at = ?,
                entries_seen = entries_seen + ?, lease_owner = NULL, lease_until = NULL
            WHERE url = ?
            """,
            (
                i.checked_at.timestamp(), i.outcome, i.status, i.error,
                ts(i.next_check_at), i.error_streak, int(i.gone), i.etag, i.last_modified,
                i.body_hash, i.title, i.redirect_url, ts(i.last_success_at),
                len(i.new_entries),
                i.url,
            ),
        )  # fmt: skip

    def _insert_new(self, intent: PollIntent, e: NewEntry) -> None:
        self.insert_article(
            ArticleRow(
                feed_url=intent.url, key=e.key, guid=e.guid, url=e.url,
                canonical_url=e.canonical_url, content_hash=e.content_hash, text_hash=None,
                title=e.title, author=e.author, published=e.published,
                fetched_at=intent.checked_at, html=e.html, text="", site=e.site,
                full_text_error=None,
                enrich=ENRICH_NEW | (ENRICH_SUMMARY_ONLY if e.summary_only else 0),
                media=e.media.to_json(), language=e.language,
            )
        )  # fmt: skip

    def _mark_changed(self, c: ChangedEntry) -> None:
        """New feed content for a stored article: keep the raw HTML and queue it for
        enrichment (an article still waiting as new stays new)."""
        self._write(
            "UPDATE articles SET title = ?, html = ?, content_hash = ?, enrich = CASE"
            " WHEN enrich & 3 = 1 THEN 1 ELSE 2 END | ? WHERE id = ?",
            (c.title, c.html, c.content_hash, ENRICH_SUMMARY_ONLY if c.summary_only else 0,
             c.article_id),
        )  # fmt: skip

    def reset_feed(self, url: str) -> None:
        """Forget a feed's Gone flag and backoff (the user re-added or edited it)."""
        self._write(
            "UPDATE feeds SET gone = 0, error_streak = 0, next_check_at = NULL WHERE url = ?",
            (url,),
        )

    # ---- once-only jobs among several workers ------------------------------------------------

    # True when several processes (workers) may share this database and must claim work
    # (PostgreSQL); an SQLite file has one daemon.
    shared = False
    owner = "local"  # this worker's name in leases and claims

    def release_feeds(self) -> None:
        """Give back the feeds this worker claimed and has not polled (nothing to do here:
        an SQLite store claims none)."""

    def claim(self, name: str, owner: str, now: datetime, ttl: float) -> bool:
        """Claim the once-only job ``name`` (e.g. one recipient's digest of one day) for
        ``owner`` until ``now + ttl`` seconds: True when it is ours (new, already ours, or the
        last claim expired unfinished), False when another owner holds it or it is done."""
        with self.transaction():
            r = self._db.execute(
                "INSERT INTO claims (name, owner, until, done) VALUES (?, ?, ?, 0)"
                " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until"
                " WHERE claims.done = 0 AND (claims.owner = excluded.owner OR claims.until <= ?)"
                " RETURNING owner",
                (name, owner, now.timestamp() + ttl, now.timestamp()),
            ).fetchall()
        return bool(r)

    def finish_claim(self, name: str, owner: str, *, done: bool, now: datetime) -> None:
        """The job is done (never again), or released unfinished (anyone may claim it)."""
        self._write(
            "UPDATE claims SET done = ?, until = ? WHERE name = ? AND owner = ?",
            (int(done), now.timestamp(), name, owner),
        )

    # ---- articles: identity ------------------------------------------------------------------

    def find_existing(
        self,
        feed_url: str,
        *,
        guids: Sequence[str],
        links: Sequence[str],
        hashes: Sequence[str],
    ) -> list[ExistingEntry]:
        """Stored articles of this feed matching any of the given identities."""
        found: dict[int, ExistingEntry] = {}
        for column, values in (
            ("guid", guids),
            ("canonical_url", links),
            ("content_hash", hashes),
        ):
            values = [v for v in dict.fromkeys(values) if v]
            for chunk in _chunks(values, _CHUNK):
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"""
                    SELECT a.id, a.key, a.guid, a.canonical_url, a.content_hash,
                           EXISTS (SELECT 1 FROM deliveries d WHERE d.article_id = a.id)
                    FROM articles a WHERE a.feed_url = ? AND a.{column} IN ({marks})
                    """,
                    (feed_url, *chunk),
                ).fetchall()
                for r in rows:
                    found[r[0]] = ExistingEntry(r[0], r[1], r[2], r[3], r[4], bool(r[5]))
        return list(found.values())

    def insert_article(self, row: ArticleRow) -> int:
        cur = self._write(ARTICLE_INSERT, article_values(row))
        assert cur.lastrowid is not None
        return int(cur.lastrowid)


ARTICLE_INSERT = """
    INSERT INTO articles (id, feed_url, key, guid, url, canonical_url, content_hash,
        text_hash, title, author, published, fetched_at, html, text, site,
        full_text_error, story, duplicate_of, dedup_reason, dedup_state, enrich, media,
        language)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def article_values(row: ArticleRow) -> tuple[object, ...]:
    """``ARTICLE_INSERT``'s parameters (the id first: None lets the database choose)."""
    return (
        row.id, row.feed_url, row.key, row.guid, row.url, row.canonical_url,
        row.content_hash, row.text_hash, row.title, row.author, ts(row.published),
        row.fetched_at.timestamp(), row.html, row.text, row.site,
        row.full_text_error, row.story, row.duplicate_of, row.dedup_reason,
        row.dedup_state, row.enrich, row.media, row.language,
    )  # fmt: skip


# A ``feeds`` row as ``_FEED_COLS`` reads it (the schema's types; NULL as None).
_FeedRow = tuple[
    str, str | None, str | None, str | None, str | None, float | None, float | None,
    float | None, str | None, int | None, str | None, int, int, str | None, int,
]  # fmt: skip


def _feed_state(r: _FeedRow) -> FeedState:
    # positional and without checks: the due query converts thousands of rows per tick
    (url, title, etag, last_modified, body_hash, next_check, last_fetch, last_success,
     outcome, status, error, streak, gone, redirect, seen) = r  # fmt: skip
    return FeedState(
        url, title, etag, last_modified, body_hash, dt(next_check), dt(last_fetch),
        dt(last_success), outcome, status, error, streak, bool(gone), redirect, seen,
    )  # fmt: skip


def _chunks(values: Sequence[str], n: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(values), n):
        yield values[i : i + n]
