"""Delivery against a real local SMTP server (aiosmtpd): success, retries, failures, files."""

from __future__ import annotations

import email
import email.policy
import logging
import os
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from aggregator.config import SmtpConfig, SmtpSecurity
from aggregator.digest import build_digest
from aggregator.digest.mail import Failure, classify, deliver, password_from_env, write_to_dir
from aggregator.digest.render import RenderedDigest, build_message, render
from aggregator.errors import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError
from aggregator.types import DigestCandidate
from tests.support.smtpd import FixtureSMTPServer, closed_port, silent_port

NOW = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
SENDER = "Aggregator <digest@example.org>"
RECIPIENT = "reader@example.org"


def _candidate(i: int, story: str) -> DigestCandidate:
    return DigestCandidate(
        article_id=i,
        feed_url=f"https://feed{i}.example/rss",
        feed_name=f"Feed {i}",
        topic="World",
        url=f"https://feed{i}.example/a/{i}",
        title=f"Headline number {i} about something",
        text=f"Body sentence number {i} with some words. Second sentence.",
        published=NOW - timedelta(hours=i),
        fetched_at=NOW,
        story=story,
        duplicate_of=None,
        prefer=False,
        story_delivered_before=False,
    )


@pytest.fixture
def mail() -> tuple[EmailMessage, RenderedDigest]:
    digest = build_digest(
        [_candidate(1, "a"), _candidate(2, "a"), _candidate(3, "b")],
        recipient=RECIPIENT,
        topics_order=["World"],
        timezone="Europe/Kyiv",
        now=NOW,
    )
    rendered = render(digest, sender=SENDER)
    return build_message(rendered, sender=SENDER, recipient=RECIPIENT, digest=digest), rendered


class Sleeps:
    """Records the back-off delays instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def test_success_delivers_one_multipart_message(
    mail: tuple[EmailMessage, RenderedDigest], caplog: pytest.LogCaptureFixture
) -> None:
    msg, _ = mail
    caplog.set_level(logging.INFO, logger="aggregator.digest.mail")
    with FixtureSMTPServer() as srv:
        deliver(msg, srv.config(), password=None, sleep=Sleeps())
        assert len(srv.messages) == 1
        got = srv.messages[0]
    assert got.rcpt_tos == (RECIPIENT,)
    assert got.mail_from == "digest@example.org"
    received = got.message
    assert received.get_content_type() == "multipart/alternative"
    assert received["Message-ID"] == msg["Message-ID"]
    kinds = [p.get_content_type() for p in received.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    assert any(
        "smtp delivered" in r.getMessage() and "ms=" in r.getMessage() for r in caplog.records
    )


def test_connection_refused_is_retried_then_temporary(
    mail: tuple[EmailMessage, RenderedDigest],
) -> None:
    sleeps = Sleeps()
    smtp = SmtpConfig(host="127.0.0.1", port=closed_port(), security=SmtpSecurity.NONE, timeout=2)
    with pytest.raises(TemporaryDeliveryError, match="after 4 attempts"):
        deliver(mail[0], smtp, password=None, retries=3, backoff=0.01, sleep=sleeps)
    assert sleeps.calls == [0.01, 0.02, 0.04]  # exponential back-off between 4 attempts


def test_451_is_retried_and_then_succeeds(mail: tuple[EmailMessage, RenderedDigest]) -> None:
    sleeps = Sleeps()
    with FixtureSMTPServer() as srv:
        srv.fail("RCPT", "451 4.3.0 Mailbox busy, try later", times=2)
        deliver(mail[0], srv.config(), password=None, retries=3, backoff=0.01, sleep=sleeps)
        assert len(srv.messages) == 1
    assert len(sleeps.calls) == 2


def test_451_every_time_raises_temporary_with_server_reply(
    mail: tuple[EmailMessage, RenderedDigest],
) -> None:
    sleeps = Sleeps()
    with FixtureSMTPServer() as srv:
        srv.fail("DATA", "451 4.3.0 Local error in processing", times=10)
        with pytest.raises(TemporaryDeliveryError, match="451 4.3.0 Local error"):
            deliver(mail[0], srv.config(), password=None, retries=2, backoff=0.01, sleep=sleeps)
        assert srv.messages == []
        assert srv.attempts == 3
    assert sleeps.calls == [0.01, 0.02]


@pytest.mark.parametrize(
    ("stage", "reply"),
    [("RCPT", "550 5.1.1 No such user"), ("DATA", "554 5.7.1 Message rejected as spam")],
)
def test_5xx_is_permanent_immediately(
    mail: tuple[EmailMessage, RenderedDigest], stage: str, reply: str
) -> None:
    sleeps = Sleeps()
    with FixtureSMTPServer() as srv:
        srv.fail(stage, reply)  # type: ignore[arg-type]
        with pytest.raises(PermanentDeliveryError, match=reply.split()[-1]) as info:
            deliver(mail[0], srv.config(), password=None, backoff=0.01, sleep=sleeps)
        assert srv.messages == []
    assert reply[:3] in str(info.value)
    assert sleeps.calls == []


@pytest.mark.parametrize("reply", ["421 4.3.2 Service shutting down", "452 4.2.2 Mailbox full"])
def test_4xx_at_rcpt_is_temporary(mail: tuple[EmailMessage, RenderedDigest], reply: str) -> None:
    with FixtureSMTPServer() as srv:
        srv.fail("RCPT", reply, times=5)
        with pytest.raises(TemporaryDeliveryError):
            deliver(mail[0], srv.config(), password=None, retries=1, backoff=0.01, sleep=Sleeps())
        assert srv.messages == []


def test_dropped_during_data_is_temporary_then_retried(
    mail: tuple[EmailMessage, RenderedDigest],
) -> None:
    sleeps = Sleeps()
    with FixtureSMTPServer() as srv:
        srv.drop("DATA")
        deliver(mail[0], srv.config(), password=None, retries=2, backoff=0.01, sleep=sleeps)
        assert len(srv.messages) == 1
        assert srv.attempts == 2
    assert sleeps.calls == [0.01]


def test_dropped_every_time_raises_temporary(mail: tuple[EmailMessage, RenderedDigest]) -> None:
    with FixtureSMTPServer() as srv:
        srv.drop("DATA", times=3)
        with pytest.raises(TemporaryDeliveryError, match="disconnect"):
            deliver(mail[0], srv.config(), password=None, retries=2, backoff=0.01, sleep=Sleeps())
        assert srv.messages == []


def test_silent_server_times_out_as_temporary(mail: tuple[EmailMessage, RenderedDigest]) -> None:
    with silent_port() as port:
        smtp = SmtpConfig(host="127.0.0.1", port=port, security=SmtpSecurity.NONE, timeout=0.3)
        with pytest.raises(TemporaryDeliveryError, match="timed out"):
            deliver(mail[0], smtp, password=None, retries=1, backoff=0.01, sleep=Sleeps())


def test_starttls_with_auth(mail: tuple[EmailMessage, RenderedDigest]) -> None:
    with FixtureSMTPServer(security="starttls", auth=("reader", "s3cret")) as srv:
        deliver(mail[0], srv.config(), password="s3cret", ssl_context=srv.client_context())
        assert len(srv.messages) == 1


def test_starttls_wrong_password_is_permanent(mail: tuple[EmailMessage, RenderedDigest]) -> None:
    with FixtureSMTPServer(security="starttls", auth=("reader", "s3cret")) as srv:
        with pytest.raises(PermanentDeliveryError, match="535"):
            deliver(mail[0], srv.config(), password="wrong", ssl_context=srv.client_context())
        assert srv.messages == []


def test_starttls_untrusted_certificate_is_permanent(
    mail: tuple[EmailMessage, RenderedDigest],
) -> None:
    with FixtureSMTPServer(security="starttls") as srv:
        # the default context trusts the system CAs only, not the test's self-signed cert
        with pytest.raises(PermanentDeliveryError, match="certificate"):
            deliver(mail[0], srv.config(), password=None, sleep=Sleeps())
        assert srv.messages == []


def test_implicit_tls(mail: tuple[EmailMessage, RenderedDigest]) -> None:
    with FixtureSMTPServer(security="tls") as srv:
        deliver(mail[0], srv.config(), password=None, ssl_context=srv.client_context())
        assert len(srv.messages) == 1


def test_username_without_password_is_a_clear_error(
    mail: tuple[EmailMessage, RenderedDigest],
) -> None:
    with FixtureSMTPServer() as srv:
        with pytest.raises(PermanentDeliveryError, match="password_env"):
            deliver(mail[0], srv.config(username="reader"), password=None)
        assert srv.messages == []


def test_password_from_env() -> None:
    smtp = SmtpConfig(host="h", password_env="AGG_TEST_PW")
    assert password_from_env(SmtpConfig(host="h")) is None
    assert password_from_env(smtp, {"AGG_TEST_PW": "pw"}) == "pw"
    with pytest.raises(DeliveryError, match="AGG_TEST_PW.*not set"):
        password_from_env(smtp, {})
    with pytest.raises(DeliveryError, match="empty"):
        password_from_env(smtp, {"AGG_TEST_PW": ""})


def test_classify_unknown_exception_propagates() -> None:
    assert classify(ConnectionResetError("reset"))[0] is Failure.TEMPORARY
    with pytest.raises(ZeroDivisionError):
        classify(ZeroDivisionError("bug"))


def test_write_to_dir_is_atomic_and_idempotent(
    mail: tuple[EmailMessage, RenderedDigest], tmp_path: Path
) -> None:
    msg, rendered = mail
    out = tmp_path / "digests"
    eml = write_to_dir(msg, rendered, out)
    again = write_to_dir(msg, rendered, out)
    assert eml == again
    assert eml.name.startswith("2026-11-21-digest-") and eml.suffix == ".eml"
    assert eml.with_suffix(".html").read_text(encoding="utf-8") == rendered.html
    assert sorted(p.name for p in out.iterdir()) == sorted([eml.name, eml.stem + ".html"])
    parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == msg["Message-ID"]
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]


def test_fixture_reset_clears_scripted_failures(mail: tuple[EmailMessage, RenderedDigest]) -> None:
    with FixtureSMTPServer() as srv:
        srv.fail("RCPT", "451 4.3.0 busy", times=5)
        with pytest.raises(TemporaryDeliveryError):
            deliver(mail[0], srv.config(), password=None, retries=0)
        srv.reset()
        deliver(mail[0], srv.config(), password=None, retries=0)
        assert len(srv.messages) == 1 and srv.attempts == 1
