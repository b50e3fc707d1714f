"""SIGKILL at random points of `aggregator fetch` and `aggregator digest`, then invariants.

One local HTTP server with three growing feeds and one local SMTP server (two recipients) serve
the whole loop. Each of ``ITERATIONS`` seeded iterations publishes a few new items, then kills
one real CLI subprocess (alternately ``fetch`` and ``digest``) at a point chosen by the seeded
RNG, restarts the same command cleanly, and checks the DESIGN.md invariants:

* ``PRAGMA integrity_check`` is ``ok`` after every kill and every restart;
* nothing is lost: every published item is stored after the clean fetch, and after the clean
  digest nothing is pending and every stored item's marker was mailed to each recipient;
* nothing is delivered twice: per recipient, an item's marker never appears in two messages
  with different Message-IDs, and a Message-ID is received at most twice (the documented
  one-message repeat after a kill between the server's acceptance and the state update).

Kill points: the failpoints ``poll.in_transaction@N`` (inside the N-th article insert of a
feed transaction), ``enrich.in_transaction@N`` (inside the N-th article update of the cleaning
and dedup transaction that follows) and ``digest.accepted@N`` (after the N-th recipient's server acceptance),
reproducible exactly; and a seeded random delay followed by SIGKILL, which lands wherever the
process happens to be (start-up, fetching, parsing, SMTP dialogue, commit). The delay kills
are reproducible in their seed, not in the exact instruction they hit; a failing iteration
prints the seed and iteration to replay with ``AGGREGATOR_FAULT_SEED``.
"""

from __future__ import annotations

import contextlib
import email.utils
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest

from aggregator.store import Store
from tests.faults.catalog import by_area
from tests.faults.conftest import word
from tests.support.httpd import FixtureHTTPServer
from tests.support.smtpd import FixtureSMTPServer

ITERATIONS = int(os.environ.get("AGGREGATOR_FAULT_ITERATIONS", "50"))
SEED = int(os.environ.get("AGGREGATOR_FAULT_SEED", "20261121"))
FEEDS = 3
RECIPIENTS = ("a@example.org", "b@example.org")
# The range of the random-delay kill: from before the CLI's imports finish (~0.6 s here) to
# the end of a typical run (~1.5 s), measured with `time aggregator fetch` on this machine.
DELAY_RANGE_S = (0.1, 1.6)
CLI_TIMEOUT_S = 60
MARKER = re.compile(r"\bk\d+x\d+\b")

KILL = next(f for f in by_area("process") if f.id == "process-sigkill-loop")


def _title(feed: int, n: int, rng: random.Random) -> str:
    return f"k{feed}x{n} {_own(feed, n, rng)} {_own(feed, n, rng)}"


def _own(feed: int, n: int, rng: random.Random) -> str:
    """A made-up word that no other item uses: every item is a story of its own, so every
    marker must reach the mail (two items that shared a word or two would rightly be offered
    to story consolidation, which shows one headline per story)."""
    return f"{word(rng)}q{feed}q{n}"


def _body(feed: int, n: int, rng: random.Random) -> str:
    return " ".join(_own(feed, n, rng) for _ in range(40)).capitalize() + "."


def _feed_doc(feed: int, items: list[tuple[int, str, str]]) -> bytes:
    parts = "".join(
        f"<item><guid isPermaLink='false'>k{feed}x{n}</guid>"
        f"<link>https://kill{feed}.example/{n}</link><title>{escape(title)}</title>"
        f"<pubDate>{email.utils.format_datetime(datetime.now(UTC) - timedelta(hours=2))}</pubDate>"
        f"<description><![CDATA[{body}]]></description></item>"
        for n, title, body in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Kill {feed}'
        f"</title><link>https://kill{feed}.example/</link>{parts}</channel></rss>"
    ).encode()


def _write_config(path: Path, httpd: FixtureHTTPServer, smtp_port: int) -> None:
    feeds = "".join(
        f"  - url: {httpd.url(f'/k{i}.xml')}\n    topic: Kill\n    full_text: never\n"
        for i in range(FEEDS)
    )
    to = ", ".join(RECIPIENTS)
    path.write_text(
        f"database: state.db\nfeeds:\n{feeds}fetch:\n  allow_private: true\n  timeout: 5s\n"
        f"digest:\n  to: [{to}]\n  timezone: UTC\n"
        f"smtp:\n  host: 127.0.0.1\n  port: {smtp_port}\n  security: none\n"
    )


def _cli(config: Path, command: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A CLI subprocess in its own session, output to a file (its orphans may hold pipes)."""
    log = open(config.parent / "cli.log", "ab")  # noqa: SIM115 - handed to the child
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "aggregator", "--config", str(config), command,
             *(["--retries", "0"] if command == "digest" else [])],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
    finally:
        log.close()


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in process group ``pgid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def end_group(proc: subprocess.Popen[bytes]) -> None:
    """Reap the CLI and SIGKILL what it left in its own process group (its pool workers).

    This is what systemd's KillMode=control-group does after the main process dies; the
    group is the one this test created for the subprocess (start_new_session).
    """
    proc.wait(timeout=CLI_TIMEOUT_S)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _run_killed(config: Path, command: str, rng: random.Random) -> str:
    """Run ``command`` and kill it at a seeded point; return how it was killed."""
    if rng.random() < 0.5:
        if command == "fetch":
            # inside a feed's insert transaction, or inside the cleaning + dedup
            # transaction that follows (articles stored, not yet enriched)
            stage = rng.choice(("poll", "enrich"))
            point = f"{stage}.in_transaction@{rng.randint(1, 3)}"
        else:
            point = f"digest.accepted@{rng.randint(1, len(RECIPIENTS))}"
        proc = _cli(config, command, {"AGGREGATOR_FAILPOINTS": point})
        end_group(proc)
        return f"{point} rc={proc.returncode}"
    delay = rng.uniform(*DELAY_RANGE_S)
    proc = _cli(config, command)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    end_group(proc)
    return f"delay={delay:.2f} rc={proc.returncode}"


def _run_clean(config: Path, command: str) -> None:
    proc = _cli(config, command)
    end_group(proc)
    log = (config.parent / "cli.log").read_text(errors="replace")
    assert proc.returncode == 0, log[-3000:]


def _integrity(db: Path) -> str:
    with Store(db) as store:
        return store.integrity_check()


@pytest.mark.slow
def test_sigkill_loop(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    published: dict[int, list[tuple[int, str, str]]] = {i: [] for i in range(FEEDS)}
    counter = 0
    config = tmp_path / "aggregator.yaml"
    db = tmp_path / "state.db"
    kills: list[str] = []
    with FixtureHTTPServer() as httpd, FixtureSMTPServer() as smtp:
        for i in range(FEEDS):
            httpd.static(f"/k{i}.xml", _feed_doc(i, []))
        _write_config(config, httpd, smtp.port)
        for it in range(ITERATIONS):
            where = f"seed={SEED} iteration={it}"
            command = "fetch" if it % 2 == 0 else "digest"
            if command == "fetch":
                for _ in range(rng.randint(1, 4)):
                    feed = rng.randrange(FEEDS)
                    counter += 1
                    body = "".join(f"<p>{_body(feed, counter, rng)}</p>" for _ in range(2))
                    published[feed].append((counter, _title(feed, counter, rng), body))
                    httpd.set_body(f"/k{feed}.xml", _feed_doc(feed, published[feed]))
            how = _run_killed(config, command, rng)
            kills.append(f"{command} {how}")
            assert _integrity(db) == "ok", f"{where} after kill ({how})"
            _run_clean(config, command)
            assert _integrity(db) == "ok", f"{where} after restart"
            with Store(db) as store:
                stored = {a.key.removeprefix("g:") for a in store.iter_articles()}
                if command == "fetch":
                    want = {f"k{f}x{n}" for f, items in published.items() for n, _, _ in items}
                    assert want <= stored, f"{where}: lost {sorted(want - stored)} ({how})"
                    continue
                for r in RECIPIENTS:
                    assert store.pending_for(r) == [], f"{where}: {r} still pending ({how})"
            _check_mailbox(smtp, stored, f"{where} ({how})")
    # the loop really killed processes at both kinds of points
    assert sum("rc=-9" in k for k in kills) >= ITERATIONS // 2, kills
    observed = f"{ITERATIONS} iterations: integrity=ok lost=0 twice=0"
    assert observed == KILL.observed


def _check_mailbox(smtp: FixtureSMTPServer, stored: set[str], where: str) -> None:
    copies: Counter[tuple[str, str]] = Counter()
    ids_for: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in smtp.messages:
        msg = m.message
        mid = str(msg["Message-ID"])
        text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for rcpt in m.rcpt_tos:
            copies[(rcpt, mid)] += 1
            for marker in set(MARKER.findall(text)):
                ids_for[(rcpt, marker)].add(mid)
    over = {k: n for k, n in copies.items() if n > 2}
    assert not over, f"{where}: a Message-ID received more than twice: {over}"
    twice = {k: v for k, v in ids_for.items() if len(v) > 1}
    assert not twice, f"{where}: delivered in two different messages: {twice}"
    for r in RECIPIENTS:
        mailed = {marker for (rcpt, marker) in ids_for if rcpt == r}
        missing = stored - mailed
        assert not missing, f"{where}: never mailed to {r}: {sorted(missing)}; got {_inbox(smtp)}"


def _inbox(smtp: FixtureSMTPServer) -> list[tuple[tuple[str, ...], str, list[str]]]:
    return [
        (m.rcpt_tos, str(m.message["Message-ID"]), MARKER.findall(m.data.decode(errors="replace")))
        for m in smtp.messages
    ]


ORPHANS = next(f for f in by_area("process") if f.id == "process-orphan-workers")


def test_killed_fetch_leaves_no_worker_processes(tmp_path: Path) -> None:
    config = tmp_path / "aggregator.yaml"
    rng = random.Random(SEED)
    with FixtureHTTPServer() as httpd, FixtureSMTPServer() as smtp:
        for i in range(FEEDS):
            items = [(n, _title(i, n, rng), f"<p>{_body(i, n, rng)}</p>") for n in range(2)]
            httpd.static(f"/k{i}.xml", _feed_doc(i, items))
        _write_config(config, httpd, smtp.port)
        proc = _cli(config, "fetch", {"AGGREGATOR_FAILPOINTS": "poll.in_transaction@1"})
        proc.wait(timeout=CLI_TIMEOUT_S)
        try:
            assert proc.returncode == -signal.SIGKILL
            deadline = time.monotonic() + 3.0  # orphans get 3 s to notice their parent died
            while group_members(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = group_members(proc.pid)
            assert not left, f"{len(left)} processes left behind: {left}"
        finally:
            end_group(proc)
