"""The schema: numbered migrations, applied in order when a database is opened, the same
list for both backends (SQLite and PostgreSQL).

A migration is written once, in SQLite's dialect kept to what PostgreSQL also understands;
``postgresql()`` derives PostgreSQL's text by a few word substitutions (``INTEGER PRIMARY KEY``
-> an identity column, ``REAL`` -> ``DOUBLE PRECISION``, ``BLOB`` -> ``BYTEA``, ``INTEGER`` ->
``BIGINT``, ``WITHOUT ROWID`` dropped). A statement that cannot be said that way is written
for both as ``Dialects(sqlite=..., postgresql=...)``. Adding a migration = appending one entry.

The schema version is SQLite's ``user_version`` (PostgreSQL: the ``schema_version`` table):
the number of migrations applied. Never edit a released migration; append a new one.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from aggregator.errors import StoreError


@dataclass(frozen=True)
class Dialects:
    """A migration whose text differs between the backends."""

    sqlite: str
    postgresql: str


# Each entry is one migration; the schema version is its index + 1. Never edit a released
# migration: append a new one.
MIGRATIONS: tuple[str | Dialects, ...] = (
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
    # 4: the due query (``due_feeds``) reads an index instead of every feed: the feeds not
    # gone, in the order they are due (never checked first, as 0), then by URL; the trailing
    # columns make it cover the query (SQLite reads no table row)
    """
    CREATE INDEX feeds_due ON feeds (COALESCE(next_check_at, 0), url, next_check_at, gone)
        WHERE gone = 0;
    """,
    # 5: columns nothing reads: ``name`` (the display name comes from the config, else the
    # feed's title) and ``error_since`` (``last_success_at`` says since when a feed fails).
    # Needs SQLite >= 3.35; on an older SQLite they stay, unused (see ``_runs``).
    """
    ALTER TABLE feeds DROP COLUMN name;
    ALTER TABLE feeds DROP COLUMN error_since;
    """,
    # 6: an article held back from every digest (``hold``), with the reason: older than
    # digest.max_age when first seen. Stored and exported, never mailed, never pending.
    """
    ALTER TABLE articles ADD COLUMN held TEXT;
    """,
    # 7: what an entry carries besides text (enclosures, a lead image), as ``Media`` JSON
    """
    ALTER TABLE articles ADD COLUMN media TEXT;
    """,
    # 8: blocks a site repeats, learned by near-copy (``enrich.repeats``): the text as first
    # seen, in how many independent articles, edge-only or anywhere, the feed that taught it;
    # and the articles of a site in id order (recent ones for learning, undelivered ones to
    # re-clean) from an index instead of a scan
    """
    CREATE TABLE learned_blocks (
        site            TEXT NOT NULL,
        text            TEXT NOT NULL,
        articles        INTEGER NOT NULL,
        edge            INTEGER NOT NULL,
        feed_url        TEXT,
        learned_at      REAL NOT NULL,
        PRIMARY KEY (site, text)
    );
    CREATE INDEX articles_site ON articles (site, id);
    """,
    # 9: delivery state per profile (issue 15): a delivery and a digest attempt belong to one
    # profile and one of its recipients. What was delivered before goes to the profile the
    # digest section stands for ('default', ``types.DEFAULT_PROFILE``), so nothing is sent
    # again after the upgrade. ``profiles`` notes when the store first served each profile: a
    # profile added later starts from digest.max_age before that; 'default' has always been.
    """
    CREATE TABLE deliveries_by_profile (
        profile         TEXT NOT NULL,
        recipient       TEXT NOT NULL,
        article_id      INTEGER NOT NULL,
        digest_id       TEXT NOT NULL,
        delivered_at    REAL NOT NULL,
        PRIMARY KEY (profile, recipient, article_id)
    ) WITHOUT ROWID;
    INSERT INTO deliveries_by_profile (profile, recipient, article_id, digest_id, delivered_at)
        SELECT 'default', recipient, article_id, digest_id, delivered_at FROM deliveries;
    DROP TABLE deliveries;
    ALTER TABLE deliveries_by_profile RENAME TO deliveries;
    CREATE INDEX deliveries_article ON deliveries (article_id, profile, recipient);
    ALTER TABLE digests ADD COLUMN profile TEXT NOT NULL DEFAULT 'default';
    DROP INDEX digests_recipient;
    CREATE INDEX digests_profile ON digests (profile, recipient, attempted_at);
    CREATE TABLE profiles (
        name            TEXT PRIMARY KEY,
        since           REAL NOT NULL
    );
    INSERT INTO profiles (name, since) VALUES ('default', 0);
    """,
    # 10: an article's language (``enrich.language``): the feed's declared language from the
    # poll until enrichment replaces it with the decided one (declared when plausible, else
    # detected; NULL when the text is too short to tell)
    """
    ALTER TABLE articles ADD COLUMN language TEXT;
    """,
    # 11: several workers sharing one database (PostgreSQL): a feed being polled is leased to
    # one worker until ``lease_until`` (``due_feeds`` claims, ``apply_poll`` releases), and a
    # once-only job (a profile's digest of one day) is claimed by one worker in ``claims``
    """
    ALTER TABLE feeds ADD COLUMN lease_owner TEXT;
    ALTER TABLE feeds ADD COLUMN lease_until REAL;
    CREATE TABLE claims (
        name            TEXT PRIMARY KEY,
        owner           TEXT NOT NULL,
        until           REAL NOT NULL,
        done            INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 12: enrichment shared among workers (PostgreSQL): an article being cleaned is leased to
    # one worker (``enrich_owner`` until ``enrich_until``), and each dedup decision gets a
    # number in commit order (``dedup_seq``) so every worker can catch up with the others'
    # decisions before it makes its own. SQLite has the columns and leaves them empty.
    Dialects(
        sqlite="""
        ALTER TABLE articles ADD COLUMN enrich_owner TEXT;
        ALTER TABLE articles ADD COLUMN enrich_until REAL;
        ALTER TABLE articles ADD COLUMN dedup_seq INTEGER;
        """,
        postgresql="""
        ALTER TABLE articles ADD COLUMN enrich_owner TEXT;
        ALTER TABLE articles ADD COLUMN enrich_until DOUBLE PRECISION;
        ALTER TABLE articles ADD COLUMN dedup_seq BIGINT;
        CREATE SEQUENCE articles_dedup_seq;
        CREATE INDEX articles_decided ON articles (dedup_seq) WHERE dedup_seq IS NOT NULL;
        """,
    ),
    # 13: the configured feed URLs of a config, for the due claim (PostgreSQL): stored once per
    # distinct set (``set_id``: a hash of the sorted URLs) instead of sent with every claim (50,000
    # URLs made the claim take 200 ms). Workers with one config share its rows; a set no worker
    # used for a day is dropped. SQLite keeps them in a temporary table and leaves these empty.
    """
    CREATE TABLE configured_sets (
        set_id          TEXT PRIMARY KEY,
        used_at         REAL NOT NULL
    );
    CREATE TABLE configured_feeds (
        set_id          TEXT NOT NULL,
        url             TEXT NOT NULL,
        PRIMARY KEY (set_id, url)
    );
    """,
    # 14: the copy index in the database (issue 16), so any worker can ask which stored
    # articles a chunk of new ones may copy (``dedup_candidates``): the first stage's keys (the
    # simhash fingerprint's permuted-table keys and the URL key) and the LSH band keys, both as
    # the in-memory ``Deduper`` derives them (``dedup.dbkeys``; 32-bit keys stored as signed),
    # written with each decision. ``dedup_fp`` is the fingerprint (0: none) and marks a state
    # whose keys are written: states decided before this migration are keyed when a worker
    # loads the window (``index_unkeyed``). Keys of articles that left the dedup window go
    # with retention (``prune``), by article id: a BRIN index on PostgreSQL, where rows arrive
    # in id order.
    Dialects(
        sqlite="""
        ALTER TABLE articles ADD COLUMN dedup_fp INTEGER;
        CREATE TABLE dedup_fp_keys (
            key             INT NOT NULL,
            article_id      INTEGER NOT NULL,
            PRIMARY KEY (key, article_id)
        ) WITHOUT ROWID;
        CREATE INDEX dedup_fp_keys_article ON dedup_fp_keys (article_id);
        CREATE TABLE dedup_band_keys (
            key             INT NOT NULL,
            article_id      INTEGER NOT NULL,
            PRIMARY KEY (key, article_id)
        ) WITHOUT ROWID;
        CREATE INDEX dedup_band_keys_article ON dedup_band_keys (article_id);
        CREATE INDEX articles_unkeyed ON articles (id)
            WHERE dedup_state IS NOT NULL AND dedup_fp IS NULL;
        """,
        postgresql="""
        ALTER TABLE articles ADD COLUMN dedup_fp BIGINT;
        CREATE TABLE dedup_fp_keys (
            key             INT NOT NULL,
            article_id      BIGINT NOT NULL,
            PRIMARY KEY (key, article_id)
        );
        CREATE INDEX dedup_fp_keys_article ON dedup_fp_keys USING BRIN (article_id);
        CREATE TABLE dedup_band_keys (
            key             INT NOT NULL,
            article_id      BIGINT NOT NULL,
            PRIMARY KEY (key, article_id)
        );
        CREATE INDEX dedup_band_keys_article ON dedup_band_keys USING BRIN (article_id);
        CREATE INDEX articles_unkeyed ON articles (id)
            WHERE dedup_state IS NOT NULL AND dedup_fp IS NULL;
        """,
    ),
    # 15: the copy index's lookup probes a constant number of pages per key whatever the
    # size (issue 16, docs/decisions.md): on PostgreSQL a hash index on ``key`` (one bucket
    # page per probe) replaces the B-tree primary key (key, article_id), whose probes read
    # one more level as the table grows and miss the CPU caches more; the primary key becomes
    # (article_id, key), which keeps the rows distinct, appends in id order and serves
    # retention's delete by id (the BRIN index goes). SQLite gets the same primary key and a
    # B-tree on ``key`` (a table rebuild: a WITHOUT ROWID table's key cannot be altered).
    Dialects(
        sqlite="""
        CREATE TABLE dedup_fp_keys_new (
            key             INT NOT NULL,
            article_id      INTEGER NOT NULL,
            PRIMARY KEY (article_id, key)
        ) WITHOUT ROWID;
        INSERT INTO dedup_fp_keys_new (key, article_id) SELECT key, article_id FROM dedup_fp_keys;
        DROP TABLE dedup_fp_keys;
        ALTER TABLE dedup_fp_keys_new RENAME TO dedup_fp_keys;
        CREATE INDEX dedup_fp_keys_key ON dedup_fp_keys (key);
        CREATE TABLE dedup_band_keys_new (
            key             INT NOT NULL,
            article_id      INTEGER NOT NULL,
            PRIMARY KEY (article_id, key)
        ) WITHOUT ROWID;
        INSERT INTO dedup_band_keys_new (key, article_id)
            SELECT key, article_id FROM dedup_band_keys;
        DROP TABLE dedup_band_keys;
        ALTER TABLE dedup_band_keys_new RENAME TO dedup_band_keys;
        CREATE INDEX dedup_band_keys_key ON dedup_band_keys (key);
        """,
        postgresql="""
        ALTER TABLE dedup_fp_keys DROP CONSTRAINT dedup_fp_keys_pkey;
        DROP INDEX dedup_fp_keys_article;
        ALTER TABLE dedup_fp_keys ADD PRIMARY KEY (article_id, key);
        CREATE INDEX dedup_fp_keys_key ON dedup_fp_keys USING HASH (key);
        ALTER TABLE dedup_band_keys DROP CONSTRAINT dedup_band_keys_pkey;
        DROP INDEX dedup_band_keys_article;
        ALTER TABLE dedup_band_keys ADD PRIMARY KEY (article_id, key);
        CREATE INDEX dedup_band_keys_key ON dedup_band_keys USING HASH (key);
        """,
    ),
)

# PostgreSQL's words for SQLite's, in order (whole words; ``INTEGER PRIMARY KEY`` first).
_PG_WORDS: tuple[tuple[str, str], ...] = (
    (r"\bINTEGER PRIMARY KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (r"\bINTEGER\b", "BIGINT"),
    (r"\bREAL\b", "DOUBLE PRECISION"),
    (r"\bBLOB\b", "BYTEA"),
    (r"\)\s*WITHOUT ROWID", ")"),
)


def sqlite(migration: str | Dialects) -> str:
    return migration.sqlite if isinstance(migration, Dialects) else migration


def postgresql(migration: str | Dialects) -> str:
    """The migration's PostgreSQL text."""
    if isinstance(migration, Dialects):
        return migration.postgresql
    for pattern, word in _PG_WORDS:
        migration = re.sub(pattern, word, migration)
    return migration


# ``ALTER TABLE ... DROP COLUMN`` arrived in SQLite 3.35 (2021). Older libraries skip those
# statements: the columns stay, and no query names them.
DROP_COLUMN_SINCE = (3, 35, 0)


def _runs(statement: str) -> bool:
    if "DROP COLUMN" in statement.upper():
        return sqlite3.sqlite_version_info >= DROP_COLUMN_SINCE
    return True


def split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def refuse_newer(label: str, current: int) -> None:
    """A database migrated by a newer aggregator is never touched (both backends)."""
    if current > len(MIGRATIONS):
        raise StoreError(
            f"{label} has schema version {current}, newer than this aggregator "
            f"({len(MIGRATIONS)}); upgrade aggregator"
        )


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Apply the missing migrations. The version is read under the write lock, so two
    processes opening a fresh database at once (the daemon and a CLI command) do not both
    run the same migration."""

    def version() -> int:
        return int(db.execute("PRAGMA user_version").fetchone()[0])

    if version() == len(MIGRATIONS):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        current = version()
        refuse_newer(str(path), current)
        for number in range(current + 1, len(MIGRATIONS) + 1):
            for statement in split_sql(sqlite(MIGRATIONS[number - 1])):
                if _runs(statement):
                    db.execute(statement)
            db.execute(f"PRAGMA user_version={number}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
