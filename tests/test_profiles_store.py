"""Delivery state per profile in the store (issue 15): migration 9 carries the state of a
database from before profiles over to the default profile, one profile's marks never touch
another's, and retention prunes only what every reader is done with."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from aggregator.store import MIGRATIONS, DigestRecord, Store
from aggregator.store.migrations import split_sql
from aggregator.types import DEFAULT_PROFILE
from tests.test_store import T0, row


def _version_8_database(path: Path) -> None:
    """A database as the release before profiles left it: two articles, one delivered to
    the reader (and its digest recorded), one pending."""
    con = sqlite3.connect(path, isolation_level=None)
    for number, script in enumerate(MIGRATIONS[:8], 1):
        for statement in split_sql(script):
            con.execute(statement)
        con.execute(f"PRAGMA user_version={number}")
    for i in (1, 2):
        con.execute(
            "INSERT INTO articles (id, feed_url, key, content_hash, title, fetched_at, html, text,"
            " story) VALUES (?, 'https://f.example/rss', ?, ?, 'T', ?, '<p>x</p>', 'x', ?)",
            (i, f"g:{i}", f"h{i}", T0.timestamp(), f"s{i}"),
        )
    con.execute(
        "INSERT INTO deliveries (recipient, article_id, digest_id, delivered_at)"
        " VALUES ('me@x.org', 1, 'd1', ?)",
        (T0.timestamp(),),
    )
    con.execute(
        "INSERT INTO digests (recipient, digest_id, message_id, attempted_at, status)"
        " VALUES ('me@x.org', 'd1', '<digest-d1@x.org>', ?, 'sent')",
        (T0.timestamp(),),
    )
    con.close()


def test_migration_9_carries_delivered_state_to_the_default_profile(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    _version_8_database(db)
    with Store(db) as s:
        assert s.integrity_check() == "ok"
        # nothing delivered before the upgrade is offered again; the pending one still is
        assert [p.article.id for p in s.pending_for("me@x.org")] == [2]
        assert [p.article.id for p in s.pending_for("me@x.org", profile=DEFAULT_PROFILE)] == [2]
        (rec,) = s.last_digests()
        assert (rec.profile, rec.recipient, rec.status) == (DEFAULT_PROFILE, "me@x.org", "sent")
        assert s.last_sent_at(profile=DEFAULT_PROFILE) == T0
        # the default profile has always existed: it is not a profile "added later"
        assert s.profile_since(DEFAULT_PROFILE, T0 + timedelta(days=5)).timestamp() == 0
        # another profile starts empty-handed: everything is pending for it
        assert [p.article.id for p in s.pending_for("me@x.org", profile="work")] == [1, 2]
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_one_profile_marking_never_marks_another(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as s:
        a = s.insert_article(row(key="g:1", story="s1"))
        b = s.insert_article(row(key="g:2", content_hash="x2", story="s2"))
        s.mark_delivered("me@x", "d1", [a], T0, profile="work")
        assert [p.article.id for p in s.pending_for("me@x", profile="work")] == [b]
        assert [p.article.id for p in s.pending_for("me@x", profile="home")] == [a, b]
        assert [p.article.id for p in s.pending_for("me@x")] == [a, b]
        # a story delivered to one profile is not "delivered before" for another
        c = s.insert_article(row(key="g:3", content_hash="x3", story="s1"))
        flags = {p.article.id: p.story_delivered_before for p in s.pending_for("me@x")}
        assert flags == {a: False, b: False, c: False}
        work = {
            p.article.id: p.story_delivered_before for p in s.pending_for("me@x", profile="work")
        }
        assert work == {b: False, c: True}


def test_profile_since_is_noted_once_and_filters_by_first_seen(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as s:
        old = s.insert_article(row(key="g:1", fetched_at=T0 - timedelta(days=10)))
        new = s.insert_article(row(key="g:2", content_hash="x2", fetched_at=T0))
        assert s.profile_since("late") is None
        assert s.profile_since("late", T0) == T0
        assert s.profile_since("late", T0 + timedelta(days=3)) == T0  # first time wins
        since = T0 - timedelta(days=3)
        got = [p.article.id for p in s.pending_for("me@x", profile="late", since=since)]
        assert got == [new] and old != new


def test_prune_waits_for_every_reader(tmp_path: Path) -> None:
    """An article delivered to one profile long ago stays while another profile (a weekly
    one whose digest has not gone out since) still wants it; a reader whose digest
    succeeded after the article without it (topics or filters left it out) is done."""
    cutoff = T0 - timedelta(days=30)
    keep = T0 - timedelta(days=7)
    readers = [(DEFAULT_PROFILE, "me@x"), ("weekly", "me@x")]
    with Store(tmp_path / "a.db") as s:
        art = s.insert_article(row(key="g:1", fetched_at=T0 - timedelta(days=40)))
        s.mark_delivered("me@x", "d", [art], T0 - timedelta(days=39))
        assert s.prune(delivered_before=cutoff, keep_dedup_since=keep, readers=readers) == 0
        # the weekly profile's digest succeeds without it (not one of its topics)
        at = T0 - timedelta(days=35)
        s.record_digest(DigestRecord("me@x", "w1", None, at, "sent", None, 1, 1, "weekly"))
        assert s.prune(delivered_before=cutoff, keep_dedup_since=keep, readers=readers) == 1
        assert list(s.iter_articles()) == []


def test_prune_keeps_what_a_reader_got_recently_and_what_no_digest_saw(tmp_path: Path) -> None:
    cutoff = T0 - timedelta(days=30)
    keep = T0 - timedelta(days=7)
    readers = [(DEFAULT_PROFILE, "me@x"), ("work", "you@x")]
    with Store(tmp_path / "a.db") as s:
        late = s.insert_article(row(key="g:1", fetched_at=T0 - timedelta(days=40)))
        unseen = s.insert_article(
            row(key="g:2", content_hash="u", fetched_at=T0 - timedelta(days=40))
        )
        s.mark_delivered("me@x", "d", [late], T0 - timedelta(days=39))
        s.mark_delivered("you@x", "w", [late], T0 - timedelta(days=1), profile="work")
        assert s.prune(delivered_before=cutoff, keep_dedup_since=keep, readers=readers) == 0
        assert {a.id for a in s.iter_articles()} == {late, unseen}


def test_a_digest_written_to_files_counts_as_delivered_for_catch_up(tmp_path: Path) -> None:
    # without smtp, digests are written to out_dir ("written"): a restart must not take the
    # day's digest for missed and write another one
    with Store(tmp_path / "a.db") as s:
        s.record_digest(DigestRecord("local", "d1", None, T0, "written", None, 3, 3, "home"))
        s.record_digest(DigestRecord("local", "d2", None, T0 + timedelta(hours=1), "failed",
                                     "disk full", 0, 0, "home"))  # fmt: skip
        assert s.last_sent_at(profile="home") == T0
        assert s.last_sent_at(profile="work") is None
