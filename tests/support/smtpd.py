"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), with scripted failures.

    with FixtureSMTPServer() as srv:                  # plain SMTP, accepts everything
        srv.fail("RCPT", "451 4.3.0 Try again later", times=2)   # next 2 RCPTs get 451
        srv.fail("DATA", "550 5.7.1 Rejected")                   # next DATA gets 550
        srv.drop("DATA")                              # next DATA: connection closed, no reply
        ... deliver(msg, srv.config(), password=None) ...
        srv.messages[0].message["Subject"], srv.messages[0].rcpt_tos, srv.attempts
        srv.reset()                                   # healthy again: script/messages cleared

    with FixtureSMTPServer(security="starttls") as srv:    # STARTTLS required
        deliver(msg, srv.config(), password=None, ssl_context=srv.client_context())
    FixtureSMTPServer(security="tls")                      # implicit TLS (SMTPS)
    FixtureSMTPServer(auth=("user", "secret"))             # AUTH PLAIN/LOGIN required

    closed_port()   -> a loopback port nobody listens on (connection refused)
    silent_port()   -> context manager: a port that accepts TCP but never greets (timeouts)

Scripted failures are consumed in order, one per matching command, across connections, so
"fail twice then succeed" is ``fail(stage, reply, times=2)``. Only accepted messages land in
``messages``; ``attempts`` counts DATA commands that reached the handler (accepted or not).
TLS uses a self-signed certificate for "localhost"/127.0.0.1 made at start-up with the
``openssl`` command line tool; ``client_context()`` trusts exactly that certificate.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from aggregator.config import SmtpConfig, SmtpSecurity

Stage = Literal["MAIL", "RCPT", "DATA"]


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


def closed_port() -> int:
    """A loopback port that was free a moment ago: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def silent_port() -> Iterator[int]:
    """A port whose listen queue completes TCP handshakes but nobody ever answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield int(s.getsockname()[1])


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Self-signed cert + key for localhost/127.0.0.1 (openssl CLI); returns (cert, key)."""
    if shutil.which("openssl") is None:  # pragma: no cover - openssl is in the base image
        raise RuntimeError("openssl command not found (apt-get install openssl)")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


class _Handler:
    def __init__(self, owner: FixtureSMTPServer) -> None:
        self.owner = owner

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        scripted = self.owner._take("MAIL", server)
        if scripted is not None:
            return scripted
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        scripted = self.owner._take("RCPT", server)
        if scripted is not None:
            return scripted
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.owner._lock:
            self.owner.attempts += 1
        scripted = self.owner._take("DATA", server)
        if scripted is not None:
            return scripted
        data = envelope.original_content or envelope.content
        received = Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), bytes(data))
        with self.owner._lock:
            self.owner.messages.append(received)
        return "250 2.0.0 OK: queued"


class FixtureSMTPServer:
    """A started aiosmtpd server on 127.0.0.1; use as a context manager."""

    def __init__(
        self,
        *,
        security: Literal["none", "starttls", "tls"] = "none",
        auth: tuple[str, str] | None = None,
    ) -> None:
        self.security = security
        self.auth = auth
        self.host = "127.0.0.1"
        self.port = 0
        self.messages: list[Received] = []
        self.attempts = 0
        self._script: list[tuple[Stage, str | None]] = []  # reply None = drop the connection
        self._lock = threading.Lock()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._cert: Path | None = None
        self._controller: Controller | None = None

    # -- scripting -------------------------------------------------------------------------

    def fail(self, stage: Stage, reply: str, times: int = 1) -> None:
        """Answer the next ``times`` ``stage`` commands with ``reply`` (e.g. "451 4.3.0 busy")."""
        with self._lock:
            self._script.extend([(stage, reply)] * times)

    def drop(self, stage: Stage = "DATA", times: int = 1) -> None:
        """Close the connection, without a reply, at the next ``times`` ``stage`` commands."""
        with self._lock:
            self._script.extend([(stage, None)] * times)

    def reset(self) -> None:
        """Back to a healthy server: forget scripted failures, received messages, attempts."""
        with self._lock:
            self._script.clear()
            self.messages.clear()
            self.attempts = 0

    def _take(self, stage: Stage, server: Any) -> str | None:
        with self._lock:
            index = next((i for i, (s, _) in enumerate(self._script) if s == stage), None)
            if index is None:
                return None
            reply = self._script.pop(index)[1]
        if reply is None:
            server.transport.abort()
            return "421 4.4.2 connection dropped"  # never reaches the client
        return reply

    # -- client side helpers ---------------------------------------------------------------

    def client_context(self) -> ssl.SSLContext:
        """A client SSL context that trusts this server's self-signed certificate."""
        assert self._cert is not None, "server was not started with TLS"
        return ssl.create_default_context(cafile=str(self._cert))

    def config(self, **overrides: Any) -> SmtpConfig:
        """An ``SmtpConfig`` pointing at this server (timeout 5 s unless overridden)."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": SmtpSecurity(self.security),
            "username": self.auth[0] if self.auth else None,
            "timeout": 5.0,
        }
        values.update(overrides)
        return SmtpConfig(**values)

    # -- lifecycle -------------------------------------------------------------------------

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            self.auth is not None
            and isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == self.auth
        )
        return AuthResult(success=ok, handled=False)

    def start(self) -> FixtureSMTPServer:
        self.port = closed_port()
        kwargs: dict[str, Any] = {"server_hostname": "localhost", "ready_timeout": 5.0}
        if self.security != "none":
            self._tmp = tempfile.TemporaryDirectory(prefix="smtpd-")
            cert, key = make_certificate(Path(self._tmp.name))
            self._cert = cert
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(str(cert), str(key))
            if self.security == "starttls":
                kwargs.update(tls_context=ctx, require_starttls=True)
            else:
                kwargs.update(ssl_context=ctx)
        if self.auth is not None:
            kwargs.update(
                authenticator=self._authenticate,
                auth_required=True,
                auth_require_tls=self.security == "starttls",
            )
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> FixtureSMTPServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
