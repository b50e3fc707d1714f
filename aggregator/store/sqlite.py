"""State: one SQLite file (WAL), numbered migrations. All SQL lives in this module.

The YAML config is the human's and read-only to us; this database is the machine's. Times are
stored as unix seconds (REAL, UTC). Every feed poll writes in one transaction
(``with store.transaction():``), so a kill -9 at any point leaves either the whole poll or none
of it. Readers outside a transaction see committed data only.

Tables:
    feeds        one row per feed URL ever configured: HTTP validators, schedule, health
    articles     one row per distinct entry of a feed; identity (feed, key) with lookups by
                 guid, canonical link and content hash; dedup results (story, duplicate_of)
    deliveries   (recipient, article) pairs already delivered
    digests      one row per digest attempt per recipient (status, Message-ID, error)
    site_blocks  per-site counts of text blocks, for learned boilerplate
    meta         schema version and small key/value facts
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aggregator.errors import StoreError
from aggregator.types import FeedState, StoredArticle

# Each entry is one migration; the schema version is its index + 1. Never edit a released
# migration: append a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: initial schema
    """
    CREATE TABLE feeds (
        url             TEXT PRIMARY KEY,
        name            TEXT,
        title           TEXT,
        etag            TEXT,
        last_modified   TEXT,
        body_hash       TEXT,
        next_check_at   REAL,
        last_fetch_at   REAL,
        last_success_at REAL,
        last_outcome    TEXT,
        last_status     INTEGER,
        last_error      TEXT,
        error_streak    INTEGER NOT NULL DEFAULT 0,
        error_since     REAL,
        gone            INTEGER NOT NULL DEFAULT 0,
        redirect_url    TEXT,
        entries_seen    INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE articles (
        id              INTEGER PRIMARY KEY,
        feed_url        TEXT NOT NULL,
        key             TEXT NOT NULL,
        guid            TEXT,
        url             TEXT,
        canonical_url   TEXT,
        content_hash    TEXT NOT NULL,
        text_hash       TEXT,
        title           TEXT NOT NULL,
        author          TEXT,
        published       REAL,
        fetched_at      REAL NOT NULL,
        html            TEXT NOT NULL,
        text            TEXT NOT NULL,
        site            TEXT,
        full_text_error TEXT,
        story           TEXT,
        duplicate_of    INTEGER,
        dedup_reason    TEXT,
        dedup_state     BLOB,
        UNIQUE (feed_url, key)
    );
    CREATE INDEX articles_guid ON articles (feed_url, guid);
    CREATE INDEX articles_link ON articles (feed_url, canonical_url);
    CREATE INDEX articles_hash ON articles (feed_url, content_hash);
    CREATE INDEX articles_fetched ON articles (fetched_at);
    CREATE INDEX articles_story ON articles (story);
    CREATE TABLE deliveries (
        recipient       TEXT NOT NULL,
        article_id      INTEGER NOT NULL,
        digest_id       TEXT NOT NULL,
        delivered_at    REAL NOT NULL,
        PRIMARY KEY (recipient, article_id)
    ) WITHOUT ROWID;
    CREATE TABLE digests (
        id              INTEGER PRIMARY KEY,
        recipient       TEXT NOT NULL,
        digest_id       TEXT NOT NULL,
        message_id      TEXT,
        attempted_at    REAL NOT NULL,
        status          TEXT NOT NULL,
        error           TEXT,
        stories         INTEGER NOT NULL DEFAULT 0,
        articles        INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX digests_recipient ON digests (recipient, attempted_at);
    CREATE TABLE site_blocks (
        site            TEXT NOT NULL,
        hash            TEXT NOT NULL,
        articles        INTEGER NOT NULL,
        PRIMARY KEY (site, hash)
    ) WITHOUT ROWID;
    CREATE TABLE meta (
        key             TEXT PRIMARY KEY,
        value           TEXT
    );
    """,
    # 2: articles are stored as soon as their feed is parsed and cleaned + deduplicated
    # afterwards ("enrichment"); ``enrich`` != 0 marks the ones still waiting (ENRICH_*).
    """
    ALTER TABLE articles ADD COLUMN enrich INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX articles_enrich ON articles (id) WHERE enrich != 0;
    """,
    # 3: an article whose enrichment raised is set aside with its error and retried a bounded
    # number of times (``set_aside``); the others go on
    """
    ALTER TABLE articles ADD COLUMN enrich_error TEXT;
    ALTER TABLE articles ADD COLUMN enrich_attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE articles ADD COLUMN enrich_retry_at REAL;
    """,
)

# ``articles.enrich``: what an article still needs before a digest may show it. Its ``html``
# holds the feed's own HTML until then, its ``text`` is empty and it has no dedup state.
ENRICH_DONE = 0
ENRICH_NEW = 1  # clean (or fetch the page), then dedup
ENRICH_UPDATE = 2  # changed content of a known article: clean again, keep its dedup decision
ENRICH_SUMMARY_ONLY = 4  # flag: the feed gave only a summary (a teaser by definition)
ENRICH_KIND = 3  # mask of the kind bits


def _ts(dt: datetime | None) -> float | None:
    return dt.timestamp() if dt is not None else None


def _dt(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, tz=UTC) if ts is not None else None


@dataclass(frozen=True)
class ExistingEntry:
    """An already stored article, as identity lookups return it."""

    id: int
    key: str
    guid: str | None
    canonical_url: str | None
    content_hash: str
    delivered: bool


@dataclass(frozen=True)
class ArticleRow:
    """Values for a new article row."""

    feed_url: str
    key: str
    guid: str | None
    url: str | None
    canonical_url: str | None
    content_hash: str
    text_hash: str | None
    title: str
    author: str | None
    published: datetime | None
    fetched_at: datetime
    html: str
    text: str
    site: str
    full_text_error: str | None
    # set when known at the insert (else NULL: enrichment decides them later)
    id: int | None = None  # None: SQLite's own choice (largest + 1)
    story: str | None = None
    duplicate_of: int | None = None
    dedup_reason: str | None = None
    dedup_state: bytes | None = None
    enrich: int = ENRICH_DONE


@dataclass(frozen=True)
class RawArticle:
    """An article waiting for enrichment: what cleaning and dedup need."""

    id: int
    feed_url: str
    url: str | None
    title: str  # the feed's title, "" when it gave none
    published: datetime | None
    fetched_at: datetime
    author: str | None
    html: str  # the feed's HTML (content, else summary)
    site: str
    enrich: int
    attempts: int = 0  # enrichment attempts that raised so far (``set_aside``)


@dataclass(frozen=True)
class SetAside:
    """An article whose enrichment raised: what ``status`` lists."""

    id: int
    feed_url: str
    title: str
    error: str
    attempts: int
    retry_at: datetime | None  # None: given up, stored without a dedup decision


@dataclass(frozen=True)
class PendingArticle:
    """An article not yet delivered to one recipient (digest selection input)."""

    article: StoredArticle
    story_delivered_before: bool
    canonical_delivered: bool  # its duplicate_of target already went to this recipient


@dataclass(frozen=True)
class DigestRecord:
    recipient: str
    digest_id: str
    message_id: str | None
    attempted_at: datetime
    status: str
    error: str | None
    stories: int
    articles: int


class Store:
    """The state database. Not thread-safe: one Store per thread."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        try:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(self.path), timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=30000")
            self._migrate()
        except sqlite3.Error as e:
            hint = ""
            folder = self.path.parent
            if folder.is_dir() and not os.access(folder, os.W_OK):
                hint = (
                    f"; its directory {folder} is read-only: it must be writable (the database"
                    " keeps a WAL file beside it; under systemd use StateDirectory=)"
                )
            elif "disk is full" in str(e) or "disk I/O" in str(e):
                hint = f"; free space in {folder}"
            raise StoreError(f"cannot open the state database {self.path}: {e}{hint}") from e
        except OSError as e:
            raise StoreError(f"cannot create the state directory for {self.path}: {e}") from e
        self._in_tx = False

    # ---- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("PRAGMA optimize")
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        """Apply the missing migrations. The version is read under the write lock, so two
        processes opening a fresh database at once (the daemon and a CLI command) do not both
        run the same migration."""

        def version() -> int:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

        if version() == len(MIGRATIONS):
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            current = version()
            if current > len(MIGRATIONS):
                raise StoreError(
                    f"{self.path} has schema version {current}, newer than this aggregator "
                    f"({len(MIGRATIONS)}); upgrade aggregator"
                )
            for number in range(current + 1, len(MIGRATIONS) + 1):
                for statement in _split_sql(MIGRATIONS[number - 1]):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version={number}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any error)."""
        if self._in_tx:
            yield
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise StoreError(f"cannot write to {self.path}: {e}") from e
        self._in_tx = True
        try:
            yield
        except BaseException:
            self._in_tx = False
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        self._in_tx = False
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as e:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise StoreError(f"cannot write to {self.path}: {e}") from e

    def _write(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        """One statement: inside the open transaction, or else as its own (autocommit: a
        single statement is atomic, so no BEGIN/COMMIT round trips are needed)."""
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as e:
            raise StoreError(f"cannot write to {self.path}: {e}") from e

    def integrity_check(self) -> str:
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def ping(self) -> bool:
        """Health check: the database answers a query."""
        try:
            self._db.execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    # ---- feeds -------------------------------------------------------------------------------

    def ensure_feeds(self, urls: Iterable[str]) -> None:
        """Make sure a state row exists for every configured feed (new ones are due now)."""
        with self.transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO feeds (url) VALUES (?)", [(u,) for u in urls]
            )

    def feed_states(self, urls: Iterable[str] | None = None) -> list[FeedState]:
        rows = self._db.execute("SELECT * FROM feeds ORDER BY url").fetchall()
        cols = [c[0] for c in self._db.execute("SELECT * FROM feeds LIMIT 0").description]
        wanted = set(urls) if urls is not None else None
        out = []
        for row in rows:
            r = dict(zip(cols, row, strict=True))
            if wanted is not None and r["url"] not in wanted:
                continue
            out.append(_feed_state(r))
        return out

    def feed_state(self, url: str) -> FeedState | None:
        states = self.feed_states([url])
        return states[0] if states else None

    def due_feeds(self, urls: Iterable[str], now: datetime) -> list[FeedState]:
        """Configured feeds whose next check time has come (never-checked feeds first)."""
        ts = now.timestamp()
        due = [
            s
            for s in self.feed_states(urls)
            if not s.gone and (s.next_check_at is None or s.next_check_at.timestamp() <= ts)
        ]
        due.sort(key=lambda s: s.next_check_at.timestamp() if s.next_check_at else 0.0)
        return due

    def record_poll(
        self,
        url: str,
        *,
        now: datetime,
        outcome: str,
        status: int | None,
        error: str | None,
        next_check_at: datetime | None,
        error_streak: int,
        gone: bool,
        etag: str | None = None,
        last_modified: str | None = None,
        body_hash: str | None = None,
        title: str | None = None,
        redirect_url: str | None = None,
        new_entries: int = 0,
        success: bool,
    ) -> None:
        """Write the outcome of one poll. Validators and title are kept when not given."""
        ts = now.timestamp()
        self._write(
            """
            UPDATE feeds SET
                last_fetch_at = ?, last_outcome = ?, last_status = ?, last_error = ?,
                next_check_at = ?, error_streak = ?, gone = ?,
                etag = CASE WHEN ? THEN ? ELSE etag END,
                last_modified = CASE WHEN ? THEN ? ELSE last_modified END,
                body_hash = COALESCE(?, body_hash),
                title = COALESCE(?, title),
                redirect_url = COALESCE(?, redirect_url),
                last_success_at = CASE WHEN ? THEN ? ELSE last_success_at END,
                error_since = CASE WHEN ? THEN NULL ELSE COALESCE(error_since, ?) END,
                entries_seen = entries_seen + ?
            WHERE url = ?
            """,
            (
                ts, outcome, status, error,
                _ts(next_check_at), error_streak, int(gone),
                int(success), etag,
                int(success), last_modified,
                body_hash, title, redirect_url,
                int(success), ts,
                int(success), ts,
                new_entries,
                url,
            ),
        )  # fmt: skip

    def reset_feed(self, url: str) -> None:
        """Forget a feed's Gone flag and backoff (the user re-added or edited it)."""
        self._write(
            "UPDATE feeds SET gone = 0, error_streak = 0, next_check_at = NULL WHERE url = ?",
            (url,),
        )

    # ---- articles ----------------------------------------------------------------------------

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
            for chunk in _chunks(values, 500):
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
        cur = self._write(
            """
            INSERT INTO articles (id, feed_url, key, guid, url, canonical_url, content_hash,
                text_hash, title, author, published, fetched_at, html, text, site,
                full_text_error, story, duplicate_of, dedup_reason, dedup_state, enrich)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                row.id, row.feed_url, row.key, row.guid, row.url, row.canonical_url,
                row.content_hash, row.text_hash, row.title, row.author, _ts(row.published),
                row.fetched_at.timestamp(), row.html, row.text, row.site,
                row.full_text_error, row.story, row.duplicate_of, row.dedup_reason,
                row.dedup_state, row.enrich,
            ),
        )  # fmt: skip
        assert cur.lastrowid is not None
        return int(cur.lastrowid)

    def mark_changed(
        self, article_id: int, *, title: str, html: str, content_hash: str, flags: int
    ) -> None:
        """New feed content for a stored article: keep the raw HTML and queue it for
        enrichment (an article still waiting as new stays new)."""
        self._write(
            "UPDATE articles SET title = ?, html = ?, content_hash = ?, enrich = CASE"
            " WHEN enrich & 3 = 1 THEN 1 ELSE 2 END | ? WHERE id = ?",
            (title, html, content_hash, flags, article_id),
        )

    def pending_enrichment(
        self, after_id: int, limit: int, now: datetime | None = None
    ) -> list[RawArticle]:
        """Articles waiting for enrichment with an id above ``after_id``, oldest first; an
        article set aside after an error only once its retry time (``now``) has come."""
        due = now.timestamp() if now is not None else float("inf")
        rows = self._db.execute(
            "SELECT id, feed_url, url, title, published, fetched_at, author, html, site, enrich,"
            " enrich_attempts FROM articles WHERE enrich != 0 AND id > ?"
            " AND (enrich_retry_at IS NULL OR enrich_retry_at <= ?) ORDER BY id LIMIT ?",
            (after_id, due, limit),
        ).fetchall()
        return [
            RawArticle(
                id=int(r[0]),
                feed_url=str(r[1]),
                url=r[2] if isinstance(r[2], str) else None,
                title=str(r[3]),
                published=_dt(r[4]) if isinstance(r[4], float | int) else None,
                fetched_at=_dt(float(r[5])) or datetime.now(UTC),
                author=r[6] if isinstance(r[6], str) else None,
                html=str(r[7]),
                site=str(r[8] or ""),
                enrich=int(r[9]),
                attempts=int(r[10]),
            )  # fmt: skip
            for r in rows
        ]

    def checkpoint(self) -> None:
        """Copy the WAL into the database file now, so the next writes reuse the WAL from
        its start: enrichment rewrites the rows a poll just wrote, and without this the WAL
        would hold both versions (twice the disk space at the peak)."""
        with contextlib.suppress(sqlite3.Error):  # busy or full: SQLite retries later itself
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def enrichment_backlog(self, now: datetime | None = None) -> int:
        """How many articles wait for cleaning and dedup (with ``now``: only those due, so
        not the ones set aside until a later retry)."""
        due = now.timestamp() if now is not None else float("inf")
        return int(
            self._db.execute(
                "SELECT COUNT(*) FROM articles WHERE enrich != 0"
                " AND (enrich_retry_at IS NULL OR enrich_retry_at <= ?)",
                (due,),
            ).fetchone()[0]
        )

    def set_aside(
        self,
        article_id: int,
        *,
        error: str,
        attempts: int,
        retry_at: datetime | None,
        cleaned: tuple[str, str, str] | None = None,
    ) -> None:
        """Record that enriching an article raised: its error, the attempts so far and when
        to try again.  ``retry_at`` None gives up: the article is done without a dedup
        decision (its own story, so a digest still shows it) and keeps its error.
        ``cleaned`` (title, html, text), when the cleaning itself succeeded, is stored too."""
        sets = "enrich_error = ?, enrich_attempts = ?, enrich_retry_at = ?"
        params: list[object] = [error, attempts, _ts(retry_at)]
        if cleaned is not None:
            sets += ", title = ?, html = ?, text = ?"
            params.extend(cleaned)
        if retry_at is None:
            sets += (
                ", enrich = 0, story = COALESCE(story, CAST(id AS TEXT)),"
                " dedup_reason = COALESCE(dedup_reason, 'set-aside')"
            )
        self._write(f"UPDATE articles SET {sets} WHERE id = ?", (*params, article_id))

    def set_aside_articles(self) -> list[SetAside]:
        """Articles whose enrichment raised (waiting for a retry, or given up), oldest first."""
        rows = self._db.execute(
            "SELECT id, feed_url, title, enrich_error, enrich_attempts, enrich_retry_at, enrich"
            " FROM articles WHERE enrich_error IS NOT NULL ORDER BY id"
        ).fetchall()
        return [
            SetAside(
                id=int(r[0]),
                feed_url=str(r[1]),
                title=str(r[2]),
                error=str(r[3]),
                attempts=int(r[4]),
                retry_at=_dt(r[5]) if r[6] else None,
            )  # fmt: skip
            for r in rows
        ]

    def finish_enrichment(
        self,
        article_id: int,
        *,
        title: str,
        author: str | None,
        html: str,
        text: str,
        full_text_error: str | None,
        dedup: tuple[str, str | None, int | None, str, bytes | None] | None,
    ) -> None:
        """Store the cleaned text (and, for a new article, its dedup decision:
        (text_hash, story, duplicate_of, reason, state)); the article is done."""
        if dedup is None:
            self._write(
                "UPDATE articles SET title = ?, author = ?, html = ?, text = ?,"
                " full_text_error = ?, enrich = 0, enrich_error = NULL, enrich_retry_at = NULL"
                " WHERE id = ?",
                (title, author, html, text, full_text_error, article_id),
            )
            return
        text_hash, story, duplicate_of, reason, state = dedup
        self._write(
            "UPDATE articles SET title = ?, author = ?, html = ?, text = ?, full_text_error = ?,"
            " text_hash = ?, story = ?, duplicate_of = ?, dedup_reason = ?, dedup_state = ?,"
            " enrich = 0, enrich_error = NULL, enrich_retry_at = NULL WHERE id = ?",
            (title, author, html, text, full_text_error, text_hash, story, duplicate_of, reason,
             state, article_id),
        )  # fmt: skip

    def set_dedup(
        self,
        article_id: int,
        *,
        story: str,
        duplicate_of: int | None,
        reason: str,
        state: bytes | None,
    ) -> None:
        self._write(
            "UPDATE articles SET story = ?, duplicate_of = ?, dedup_reason = ?, dedup_state = ?"
            " WHERE id = ?",
            (story, duplicate_of, reason, state, article_id),
        )

    def dedup_states(self, since: datetime) -> Iterator[tuple[int, bytes, float, str | None]]:
        """(id, state blob, fetched_at, story) of articles inside the dedup window, oldest
        first."""
        cur = self._db.execute(
            "SELECT id, dedup_state, fetched_at, story FROM articles"
            " WHERE fetched_at >= ? AND dedup_state IS NOT NULL ORDER BY id",
            (since.timestamp(),),
        )
        for r in cur:
            yield int(r[0]), bytes(r[1]), float(r[2]), r[3] if isinstance(r[3], str) else None

    def set_stories(self, stories: Mapping[int, str]) -> None:
        """Store revised story ids (dedup consolidation) in one transaction."""
        if not stories:
            return
        with self.transaction():
            try:
                self._db.executemany(
                    "UPDATE articles SET story = ? WHERE id = ?",
                    [(s, i) for i, s in stories.items()],
                )
            except sqlite3.Error as e:
                raise StoreError(f"cannot write to {self.path}: {e}") from e

    def iter_articles(self, *, enriched_only: bool = False) -> Iterator[StoredArticle]:
        """Every article, or only those cleaned and deduplicated (``enrich`` = 0; this
        includes articles given up on after errors, which carry ``enrich_error``)."""
        where = " WHERE a.enrich = 0" if enriched_only else ""
        cur = self._db.execute(f"SELECT {_ARTICLE_COLS} FROM articles a{where} ORDER BY id")
        for r in cur:
            yield _article(r)

    def article(self, article_id: int) -> StoredArticle | None:
        r = self._db.execute(
            f"SELECT {_ARTICLE_COLS} FROM articles a WHERE id = ?", (article_id,)
        ).fetchone()
        return _article(r) if r else None

    def article_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    # ---- learned per-site boilerplate ---------------------------------------------------------

    def count_site_blocks(self, site: str, hashes: Iterable[str]) -> None:
        """Count one more article of ``site`` containing each block hash (distinct per call)."""
        with self.transaction():
            self._db.executemany(
                "INSERT INTO site_blocks (site, hash, articles) VALUES (?, ?, 1)"
                " ON CONFLICT (site, hash) DO UPDATE SET articles = articles + 1",
                [(site, h) for h in dict.fromkeys(hashes)],
            )

    def add_site_blocks(self, counts: Mapping[tuple[str, str], int]) -> None:
        """``count_site_blocks`` for many articles at once: (site, hash) -> articles."""
        with self.transaction():
            self._db.executemany(
                "INSERT INTO site_blocks (site, hash, articles) VALUES (?, ?, ?)"
                " ON CONFLICT (site, hash) DO UPDATE SET articles = articles + excluded.articles",
                [(site, h, n) for (site, h), n in counts.items()],
            )

    def learned_blocks(self, site: str, min_articles: int) -> frozenset[str]:
        rows = self._db.execute(
            "SELECT hash FROM site_blocks WHERE site = ? AND articles >= ?", (site, min_articles)
        ).fetchall()
        return frozenset(r[0] for r in rows)

    def undelivered_from_site(self, site: str) -> list[tuple[int, str, str]]:
        """(id, text, html) of articles of a site that no recipient has received yet."""
        rows = self._db.execute(
            """
            SELECT a.id, a.text, a.html FROM articles a
            WHERE a.site = ? AND a.enrich = 0
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.article_id = a.id)
            ORDER BY a.id
            """,
            (site,),
        ).fetchall()
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def update_article_text(self, article_id: int, *, html: str, text: str) -> None:
        self._write("UPDATE articles SET html = ?, text = ? WHERE id = ?", (html, text, article_id))

    # ---- digest ------------------------------------------------------------------------------

    def pending_for(
        self, recipient: str, feed_urls: Iterable[str] | None = None
    ) -> list[PendingArticle]:
        """Articles not yet delivered to ``recipient``, oldest first."""
        rows = self._db.execute(
            f"""
            SELECT {_ARTICLE_COLS},
                EXISTS (SELECT 1 FROM deliveries d JOIN articles b ON b.id = d.article_id
                        WHERE d.recipient = ? AND b.story = a.story AND a.story IS NOT NULL),
                EXISTS (SELECT 1 FROM deliveries d
                        WHERE d.recipient = ? AND d.article_id = a.duplicate_of)
            FROM articles a
            WHERE a.enrich = 0
              AND NOT EXISTS (SELECT 1 FROM deliveries d
                              WHERE d.recipient = ? AND d.article_id = a.id)
            ORDER BY a.id
            """,
            (recipient, recipient, recipient),
        ).fetchall()
        wanted = set(feed_urls) if feed_urls is not None else None
        out = []
        for r in rows:
            art = _article(r[:-2])
            if wanted is not None and art.feed_url not in wanted:
                continue
            out.append(PendingArticle(art, bool(r[-2]), bool(r[-1])))
        return out

    def mark_delivered(
        self, recipient: str, digest_id: str, article_ids: Iterable[int], now: datetime
    ) -> None:
        with self.transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO deliveries (recipient, article_id, digest_id, delivered_at)"
                " VALUES (?, ?, ?, ?)",
                [(recipient, i, digest_id, now.timestamp()) for i in dict.fromkeys(article_ids)],
            )

    def record_digest(
        self,
        recipient: str,
        digest_id: str,
        *,
        now: datetime,
        status: str,
        message_id: str | None = None,
        error: str | None = None,
        stories: int = 0,
        articles: int = 0,
    ) -> None:
        self._write(
            "INSERT INTO digests (recipient, digest_id, message_id, attempted_at, status, error,"
            " stories, articles) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (recipient, digest_id, message_id, now.timestamp(), status, error, stories, articles),
        )

    def last_digests(self) -> list[DigestRecord]:
        """The latest attempt per recipient, plus the latest success if different."""
        rows = self._db.execute(
            """
            SELECT recipient, digest_id, message_id, attempted_at, status, error, stories,
                   articles FROM digests
            WHERE id IN (SELECT MAX(id) FROM digests GROUP BY recipient)
               OR id IN (SELECT MAX(id) FROM digests WHERE status = 'sent' GROUP BY recipient)
            ORDER BY recipient, id
            """
        ).fetchall()
        return [
            DigestRecord(r[0], r[1], r[2], _dt(r[3]) or datetime.now(UTC), r[4], r[5], r[6], r[7])
            for r in rows
        ]

    def last_sent_at(self, recipient: str | None = None) -> datetime | None:
        if recipient is None:
            r = self._db.execute(
                "SELECT MAX(attempted_at) FROM digests WHERE status IN ('sent', 'empty')"
            ).fetchone()
        else:
            r = self._db.execute(
                "SELECT MAX(attempted_at) FROM digests WHERE status IN ('sent', 'empty')"
                " AND recipient = ?",
                (recipient,),
            ).fetchone()
        return _dt(r[0]) if r and r[0] is not None else None

    def get_meta(self, key: str) -> str | None:
        r = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if r is None else (None if r[0] is None else str(r[0]))

    def set_meta(self, key: str, value: str | None) -> None:
        self._write(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # ---- retention ---------------------------------------------------------------------------

    def prune(self, *, delivered_before: datetime, keep_dedup_since: datetime) -> int:
        """Delete articles delivered to every recipient before ``delivered_before`` and older
        than the dedup window. Returns the number deleted."""
        with self.transaction():
            cur = self._db.execute(
                """
                DELETE FROM articles WHERE fetched_at < ? AND id IN (
                    SELECT article_id FROM deliveries GROUP BY article_id
                    HAVING MAX(delivered_at) < ?)
                """,
                (keep_dedup_since.timestamp(), delivered_before.timestamp()),
            )
            n = cur.rowcount
            self._db.execute(
                "DELETE FROM deliveries WHERE article_id NOT IN (SELECT id FROM articles)"
            )
            self._db.execute(
                "DELETE FROM digests WHERE attempted_at < ?", (delivered_before.timestamp(),)
            )
        return int(n)


_ARTICLE_COLS = (
    "a.id, a.feed_url, a.key, a.url, a.title, a.published, a.fetched_at, a.author, a.html,"
    " a.text, a.story, a.duplicate_of, a.enrich_error"
)


def _article(r: Sequence[object]) -> StoredArticle:
    return StoredArticle(
        id=int(r[0]),  # type: ignore[call-overload]
        feed_url=str(r[1]),
        key=str(r[2]),
        url=r[3] if isinstance(r[3], str) else None,
        title=str(r[4]),
        published=_dt(r[5]) if isinstance(r[5], float | int) else None,
        fetched_at=_dt(float(r[6])) or datetime.now(UTC),  # type: ignore[arg-type]
        author=r[7] if isinstance(r[7], str) else None,
        html=str(r[8]),
        text=str(r[9]),
        story=r[10] if isinstance(r[10], str) else None,
        duplicate_of=int(r[11]) if isinstance(r[11], int) else None,
        enrich_error=r[12] if isinstance(r[12], str) else None,
    )


def _feed_state(r: dict[str, object]) -> FeedState:
    def f(k: str) -> float | None:
        v = r[k]
        return float(v) if isinstance(v, int | float) else None

    def s(k: str) -> str | None:
        v = r[k]
        return v if isinstance(v, str) else None

    return FeedState(
        url=str(r["url"]),
        name=s("name"),
        title=s("title"),
        etag=s("etag"),
        last_modified=s("last_modified"),
        body_hash=s("body_hash"),
        next_check_at=_dt(f("next_check_at")),
        last_fetch_at=_dt(f("last_fetch_at")),
        last_success_at=_dt(f("last_success_at")),
        last_outcome=s("last_outcome"),
        last_status=int(r["last_status"]) if isinstance(r["last_status"], int) else None,
        last_error=s("last_error"),
        error_streak=int(r["error_streak"]) if isinstance(r["error_streak"], int) else 0,
        gone=bool(r["gone"]),
        redirect_url=s("redirect_url"),
        entries_seen=int(r["entries_seen"]) if isinstance(r["entries_seen"], int) else 0,
    )


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _chunks(values: Sequence[str], n: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(values), n):
        yield values[i : i + n]
