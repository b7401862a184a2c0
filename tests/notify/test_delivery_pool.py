"""Several SMTP connections per run (PARFLOW_SMTP_CONNECTIONS), against real aiosmtpd servers.

Each message goes out over exactly one connection and is recorded once; a connection that fails
mid-batch leads to the usual retry bookkeeping for its message, never to a copy of another one.
"""

from __future__ import annotations

from collections import Counter

import pytest

from parflow.notify import claims
from parflow.notify.delivery import DeliveryPolicy, _prepare
from parflow.notify.message import message_id, parse_sender
from parflow.notify.recorder import Entry, Outcome, record_outcomes
from parflow.services.common.runtime import Runtime
from tests.support.mail import SmtpServer, deliver, later, people, queue_reminders, rows

pytestmark = pytest.mark.both_backends

FAST = {"in_run_pause_seconds": 0.01}


def test_parallel_connections_send_each_message_once(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    editors = people(mail_rt)
    assert len(editors) >= 12
    keys = queue_reminders(mail_rt, editors)
    # small chunks: the next chunk is claimed while the connections are busy with this one
    report = deliver(mail_rt, policy=DeliveryPolicy(connections=4, chunk=5))
    assert (report.claimed, report.sent, report.retrying, report.dead) == (len(editors),) * 2 + (0, 0)
    assert report.connections == 4 and smtp_server.handler.connections == 4
    received = smtp_server.handler.received
    assert len({r.session for r in received}) == 4  # every connection carried messages
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(p.email for p in editors)
    assert sorted(smtp_server.handler.message_ids()) == sorted(
        message_id(k, "snv.haiphong.example") for k in keys
    )
    assert all(r.status == "sent" and r.attempts == 1 for r in rows(mail_rt))
    assert deliver(mail_rt, policy=DeliveryPolicy(connections=4)).claimed == 0


def test_few_messages_open_no_more_connections_than_needed(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    queue_reminders(mail_rt, people(mail_rt)[:1])
    report = deliver(mail_rt, policy=DeliveryPolicy(connections=4))
    assert report.sent == 1 and report.connections == 1 and smtp_server.handler.connections == 1


def test_a_connection_dropped_in_the_pool_is_retried_not_duplicated(
    mail_rt: Runtime, smtp_server: SmtpServer
) -> None:
    editors = people(mail_rt)[:12]
    queue_reminders(mail_rt, editors)
    accept = smtp_server.handler.handle_DATA
    calls = {"n": 0}

    async def drop_the_fifth(server, session, envelope):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            server.transport.close()  # one connection of the pool dies mid-DATA
            return "421 4.4.2 connection dropped"
        return await accept(server, session, envelope)

    smtp_server.handler.handle_DATA = drop_the_fifth  # type: ignore[method-assign]
    report = deliver(mail_rt, policy=DeliveryPolicy(connections=4, **FAST))
    assert (report.sent, report.retrying, report.dead) == (12, 0, 0)
    assert report.connections == 5  # the four, and the one reopened
    copies = Counter(r.rcpt_tos[0] for r in smtp_server.handler.received)
    assert sorted(copies) == sorted(p.email for p in editors) and set(copies.values()) == {1}
    assert sorted(r.attempts for r in rows(mail_rt)) == [1] * 11 + [2]  # the cut-off try counts


def test_an_address_that_keeps_failing_is_retried_later_the_rest_once(
    mail_rt: Runtime, smtp_server: SmtpServer
) -> None:
    editors = people(mail_rt)[:10]
    unlucky = editors[3].email
    queue_reminders(mail_rt, editors)
    accept = smtp_server.handler.handle_DATA

    async def drop_one(server, session, envelope):  # type: ignore[no-untyped-def]
        if envelope.rcpt_tos == [unlucky]:
            server.transport.close()  # this connection dies whenever that message goes over it
            return "421 4.4.2 connection dropped"
        return await accept(server, session, envelope)

    smtp_server.handler.handle_DATA = drop_one  # type: ignore[method-assign]
    report = deliver(mail_rt, policy=DeliveryPolicy(connections=3, **FAST))
    assert (report.sent, report.retrying, report.dead) == (9, 1, 0)
    by_email = {r.recipient_email: r for r in rows(mail_rt)}
    failed = by_email[unlucky]
    assert failed.status == "failed" and failed.attempts == 3  # one try and two reconnects
    assert failed.next_attempt_at > mail_rt.clock.now() and failed.message_id
    copies = Counter(r.rcpt_tos[0] for r in smtp_server.handler.received)
    assert unlucky not in copies and set(copies.values()) == {1} and len(copies) == 9

    smtp_server.handler.handle_DATA = accept  # type: ignore[method-assign]
    later(mail_rt, hours=1)
    again = deliver(mail_rt, policy=DeliveryPolicy(connections=3))
    assert again.sent == 1 and by_email[unlucky].message_id == rows(mail_rt)[3].message_id
    assert Counter(r.rcpt_tos[0] for r in smtp_server.handler.received)[unlucky] == 1


def test_a_group_with_a_row_no_longer_ours_records_the_others(mail_rt: Runtime) -> None:
    """Outcomes are committed in groups; one row whose lease ran out is told apart, row by row."""
    queue_reminders(mail_rt, people(mail_rt)[:3])
    now = mail_rt.clock.now()
    claimed = mail_rt.db.run(lambda s: claims.claim(s, now, 10, now))
    sender = parse_sender(mail_rt.settings.mail_from)
    entries = []
    for item in claimed:
        prepared = _prepare(mail_rt, sender, item)
        entries.append(Entry(item, Outcome("sent", 1, None, prepared.rendered, prepared.message_id), now))
    # our lease on the second row ran out and another deliverer recovered it (`release_stale`)
    mail_rt.db.run(lambda s: s.execute(_recovered(claimed[1].id)))

    connection = mail_rt.db.write_connection()
    try:
        results = record_outcomes(mail_rt, connection, entries, DeliveryPolicy())
    finally:
        connection.close()
    assert results == [("sent", 0), ("lost", 0), ("sent", 0)]
    first, second, third = rows(mail_rt)
    assert (first.status, second.status, third.status) == ("sent", "failed", "sent")
    assert first.subject and first.message_id and second.message_id is None


def _recovered(row_id: int):  # type: ignore[no-untyped-def]
    from sqlalchemy import update
    from sqlmodel import col

    from parflow.store.models import Notification

    return update(Notification).where(col(Notification.id) == row_id).values(status="failed")
