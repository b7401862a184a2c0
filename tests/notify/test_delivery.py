"""Delivery against real aiosmtpd servers on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from parflow.notify.delivery import DeliveryPolicy, deliver_pending
from parflow.notify.message import message_id, thread_root
from parflow.services.common import outbox
from parflow.services.common.runtime import Runtime
from parflow.store.models import Notification
from tests.support.mail import SmtpServer, deliver, later, people, queue_reminders, routed, rows

# claims take rows with SKIP LOCKED on PostgreSQL and one writer at a time on SQLite
pytestmark = pytest.mark.both_backends


def one_connection() -> DeliveryPolicy:
    """Strictly one message after another (PARFLOW_SMTP_CONNECTIONS=1): order and counts are exact."""
    return DeliveryPolicy(connections=1)


def test_a_batch_goes_over_one_connection(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    editors = people(mail_rt)[:12]
    keys = queue_reminders(mail_rt, editors)
    report = deliver(mail_rt, policy=one_connection())
    assert (report.sent, report.retrying, report.dead, report.connections) == (12, 0, 0, 1)
    assert smtp_server.handler.connections == 1
    assert sorted(r.rcpt_tos[0] for r in smtp_server.handler.received) == sorted(p.email for p in editors)
    for row in rows(mail_rt):
        assert row.status == "sent" and row.attempts == 1 and row.sent_at == mail_rt.clock.now()
        # what went out is on record, and the Message-ID is the one derived from the key
        assert row.subject and row.body_text and row.body_html
        assert row.message_id == message_id(row.key, "snv.haiphong.example")
    assert sorted(smtp_server.handler.message_ids()) == sorted(
        message_id(k, "snv.haiphong.example") for k in keys
    )
    # nothing is due any more: a second run claims nothing and opens no connection
    again = deliver(mail_rt)
    assert (again.claimed, again.connections) == (0, 0)
    assert len(smtp_server.handler.received) == 12


def test_421_three_times_then_accepted_is_delivered_once(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    smtp_server.handler.data_replies = ["421 4.3.2 Service not available, try again later"] * 3
    queue_reminders(mail_rt, people(mail_rt)[:1])
    first = deliver(mail_rt)  # one try and two immediate retries over fresh connections
    [row] = rows(mail_rt)
    assert (first.sent, first.retrying) == (0, 1)
    assert row.status == "failed" and row.attempts == 3 and "421" in (row.last_error or "")
    assert row.next_attempt_at > mail_rt.clock.now()
    assert deliver(mail_rt).claimed == 0  # backing off: not due yet
    later(mail_rt, hours=1)
    second = deliver(mail_rt)
    [row] = rows(mail_rt)
    assert second.sent == 1 and row.status == "sent" and row.attempts == 4
    assert len(smtp_server.handler.received) == 1
    assert smtp_server.handler.connections == 4  # a 421 closes the connection: each retry reconnects


def test_550_for_one_recipient_only_that_one_is_dead(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    editors = people(mail_rt)[:3]
    refused = editors[1].email
    smtp_server.handler.refuse[refused] = f"550 5.1.1 <{refused}>: Recipient address rejected"
    queue_reminders(mail_rt, editors)
    report = deliver(mail_rt, policy=one_connection())
    # two reminders sent, one dead; the two alerts it caused went out in the same run
    assert (report.sent, report.dead, report.alerts, report.connections) == (4, 1, 2, 1)
    by_email = {r.recipient_email: r for r in rows(mail_rt, "reminder")}
    assert by_email[refused].status == "dead" and by_email[refused].attempts == 1
    assert "550" in (by_email[refused].last_error or "")
    assert all(by_email[p.email].status == "sent" for p in editors if p.email != refused)
    reminders = [r for r in smtp_server.handler.received if r.message["X-Parflow-Kind"] == "reminder"]
    assert [r.rcpt_tos[0] for r in reminders] == [p.email for p in editors if p.email != refused]
    # Home Affairs hears about it: one alert per Home Affairs officer, listing the failure
    alerts = rows(mail_rt, "delivery_failure")
    assert len(alerts) == 2 and report.alerts == 2
    assert all(a.context["count"] == 1 for a in alerts)
    assert alerts[0].context["failures"][0]["recipient_email"] == refused


def test_alerts_come_at_most_once_a_day(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    editors = people(mail_rt)[:3]
    for p in editors:
        smtp_server.handler.refuse[p.email] = "550 5.1.1 no such mailbox"
    queue_reminders(mail_rt, editors[:2], tag="morning")
    deliver(mail_rt)  # two dead; the two alerts (one per officer) go out in the same run
    alerts = rows(mail_rt, "delivery_failure")
    assert len(alerts) == 2 and all(a.status == "sent" for a in alerts)
    assert [a.context["count"] for a in alerts] == [2, 2], [(a.key, a.context) for a in alerts]
    later(mail_rt, hours=2)
    queue_reminders(mail_rt, editors[2:], tag="noon")
    deliver(mail_rt)
    alerts = rows(mail_rt, "delivery_failure")
    # today's alert went out already: the new failure waits for tomorrow's, due at 07:00 local
    assert len(alerts) == 4
    tomorrow = [a for a in alerts if a.status == "pending"]
    assert len(tomorrow) == 2 and all(a.context["count"] == 1 for a in tomorrow)
    assert all(a.next_attempt_at > mail_rt.clock.now() for a in tomorrow)
    sent_alerts = [
        r for r in smtp_server.handler.received if r.message["X-Parflow-Kind"] == "delivery_failure"
    ]
    assert len(sent_alerts) == 2


def test_server_down_then_up_loses_nothing(rt: Runtime, campaign: str, server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(start=False)
    mail_rt = routed(rt, server)
    queue_reminders(mail_rt, people(mail_rt)[:5])
    down = deliver(mail_rt)
    assert (down.sent, down.returned, down.dead) == (0, 5, 0)
    assert all(r.status == "pending" and r.attempts == 0 for r in rows(mail_rt))
    assert all("cannot connect" in (r.last_error or "") for r in rows(mail_rt))
    server.start()
    assert deliver(mail_rt).claimed == 0  # the queue waits about a minute before trying again
    later(mail_rt, minutes=2)
    up = deliver(mail_rt)
    assert up.sent == 5
    assert len(server.handler.received) == 5
    assert all(r.status == "sent" for r in rows(mail_rt))


def test_connection_lost_mid_batch_reconnects(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    queue_reminders(mail_rt, people(mail_rt)[:4])
    accept = smtp_server.handler.handle_DATA
    calls = {"n": 0}

    async def drop_the_second(server, session, envelope):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            server.transport.close()  # the server goes away in the middle of the batch
            return "421 4.4.2 connection dropped"
        return await accept(server, session, envelope)

    smtp_server.handler.handle_DATA = drop_the_second  # type: ignore[method-assign]
    report = deliver(mail_rt, policy=one_connection())
    assert report.sent == 4 and report.retrying == 0
    assert len(smtp_server.handler.received) == 4
    assert report.connections == 2
    second = rows(mail_rt)[1]
    assert second.attempts == 2  # the cut-off try counts


def test_only_due_pending_or_failed_rows_are_claimed(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    editors = people(mail_rt)[:6]
    queue_reminders(mail_rt, editors)
    now = mail_rt.clock.now()

    def set_states(session) -> None:  # type: ignore[no-untyped-def]
        from sqlmodel import col, select

        found = list(session.exec(select(Notification).order_by(col(Notification.id))))
        found[0].status = "cancelled"  # the deadline engine withdrew it
        found[1].status = "sent"
        found[2].status = "dead"
        found[3].status = "failed"
        found[3].next_attempt_at = now + timedelta(minutes=5)  # backing off
        found[4].next_attempt_at = now + timedelta(hours=1)  # pending, but for later
        for row in found:
            session.add(row)

    mail_rt.db.run(set_states)
    report = deliver(mail_rt)
    assert report.claimed == 1 and report.sent == 1
    assert [r.rcpt_tos[0] for r in smtp_server.handler.received] == [editors[5].email]
    assert [r.status for r in rows(mail_rt)] == ["cancelled", "sent", "dead", "failed", "pending", "sent"]


def test_temporary_failures_end_dead_after_the_last_attempt(
    mail_rt: Runtime, smtp_server: SmtpServer
) -> None:
    editors = people(mail_rt)[:1]
    smtp_server.handler.refuse[editors[0].email] = "451 4.3.0 mailbox temporarily unavailable"
    queue_reminders(mail_rt, editors)
    policy = DeliveryPolicy(max_attempts=3)
    for _ in range(3):
        deliver(mail_rt, policy=policy)
        later(mail_rt, hours=5)
    [row] = rows(mail_rt, "reminder")
    assert row.status == "dead" and row.attempts == 3
    assert "gave up after 3 attempts" in (row.last_error or "")
    assert len(rows(mail_rt, "delivery_failure")) == 2


def test_template_that_does_not_fit_its_context_is_dead(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    queue_reminders(mail_rt, people(mail_rt)[:1], context={"campaign": {"code": "x"}, "action_path": "/"})
    report = deliver(mail_rt)
    [row] = rows(mail_rt, "reminder")
    assert report.dead == 1 and row.status == "dead" and (row.last_error or "").startswith("template:")
    assert smtp_server.handler.received == [] or all(
        r.message["X-Parflow-Kind"] == "delivery_failure" for r in smtp_server.handler.received
    )


def test_invalid_address_is_dead_without_talking_to_the_server(
    mail_rt: Runtime, smtp_server: SmtpServer
) -> None:
    [person] = people(mail_rt)[:1]
    person.email = "dau moi@@haiphong"  # a typo in the campaign file
    queue_reminders(mail_rt, [person])
    report = deliver(mail_rt)
    [row] = rows(mail_rt, "reminder")
    assert row.status == "dead" and "not a valid e-mail address" in (row.last_error or "")
    assert report.dead == 1
    assert not any(r.message["X-Parflow-Kind"] == "reminder" for r in smtp_server.handler.received)


def test_messages_about_one_submission_share_a_thread(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    from sqlmodel import select

    from parflow.store.models import Submission

    [a, b] = people(mail_rt, "home_affairs")[:2]

    def write(session) -> None:  # type: ignore[no-untyped-def]
        submission = session.exec(select(Submission)).first()
        for i, person in enumerate((a, b)):
            outbox.enqueue(
                session,
                key=f"thread-test:{i}",
                kind="reminder",
                person=person,
                now=mail_rt.clock.now(),
                context=__import__("parflow.notify.samples", fromlist=["sample"]).sample("reminder"),
                submission=submission,
            )

    mail_rt.db.run(write)
    deliver(mail_rt)
    messages = [r.message for r in smtp_server.handler.received]
    assert len(messages) == 2
    [thread_key] = {r.thread_key for r in rows(mail_rt)}
    root = thread_root(thread_key, "snv.haiphong.example")
    assert all(m["In-Reply-To"] == root and m["References"] == root for m in messages)
    assert messages[0]["Message-ID"] != messages[1]["Message-ID"]


def test_two_deliverers_at_once_send_each_message_once(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    editors = people(mail_rt)[:30]
    queue_reminders(mail_rt, editors)

    async def both() -> list:  # type: ignore[type-arg]
        policy_a, policy_b = DeliveryPolicy(chunk=4), DeliveryPolicy(chunk=4)
        return await asyncio.gather(
            deliver_pending(mail_rt, policy=policy_a), deliver_pending(mail_rt, policy=policy_b)
        )

    first, second = asyncio.run(both())
    assert first.sent + second.sent == 30
    assert sorted(r.rcpt_tos[0] for r in smtp_server.handler.received) == sorted(p.email for p in editors)
    assert len(set(smtp_server.handler.message_ids())) == 30
