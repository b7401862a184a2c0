"""Fixtures of the fault-injection tests: the e-mail tests' real aiosmtpd servers, plus a raw TCP
server that breaks the SMTP conversation on purpose (`rawsmtp.RawSmtp`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from parflow.notify.catcher import free_port
from tests.faults.rawsmtp import RawSmtp
from tests.notify.conftest import mail_rt, server_factory, smtp_server

__all__ = ["mail_rt", "raw_smtp", "server_factory", "smtp_server"]


@pytest.fixture
def raw_smtp() -> Iterator[RawSmtp]:
    server = RawSmtp(free_port()).start()
    yield server
    server.stop()
