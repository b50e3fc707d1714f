"""Mail faults through the real digest path: store -> render -> SMTP -> mark delivered.

Each catalog record of area ``mail`` scripts one failure into the real aiosmtpd server (or
points at a refused / silent port), runs ``run_digests`` on a real SQLite file holding two
articles, and checks the delivery invariants: a failed send marks nothing, records the
server's reply, and takes no longer than its timeouts; once the server is healthy, the
next run delivers everything exactly once. tests/test_mail.py covers ``deliver`` alone;
this is the same faults one level up, where state must stay consistent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.config import SmtpConfig, SmtpSecurity
from aggregator.digest.deliver import Delivery, run_digests
from aggregator.store import Store
from tests.faults.catalog import Fault
from tests.faults.conftest import (
    HEALTHY,
    Clock,
    fault_ids,
    faults,
    feed_cfg,
    healthy_feed,
    make_config,
    poll,
)
from tests.support.httpd import FixtureHTTPServer
from tests.support.smtpd import FixtureSMTPServer, closed_port, silent_port

SMTP_TIMEOUT_S = 1.0  # smtp.timeout for these tests (the silent server case waits this long)
RETRIES = 1  # one retry, so "temporary" really retries once
# A failed digest run may take its timeouts plus this much (rendering, two connections).
DIGEST_SLACK_S = 4.0
RECIPIENT = "reader@example.org"


@dataclass(frozen=True)
class MailScenario:
    script: Callable[[FixtureSMTPServer], None] = lambda srv: None
    smtp: Callable[[FixtureSMTPServer, int | None], SmtpConfig] = lambda srv, port: srv.config(
        timeout=SMTP_TIMEOUT_S, port=port or srv.port
    )
    port: Callable[[], AbstractContextManager[int | None]] = lambda: nullcontext(None)
    says: str = ""


def _refused() -> AbstractContextManager[int | None]:
    return nullcontext(closed_port())


SCENARIOS: dict[str, MailScenario] = {
    "mail-refused": MailScenario(port=_refused, says="ConnectionRefusedError"),
    "mail-starttls-not-offered": MailScenario(
        smtp=lambda srv, port: srv.config(timeout=SMTP_TIMEOUT_S, security=SmtpSecurity.STARTTLS),
        says="STARTTLS",
    ),
    "mail-421-at-mail": MailScenario(
        lambda srv: srv.fail("MAIL", "421 4.3.2 shutting down", times=5), says="421"
    ),
    "mail-451-at-rcpt": MailScenario(
        lambda srv: srv.fail("RCPT", "451 4.3.0 try later", times=5), says="451"
    ),
    "mail-452-at-rcpt": MailScenario(
        lambda srv: srv.fail("RCPT", "452 4.2.2 mailbox full", times=5), says="452"
    ),
    "mail-550-at-data": MailScenario(
        lambda srv: srv.fail("DATA", "550 5.7.1 rejected"), says="550"
    ),
    "mail-554-at-data": MailScenario(
        lambda srv: srv.fail("DATA", "554 5.6.0 message refused"), says="554"
    ),
    "mail-drop-during-data": MailScenario(
        lambda srv: srv.drop("DATA", times=5), says="disconnected"
    ),
    "mail-silent-server": MailScenario(port=silent_port, says="timed out"),
}

MAIL_FAULTS = faults("mail")


@pytest.fixture
def stocked(httpd: FixtureHTTPServer, tmp_path: Path, clock: Clock) -> Iterator[tuple[Path, Store]]:
    """A state database with two undelivered articles."""
    httpd.static(HEALTHY, healthy_feed())
    config = make_config(tmp_path, [feed_cfg(httpd.url(HEALTHY))])
    with Store(config.database) as store:
        poll(config, store, clock)
        assert len(store.pending_for(RECIPIENT)) == 2
        yield tmp_path, store


def test_every_mail_fault_has_a_scenario() -> None:
    assert {f.id for f in MAIL_FAULTS} == set(SCENARIOS)


@pytest.mark.parametrize("fault", MAIL_FAULTS, ids=fault_ids(MAIL_FAULTS))
def test_mail_fault(fault: Fault, httpd: FixtureHTTPServer, stocked: tuple[Path, Store]) -> None:
    tmp_path, store = stocked
    sc = SCENARIOS[fault.id]
    base = make_config(tmp_path, [feed_cfg(httpd.url(HEALTHY))])
    now = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    with FixtureSMTPServer() as srv, sc.port() as port:
        sc.script(srv)
        config = replace(base, smtp=sc.smtp(srv, port))
        t0 = time.monotonic()
        (out,) = run_digests(
            config, store, now=now, how=Delivery(retries=RETRIES, backoff=0.01, sleep=_no_wait)
        )
        took = time.monotonic() - t0
        assert out.status == "failed", out
        assert out.error and sc.says in out.error, out.error
        assert took < (RETRIES + 1) * SMTP_TIMEOUT_S + DIGEST_SLACK_S
        assert len(store.pending_for(RECIPIENT)) == 2  # nothing marked
        assert srv.messages == []
        kind = "permanent" if "refused the digest" in out.error else "temporary"
        # healthy again: everything goes out, once
        srv.reset()
        healthy = replace(base, smtp=srv.config(timeout=SMTP_TIMEOUT_S))
        (ok,) = run_digests(healthy, store, now=now, how=Delivery(retries=0, sleep=_no_wait))
        assert ok.status == "sent" and ok.articles == 2, ok
        assert store.pending_for(RECIPIENT) == []
        (again,) = run_digests(healthy, store, now=now, how=Delivery(retries=0, sleep=_no_wait))
        assert again.status == "empty"
        assert len(srv.messages) == 1
    assert store.integrity_check() == "ok"
    observed = f"failed ({kind}), nothing marked; next run sent once"
    assert observed == fault.observed


def _no_wait(seconds: float) -> None:
    """No real sleeping between SMTP retries in tests."""
