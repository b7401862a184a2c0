"""A deliverer that dies between the SMTP send and recording it: at most one duplicate, same Message-ID."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from parflow.notify.delivery import deliver_pending
from parflow.notify.message import message_id
from parflow.services.common.runtime import Runtime
from tests.notify.crashing_deliverer import CRASH_EXIT
from tests.support.mail import SmtpServer, later, people, queue_reminders, rows

# lease recovery after a crash depends on the claim's locking
pytestmark = pytest.mark.both_backends


@pytest.mark.parametrize("connections", [1, 3])
def test_crash_after_send_before_marking_sent(
    mail_rt: Runtime, smtp_server: SmtpServer, connections: int
) -> None:
    """Killed at its first write: what the server accepted by then is sent again, exactly once.

    One connection: exactly the one message in flight. Several: at most one per connection.
    """
    keys = queue_reminders(mail_rt, people(mail_rt)[:3])
    s = mail_rt.settings
    settings = {
        "data_dir": str(s.data_dir),
        "database_url": s.effective_database_url,
        "smtp_host": s.smtp_host,
        "smtp_port": s.smtp_port,
        "smtp_security": "none",
        "mail_from": s.mail_from,
        "base_url": s.base_url,
        "notifications_dir": str(s.notifications_dir),
        "smtp_connections": connections,
    }
    script = Path(__file__).with_name("crashing_deliverer.py")
    done = subprocess.run(
        [sys.executable, str(script), json.dumps(settings), mail_rt.clock.now().isoformat()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == CRASH_EXIT, done.stderr
    # the server has them, the outbox does not know
    in_flight = len(smtp_server.handler.received)
    assert in_flight == 1 if connections == 1 else 1 <= in_flight <= connections
    assert all(r.status == "sending" for r in rows(mail_rt))

    # Another run while the dead deliverer's lease is still valid must not send anything yet.
    early = asyncio.run(deliver_pending(mail_rt))
    assert (early.recovered, early.claimed) == (0, 0)

    later(mail_rt, minutes=15)  # the lease runs out
    report = asyncio.run(deliver_pending(mail_rt))
    assert report.recovered == 3 and report.sent == 3
    assert all(r.status == "sent" for r in rows(mail_rt))

    copies = Counter(smtp_server.handler.message_ids())
    assert sorted(copies) == sorted(message_id(k, "snv.haiphong.example") for k in keys)
    # exactly the messages in flight twice, each with one Message-ID
    assert sorted(copies.values()) == [1] * (3 - in_flight) + [2] * in_flight
    duplicated = next(mid for mid, n in copies.items() if n == 2)
    first, second = (r for r in smtp_server.handler.received if r.message["Message-ID"] == duplicated)
    assert first.raw.split(b"\r\n\r\n", 1)[1] == second.raw.split(b"\r\n\r\n", 1)[1]  # same body
    assert first.message["Subject"] == second.message["Subject"]
