"""Delivery: send the digest over SMTP, or write it to a folder when there is no smtp section.

``deliver`` is the only function here that talks to the network. One attempt opens a
connection (implicit TLS, STARTTLS or plain, as configured), logs in if a username is
configured, sends the one message and quits. Failures are classified by one pure function,
``classify``:

    ========================================  ==========
    failure                                    kind
    ========================================  ==========
    connection refused / reset, OSError        temporary
    timeout (connect or read)                  temporary
    server disconnected (incl. 421)            temporary
    any 4xx reply (greeting, MAIL, RCPT, DATA) temporary
    any 5xx reply                              permanent
    TLS certificate verification failed        permanent
    server lacks STARTTLS / AUTH               permanent
    ========================================  ==========

Temporary failures are retried ``retries`` times with exponential backoff
(``backoff``, ``2*backoff``, ...; ``sleep`` is injectable so tests need not wait), then raise
``TemporaryDeliveryError``; permanent ones raise ``PermanentDeliveryError`` at once. Both carry
the server's reply. Once the server has accepted DATA the message counts as delivered: an error
while saying QUIT is logged and ignored (the caller marks items delivered only after
``deliver`` returns).

``write_to_dir`` is the no-smtp path: ``.eml`` and ``.html`` files written atomically (temp file
in the same folder, fsync, ``os.replace``), named from the message date and digest id so that a
repeated run of the same digest overwrites rather than duplicates.
"""

from __future__ import annotations

import email.utils
import enum
import logging
import os
import re
import smtplib
import socket
import ssl
import tempfile
import time
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from pathlib import Path

from aggregator.config import SmtpConfig, SmtpSecurity
from aggregator.digest.render import RenderedDigest
from aggregator.errors import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError

logger = logging.getLogger(__name__)


class Failure(enum.Enum):
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


def _reply(code: int, text: bytes | str) -> str:
    body = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {body}".strip()


def classify(exc: BaseException) -> tuple[Failure, str]:
    """Map one SMTP/socket failure to (temporary|permanent, human-readable reason)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
        text = "; ".join(_reply(code, msg) for code, msg in replies)
        temporary = bool(replies) and all(400 <= code < 500 for code, _ in replies)
        return (Failure.TEMPORARY if temporary else Failure.PERMANENT), f"recipient refused: {text}"
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        text = _reply(code, exc.smtp_error)
        if 400 <= code < 500 or code == -1:
            return Failure.TEMPORARY, text
        return Failure.PERMANENT, text
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Failure.TEMPORARY, f"server disconnected: {exc}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Failure.PERMANENT, f"server does not support a required extension: {exc}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failure.PERMANENT, f"TLS certificate rejected: {exc}"
    if isinstance(exc, TimeoutError | socket.timeout):
        return Failure.TEMPORARY, f"timed out: {exc}"
    if isinstance(exc, OSError):  # refused, reset, unreachable, DNS, other TLS errors
        return Failure.TEMPORARY, f"{type(exc).__name__}: {exc}"
    if isinstance(exc, smtplib.SMTPException):
        return Failure.TEMPORARY, f"{type(exc).__name__}: {exc}"
    raise exc


def password_from_env(smtp: SmtpConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """The SMTP password from the variable named by ``smtp.password_env`` (None if unset)."""
    if smtp.password_env is None:
        return None
    env = os.environ if environ is None else environ
    value = env.get(smtp.password_env)
    if not value:
        state = "empty" if value == "" else "not set"
        raise PermanentDeliveryError(
            f"smtp.password_env names {smtp.password_env}, but that environment variable is "
            f"{state}; export it for the daemon (e.g. in the systemd EnvironmentFile)"
        )
    return value


def _send_once(
    msg: EmailMessage,
    smtp: SmtpConfig,
    password: str | None,
    context: ssl.SSLContext,
) -> None:
    client: smtplib.SMTP
    if smtp.security is SmtpSecurity.TLS:
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        client.ehlo()
        if smtp.security is SmtpSecurity.STARTTLS:
            client.starttls(context=context)
            client.ehlo()
        if smtp.username is not None:
            if password is None:
                raise PermanentDeliveryError(
                    "smtp.username is set but there is no password (set smtp.password_env)"
                )
            client.login(smtp.username, password)
        client.send_message(msg)
    except BaseException:
        client.close()
        raise
    try:  # the server has accepted the message: a failing QUIT changes nothing
        client.quit()
    except (smtplib.SMTPException, OSError) as e:
        logger.warning("smtp quit failed after acceptance host=%s error=%s", smtp.host, e)
        client.close()


def deliver(
    msg: EmailMessage,
    smtp: SmtpConfig,
    *,
    password: str | None,
    retries: int = 3,
    backoff: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Send ``msg`` via ``smtp``; retry temporary failures, raise ``DeliveryError`` subclasses.

    ``ssl_context`` defaults to the system trust store with hostname checks
    (``ssl.create_default_context()``); tests pass one that trusts their own certificate.
    """
    context = ssl_context or ssl.create_default_context()
    to = msg.get("To", "")
    mid = msg.get("Message-ID", "")
    attempts = max(retries, 0) + 1
    for attempt in range(1, attempts + 1):
        started = time.monotonic()
        try:
            _send_once(msg, smtp, password, context)
        except DeliveryError:
            raise
        except Exception as e:
            kind, reason = classify(e)
            ms = round((time.monotonic() - started) * 1000)
            logger.warning(
                "smtp failed host=%s to=%s attempt=%d/%d kind=%s ms=%d reason=%s",
                smtp.host, to, attempt, attempts, kind.value, ms, reason,
            )  # fmt: skip
            where = f"{smtp.host}:{smtp.port}"
            if kind is Failure.PERMANENT:
                raise PermanentDeliveryError(f"{where} refused the digest: {reason}") from e
            if attempt == attempts:
                raise TemporaryDeliveryError(
                    f"{where}: delivery failed after {attempts} attempts: {reason}"
                ) from e
            sleep(backoff * 2 ** (attempt - 1))
        else:
            ms = round((time.monotonic() - started) * 1000)
            logger.info(
                "smtp delivered host=%s to=%s message_id=%s attempt=%d ms=%d",
                smtp.host, to, mid, attempt, ms,
            )  # fmt: skip
            return


# ---- no smtp section: files ------------------------------------------------------------------

_DIGEST_ID = re.compile(r"<digest-([0-9A-Za-z]+)@")


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_stem(msg: EmailMessage) -> str:
    """``YYYY-MM-DD-digest-<id>`` from the message's Date and Message-ID headers."""
    date_header = msg.get("Date")
    day = (
        email.utils.parsedate_to_datetime(str(date_header)).strftime("%Y-%m-%d")
        if date_header
        else "undated"
    )
    m = _DIGEST_ID.search(str(msg.get("Message-ID", "")))
    if m is None:
        raise ValueError("message has no digest Message-ID (<digest-ID@...>)")
    return f"{day}-digest-{m.group(1)}"


def write_to_dir(msg: EmailMessage, rendered: RenderedDigest, out_dir: Path) -> Path:
    """Write ``<stem>.eml`` and ``<stem>.html`` into ``out_dir`` atomically; return the .eml."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_stem(msg)
    html_path = out_dir / f"{stem}.html"
    eml_path = out_dir / f"{stem}.eml"
    _atomic_write(html_path, rendered.html.encode("utf-8"))
    _atomic_write(eml_path, msg.as_bytes())
    logger.info("digest written path=%s bytes=%d", eml_path, eml_path.stat().st_size)
    return eml_path
