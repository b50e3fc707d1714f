"""The catalog of every fault tried: one list that the tests run and the docs table shows.

Scheme
------
Each :class:`Fault` record says what is done to the daemon (``fault``), what must happen
(``expected``) and what the suite last observed (``observed``): a short, deterministic string
that the fault's test *computes* from real behaviour (outcome, counts, flags) and asserts equal
to the record. So the table cannot claim a result the code does not give: change behaviour
and the test fails until someone looks and updates the record (and the doc).

``test`` is ``None`` when this suite exercises the fault itself (tests parametrize over the
records of their area, see ``by_area``); otherwise it names the existing test that already
covers it, and the record is listed for completeness (the drift test checks that test exists).
``bug`` marks a fault that shows a real bug: the test is written as it should behave and is
``xfail(strict=True)`` with that reason, and the table says so.

``python -m tests.faults.catalog > docs/reliability.md`` regenerates the doc; a test checks
that the committed doc equals :func:`render` output.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    id: str
    area: str
    fault: str
    expected: str
    observed: str
    test: str | None = None  # an existing test covering it; None: tests/faults runs it
    bug: str | None = None  # a known bug: the test is xfail(strict) with this reason


AREAS = {
    "feed": "Feed servers and feed documents",
    "page": "Article pages",
    "mail": "Mail delivery",
    "process": "Process kills and disk",
    "config": "Config files",
    "enrich": "Cleaning and dedup of untrusted entries",
    "property": "Property tests (hypothesis)",
}

# Which file of tests/faults runs the records of each area.
AREA_FILES = {
    "feed": "tests/faults/test_feeds.py",
    "page": "tests/faults/test_pages.py",
    "mail": "tests/faults/test_mail.py",
    "process": "tests/faults/test_kill.py, test_disk.py, test_daemon_world.py",
    "config": "tests/faults/test_config_faults.py",
    "enrich": "tests/test_messy_input.py",
    "property": "tests/faults/test_properties.py",
}

_E = "existing test passes"

FAULTS: list[Fault] = [
    # ---- feed servers and documents (tests/faults/test_feeds.py) ---------------------------
    Fault(
        "feed-slowloris",
        "feed",
        "feed server sends 64 bytes per second (slowloris)",
        "feed times out at fetch.timeout; other feeds polled",
        "outcome=timeout new=0",
    ),
    Fault(
        "feed-endless-body",
        "feed",
        "endless chunked body",
        "stops at max_bytes, error names the cap",
        "outcome=too_large new=0",
    ),
    Fault(
        "feed-gzip-bomb",
        "feed",
        "gzip bomb (200 MB of zeros, ~200 KB on the wire)",
        "decompression stops at max_bytes; memory bounded",
        "outcome=too_large new=0",
    ),
    Fault(
        "feed-redirect-loop",
        "feed",
        "redirect loop a -> b -> a",
        "too_many_redirects, error says loop",
        "outcome=too_many_redirects new=0",
    ),
    Fault(
        "feed-reset-mid-body",
        "feed",
        "connection closed mid-body (Content-Length not met)",
        "network error; nothing half-stored",
        "outcome=network new=0",
    ),
    Fault(
        "feed-html-with-alternate",
        "feed",
        "HTML page with <link rel=alternate> instead of a feed",
        "the named feed is discovered and polled",
        "outcome=ok new=2; stored=2",
    ),
    Fault(
        "feed-html-without-feed",
        "feed",
        "HTML page naming no feed",
        "parse_error: 'an HTML page, not a feed, and it names no feed'",
        "outcome=parse_error new=0",
    ),
    Fault(
        "feed-malformed-xml",
        "feed",
        "malformed XML (tests/feeds/malformed.xml)",
        "keeps the entries it can read and says the feed is not well-formed",
        "outcome=ok new=2; stored=2",
    ),
    Fault(
        "feed-truncated-xml",
        "feed",
        "XML cut off 900 bytes before the end",
        "keeps the complete entries and says the feed is not well-formed",
        "outcome=ok new=4; stored=4",
    ),
    Fault(
        "feed-garbage-bytes",
        "feed",
        "binary garbage served as a feed",
        "parse_error 'not a feed'",
        "outcome=parse_error new=0",
    ),
    Fault(
        "feed-billion-laughs",
        "feed",
        "entity-expansion XML (billion laughs)",
        "no expansion, bounded time and memory; says the feed is not well-formed",
        "outcome=ok new=1; stored=1 expanded=no",
    ),
    Fault(
        "feed-10000-entries",
        "feed",
        "one feed with 10,000 entries",
        "newest 500 taken per poll, the rest on the next polls (no 304 until all are in); "
        "time bounded",
        "outcome=ok new=500 skipped=9500; stored=500",
    ),
    Fault(
        "feed-nul-bytes",
        "feed",
        "NUL bytes inside title and content",
        "stored without NUL bytes; says the feed is not well-formed",
        "outcome=ok new=1; stored=1 nul_free=True",
    ),
    Fault(
        "feed-invalid-utf8",
        "feed",
        "invalid UTF-8 bytes in a declared-UTF-8 feed",
        "decoded with replacement; entry kept",
        "outcome=ok new=1; stored=1 title_has_cafe=True",
    ),
    Fault(
        "feed-dates-9999-missing",
        "feed",
        "dates in year 9999, missing, unparseable",
        "entries kept; no date in the future stored",
        "outcome=ok new=3; stored=3 published_in_future=0",
    ),
    Fault(
        "feed-duplicate-guids",
        "feed",
        "two entries with the same GUID in one document",
        "stored once, the other skipped",
        "outcome=ok new=1 skipped=1; stored=1",
    ),
    Fault(
        "feed-guid-churn",
        "feed",
        "feed changes every GUID on each poll (same link, text)",
        "recognised by canonical link: no new article on the second poll",
        "outcome=ok new=1; outcome=ok new=0; stored=1",
    ),
    Fault(
        "feed-server-500-forever",
        "feed",
        "feed answers 500",
        "server_error with backoff; other feeds fine",
        "outcome=server_error new=0",
    ),
    Fault(
        "feed-redirect-private",
        "feed",
        "redirect from a public host to a private address",
        "blocked before connecting",
        _E,
        test="tests/test_fetch.py::test_redirect_to_private_address_is_refused",
    ),
    Fault(
        "feed-private-target",
        "feed",
        "feed URL on loopback without allow_private",
        "blocked, error names the setting",
        _E,
        test="tests/test_pipeline.py::test_private_address_refused_without_allow_private",
    ),
    Fault(
        "feed-oversized-declared",
        "feed",
        "Content-Length above max_bytes",
        "refused before reading",
        _E,
        test="tests/test_fetch.py::test_oversized_body",
    ),
    Fault(
        "feed-status-table",
        "feed",
        "404/410/401/403/429/5xx statuses, Retry-After",
        "classified and scheduled",
        _E,
        test="tests/test_fetch.py::test_error_statuses",
    ),
    Fault(
        "feed-wrong-encoding",
        "feed",
        "feed whose declared encoding is wrong",
        "recovered",
        _E,
        test="tests/test_parse.py::test_wrong_declared_encoding_is_recovered",
    ),
    # ---- article pages (tests/faults/test_pages.py) ----------------------------------------
    Fault(
        "page-hostile-html",
        "page",
        "article page with script, on* handlers, javascript:/data:/vbscript: links, CSS "
        "expression(), tracking pixel, iframe, svg onload, form",
        "text kept; none of it reaches the stored HTML or the digest",
        "stored text from page; digest html clean",
    ),
    Fault(
        "page-hostile-feed-html",
        "page",
        "the same hostile HTML as the feed's own content",
        "text kept; none of it reaches the stored HTML or the digest",
        "stored text from feed; digest html clean",
    ),
    Fault(
        "page-deep-nesting",
        "page",
        "article page nested 100,000 <div> levels deep",
        "no crash (RecursionError), bounded time; article kept (libxml2 refuses the depth, so the feed text is used)",
        "stored text from feed; digest html clean",
    ),
    Fault(
        "page-50mb",
        "page",
        "50 MB article page (chunked, no Content-Length)",
        "reading stops at max_bytes; the feed's own text is stored",
        "stored text from feed; digest html clean",
    ),
    Fault(
        "page-endless",
        "page",
        "article page that never ends",
        "stops at max_bytes; the feed's own text is stored",
        "stored text from feed; digest html clean",
    ),
    # ---- mail (tests/faults/test_mail.py) ---------------------------------------------------
    Fault(
        "mail-refused",
        "mail",
        "SMTP connection refused",
        "temporary failure, retried; nothing marked",
        "failed (temporary), nothing marked; next run sent once",
    ),
    Fault(
        "mail-starttls-not-offered",
        "mail",
        "security: starttls but the server offers no STARTTLS",
        "permanent failure naming STARTTLS; never sends in clear",
        "failed (permanent), nothing marked; next run sent once",
    ),
    Fault(
        "mail-421-at-mail",
        "mail",
        "421 at MAIL FROM",
        "temporary, retried, nothing marked",
        "failed (temporary), nothing marked; next run sent once",
    ),
    Fault(
        "mail-451-at-rcpt",
        "mail",
        "451 at RCPT TO",
        "temporary, retried, nothing marked",
        "failed (temporary), nothing marked; next run sent once",
    ),
    Fault(
        "mail-452-at-rcpt",
        "mail",
        "452 at RCPT TO",
        "temporary, retried, nothing marked",
        "failed (temporary), nothing marked; next run sent once",
    ),
    Fault(
        "mail-550-at-data",
        "mail",
        "550 at DATA",
        "permanent, not retried, nothing marked",
        "failed (permanent), nothing marked; next run sent once",
    ),
    Fault(
        "mail-554-at-data",
        "mail",
        "554 at DATA",
        "permanent, not retried, nothing marked",
        "failed (permanent), nothing marked; next run sent once",
    ),
    Fault(
        "mail-drop-during-data",
        "mail",
        "connection dropped during DATA",
        "temporary, retried, nothing marked",
        "failed (temporary), nothing marked; next run sent once",
    ),
    Fault(
        "mail-silent-server",
        "mail",
        "server accepts TCP but never greets",
        "times out at smtp.timeout, temporary, nothing marked",
        "failed (temporary), nothing marked; next run sent once",
    ),
    Fault(
        "mail-tls-untrusted",
        "mail",
        "STARTTLS with an untrusted certificate",
        "permanent, certificate named",
        _E,
        test="tests/test_mail.py::test_starttls_untrusted_certificate_is_permanent",
    ),
    Fault(
        "mail-auth-wrong",
        "mail",
        "wrong SMTP password",
        "permanent",
        _E,
        test="tests/test_mail.py::test_starttls_wrong_password_is_permanent",
    ),
    Fault(
        "mail-cli-failures",
        "mail",
        "refused/451/550/drop through `aggregator digest`",
        "exit 1, status failed, then delivered once",
        _E,
        test="tests/test_e2e.py::test_failed_send_marks_nothing_then_delivers_once",
    ),
    # ---- config (tests/faults/test_config_faults.py; cases from tests/test_config.py) --------
    Fault(
        "config-invalid-edit-while-running",
        "config",
        "an invalid edit of the YAML while `aggregator run` is running",
        "logged with file:line:col, shown in status; the last good config stays in force",
        _E,
        test="tests/test_daemon.py::test_daemon_lifecycle",
    ),
    Fault(
        "config-fatal-at-start",
        "config",
        "an invalid config when `aggregator run` starts",
        "exit 2 with PATH:LINE:COL",
        _E,
        test="tests/test_daemon.py::test_bad_config_at_start_exits_2",
    ),
    Fault(
        "config-collects-all",
        "config",
        "several problems in one file",
        "every issue reported, in file order",
        _E,
        test="tests/test_config.py::test_all_issues_are_collected",
    ),
    # ---- process and disk (tests/faults/test_kill.py, test_disk.py) -------------------------
    Fault(
        "process-sigkill-loop",
        "process",
        "SIGKILL of `fetch`/`digest` at seeded random points (failpoints poll.in_transaction@N,"
        " enrich.in_transaction@N, digest.accepted@N, random delays), 50 iterations, restart"
        " after each",
        "integrity_check ok; nothing lost; nothing delivered twice beyond one same-Message-ID "
        "repeat",
        "50 iterations: integrity=ok lost=0 twice=0",
    ),
    Fault(
        "process-kill-after-accept",
        "process",
        "SIGKILL right after the SMTP server accepted the digest",
        "the restart repeats exactly that message, same Message-ID, once",
        _E,
        test="tests/test_e2e.py::test_crash_after_acceptance_repeats_one_message_with_same_id",
    ),
    Fault(
        "process-full-disk",
        "process",
        "state directory on a full 4 MB tmpfs during `fetch` and `digest`",
        "the feed's error names the database and 'database or disk is full'; nothing "
        "half-written, nothing marked; integrity ok; catches up once space is back",
        "fetch rc=0, digest rc=1; integrity=ok; caught up after",
    ),
    Fault(
        "process-readonly-state",
        "process",
        "state directory is a read-only bind mount (`fetch` and `run`)",
        "clear error at start naming the database; no traceback",
        "exit 1, names the database; no traceback",
    ),
    Fault(
        "process-daemon-hostile-world",
        "process",
        "`aggregator run` with nine hostile feeds (slowloris, endless, gzip bomb, garbage, 500, "
        "redirect loop, reset, HTML page, entity expansion) and one healthy feed",
        "keeps running within its memory cap; healthy feed stored; hostile ones recorded as "
        "failing; SIGTERM exits 0 without a traceback",
        "running after first poll; 8 of 9 feeds failing; exit 0",
    ),
    Fault(
        "process-orphan-workers",
        "process",
        "SIGKILL of `aggregator fetch` while its parse/extract worker pool is up",
        "no process of it is left behind",
        "workers exit within 3 s (they watch their parent)",
    ),
    Fault(
        "process-full-disk-error-kind",
        "process",
        "the full-disk `fetch` above: how the failure is reported",
        "a store error that says to free space; not the feed's fault",
        "store_error with a hint to free space; no traceback",
    ),
    Fault(
        "process-readonly-hint",
        "process",
        "the read-only state directory above: does the error say what to do",
        "says the directory is read-only and must be writable",
        "names the read-only directory and says it must be writable",
    ),
    # ---- property tests (tests/faults/test_properties.py) ----------------------------------
    Fault(
        "property-parse-feed-shaped-hostile-bytes",
        "property",
        "arbitrary bytes spliced into a feed's title/description/guid/pubDate; feed discovery "
        "on the same bytes",
        "only ParseError, never another exception",
        "holds (100 examples)",
    ),
    Fault(
        "property-sanitize-adds-no-text-and-no-tag",
        "property",
        "random nested hostile HTML through sanitize_html",
        "no word that was not in the input; no tag outside the allowlist",
        "holds (150 examples)",
    ),
    Fault(
        "property-cleaning-adds-no-text",
        "property",
        "random nested hostile HTML through feed-content cleaning",
        "no word that was not in the input",
        "holds (150 examples)",
    ),
    Fault(
        "property-cleaning-is-idempotent",
        "property",
        "cleaning the stored HTML of a cleaned article again",
        "the same text and HTML",
        "holds (150 examples)",
    ),
    Fault(
        "property-fetch-size-cap-holds",
        "property",
        "bodies of 0..60,000 bytes, identity/gzip/deflate, chunked or not, max_bytes=20,000",
        "body returned exactly iff its decoded size is within max_bytes, else too_large",
        "holds (40 examples)",
    ),
    Fault(
        "property-parse-raw-bytes",
        "property",
        "arbitrary bytes as a whole feed",
        "only ParseError",
        _E,
        test="tests/test_parse.py::test_parsing_never_raises_anything_but_parse_error",
    ),
    Fault(
        "property-sanitize-danger-idempotent",
        "property",
        "random hostile HTML through sanitize_html",
        "no danger survives; idempotent",
        _E,
        test="tests/test_sanitize.py::test_sanitize_is_idempotent",
    ),
    Fault(
        "property-digest-cap-accounts-for-all",
        "property",
        "random digests over the story cap",
        "every article shown or accounted for exactly once",
        _E,
        test="tests/test_digest.py::test_every_article_accounted_for_exactly_once",
    ),
    # ---- cleaning and dedup of untrusted entries (tests/test_messy_input.py) ---------------
    Fault(
        "enrich-old-date",
        "enrich",
        "one entry dated 2019 among 27 of today, two feeds (issue 17: the time-decayed"
        " document frequencies divided by zero, and every article of every feed waited"
        " forever while fetch reported success)",
        "all 28 cleaned, deduplicated, exported and in the digest; fetch exits 0",
        "28 exported, 28 stories in the digest",
        test="tests/test_messy_input.py::test_one_old_entry_no_longer_stops_cleaning_and_dedup",
    ),
    Fault(
        "enrich-old-date-cluster",
        "enrich",
        "`aggregator cluster` on three records dated 2026, 2019, 2026",
        "three lines; the copy collapses",
        "3 lines, c duplicate_of a",
        test="tests/test_messy_input.py::test_cluster_with_an_old_date_prints_every_line",
    ),
    Fault(
        "enrich-messy-dates-and-texts",
        "enrich",
        "entries dated 1970, 1999, 2090, 2100, none and unreadable; Cyrillic and CJK text;"
        " an empty entry; a 1,500-sentence entry",
        "every entry exported and in the digest, none set aside",
        "10 of 10 exported",
        test="tests/test_messy_input.py::test_dates_from_1970_to_2100_and_odd_texts_all_come_through",
    ),
    Fault(
        "enrich-one-article-raises",
        "enrich",
        "dedup raises for one article (a `=raise` failpoint stands for the defect)",
        "that article set aside with its error, retried after 10 and 20 minutes, then kept"
        " as its own story with the error exported; the other articles go on at once; fetch"
        " exits 1 saying how many and why; status lists it",
        "5 of 6 exported at once; 3 attempts; then 6 of 6, its own story",
        test="tests/test_messy_input.py::test_an_article_whose_dedup_raises_is_set_aside_and_the_rest_go_on",
    ),
    Fault(
        "enrich-fetch-exit-code",
        "enrich",
        "`aggregator fetch` when an article is set aside",
        "exit 1 with the count and the error; `status --json` lists it as retrying",
        "exit 1, 1 set aside",
        test="tests/test_messy_input.py::test_fetch_exits_non_zero_and_status_lists_the_set_aside_article",
    ),
    Fault(
        "enrich-template-feed",
        "enrich",
        "a feed whose every item is one and the same paragraph (a template feed)",
        "learned boilerplate never takes a whole article: every item keeps its text",
        _E,
        test="tests/test_feed_repeats.py::test_a_template_feed_keeps_its_items_whole",
    ),
    Fault(
        "enrich-syndicated-copies-teach-nothing",
        "enrich",
        "a story and its syndicated copy (same paragraphs) among a site's articles",
        "the copies count once: their shared last paragraph is not learned as boilerplate",
        _E,
        test="tests/test_repeats.py::test_copies_of_one_story_do_not_teach_each_other",
    ),
    Fault(
        "property-dedup-any-dates-and-texts",
        "property",
        "random article streams: dates 1970-2100 or none (equal, reversed, far apart), a clock"
        " that steps back, empty/one-word/huge/non-Latin/random-unicode texts, evictions,"
        " consolidations and restarts at random points",
        "no exception; every article a decision; an exact copy is always a duplicate",
        _E,
        test="tests/test_dedup_properties.py::test_any_dates_and_texts_get_a_decision",
    ),
    Fault(
        "property-near-copy-matcher",
        "property",
        "random blocks, near-copies of learned blocks, keep and drop patterns",
        "only a matching block (or a short line inside the removed template) is removed, never"
        " a kept one; applying the rules twice changes nothing more",
        _E,
        test="tests/test_repeats.py::test_only_matching_blocks_are_removed",
    ),
    Fault(
        "property-document-frequencies-finite",
        "property",
        "raw times 1970-2100 in any order through the time-decayed document frequencies",
        "counts, IDF and the table stay finite and non-negative",
        _E,
        test="tests/test_dedup_properties.py::test_document_frequencies_are_finite_for_any_times",
    ),
    Fault(
        "property-enrich-pass",
        "property",
        "random stored articles (any date, any text, some with an exact copy in another feed)"
        " through one enrichment pass on a real SQLite file",
        "every article enriched and exported with a story; copies collapse",
        _E,
        test="tests/test_messy_input.py::test_enrich_pass_decides_every_article",
    ),
]


def _config_faults() -> list[Fault]:
    """One record per malformed config of tests/test_config.py (the cases live there)."""
    from tests.test_config import BAD

    out = []
    for case in BAD:
        text = case.text.decode("latin-1") if isinstance(case.text, bytes) else case.text
        shown = "".join(
            " \u23ce " if c == "\n" else c if c.isprintable() else f"\\x{ord(c):02x}"
            for c in text.strip()
        )
        shown = shown if len(shown) <= 70 else shown[:67] + "..."
        where = f"{case.file}:{case.line}:{case.col}"
        out.append(
            Fault(
                f"config-{case.id}",
                "config",
                "`" + shown.replace("`", "'") + "`" if shown else "(empty file)",
                f"exit 2; {where}: message with " + ", ".join(repr(f) for f in case.fragments),
                f"exit 2 at {where}",
            )
        )
    return out


_first_config = next(i for i, f in enumerate(FAULTS) if f.area == "config")
FAULTS[_first_config:_first_config] = _config_faults()


def by_area(area: str) -> list[Fault]:
    return [f for f in FAULTS if f.area == area]


def _cell(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\n", " ")
    )


def result(f: Fault) -> str:
    if f.bug is not None:
        return f"**xfail (bug)**: {f.bug}"
    if f.test is not None:
        return f"pass: {f.observed}"
    return f"pass: `{f.observed}`"


def render() -> str:
    """The whole docs/reliability.md text."""
    own = sum(1 for f in FAULTS if f.test is None)
    bugs = sum(1 for f in FAULTS if f.bug is not None)
    out = [
        "# Reliability: every fault tried",
        "",
        "Generated by `.venv/bin/python -m tests.faults.catalog > docs/reliability.md` from",
        "`tests/faults/catalog.py`; `tests/faults/test_catalog.py` fails if this file differs.",
        "The *observed* column is what the fault's test computed from real behaviour on the",
        "last change of the catalog; the test asserts it, so it cannot drift. Faults whose test",
        "column names another file are covered by that existing test.",
        "",
        f"{len(FAULTS)} faults: {own} run by `tests/faults/`, {len(FAULTS) - own} by existing "
        f"tests; {bugs} known bug(s) marked xfail.",
        "",
    ]
    for area, title in AREAS.items():
        rows = by_area(area)
        if not rows:
            continue
        out += [
            f"## {title}",
            "",
            "| id | fault | expected | observed | test |",
            "|---|---|---|---|---|",
        ]
        for f in rows:
            test = f.test or AREA_FILES[f.area]
            out.append(
                f"| {f.id} | {_cell(f.fault)} | {_cell(f.expected)} | {_cell(result(f))} "
                f"| {_cell(test)} |"
            )
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
