"""E-mail that reads like it came from Sở Nội vụ: sender, greeting by title, contact, what is missing.

The example campaign names its sender and contact person and each agency head's title; a real
tick queues the escalations of 17/01/2022 (one working day after the self-assessment deadline) and
a real delivery pass sends them to an aiosmtpd server, where they are read as received.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlmodel import select

from parflow.services.deadlines.tick import tick
from parflow.store.models import Agency, Submission
from tests.support.mail import SmtpServer, deliver
from tests.support.season import complete_self_assessment

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def received_by(server: SmtpServer, email: str) -> list[EmailMessage]:
    return [r.message for r in server.handler.received if email in r.rcpt_tos]


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return part.get_content()


def test_escalation_to_a_head_is_addressed_by_title_and_lists_what_is_missing(mail_rt, smtp_server) -> None:  # type: ignore[no-untyped-def]
    rt = mail_rt
    with rt.db.read() as session:
        pairs = session.exec(select(Agency, Submission).where(Submission.agency_id == Agency.id)).all()
        ids = {agency.code: submission.id for agency, submission in pairs}
    # the Department of Transport scored everything; the district scored nothing
    complete_self_assessment(rt, ids["sgtvt"])
    now = datetime(2022, 1, 17, 8, 0, tzinfo=VN)
    rt.clock.set(now)
    tick(rt, now)
    report = deliver(rt)
    assert report.sent > 0, report

    (transport,) = received_by(smtp_server, "lanh-dao.sgtvt@haiphong.example")
    assert transport["From"].addresses[0].display_name == "Sở Nội vụ thành phố Hải Phòng"
    assert transport["From"].addresses[0].addr_spec == "cchc@snv.haiphong.example"
    text = body(transport, "plain")
    assert text.startswith("Kính gửi: Giám đốc Sở Giao thông vận tải (Ông/Bà ")
    assert "Đã quá hạn 1 ngày làm việc" in text
    # the signature names the person to call; the message itself is not to be answered
    assert (
        "Mọi thắc mắc xin liên hệ: Đào Thị Hồng Nhung, phòng Cải cách hành chính, điện thoại 0225 3842 123"
        in text
    )
    assert "Vui lòng không" in text
    # scored with explanations: nothing missing to list
    assert "CÒN THIẾU" not in text

    (district,) = received_by(smtp_server, "lanh-dao.q-ngo-quyen@haiphong.example")
    text = body(district, "plain")
    assert text.startswith("Kính gửi: Chủ tịch UBND quận Ngô Quyền (Ông/Bà ")
    assert "CÒN THIẾU" in text and "tiêu chí chưa chấm điểm" in text
    link = f"http://testserver/submissions/{ids['q-ngo-quyen']}/self-assessment"
    assert f"Bổ sung tại: {link}" in text
    html = body(district, "html")
    assert "Kính gửi: Chủ tịch UBND quận Ngô Quyền" in html
    assert f'href="{link}"' in html and "Sở Nội vụ thành phố Hải Phòng" in html

    # Home Affairs is not at this step of the ladder; the city leader neither
    assert not received_by(smtp_server, "cchc.nhung@snv.haiphong.example") or all(
        m["Subject"].startswith("Tổng hợp")
        for m in received_by(smtp_server, "cchc.nhung@snv.haiphong.example")
    )
