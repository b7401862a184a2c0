"""Mail for tests: real aiosmtpd servers with a scriptable handler, outbox helpers, delivery, a test CA.

Fixtures (offered to every area by tests/conftest.py):
- `smtp_server`: a running server whose handler records every message (raw bytes, envelope, the
  SMTP session it came on, whether that session was encrypted) and can be told to refuse addresses
  or to answer DATA with given replies before accepting; `server_factory(**options)` makes more.
- `mail_rt`: the test runtime, with the example campaign loaded, pointed at `smtp_server`
  (security `none`).
- `certificate`: a throw-away self-signed certificate for 127.0.0.1 (session scope).
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser, Parser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import col, select

from parflow.notify.catcher import free_port
from parflow.notify.delivery import DeliveryReport, deliver_pending
from parflow.notify.samples import sample
from parflow.services.common import outbox
from parflow.services.common.runtime import Runtime
from parflow.settings import Settings, SmtpSecurity
from parflow.store.models import Campaign, Notification, Person, RoleAssignment


@dataclass
class Received:
    raw: bytes
    mail_from: str
    rcpt_tos: list[str]
    session: int
    encrypted: bool

    @property
    def message(self) -> EmailMessage:
        try:  # headers may be raw UTF-8 when the message went with SMTPUTF8 (RFC 6532)
            parsed = Parser(policy=policy.default).parsestr(self.raw.decode("utf-8"))
        except UnicodeDecodeError:
            parsed = BytesParser(policy=policy.default).parsebytes(self.raw)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class ScriptedHandler:
    """Accepts mail unless told otherwise. Runs on the server's thread, hence the lock."""

    refuse: dict[str, str] = field(default_factory=dict)  # address -> RCPT reply
    data_replies: list[str] = field(default_factory=list)  # replies to DATA before accepting
    received: list[Received] = field(default_factory=list)
    sessions: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
        session.host_name = hostname
        with self.lock:  # one SMTP protocol object per TCP connection (sessions restart at STARTTLS)
            if not any(s is server for s in self.sessions):
                self.sessions.append(server)
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        reply = self.refuse.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self.lock:
            if self.data_replies:
                return self.data_replies.pop(0)
            index = next(i for i, s in enumerate(self.sessions) if s is server)
            self.received.append(
                Received(
                    raw=envelope.original_content,
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    session=index,
                    encrypted=server.transport.get_extra_info("sslcontext") is not None,
                )
            )
        return "250 OK queued"

    @property
    def connections(self) -> int:
        return len(self.sessions)

    def message_ids(self) -> list[str]:
        return [str(r.message["Message-ID"]) for r in self.received]


@dataclass
class SmtpServer:
    handler: ScriptedHandler
    port: int
    host: str = "127.0.0.1"
    options: dict[str, Any] = field(default_factory=dict)
    controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.handler, hostname=self.host, port=self.port, **self.options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def routed(rt: Runtime, server: SmtpServer, **overrides: Any) -> Runtime:
    settings: Settings = rt.settings.model_copy(
        update={
            "smtp_host": server.host,
            "smtp_port": server.port,
            "smtp_security": SmtpSecurity.none,
            "mail_from": "Sở Nội vụ Hải Phòng <cchc@snv.haiphong.example>",
            **overrides,
        }
    )
    return Runtime(settings=settings, db=rt.db, clock=rt.clock)


def people(rt: Runtime, role: str = "agency_editor") -> list[Person]:
    with rt.db.read() as session:
        return list(
            session.exec(
                select(Person)
                .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
                .where(RoleAssignment.role == role)
                .order_by(col(Person.id))
            ).all()
        )


def queue_reminders(
    rt: Runtime, recipients: list[Person], *, tag: str = "r", context: dict[str, Any] | None = None
) -> list[str]:
    """One pending reminder per person (contract-shaped context); returns the keys."""
    now = rt.clock.now()
    keys = []

    def write(session) -> None:  # type: ignore[no-untyped-def]
        campaign = session.exec(select(Campaign)).first()
        for person in recipients:
            key = f"test:{tag}:{person.id}"
            ctx = context or sample("reminder")
            outbox.enqueue(
                session,
                key=key,
                kind="reminder",
                person=person,
                now=now,
                context=ctx,
                campaign_id=campaign.id,
            )
            keys.append(key)

    rt.db.run(write)
    return keys


def rows(rt: Runtime, kind: str | None = None) -> list[Notification]:
    with rt.db.read() as session:
        query = select(Notification).order_by(col(Notification.id))
        if kind:
            query = query.where(Notification.kind == kind)
        return list(session.exec(query).all())


def later(rt: Runtime, **delta: float) -> None:
    rt.clock.advance(timedelta(**delta))  # type: ignore[attr-defined]


# --- TLS: a throw-away certificate for 127.0.0.1 ----------------------------------------------


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def deliver(rt: Runtime, **options: Any) -> DeliveryReport:
    """One delivery pass over the outbox (`deliver_pending`), as the scheduler's job runs it."""
    return asyncio.run(deliver_pending(rt, **options))


@pytest.fixture
def server_factory() -> Iterator[Callable[..., SmtpServer]]:
    started: list[SmtpServer] = []

    def make(start: bool = True, **options: Any) -> SmtpServer:
        server = SmtpServer(ScriptedHandler(), free_port(), options=options)
        started.append(server)
        return server.start() if start else server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def smtp_server(server_factory: Callable[..., SmtpServer]) -> SmtpServer:
    return server_factory()


@pytest.fixture
def mail_rt(rt: Runtime, campaign: str, smtp_server: SmtpServer) -> Runtime:
    return routed(rt, smtp_server)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A throw-away self-signed certificate for 127.0.0.1 (the client trusts it via SMTP_CA_FILE)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Certificate(cert, key)
