"""Secrets stay secret: passwords typed at sign-in, the installation's secret key, the SMTP
password and a database password never show up in logs (every logger at DEBUG, SQL included), in
error responses, in the delivery log of a failing mail server, or in the settings' repr."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult
from fastapi.testclient import TestClient

from parflow.notify.catcher import free_port
from parflow.notify.delivery import deliver_pending
from parflow.services.common.runtime import Runtime
from parflow.settings import Settings, SmtpSecurity
from parflow.web.app import create_app
from tests.support import logging_state
from tests.support.databases import TEST_SECRET
from tests.support.mail import Certificate, ScriptedHandler, SmtpServer, people, queue_reminders, routed
from tests.support.passwords import PASSWORD
from tests.support.people import HOME_AFFAIRS

SMTP_PASSWORD = "smtp-Pa55word-never-shown-7"
DB_PASSWORD = "db-Pa55word-never-shown-9"
WRONG_PASSWORD = "wrong-Pa55word-typed-by-mistake"
METRICS_TOKEN = "metrics-token-never-shown-3"
SECRETS = (PASSWORD, WRONG_PASSWORD, TEST_SECRET, SMTP_PASSWORD, DB_PASSWORD, METRICS_TOKEN)


def leaked(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_settings_do_not_show_secrets() -> None:
    settings = Settings(
        secret_key=TEST_SECRET,
        smtp_username="parflow",
        smtp_password=SMTP_PASSWORD,
        database_url=f"postgresql+psycopg://parflow:{DB_PASSWORD}@db.example/parflow",
        metrics_token=METRICS_TOKEN,
        _env_file=None,  # type: ignore[call-arg]
    )
    assert not leaked(repr(settings)) and not leaked(str(settings))
    assert settings.smtp_username and "parflow" in repr(settings)  # the rest is still shown


def refuse_everyone(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
    return AuthResult(success=False, handled=False)


@pytest.fixture
def everything_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every logger at DEBUG, SQLAlchemy's statements and parameters included, for this test only:
    left on, every later test would format every SQL statement it runs."""
    with logging_state.preserved():
        caplog.set_level(logging.DEBUG)
        for name in (
            "sqlalchemy.engine",
            "sqlalchemy.pool",
            "aiosmtplib",
            "uvicorn",
            "uvicorn.error",
            "parflow",
        ):
            logging.getLogger(name).setLevel(logging.DEBUG)
        yield


def test_nothing_secret_in_logs_or_answers(
    rt: Runtime,
    campaign: str,
    caplog: pytest.LogCaptureFixture,
    everything_at_debug: None,
    certificate: Certificate,
    tmp_path: Path,
) -> None:
    answers: list[str] = []
    with TestClient(create_app(rt), raise_server_exceptions=False) as client:
        for password in (PASSWORD, WRONG_PASSWORD):
            r = client.post("/api/v1/auth/token", data={"username": HOME_AFFAIRS, "password": password})
            answers.append(r.text)
        token = client.post(
            "/api/v1/auth/token", data={"username": HOME_AFFAIRS, "password": PASSWORD}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        # malformed and half-filled sign-ins: the 422 must not echo what was typed
        answers.append(client.post("/api/v1/auth/token", data={"password": WRONG_PASSWORD}).text)
        answers.append(
            client.post("/api/v1/auth/token", content=f"password={WRONG_PASSWORD}&username".encode()).text
        )
        page = client.get("/login")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        for password in (WRONG_PASSWORD, PASSWORD):
            answers.append(
                client.post(
                    "/login",
                    data={"email": HOME_AFFAIRS, "password": password, "csrf_token": csrf, "next": "/"},
                    follow_redirects=False,
                ).text
            )
        answers.append(client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {TEST_SECRET}"}).text)

        # a mail server that refuses the SMTP password (over TLS: it is never sent in plaintext)
        server = SmtpServer(
            ScriptedHandler(),
            free_port(),
            options={
                "tls_context": certificate.server_context(),
                "authenticator": refuse_everyone,
                "auth_require_tls": True,
            },
        ).start()
        try:
            mail_rt = routed(
                rt,
                server,
                smtp_security=SmtpSecurity.starttls,
                smtp_ca_file=certificate.cert,
                smtp_username="parflow",
                smtp_password=SMTP_PASSWORD,
            )
            queue_reminders(mail_rt, people(mail_rt)[:1])
            report = asyncio.run(deliver_pending(mail_rt))
        finally:
            server.stop()
        assert report.sent == 0
        answers.append(repr(report))
        log = client.get("/api/v1/campaigns/haiphong-2021/notifications", headers=headers)
        assert log.status_code == 200 and log.json()[0]["last_error"], log.text
        answers.append(log.text)
    assert any("auth" in a.lower() or "535" in a for a in answers[-1:]), answers[-1][:300]
    assert not leaked("\n".join(answers)), [a[:200] for a in answers if leaked(a)]
    records = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    assert "SELECT" in records  # the SQL log was on, so the check below had something to read
    assert not leaked(records), leaked(records)
