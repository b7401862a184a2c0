"""Vietnamese survives the trip byte for byte; the security setting is never silently weakened."""

from __future__ import annotations

import pytest
from sqlmodel import select

from parflow.notify.samples import sample
from parflow.services.common.runtime import Runtime
from parflow.settings import SmtpSecurity
from parflow.store.models import Person
from tests.support.mail import Certificate, SmtpServer, deliver, people, queue_reminders, routed, rows


def vietnamese_person(rt: Runtime, email: str = "dau-moi.anh-tuyet@haiphong.example") -> Person:
    def add(session) -> Person:  # type: ignore[no-untyped-def]
        person = Person(email=email, name="Nguyễn Thị Ánh Tuyết", language="vi", created_at=rt.clock.now())
        session.add(person)
        session.flush()
        return person

    return rt.db.run(add)


def test_vietnamese_text_survives_byte_for_byte(mail_rt: Runtime, smtp_server: SmtpServer) -> None:
    person = vietnamese_person(mail_rt)
    context = sample("dispute_resolved")
    context["reason"] = "Đã đối chiếu: hồ sơ “đúng hạn” đạt 99,5 % — chấp nhận điểm mới ✓"
    queue_reminders(mail_rt, [person])  # a reminder, and a dispute result with typographic marks

    def add_dispute(session) -> None:  # type: ignore[no-untyped-def]
        from parflow.services.common import outbox

        outbox.enqueue(
            session,
            key="test:dispute",
            kind="dispute_resolved",
            person=session.exec(select(Person).where(Person.email == person.email)).one(),
            now=mail_rt.clock.now(),
            context=context,
        )

    mail_rt.db.run(add_dispute)
    assert deliver(mail_rt).sent == 2
    sent = {r.kind: r for r in rows(mail_rt)}
    for received in smtp_server.handler.received:
        raw_headers = received.raw.split(b"\r\n\r\n", 1)[0]
        raw_headers.decode("ascii")  # ASCII addresses: headers are RFC 2047 encoded words
        assert b"=?utf-8?" in raw_headers
        msg = received.message
        row = sent[str(msg["X-Parflow-Kind"])]
        assert msg["Subject"] == row.subject
        assert msg["To"].addresses[0].display_name == "Nguyễn Thị Ánh Tuyết"
        # the campaign names its sender; PARFLOW_MAIL_FROM stays the envelope's
        assert msg["From"].addresses[0].display_name == "Sở Nội vụ thành phố Hải Phòng"
        assert received.mail_from == "cchc@snv.haiphong.example"
        text = msg.get_body(preferencelist=("plain",)).get_content()
        html = msg.get_body(preferencelist=("html",)).get_content()
        assert text.encode("utf-8") == (row.body_text or "").encode("utf-8")
        assert html.encode("utf-8") == (row.body_html or "").encode("utf-8")
    dispute = next(
        r.message for r in smtp_server.handler.received if r.message["X-Parflow-Kind"] == "dispute_resolved"
    )
    body = dispute.get_body(preferencelist=("plain",)).get_content()
    assert context["reason"] in body
    assert "Kính gửi: Ông/Bà Nguyễn Thị Ánh Tuyết," in body
    assert dispute["Subject"] == "Kết quả xem xét giải trình tiêu chí 3.2.1: chấp nhận"


def test_non_ascii_address_uses_smtputf8_when_the_server_offers_it(
    mail_rt: Runtime, smtp_server: SmtpServer
) -> None:
    person = vietnamese_person(mail_rt, "ánh.tuyết@haiphong.example")
    queue_reminders(mail_rt, [person])
    assert deliver(mail_rt).sent == 1
    [received] = smtp_server.handler.received
    assert received.rcpt_tos == ["ánh.tuyết@haiphong.example"]
    assert received.message["To"].addresses[0].username == "ánh.tuyết"


def test_non_ascii_address_without_smtputf8_is_dead(rt: Runtime, campaign: str, server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(enable_SMTPUTF8=False)
    mail_rt = routed(rt, server)
    person = vietnamese_person(mail_rt, "ánh.tuyết@haiphong.example")
    queue_reminders(mail_rt, [person])
    deliver(mail_rt)
    row = next(r for r in rows(mail_rt, "reminder"))
    assert row.status == "dead" and "SMTPUTF8" in (row.last_error or "")
    assert not [r for r in server.handler.received if r.message["X-Parflow-Kind"] == "reminder"]


def test_starttls_asked_but_not_offered_sends_nothing_in_plaintext(
    rt: Runtime, campaign: str, smtp_server: SmtpServer
) -> None:
    mail_rt = routed(rt, smtp_server, smtp_security=SmtpSecurity.starttls)
    queue_reminders(mail_rt, people(mail_rt)[:3])
    report = deliver(mail_rt)
    assert report.sent == 0 and report.returned == 3
    assert smtp_server.handler.received == []
    assert all(r.status == "pending" and r.attempts == 0 for r in rows(mail_rt))
    assert all("does not offer STARTTLS" in (r.last_error or "") for r in rows(mail_rt))


def test_starttls_offered_is_used(
    rt: Runtime, campaign: str, server_factory, certificate: Certificate
) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(tls_context=certificate.server_context())
    mail_rt = routed(rt, server, smtp_security=SmtpSecurity.starttls, smtp_ca_file=certificate.cert)
    queue_reminders(mail_rt, people(mail_rt)[:2])
    assert deliver(mail_rt).sent == 2
    assert [r.encrypted for r in server.handler.received] == [True, True]


def test_implicit_tls(rt: Runtime, campaign: str, server_factory, certificate: Certificate) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(ssl_context=certificate.server_context())
    mail_rt = routed(rt, server, smtp_security=SmtpSecurity.tls, smtp_ca_file=certificate.cert)
    queue_reminders(mail_rt, people(mail_rt)[:2])
    assert deliver(mail_rt).sent == 2
    assert [r.encrypted for r in server.handler.received] == [True, True]


def test_untrusted_certificate_is_refused(
    rt: Runtime, campaign: str, server_factory, certificate: Certificate
) -> None:  # type: ignore[no-untyped-def]
    server = server_factory(tls_context=certificate.server_context())
    mail_rt = routed(rt, server, smtp_security=SmtpSecurity.starttls)  # our CA is not trusted
    queue_reminders(mail_rt, people(mail_rt)[:1])
    report = deliver(mail_rt)
    assert report.sent == 0 and server.handler.received == []
    [row] = rows(mail_rt)
    assert row.status == "pending" and "certificate" in (row.last_error or "").lower()


@pytest.mark.parametrize("security", [SmtpSecurity.none])
def test_password_is_never_sent_in_plaintext(
    rt: Runtime, campaign: str, smtp_server: SmtpServer, security: SmtpSecurity
) -> None:
    mail_rt = routed(rt, smtp_server, smtp_security=security, smtp_username="u", smtp_password="secret")
    queue_reminders(mail_rt, people(mail_rt)[:1])
    report = deliver(mail_rt)
    assert report.sent == 0 and smtp_server.handler.connections == 0
    assert "unencrypted" in (rows(mail_rt)[0].last_error or "")
