"""Fixtures for the e-mail tests: real aiosmtpd servers on 127.0.0.1 with scriptable replies.

`smtp_server` is a running server whose handler records every message (raw bytes, envelope, the
SMTP session it came on, whether that session was encrypted) and can be told to refuse addresses
or to answer DATA with given replies before accepting. `mail_rt` is the test runtime (with the
example campaign loaded) pointed at that server, security `none`.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from parflow.notify.catcher import free_port
from parflow.services.common.runtime import Runtime
from tests.notify.mailtools import Certificate, ScriptedHandler, SmtpServer, routed


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
