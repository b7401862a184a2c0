"""The demo's mail catcher: a reminder row becomes a caught message in its recipient's language."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from parflow.notify.catcher import (
    MailCatcher,
    list_caught,
    mail_dir,
    route_to_running_catcher,
    running_catcher,
)
from parflow.notify.delivery import deliver_pending
from parflow.services.common import outbox
from parflow.services.common.notices import agency_ref, campaign_ref, submission_path
from parflow.services.common.runtime import Runtime
from parflow.store.models import Agency, Campaign, Person, Submission
from parflow.web.app import create_app


@pytest.fixture
def catcher(rt: Runtime) -> Iterator[MailCatcher]:
    with MailCatcher(mail_dir(rt.settings.data_dir), clock=rt.clock) as running:
        yield running


@pytest.fixture
def demo_rt(rt: Runtime, campaign: str, catcher: MailCatcher) -> Runtime:
    settings = catcher.route(rt.settings).model_copy(update={"demo_mode": True})
    return Runtime(settings=settings, db=rt.db, clock=rt.clock)


def queue_contract_reminders(rt: Runtime, emails: list[str]) -> None:
    """What the deadline engine writes for a focal point 2 working days before the deadline."""

    def write(session) -> None:  # type: ignore[no-untyped-def]
        campaign = session.exec(select(Campaign)).one()
        for email in emails:
            person = session.exec(select(Person).where(Person.email == email)).one()
            agency_code = email.split("@")[0].removeprefix("dau-moi.")
            agency = session.exec(select(Agency).where(Agency.code == agency_code)).one()
            submission = session.exec(select(Submission).where(Submission.agency_id == agency.id)).one()
            context = {
                "campaign": campaign_ref(campaign),
                "agency": agency_ref(agency),
                "submission_id": submission.id,
                "action_path": submission_path(submission),
                "milestone": {
                    "key": "self_assessment_due",
                    "vi": "Hạn gửi báo cáo tự đánh giá",
                    "en": "Self-assessment due",
                },
                "due_date": "2022-01-14",
                "working_days_left": 2,
                "reason": {
                    "vi": f"Ông/Bà là cán bộ đầu mối của {agency.name}.",
                    "en": f"You are the focal point of {agency.name_en}.",
                },
                "late": False,
            }
            outbox.enqueue(
                session,
                key=f"reminder:{submission.id}:self_assessment_due:2:{person.id}",
                kind="reminder",
                person=person,
                now=rt.clock.now(),
                context=context,
                submission=submission,
                due_at=rt.clock.now(),
            )

    rt.db.run(write)


def test_reminders_reach_the_catcher_in_each_recipients_language(demo_rt: Runtime) -> None:
    # Sở Giao thông vận tải's focal point reads Vietnamese; Sở Kế hoạch và Đầu tư's reads English
    queue_contract_reminders(demo_rt, ["dau-moi.sgtvt@haiphong.example", "dau-moi.skhdt@haiphong.example"])
    report = asyncio.run(deliver_pending(demo_rt))
    assert report.sent == 2
    caught = {c.to.split("<")[1].rstrip(">"): c for c in list_caught(mail_dir(demo_rt.settings.data_dir))}
    vi, en = caught["dau-moi.sgtvt@haiphong.example"], caught["dau-moi.skhdt@haiphong.example"]
    assert vi.language == "vi" and vi.subject == (
        "Nhắc hạn: Hạn gửi báo cáo tự đánh giá ngày 14/01/2022 – Sở Giao thông vận tải"
    )
    assert en.language == "en" and en.subject == (
        "Reminder: Self-assessment due on 14/01/2022 – Department of Planning and Investment"
    )
    assert vi.kind == en.kind == "reminder"

    with TestClient(create_app(demo_rt)) as client:
        page = client.get("/demo/mail")
        assert page.status_code == 200 and page.headers["content-language"] == "vi"
        assert "Hộp thư thử nghiệm" in page.text and vi.subject in page.text and en.subject in page.text
        assert "Department of Planning and Investment" in page.text
        english = client.get("/demo/mail", params={"lang": "en"})
        assert "Demo mailbox" in english.text
        shown = client.get(f"/demo/mail/{en.id}")
        assert shown.status_code == 200
        assert "Dear Hồ Minh Hùng," in shown.text  # the plain-text version, in English
        assert f'src="/demo/mail/{en.id}/body.html"' in shown.text and "sandbox" in shown.text
        body = client.get(f"/demo/mail/{en.id}/body.html")
        assert body.status_code == 200 and "Open the submission" in body.text
        assert body.headers["content-security-policy"].startswith("sandbox")
        raw = client.get(f"/demo/mail/{vi.id}/raw")
        assert raw.status_code == 200 and raw.headers["content-type"].startswith("message/rfc822")
        assert b"Delivered-To: dau-moi.sgtvt@haiphong.example" in raw.content
        assert client.get("/demo/mail/00000000000000000000-00000000").status_code == 404
        assert client.get("/demo/mail/..%2F..%2Fparflow.db/raw").status_code == 404


def test_the_mailbox_exists_only_in_demo_mode(rt: Runtime, campaign: str, catcher: MailCatcher) -> None:
    with TestClient(create_app(rt)) as client:  # the ordinary settings: demo_mode is off
        assert client.get("/demo/mail").status_code == 404


def test_another_process_finds_the_running_catcher(rt: Runtime, tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    settings = rt.settings.model_copy(update={"data_dir": data_dir})
    assert running_catcher(data_dir) is None and route_to_running_catcher(settings) is settings
    with MailCatcher(mail_dir(data_dir), clock=rt.clock) as running:
        assert running_catcher(data_dir) == ("127.0.0.1", running.port)
        routed = route_to_running_catcher(settings)
        assert (routed.smtp_host, routed.smtp_port, routed.smtp_security) == (
            "127.0.0.1",
            running.port,
            "none",
        )
    assert running_catcher(data_dir) is None


def test_preferred_port_taken_falls_back_to_a_free_one(rt: Runtime, tmp_path: Path) -> None:
    with (
        MailCatcher(tmp_path / "a", clock=rt.clock) as first,
        MailCatcher(tmp_path / "b", clock=rt.clock, preferred_port=first.port) as second,
    ):
        assert second.port != first.port
