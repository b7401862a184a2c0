"""The mail server misbehaves: refuses (421 at the greeting, 451 and 550 at DATA), hangs (takes the
connection and never answers; swallows a message and never replies), or drops the connection in
the middle of DATA. Real sockets on 127.0.0.1, real outbox rows on SQLite and PostgreSQL.

What must hold: no message is lost or blamed for the server's fault; a temporary refusal backs off
(`failed`, due again 1, 2, 4 … minutes later, with jitter) and becomes `dead` after the last
attempt; a permanent one is `dead` at once; each dead message raises one alert for the day; the
per-operation timeout and the run's overall deadline bound how long a hanging server holds us.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from time import monotonic

import pytest

from parflow.notify.delivery import DeliveryPolicy, DeliveryReport, deliver_pending
from parflow.notify.message import message_id
from parflow.services.common.runtime import Runtime
from tests.faults.rawsmtp import RawSmtp
from tests.support.mail import SmtpServer, later, people, queue_reminders, routed, rows

DOMAIN = "snv.haiphong.example"
# short pauses between reconnects; the per-operation timeout stays at its generous default (20 s)
# except in the tests about it: a tight one would cut off a working server on a busy machine and
# change the attempt counts these tests check
FAST = {"in_run_pause_seconds": 0.05}
TIGHT = 0.5  # the operation timeout where a hanging server is the point


def deliver(rt: Runtime, policy: DeliveryPolicy | None = None) -> tuple[DeliveryReport, float]:
    started = monotonic()
    report = asyncio.run(deliver_pending(rt, policy=policy))
    return report, monotonic() - started


@pytest.fixture
def raw_rt(rt: Runtime, campaign: str, raw_smtp: RawSmtp) -> Runtime:
    return routed(rt, SmtpServer(None, raw_smtp.port))  # type: ignore[arg-type]


def test_421_greeting_blames_no_message(raw_rt: Runtime, raw_smtp: RawSmtp) -> None:
    raw_smtp.mode = "greet_421"
    queue_reminders(raw_rt, people(raw_rt)[:5])
    report, _ = deliver(raw_rt, DeliveryPolicy(**FAST))
    assert (report.sent, report.dead, report.retrying, report.returned) == (0, 0, 0, 5)
    assert raw_smtp.connections == 3  # the first try and two reconnects, then the run gives up
    for row in rows(raw_rt):
        assert row.status == "pending" and row.attempts == 0
        assert "421" in (row.last_error or "")
        assert timedelta(seconds=40) < row.next_attempt_at - raw_rt.clock.now() < timedelta(seconds=80)
    raw_smtp.mode = "accept"
    later(raw_rt, minutes=2)
    again, _ = deliver(raw_rt, DeliveryPolicy(**FAST))
    assert again.sent == 5 and len(raw_smtp.accepted) == 5


@pytest.mark.timeout(120)  # a run that hangs on the silent server is this test's failure
def test_silent_server_the_operation_timeout_fires(raw_rt: Runtime, raw_smtp: RawSmtp) -> None:
    raw_smtp.mode = "silent"  # accepts the TCP connection and never sends a greeting
    queue_reminders(raw_rt, people(raw_rt)[:3])
    report, seconds = deliver(raw_rt, DeliveryPolicy(operation_timeout=TIGHT, **FAST))
    assert (report.sent, report.returned) == (0, 3)
    assert raw_smtp.connections == 3  # the first try and two reconnects, each cut off
    # three waits of 0.5 s at least; bounded far below what the default timeout would take
    # (3 × 20 s), generously enough for a loaded machine
    assert 3 * TIGHT <= seconds < 30, seconds
    assert all(r.status == "pending" and r.attempts == 0 for r in rows(raw_rt))
    assert all("Timeout" in (r.last_error or "") or "timed out" in (r.last_error or "") for r in rows(raw_rt))


@pytest.mark.timeout(180)  # a run the deadline does not end is this test's failure
def test_server_swallowing_messages_the_deadline_ends_the_run(raw_rt: Runtime, raw_smtp: RawSmtp) -> None:
    raw_smtp.mode = "hang_after_data"  # takes each message whole, never answers
    queue_reminders(raw_rt, people(raw_rt)[:8])
    # 1 s per operation: the first message's three tries take about 3 s of the 5 s run, leaving
    # room for a slow machine, while all eight would take 8 × 3 × 1 s = 24 s and more
    policy = DeliveryPolicy(deadline_seconds=5, operation_timeout=1.0, **FAST)
    report, seconds = deliver(raw_rt, policy)
    assert seconds < policy.deadline_seconds + policy.operation_timeout + 10 < 24, seconds
    assert report.sent == 0 and report.dead == 0
    states = Counter(r.status for r in rows(raw_rt))
    # the first message: tried, then reconnected and tried again (a third try unless the machine
    # was too slow for it before the deadline), each cut off
    assert 2 <= rows(raw_rt)[0].attempts <= 3, rows(raw_rt)[0]
    assert states["failed"] >= 1 and states["pending"] >= 1 and set(states) == {"failed", "pending"}
    now = raw_rt.clock.now()
    for row in rows(raw_rt):
        if row.status == "failed":  # tried and cut off (the last one by the deadline): backoff
            assert 1 <= row.attempts <= 3
            assert "Timeout" in (row.last_error or "") or "time limit" in (row.last_error or "")
            wait = (row.next_attempt_at - now).total_seconds()
            assert 0.8 * 60 * 2 ** (row.attempts - 1) <= wait <= 1.2 * 60 * 2 ** (row.attempts - 1)
        else:  # never reached before the deadline: back in the queue without an attempt
            assert row.attempts == 0
    assert raw_smtp.accepted == []
    raw_smtp.mode = "accept"
    later(raw_rt, minutes=10)
    after, _ = deliver(raw_rt, DeliveryPolicy(**FAST))
    assert after.sent == 8 and all(r.status == "sent" for r in rows(raw_rt))
    assert sorted(Counter(raw_smtp.accepted).values()) == [1] * 8


def test_connection_dropped_mid_data_is_retried_at_once(raw_rt: Runtime, raw_smtp: RawSmtp) -> None:
    raw_smtp.plan = ["drop_in_data", "drop_in_data"]  # the first two connections die mid-DATA
    keys = queue_reminders(raw_rt, people(raw_rt)[:4])
    # one connection, so that the first message is the one cut off (tests/notify/test_delivery_pool.py
    # drops a connection of a pool)
    report, _ = deliver(raw_rt, DeliveryPolicy(connections=1, **FAST))
    assert report.sent == 4 and report.retrying == 0
    first = rows(raw_rt)[0]
    assert first.attempts == 3 and first.status == "sent"  # cut off twice, the third went through
    assert sorted(raw_smtp.accepted) == sorted(message_id(k, DOMAIN) for k in keys)
    assert raw_smtp.connections == 3


def test_extra_connections_refused_the_first_carries_the_batch(raw_rt: Runtime, raw_smtp: RawSmtp) -> None:
    # a server that takes one connection from us and greets every further one with 421 (a limit of
    # connections per client): the pool's extra connections give up, the batch still goes out
    raw_smtp.plan = ["accept"] + ["greet_421"] * 9
    keys = queue_reminders(raw_rt, people(raw_rt)[:8])
    report, _ = deliver(raw_rt, DeliveryPolicy(connections=4, **FAST))
    assert (report.sent, report.retrying, report.dead, report.returned) == (8, 0, 0, 0), report.summary()
    assert all(r.status == "sent" and r.attempts == 1 for r in rows(raw_rt))
    assert sorted(raw_smtp.accepted) == sorted(message_id(k, DOMAIN) for k in keys)


def test_451_at_data_backs_off_then_dead_with_one_alert(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    [editor] = people(mail_rt)[:1]
    smtp_server.handler.data_replies = ["451 4.7.1 greylisted, try again later"] * 4
    queue_reminders(mail_rt, [editor])
    policy = DeliveryPolicy(max_attempts=4, **FAST)
    for attempt in (1, 2, 3):
        deliver(mail_rt, policy)
        [row] = rows(mail_rt, "reminder")
        assert row.status == "failed" and row.attempts == attempt and "451" in (row.last_error or "")
        wait = (row.next_attempt_at - mail_rt.clock.now()).total_seconds()
        assert 0.8 * 60 * 2 ** (attempt - 1) <= wait <= 1.2 * 60 * 2 ** (attempt - 1)
        assert deliver(mail_rt, policy)[0].claimed == 0  # not due yet
        mail_rt.clock.set(row.next_attempt_at)  # type: ignore[attr-defined]
    report, _ = deliver(mail_rt, policy)
    [row] = rows(mail_rt, "reminder")
    assert row.status == "dead" and row.attempts == 4 and "gave up after 4 attempts" in (row.last_error or "")
    # one alert per Home Affairs officer, sent in the same run
    alerts = rows(mail_rt, "delivery_failure")
    assert report.alerts == len(alerts) == len(people(mail_rt, "home_affairs"))
    assert all(a.status == "sent" for a in alerts)


def test_550_at_data_is_dead_at_once(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    editors = people(mail_rt)[:2]
    smtp_server.handler.data_replies = ["550 5.7.1 message content rejected"]
    queue_reminders(mail_rt, editors)
    report, _ = deliver(mail_rt, DeliveryPolicy(**FAST))
    reminders = rows(mail_rt, "reminder")
    assert [r.status for r in reminders] == ["dead", "sent"]
    assert reminders[0].attempts == 1 and "550" in (reminders[0].last_error or "")
    assert report.dead == 1 and report.alerts == len(people(mail_rt, "home_affairs"))
