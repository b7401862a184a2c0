"""Fixtures of the fault-injection tests: besides the real aiosmtpd servers (tests/support/mail.py),
a raw TCP server that breaks the SMTP conversation on purpose (`rawsmtp.RawSmtp`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from parflow.notify.catcher import free_port
from tests.faults.rawsmtp import RawSmtp


@pytest.fixture
def raw_smtp() -> Iterator[RawSmtp]:
    server = RawSmtp(free_port()).start()
    yield server
    server.stop()
