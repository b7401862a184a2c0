"""The scheduler process is killed (SIGKILL: no cleanup, like a power cut) twice in the middle of
delivering a batch of 500 messages to a real SMTP server, and restarted each time. Every message
must arrive; a duplicate (same Message-ID) is allowed only for the one message in flight at each
kill. The figures are printed and written to test-artifacts/faults-scheduler-kill-<backend>.json.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from parflow.notify.message import message_id
from parflow.notify.samples import sample
from parflow.services.common import outbox
from parflow.services.common.runtime import Runtime
from parflow.settings import PROJECT_ROOT
from parflow.store.models import Campaign, Notification
from tests.support.mail import SmtpServer, people

MESSAGES = 500
KILL_AT = (120, 320)  # kill once the server has received this many messages
SCRIPT = Path(__file__).with_name("scheduler_process.py")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def queue(rt: Runtime, count: int) -> list[str]:
    recipients = people(rt) + people(rt, "home_affairs")
    now = rt.clock.now()
    keys = [f"load:{i:04d}" for i in range(count)]

    def write(session) -> None:  # type: ignore[no-untyped-def]
        campaign = session.exec(select(Campaign)).first()
        for i, key in enumerate(keys):
            outbox.enqueue(
                session,
                key=key,
                kind="reminder",
                person=recipients[i % len(recipients)],
                now=now,
                context=sample("reminder"),
                campaign_id=campaign.id,
            )

    rt.db.run(write)
    return keys


def start(rt: Runtime, at: str) -> subprocess.Popen[str]:
    s = rt.settings
    settings = {
        "data_dir": str(s.data_dir),
        "database_url": s.effective_database_url,
        "smtp_host": s.smtp_host,
        "smtp_port": s.smtp_port,
        "smtp_security": "none",
        "mail_from": s.mail_from,
        "base_url": s.base_url,
        "notifications_dir": str(s.notifications_dir),
        "tick_interval_seconds": 1,
    }
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), json.dumps(settings), at],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def wait_for(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if condition():
            return True
        time.sleep(0.005)
    return False


def statuses(rt: Runtime, keys: list[str]) -> Counter[str]:
    with rt.db.read() as session:
        found = session.exec(select(Notification.status).where(col(Notification.key).in_(keys))).all()
    return Counter(found)


@pytest.mark.both_backends
def test_killed_twice_mid_batch_loses_nothing(
    mail_rt: Runtime, smtp_server: SmtpServer, backend: str
) -> None:
    keys = queue(mail_rt, MESSAGES)
    expected = {message_id(k, "snv.haiphong.example") for k in keys}
    handler = smtp_server.handler
    t0 = mail_rt.clock.now()

    def ours() -> Counter[str]:
        with handler.lock:
            received = list(handler.received)
        return Counter(mid for r in received if (mid := str(r.message["Message-ID"])) in expected)

    kills: list[dict[str, int]] = []
    process = None
    try:
        for crash, threshold in enumerate(KILL_AT):
            # each restart is 15 minutes later on the process's clock: the killed run's claims lapsed
            process = start(mail_rt, (t0 + timedelta(minutes=15 * crash)).isoformat())
            assert wait_for(lambda t=threshold: len(handler.received) >= t, 90), "delivery did not start"
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
            kills.append(
                {"received_at_kill": len(handler.received), "sending": statuses(mail_rt, keys)["sending"]}
            )
        process = start(mail_rt, (t0 + timedelta(minutes=15 * len(KILL_AT))).isoformat())
        assert wait_for(lambda: statuses(mail_rt, keys)["sent"] == MESSAGES, 120), statuses(mail_rt, keys)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)

    copies = ours()
    lost = len(expected - set(copies))
    duplicates = sum(n - 1 for n in copies.values())
    figures = {
        "backend": backend,
        "messages": MESSAGES,
        "kills": kills,
        "delivered_distinct": len(copies),
        "lost": lost,
        "duplicates": duplicates,
        "duplicates_per_crash": duplicates / len(KILL_AT),
    }
    print(f"\nscheduler kill -9 figures: {json.dumps(figures)}")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"faults-scheduler-kill-{backend}.json").write_text(json.dumps(figures, indent=2))
    assert all(k["sending"] > 0 for k in kills)  # each kill really interrupted a claimed batch
    assert lost == 0
    assert max(copies.values()) <= 2 and duplicates <= len(KILL_AT)
