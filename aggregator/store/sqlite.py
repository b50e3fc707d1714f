"""State: one SQLite file (WAL), numbered migrations. All SQL lives in this package.

The YAML config is the human's and read-only to us; this database is the machine's. Times are
stored as unix seconds (REAL, UTC). Every feed poll writes in one transaction
(``with store.transaction():``), so a kill -9 at any point leaves either the whole poll or none
of it. Readers outside a transaction see committed data only.

Tables:
    feeds        one row per feed URL ever configured: HTTP validators, schedule, health
    articles     one row per distinct entry of a feed; identity (feed, key) with lookups by
                 guid, canonical link and content hash; dedup results (story, duplicate_of)
    deliveries   (profile, recipient, article) triples already delivered
    digests      one row per digest attempt per profile and recipient (status, Message-ID)
    profiles     when the store first served each profile (a late one starts from max_age)
    site_blocks  per-site counts of text blocks, for learned boilerplate (exact copies)
    learned_blocks  per-site blocks learned by near-copy, with their text (enrich.repeats)
    meta         schema version and small key/value facts
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime

from aggregator.dedup.dbkeys import stored_keys
from aggregator.errors import StoreError
from aggregator.store.connection import dt as _dt
from aggregator.store.connection import ts as _ts
from aggregator.store.dedup_index import DedupIndexStore, signed64, stored_state
from aggregator.store.facts import StoreFacts, read_facts
from aggregator.store.records import DigestRecord, PendingArticle, RawArticle, SetAside
from aggregator.types import DEFAULT_PROFILE, LearnedBlock, Media, StoredArticle

# the columns of an article waiting for enrichment, as ``raw_article`` reads them
RAW_COLUMNS = (
    "id, feed_url, url, title, published, fetched_at, author, html, site, enrich,"
    " enrich_attempts, language"
)


def raw_article(r: Sequence[object]) -> RawArticle:
    return RawArticle(
        id=int(str(r[0])),
        feed_url=str(r[1]),
        url=r[2] if isinstance(r[2], str) else None,
        title=str(r[3]),
        published=_dt(r[4]) if isinstance(r[4], float | int) else None,
        fetched_at=_dt(float(str(r[5]))) or datetime.now(UTC),
        author=r[6] if isinstance(r[6], str) else None,
        html=str(r[7]),
        site=str(r[8] or ""),
        enrich=int(str(r[9])),
        attempts=int(str(r[10])),
        language=r[11] if isinstance(r[11], str) else None,
    )  # fmt: skip


class Store(DedupIndexStore):
    """The state database in one SQLite file. Not thread-safe: one Store per thread.

    ``PollStore`` holds the feeds and the poll's writes, ``Connection`` the connection itself,
    ``DedupIndexStore`` the copy index's keys; ``aggregator.store.interface.StateStore``
    names what the stages use."""

    # ---- articles: enrichment ----------------------------------------------------------------

    def pending_enrichment(
        self, after_id: int, limit: int, now: datetime | None = None
    ) -> list[RawArticle]:
        """Articles waiting for enrichment with an id above ``after_id``, oldest first; an
        article set aside after an error only once its retry time (``now``) has come."""
        due = now.timestamp() if now is not None else float("inf")
        rows = self._db.execute(
            f"SELECT {RAW_COLUMNS} FROM articles WHERE enrich != 0 AND id > ?"
            " AND (enrich_retry_at IS NULL OR enrich_retry_at <= ?) ORDER BY id LIMIT ?",
            (after_id, due, limit),
        ).fetchall()
        return [raw_article(r) for r in rows]

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
        language: str | None = None,
    ) -> None:
        """Store the cleaned text and its ``language`` (and, for a new article, its dedup
        decision: (text_hash, story, duplicate_of, reason, state), and the state's keys in
        the copy index); the article is done."""
        if dedup is None:
            self._write(
                "UPDATE articles SET title = ?, author = ?, html = ?, text = ?,"
                " full_text_error = ?, language = ?, enrich = 0, enrich_error = NULL,"
                " enrich_retry_at = NULL WHERE id = ?",
                (title, author, html, text, full_text_error, language, article_id),
            )
            return
        text_hash, story, duplicate_of, reason, state = dedup
        keys = stored_keys(state)  # the copy index's keys, written in the same transaction
        with self.transaction():
            self._write(
                "UPDATE articles SET title = ?, author = ?, html = ?, text = ?,"
                " full_text_error = ?, language = ?, text_hash = ?, story = ?, duplicate_of = ?,"
                " dedup_reason = ?, dedup_state = ?, dedup_fp = ?, enrich = 0,"
                " enrich_error = NULL, enrich_retry_at = NULL WHERE id = ?",
                (title, author, html, text, full_text_error, language, text_hash, story,
                 duplicate_of, reason, state, None if state is None else signed64(keys.fingerprint),
                 article_id),
            )  # fmt: skip
            self._index_decisions([(article_id, keys)])

    def dedup_states(self, since: datetime) -> Iterator[tuple[int, bytes, float, str | None]]:
        """(id, state blob, fetched_at, story) of articles inside the dedup window, oldest
        first."""
        cur = self._db.execute(
            "SELECT id, dedup_state, fetched_at, story FROM articles"
            " WHERE fetched_at >= ? AND dedup_state IS NOT NULL ORDER BY id",
            (since.timestamp(),),
        )
        for r in cur:
            yield stored_state(r)

    # Several workers deciding dedup on one database (PostgreSQL overrides these; an SQLite
    # file has one daemon, whose in-memory index already holds every decision).

    def own_for_decision(self, article_ids: Sequence[int]) -> set[int]:
        """Inside the transaction that stores a chunk's dedup decisions: the articles of
        ``article_ids`` this worker may still decide (here: all of them)."""
        return set(article_ids)

    def publish_decisions(self, article_ids: Sequence[int]) -> None:
        """Number the decisions just stored for the other workers (``dedup_changes``)."""

    def dedup_watermark(self) -> int:
        """The number of the latest dedup decision the others can see (``dedup_changes``)."""
        return 0

    def dedup_changes(self, after: int) -> list[tuple[int, int, bytes, float, str | None]]:
        """(number, id, state blob, fetched_at, story) of the decisions numbered above
        ``after``, in order: what other workers decided since."""
        return []

    def release_enrichment(self) -> None:
        """Give back the articles this worker claimed for enrichment (a clean stop)."""

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

    def article_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def facts(self, now: datetime, recipients: Sequence[str]) -> StoreFacts:
        """The counts `/metrics` and `status --json` show (``store.facts``)."""
        return read_facts(self._db, now, recipients)

    # ---- learned per-site boilerplate ---------------------------------------------------------

    def add_site_blocks(self, counts: Mapping[tuple[str, str], int]) -> None:
        """Count the articles of each site containing each block hash, for many articles at
        once: (site, hash) -> articles (each article counts a hash once)."""
        with self.transaction():
            self._db.executemany(
                "INSERT INTO site_blocks (site, hash, articles) VALUES (?, ?, ?)"
                " ON CONFLICT (site, hash) DO UPDATE"
                " SET articles = site_blocks.articles + excluded.articles",
                [(site, h, n) for (site, h), n in counts.items()],
            )

    def learned_blocks(self, site: str, min_articles: int) -> frozenset[str]:
        rows = self._db.execute(
            "SELECT hash FROM site_blocks WHERE site = ? AND articles >= ?", (site, min_articles)
        ).fetchall()
        return frozenset(r[0] for r in rows)

    def undelivered_from_site(self, site: str) -> list[tuple[int, str, str, str]]:
        """(id, feed URL, text, html) of articles of a site no recipient has received yet."""
        rows = self._db.execute(
            """
            SELECT a.id, a.feed_url, a.text, a.html FROM articles a
            WHERE a.site = ? AND a.enrich = 0
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.article_id = a.id)
            ORDER BY a.id
            """,
            (site,),
        ).fetchall()
        return [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def recent_site_texts(self, site: str, limit: int) -> list[tuple[int, str]]:
        """(id, text) of the ``limit`` latest cleaned articles of a site, newest first."""
        rows = self._db.execute(
            "SELECT id, text FROM articles WHERE site = ? AND enrich = 0 ORDER BY id DESC LIMIT ?",
            (site, limit),
        ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def recent_site_titles(self, site: str, limit: int) -> list[str]:
        """The titles of the ``limit`` latest articles of a site (cleaned or not), newest first."""
        rows = self._db.execute(
            "SELECT title FROM articles WHERE site = ? ORDER BY id DESC LIMIT ?", (site, limit)
        ).fetchall()
        return [str(r[0]) for r in rows if r[0]]

    def site_learned(self, site: str, limit: int) -> tuple[LearnedBlock, ...]:
        """The near-copy blocks a site has learned, the most seen first (at most ``limit``)."""
        rows = self._db.execute(
            "SELECT text, articles, edge FROM learned_blocks WHERE site = ?"
            " ORDER BY articles DESC, learned_at LIMIT ?",
            (site, limit),
        ).fetchall()
        return tuple(LearnedBlock(str(r[0]), int(r[1]), bool(r[2])) for r in rows)

    def add_learned(
        self, site: str, blocks: Sequence[LearnedBlock], *, feed_url: str | None, now: datetime
    ) -> None:
        """Record blocks a site has learned (again: the larger count, anywhere wins)."""
        with self.transaction():
            self._db.executemany(
                "INSERT INTO learned_blocks (site, text, articles, edge, feed_url, learned_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site, text) DO UPDATE SET articles ="
                " CASE WHEN excluded.articles > learned_blocks.articles THEN excluded.articles"
                " ELSE learned_blocks.articles END, edge = CASE WHEN excluded.edge"
                " < learned_blocks.edge THEN excluded.edge ELSE learned_blocks.edge END",
                [(site, b.text, b.articles, int(b.edge), feed_url, _ts(now)) for b in blocks],
            )

    def learned_report(self) -> list[tuple[str, str | None, LearnedBlock]]:
        """(site, feed that taught it, block) of every learned block, for ``status``."""
        rows = self._db.execute(
            "SELECT site, feed_url, text, articles, edge FROM learned_blocks"
            " ORDER BY site, articles DESC, learned_at"
        ).fetchall()
        return [
            (
                str(r[0]),
                None if r[1] is None else str(r[1]),
                LearnedBlock(str(r[2]), int(r[3]), bool(r[4])),
            )
            for r in rows
        ]

    def update_article_text(self, article_id: int, *, html: str, text: str) -> None:
        self._write("UPDATE articles SET html = ?, text = ? WHERE id = ?", (html, text, article_id))

    # ---- digest ------------------------------------------------------------------------------

    def pending_for(
        self,
        recipient: str,
        feed_urls: Iterable[str] | None = None,
        *,
        profile: str = DEFAULT_PROFILE,
        since: datetime | None = None,
    ) -> list[PendingArticle]:
        """Articles not yet delivered to ``recipient`` of ``profile``, oldest first; with
        ``since``, only those first seen at or after it (a profile added later)."""
        rows = self._db.execute(
            f"""
            SELECT {_ARTICLE_COLS},
                EXISTS (SELECT 1 FROM deliveries d JOIN articles b ON b.id = d.article_id
                        WHERE d.profile = :p AND d.recipient = :r AND b.story = a.story
                          AND a.story IS NOT NULL),
                EXISTS (SELECT 1 FROM deliveries d
                        WHERE d.profile = :p AND d.recipient = :r AND d.article_id = a.duplicate_of)
            FROM articles a
            WHERE a.enrich = 0 AND a.held IS NULL AND a.fetched_at >= :since
              AND NOT EXISTS (SELECT 1 FROM deliveries d
                              WHERE d.profile = :p AND d.recipient = :r AND d.article_id = a.id)
            ORDER BY a.id
            """,
            {"p": profile, "r": recipient, "since": _ts(since) if since else float("-inf")},
        ).fetchall()
        wanted = set(feed_urls) if feed_urls is not None else None
        out = []
        for r in rows:
            art = _article(r[:-2])
            if wanted is not None and art.feed_url not in wanted:
                continue
            out.append(PendingArticle(art, bool(r[-2]), bool(r[-1])))
        return out

    def profile_since(self, name: str, now: datetime | None = None) -> datetime | None:
        """When the store first served profile ``name``; with ``now``, a profile not seen
        before is noted as starting then (and ``now`` returned). None: never served."""
        if now is not None:
            self._write(
                "INSERT INTO profiles (name, since) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, now.timestamp()),
            )
        r = self._db.execute("SELECT since FROM profiles WHERE name = ?", (name,)).fetchone()
        return _dt(float(r[0])) if r is not None else None

    def hold(self, reasons: Mapping[int, str]) -> None:
        """Hold articles back from every digest, each with its reason (``digest.max_age``):
        still stored and exported, never pending again."""
        if not reasons:
            return
        with self.transaction():
            self._db.executemany(
                "UPDATE articles SET held = ? WHERE id = ? AND held IS NULL",
                [(why, i) for i, why in reasons.items()],
            )

    def mark_delivered(
        self,
        recipient: str,
        digest_id: str,
        article_ids: Iterable[int],
        now: datetime,
        *,
        profile: str = DEFAULT_PROFILE,
    ) -> None:
        """Note articles delivered to ``recipient`` of ``profile`` (and to no one else)."""
        with self.transaction():
            self._db.executemany(
                "INSERT INTO deliveries"
                " (profile, recipient, article_id, digest_id, delivered_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [
                    (profile, recipient, i, digest_id, now.timestamp())
                    for i in dict.fromkeys(article_ids)
                ],
            )

    def record_digest(self, record: DigestRecord) -> None:
        """Note one digest attempt (status, Message-ID, error, counts) of a profile's
        recipient."""
        r = record
        self._write(
            "INSERT INTO digests (profile, recipient, digest_id, message_id, attempted_at, status,"
            " error, stories, articles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (r.profile, r.recipient, r.digest_id, r.message_id, r.attempted_at.timestamp(),
             r.status, r.error, r.stories, r.articles),
        )  # fmt: skip

    def last_digests(self) -> list[DigestRecord]:
        """The latest attempt per profile and recipient, plus the latest success if different."""
        rows = self._db.execute(
            """
            SELECT recipient, digest_id, message_id, attempted_at, status, error, stories,
                   articles, profile FROM digests
            WHERE id IN (SELECT MAX(id) FROM digests GROUP BY profile, recipient)
               OR id IN (SELECT MAX(id) FROM digests WHERE status = 'sent'
                         GROUP BY profile, recipient)
            ORDER BY profile, recipient, id
            """
        ).fetchall()
        return [
            DigestRecord(
                r[0], r[1], r[2], _dt(r[3]) or datetime.now(UTC), r[4], r[5], r[6], r[7], r[8]
            )  # fmt: skip
            for r in rows
        ]

    def last_sent_at(
        self, recipient: str | None = None, *, profile: str | None = None
    ) -> datetime | None:
        """The latest digest delivered (mailed, or written to out_dir without smtp) or found
        empty, to ``recipient`` and of ``profile`` when given, else to anyone."""
        r = self._db.execute(
            "SELECT MAX(attempted_at) FROM digests WHERE status IN ('sent', 'written', 'empty')"
            # typed: PostgreSQL cannot infer the type of a parameter only compared with NULL
            " AND (CAST(:r AS TEXT) IS NULL OR recipient = :r)"
            " AND (CAST(:p AS TEXT) IS NULL OR profile = :p)",
            {"r": recipient, "p": profile},
        ).fetchone()
        return _dt(r[0]) if r and r[0] is not None else None

    # ---- retention ---------------------------------------------------------------------------

    def prune(
        self,
        *,
        delivered_before: datetime,
        keep_dedup_since: datetime,
        readers: Sequence[tuple[str, str]] | None = None,
        keys_since: datetime | None = None,
    ) -> int:
        """Delete the articles no reader needs any more, older than the dedup window and
        first seen before ``delivered_before``. ``readers``: the (profile, recipient) pairs
        in force (None: every pair that was ever delivered to). An article is done for a
        reader when it was delivered to it before ``delivered_before``, or when that reader
        has had a digest succeed since the article arrived without it (its topics or filters
        left it out). The copy index keeps the keys of the articles fetched since
        ``keys_since`` (the dedup window's start; default ``keep_dedup_since``). Returns the
        number deleted."""
        with self.transaction():
            self._db.execute(
                "CREATE TEMP TABLE IF NOT EXISTS prune_readers (profile TEXT, recipient TEXT)"
            )
            self._db.execute("DELETE FROM prune_readers")
            if readers is None:
                self._db.execute(
                    "INSERT INTO prune_readers SELECT DISTINCT profile, recipient FROM deliveries"
                )
            else:
                self._db.executemany(
                    "INSERT INTO prune_readers VALUES (?, ?)", list(dict.fromkeys(readers))
                )
            cur = self._db.execute(
                _PRUNE, {"keep": keep_dedup_since.timestamp(), "cut": delivered_before.timestamp()}
            )
            n = cur.rowcount
            self._db.execute(
                "DELETE FROM deliveries WHERE article_id NOT IN (SELECT id FROM articles)"
            )
            self._db.execute(
                "DELETE FROM digests WHERE attempted_at < ?", (delivered_before.timestamp(),)
            )
            self._db.execute("DELETE FROM claims WHERE until < ?", (delivered_before.timestamp(),))
            self._prune_dedup_keys(keys_since or keep_dedup_since)
        return int(n)


# An article is pruned when every reader is done with it (see ``Store.prune``), and some
# reader had it delivered or a digest succeed after it: an article no digest has looked at
# yet stays. :keep: the dedup window's start, :cut: the retention cutoff.
_PRUNE = """
DELETE FROM articles WHERE id IN (
    SELECT a.id FROM articles a
    WHERE a.fetched_at < :keep AND a.fetched_at < :cut AND a.enrich = 0
      AND EXISTS (SELECT 1 FROM prune_readers)
      AND NOT EXISTS (
        SELECT 1 FROM prune_readers k
        WHERE NOT EXISTS (
            SELECT 1 FROM deliveries d
            WHERE d.article_id = a.id AND d.profile = k.profile AND d.recipient = k.recipient
              AND d.delivered_at < :cut)
          AND (EXISTS (
                SELECT 1 FROM deliveries d
                WHERE d.article_id = a.id AND d.profile = k.profile AND d.recipient = k.recipient)
            OR NOT EXISTS (
                SELECT 1 FROM digests g
                WHERE g.profile = k.profile AND g.recipient = k.recipient
                  AND g.status IN ('sent', 'written', 'empty') AND g.attempted_at > a.fetched_at))
      )
)
"""


_ARTICLE_COLS = (
    "a.id, a.feed_url, a.key, a.url, a.title, a.published, a.fetched_at, a.author, a.html,"
    " a.text, a.story, a.duplicate_of, a.enrich_error, a.held, a.media, a.language,"
    " a.full_text_error"
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
        held=r[13] if isinstance(r[13], str) else None,
        media=Media.from_json(r[14] if isinstance(r[14], str) else None),
        language=r[15] if isinstance(r[15], str) else None,
        full_text_error=r[16] if isinstance(r[16], str) else None,
    )
