"""GET /api/v1/submissions/{id}/notifications and the campaign-wide list; nothing sends from a request."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

import parflow.web
from parflow.notify.delivery import deliver_pending
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.tick import tick
from tests.support.mail import SmtpServer, routed
from tests.support.people import HOME_AFFAIRS, STP_FOCAL
from tests.support.season import complete_self_assessment

FOCAL = "dau-moi.sgtvt@haiphong.example"


def submit(client: TestClient, campaign: str, login) -> int:  # type: ignore[no-untyped-def]
    focal = login(FOCAL)
    [sub] = client.get(f"/api/v1/campaigns/{campaign}/submissions", headers=focal).json()
    complete_self_assessment(client.app.state.runtime, int(sub["id"]))
    fired = client.post(f"/api/v1/submissions/{sub['id']}/events/submit", headers=focal)
    assert fired.status_code == 200, fired.text
    return int(sub["id"])


def test_messages_of_a_submission_with_their_delivery_status(
    rt: Runtime, client: TestClient, campaign: str, login, smtp_server: SmtpServer
) -> None:  # type: ignore[no-untyped-def]
    sid = submit(client, campaign, login)
    assert smtp_server.handler.received == []  # the request queued the messages, sent nothing

    listed = client.get(f"/api/v1/submissions/{sid}/notifications", headers=login(HOME_AFFAIRS))
    assert listed.status_code == 200
    everything = listed.json()
    # the agency head hears at once that the report went out (issue 15); Home Affairs reads
    # "submitted" in the next daily digest, not as an e-mail of its own (issue 14)
    assert [
        (m["kind"], m["recipient"]["email"], m["status"]) for m in everything if m["kind"] != "submitted"
    ] == [("head_sign_off", "lanh-dao.sgtvt@haiphong.example", "pending")]
    messages = [m for m in everything if m["kind"] == "submitted"]
    assert [(m["kind"], m["status"], m["attempts"]) for m in messages] == [("submitted", "held", 0)] * 2
    assert {m["recipient"]["email"] for m in messages} == {HOME_AFFAIRS, "cchc.bao@snv.haiphong.example"}
    assert messages[0]["kind_label"] == {"vi": "Đã gửi tự đánh giá", "en": "Self-assessment submitted"}
    assert messages[0]["status_label"]["vi"] == "Chờ vào bản tổng hợp"

    # the agency itself may look; another agency may not even know the submission exists
    assert client.get(f"/api/v1/submissions/{sid}/notifications", headers=login(FOCAL)).status_code == 200
    hidden = client.get(f"/api/v1/submissions/{sid}/notifications", headers=login(STP_FOCAL))
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    assert client.get(f"/api/v1/submissions/{sid}/notifications").status_code == 401
    assert client.get("/api/v1/submissions/999999/notifications", headers=login(FOCAL)).status_code == 404

    mail_rt = routed(rt, smtp_server)
    assert asyncio.run(deliver_pending(mail_rt)).sent == 1  # the head's message only
    assert [r.rcpt_tos for r in smtp_server.handler.received] == [["lanh-dao.sgtvt@haiphong.example"]]
    # the next working morning the digests go out (both officers and the city leader), listing it
    rt.clock.set(datetime(2022, 1, 11, 0, 5, tzinfo=UTC))  # type: ignore[attr-defined]  # 07:05 in Hải Phòng
    assert tick(rt).digests == 3
    report = asyncio.run(deliver_pending(mail_rt))
    assert report.sent == 3 and len(smtp_server.handler.received) == 4
    # a day later: a fresh token (the focal point's has expired), here the agency head's
    head = login("lanh-dao.sgtvt@haiphong.example")
    after = [
        m
        for m in client.get(f"/api/v1/submissions/{sid}/notifications", headers=head).json()
        if m["kind"] == "submitted"
    ]
    assert {(m["status"], m["attempts"]) for m in after} == {("digested", 0)}
    assert after[0]["status_label"]["en"] == "Listed in a daily digest"
    subjects = {str(r.message["Subject"]) for r in smtp_server.handler.received}
    assert "Tổng hợp ngày 11/01/2022: 0 hồ sơ quá hạn, 1 diễn biến mới" in subjects
    assert all(str(r.message["Message-ID"]).startswith("<parflow.") for r in smtp_server.handler.received)


def test_campaign_wide_list_is_for_home_affairs_and_city_leaders(
    client: TestClient, campaign: str, login
) -> None:  # type: ignore[no-untyped-def]
    submit(client, campaign, login)
    url = f"/api/v1/campaigns/{campaign}/notifications"
    held = client.get(url, params={"status": "held"}, headers=login(HOME_AFFAIRS))
    assert held.status_code == 200 and len(held.json()) == 2
    pending = client.get(url, params={"status": "pending"}, headers=login(HOME_AFFAIRS)).json()
    assert [m["kind"] for m in pending] == ["head_sign_off"]
    assert client.get(url, params={"status": "dead"}, headers=login(HOME_AFFAIRS)).json() == []
    assert client.get(url, headers=login("pho-chu-tich.vinh@haiphong.example")).status_code == 200
    assert client.get(url, headers=login(FOCAL)).status_code == 403
    assert client.get(url, params={"status": "lost"}, headers=login(HOME_AFFAIRS)).status_code == 422
    assert client.get("/api/v1/campaigns/nope/notifications", headers=login(HOME_AFFAIRS)).status_code == 404


def test_no_web_module_can_send_mail() -> None:
    """Requests only write outbox rows; the SMTP code is reachable from the scheduler and CLI only."""
    forbidden = ("aiosmtplib", "parflow.notify.delivery", "parflow.notify.smtp", "notify import delivery")
    for path in Path(parflow.web.__path__[0]).rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not any(word in source for word in forbidden), path
