"""The scheduler process is killed (SIGKILL: no cleanup, like a power cut) twice in the middle of
delivering a batch of messages to a real SMTP server, and restarted each time. Every message must
arrive; a duplicate (same Message-ID) is allowed only for a message the server had accepted and
the outbox had not yet recorded at a kill: with one SMTP connection that is the one message in
flight, with a pool of connections at most one per connection.
The figures are printed and written to test-artifacts/faults-scheduler-kill-<backend>.json (and
…-<backend>-pool4.json for the run with four SMTP connections).

The kill is placed, not timed: the test's own SMTP server kills the scheduler from inside its DATA
handler, once the message has been received and before it is answered, at a chosen message of the
run. That message's fate is unknown to the scheduler, exactly as in a real crash, and because a
delivery run claims `DeliveryPolicy.chunk` rows at a time and sends them in order, the chosen
message is known to lie inside a claimed chunk, with claimed rows not yet sent after it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from parflow.notify.catcher import free_port
from parflow.notify.delivery import DeliveryPolicy
from parflow.notify.message import message_id
from parflow.notify.samples import sample
from parflow.services.common import outbox
from parflow.services.common.runtime import Runtime
from parflow.settings import PROJECT_ROOT
from parflow.store.models import Campaign, Notification
from tests.support.mail import ScriptedHandler, SmtpServer, people

# A delivery run claims this many due rows at a time and sends them in order (the scheduler uses
# the default policy); each claim waits for the previous chunk's outcomes to be recorded.
CHUNK = DeliveryPolicy().chunk
MESSAGES = 5 * CHUNK
# Each run is killed at its KILL_AT-th message: halfway through its second claimed chunk. The
# first chunk is all recorded, the second is claimed, and half of it is still to be sent. The
# second run sends the 3 chunks the first one never claimed before the first run's leftovers, so
# it too has full chunks to claim there.
KILL_AT = (CHUNK + CHUNK // 2, CHUNK + CHUNK // 2)
SCRIPT = Path(__file__).with_name("scheduler_process.py")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# generous bounds (a loaded 2-core CI machine); every wait ends as soon as its condition holds
KILL_WAIT_SECONDS = 180.0
FINISH_WAIT_SECONDS = 300.0


def in_chunk(nth: int) -> int:
    """Rows left `sending` when a run dies with its `nth` message on the wire: that message (sent
    but not recorded) and the rest of its chunk (claimed, not sent yet)."""
    return CHUNK - (nth - 1) % CHUNK


@dataclass
class KillingHandler(ScriptedHandler):
    """Records mail like `ScriptedHandler`; when armed, kills the scheduler with SIGKILL at the
    run's `kill_at`-th message, from inside DATA: the message is in, its 250 never goes out."""

    target: subprocess.Popen[str] | None = None
    kill_at: int = 0
    run_count: int = 0  # messages received from the armed run
    in_flight: str | None = None  # Message-ID of the message the kill cut off
    killed: threading.Event = field(default_factory=threading.Event)
    error: str | None = None

    def arm(self, kill_at: int) -> None:
        with self.lock:
            self.target, self.kill_at, self.run_count, self.in_flight = None, kill_at, 0, None
            self.error = None
            self.killed.clear()

    def aim(self, process: subprocess.Popen[str]) -> None:
        with self.lock:
            self.target = process

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        reply = await super().handle_DATA(server, session, envelope)
        with self.lock:
            self.run_count += 1
            if self.kill_at == 0 or self.run_count != self.kill_at:
                return reply
            self.kill_at = 0
            target = self.target
            self.in_flight = str(self.received[-1].message["Message-ID"])
        try:
            if target is None:
                raise RuntimeError("the run reached its kill point before its process was known")
            os.kill(target.pid, signal.SIGKILL)
            # dead before any reply can reach it (this blocks the server thread: no other client)
            target.wait(60)
        except Exception as exc:  # reported by the test, which waits on `killed`
            self.error = repr(exc)
        finally:
            self.killed.set()
        return reply  # goes nowhere: the client is gone


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:  # overrides tests/notify's: `mail_rt` is routed to this one
    server = SmtpServer(KillingHandler(), free_port()).start()
    yield server
    server.stop()


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


def start(rt: Runtime, at: str, log: Path, connections: int) -> subprocess.Popen[str]:
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
        "smtp_connections": connections,
    }
    with log.open("w") as stderr:
        return subprocess.Popen(
            [sys.executable, str(SCRIPT), json.dumps(settings), at],
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )


def wait_for(condition, seconds: float, every: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if condition():
            return True
        time.sleep(every)
    return condition()


def statuses(rt: Runtime, keys: list[str] | None = None) -> Counter[str]:
    query = select(Notification.status)
    if keys is not None:
        query = query.where(col(Notification.key).in_(keys))
    with rt.db.read() as session:
        return Counter(session.exec(query).all())


def unrecorded(rt: Runtime, received: set[str]) -> set[str]:
    """Message-IDs the server has whose rows are not recorded as sent (still `sending`)."""
    with rt.db.read() as session:
        keys = session.exec(select(Notification.key).where(Notification.status == "sending")).all()
    return {mid for key in keys if (mid := message_id(key, "snv.haiphong.example")) in received}


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


@pytest.mark.both_backends
@pytest.mark.parametrize("connections", [1, 4])
def test_killed_twice_mid_batch_loses_nothing(
    mail_rt: Runtime, smtp_server: SmtpServer, backend: str, tmp_path: Path, connections: int
) -> None:
    keys = queue(mail_rt, MESSAGES)
    expected = {message_id(k, "snv.haiphong.example") for k in keys}
    handler = smtp_server.handler
    assert isinstance(handler, KillingHandler)
    t0 = mail_rt.clock.now()

    def ours() -> Counter[str]:
        with handler.lock:
            received = list(handler.received)
        return Counter(mid for r in received if (mid := str(r.message["Message-ID"])) in expected)

    kills: list[dict[str, object]] = []
    process = None
    try:
        for crash, nth in enumerate(KILL_AT):
            # each restart is 15 minutes later on the process's clock: the killed run's claims lapsed
            log = tmp_path / f"scheduler-{crash}.log"
            handler.arm(nth)
            process = start(mail_rt, (t0 + timedelta(minutes=15 * crash)).isoformat(), log, connections)
            handler.aim(process)
            wait_for(lambda p=process: handler.killed.is_set() or p.poll() is not None, KILL_WAIT_SECONDS)
            # the process can be seen dead a moment before the handler, which killed it, says so
            handler.killed.wait(30)
            assert handler.killed.is_set(), (
                f"run {crash} did not reach its message {nth} within {KILL_WAIT_SECONDS} s (it sent "
                f"{handler.run_count}; exit code {process.poll()})\n{tail(log)}"
            )
            assert handler.error is None, handler.error
            assert process.wait(30) == -signal.SIGKILL
            found = statuses(mail_rt)
            kills.append(
                {
                    "kill_at_run_message": nth,
                    "received_at_kill": len(handler.received),
                    "sending": found["sending"],
                    "sending_expected": in_chunk(nth),
                    "sent": statuses(mail_rt, keys)["sent"],
                    "in_flight": handler.in_flight,
                    "unrecorded": sorted(unrecorded(mail_rt, set(ours()))),
                }
            )
        log = tmp_path / "scheduler-final.log"
        at = (t0 + timedelta(minutes=15 * len(KILL_AT))).isoformat()
        process = start(mail_rt, at, log, connections)
        assert wait_for(lambda: statuses(mail_rt, keys)["sent"] == MESSAGES, FINISH_WAIT_SECONDS), (
            f"{statuses(mail_rt, keys)}\n{tail(log)}"
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0, tail(log)
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(30)

    copies = ours()
    lost = len(expected - set(copies))
    duplicates = sum(n - 1 for n in copies.values())
    figures = {
        "backend": backend,
        "connections": connections,
        "messages": MESSAGES,
        "chunk": CHUNK,
        "kills": kills,
        "received": len(handler.received),
        "delivered_distinct": len(copies),
        "lost": lost,
        "duplicates": duplicates,
        "duplicates_per_crash": duplicates / len(KILL_AT),
    }
    print(f"\nscheduler kill -9 figures: {json.dumps(figures)}")
    ARTIFACTS.mkdir(exist_ok=True)
    suffix = "" if connections == 1 else f"-pool{connections}"
    artifact = ARTIFACTS / f"faults-scheduler-kill-{backend}{suffix}.json"
    artifact.write_text(json.dumps(figures, indent=2))
    if connections == 1:
        # each kill really interrupted a claimed batch: the message in flight and the claimed rest
        # of its chunk were left `sending`
        assert all(k["sending"] == k["sending_expected"] > 1 for k in kills), kills
        assert all(k["unrecorded"] == [k["in_flight"]] for k in kills), kills
    else:
        # a claimed batch was interrupted (several messages on the wire, the next chunk perhaps
        # claimed already); what the server had and the outbox did not: at most one per connection
        assert all(k["sending"] > 1 for k in kills), kills
        assert all(1 <= len(k["unrecorded"]) <= connections for k in kills), kills  # type: ignore[arg-type]
    assert lost == 0
    assert max(copies.values()) <= 2 and duplicates <= connections * len(KILL_AT)
    # only a message the server had accepted and the outbox had not recorded may have gone out twice
    cut_off = {mid for k in kills for mid in k["unrecorded"]}  # type: ignore[attr-defined]
    assert {mid for mid, n in copies.items() if n > 1} <= cut_off
