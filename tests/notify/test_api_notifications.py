"""GET /api/v1/submissions/{id}/notifications and the campaign-wide list; nothing sends from a request."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi.testclient import TestClient

import parflow.web
from parflow.notify.delivery import deliver_pending
from parflow.services.common.runtime import Runtime
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
    # the agency head hears that the report went out (issue 15); Home Affairs takes it in
    assert [(m["kind"], m["recipient"]["email"]) for m in everything if m["kind"] != "submitted"] == [
        ("head_sign_off", "lanh-dao.sgtvt@haiphong.example")
    ]
    messages = [m for m in everything if m["kind"] == "submitted"]
    assert [(m["kind"], m["status"], m["attempts"]) for m in messages] == [("submitted", "pending", 0)] * 2
    assert {m["recipient"]["email"] for m in messages} == {HOME_AFFAIRS, "cchc.bao@snv.haiphong.example"}
    assert messages[0]["kind_label"] == {"vi": "Đã gửi tự đánh giá", "en": "Self-assessment submitted"}
    assert messages[0]["status_label"]["vi"] == "Chờ gửi" and messages[0]["next_attempt_at"]

    # the agency itself may look; another agency may not even know the submission exists
    assert client.get(f"/api/v1/submissions/{sid}/notifications", headers=login(FOCAL)).status_code == 200
    hidden = client.get(f"/api/v1/submissions/{sid}/notifications", headers=login(STP_FOCAL))
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    assert client.get(f"/api/v1/submissions/{sid}/notifications").status_code == 401
    assert client.get("/api/v1/submissions/999999/notifications", headers=login(FOCAL)).status_code == 404

    report = asyncio.run(deliver_pending(routed(rt, smtp_server)))
    assert report.sent == 3 and len(smtp_server.handler.received) == 3
    after = [
        m
        for m in client.get(f"/api/v1/submissions/{sid}/notifications", headers=login(FOCAL)).json()
        if m["kind"] == "submitted"
    ]
    assert all(m["status"] == "sent" and m["attempts"] == 1 and m["sent_at"] for m in after)
    assert {m["recipient"]["language"]: m["subject"] for m in after} == {
        "vi": "Sở Giao thông vận tải đã gửi báo cáo tự đánh giá",
        "en": "Department of Transport has submitted its self-assessment",
    }
    assert all(m["message_id"].startswith("<parflow.") and m["next_attempt_at"] is None for m in after)


def test_campaign_wide_list_is_for_home_affairs_and_city_leaders(
    client: TestClient, campaign: str, login
) -> None:  # type: ignore[no-untyped-def]
    submit(client, campaign, login)
    url = f"/api/v1/campaigns/{campaign}/notifications"
    pending = client.get(url, params={"status": "pending"}, headers=login(HOME_AFFAIRS))
    assert pending.status_code == 200 and len(pending.json()) == 3  # Home Affairs twice, the head
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
