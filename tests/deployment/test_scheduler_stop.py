"""SIGTERM to a `parflow scheduler` in the middle of a delivery run: the message on the wire is
finished and recorded, the rest go back to the queue due at once, and nothing is sent twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from parflow.notify.catcher import free_port
from parflow.notify.delivery import deliver_pending
from parflow.services.common.runtime import Runtime
from tests.deployment.processes import Process, environment
from tests.support.databases import TEST_SECRET
from tests.support.mail import ScriptedHandler, SmtpServer, people, queue_reminders, routed, rows

MESSAGES = 30


@dataclass
class SlowHandler(ScriptedHandler):
    """A mail server that takes its time over each message, so a run lasts long enough to interrupt."""

    delay: float = 0.3

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.timeout(240)  # a scheduler that does not stop on SIGTERM is the failure: end it, do not hang
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_sigterm_during_delivery_loses_and_repeats_nothing(
    rt: Runtime, campaign: str, tmp_path: Path
) -> None:
    smtp = SmtpServer(SlowHandler(), free_port()).start()
    try:
        mail_rt = routed(rt, smtp)
        keys = queue_reminders(mail_rt, people(mail_rt)[:MESSAGES])
        env = environment(
            {
                "data_dir": str(tmp_path / "data"),
                "database_url": rt.settings.effective_database_url,
                "secret_key": TEST_SECRET,
                "smtp_host": smtp.host,
                "smtp_port": str(smtp.port),
                "smtp_security": "none",
                "mail_from": mail_rt.settings.mail_from,
            }
        )
        scheduler = Process.start("scheduler", ["scheduler", "--interval", "1"], env, tmp_path)
        deadline = time.monotonic() + 90
        while len(smtp.handler.received) < 3:  # the run is under way
            assert scheduler.popen.poll() is None, scheduler.output()
            assert time.monotonic() < deadline, "no message arrived"
            time.sleep(0.05)
        assert scheduler.stop(timeout=60) == 0, scheduler.output()

        everything = rows(mail_rt)  # ours, and what the scheduler's own tick queued meanwhile
        assert not [r for r in everything if r.status == "sending"]  # nothing left half-done
        sent = {r.message_id for r in everything if r.status == "sent"}
        assert Counter(smtp.handler.message_ids()) == Counter(sent)  # what went out is recorded, once
        ours = [r for r in everything if r.key in keys]  # sent first: they were due first
        done = sum(1 for r in ours if r.status == "sent")
        assert 3 <= done < MESSAGES  # it really was stopped in the middle
        waiting = [r for r in ours if r.status != "sent"]
        assert all(r.status == "pending" and r.attempts == 0 for r in waiting)  # handed back untried

        # another scheduler takes over at once (the stopped one ran on the machine's clock) and
        # sends the rest, each once
        rt.clock.set(datetime.now(UTC))  # type: ignore[attr-defined]
        smtp.handler.delay = 0  # type: ignore[attr-defined]
        asyncio.run(deliver_pending(mail_rt))
        assert all(r.status == "sent" for r in rows(mail_rt) if r.key in keys)
        copies = Counter(smtp.handler.message_ids())
        assert set(copies.values()) == {1}
    finally:
        smtp.stop()
