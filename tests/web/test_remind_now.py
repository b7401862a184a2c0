"""Remind now: Home Affairs reminds one agency, or every agency the board shows, with an optional
message; through the outbox, at most once per agency per day, audited; shown on the board as the
last reminder with its recipients; nobody else may do it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from parflow.services.common.runtime import Runtime
from parflow.services.monitoring.board import campaign_board
from parflow.services.monitoring.remind import MESSAGE_MAX, remind_now
from parflow.store.models import AuditEntry, Notification, Submission
from tests.support.auth import csrf_from, sign_in
from tests.support.lifecycle import principal, submission_id
from tests.support.people import CITY_LEADER, HOME_AFFAIRS, SGTVT_FOCAL, SGTVT_HEAD, VIEWER

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BOARD = "/campaigns/haiphong-2021/board"
REMIND = BOARD + "/remind"


def queued(rt: Runtime) -> list[Notification]:
    with rt.db.read() as session:
        return list(
            session.exec(
                select(Notification).where(Notification.kind == "remind_now").order_by(col(Notification.id))
            )
        )


def reminds(rt: Runtime) -> list[AuditEntry]:
    with rt.db.read() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == "remind")))


def post(client: TestClient, data: dict[str, str], path: str = BOARD):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(path).text)
    return client.post(REMIND, data={**data, "csrf_token": token}, follow_redirects=False)


@pytest.mark.both_backends
def test_one_agency_once_a_day_through_the_outbox_with_an_audit_entry(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    sign_in(client, HOME_AFFAIRS)
    answer = post(client, {"agency": "sgtvt", "message": "Đề nghị gửi báo cáo trước 17 giờ thứ Sáu."})
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "Đã xếp hàng gửi nhắc nhở tới Sở Giao thông vận tải" in page
    rows = queued(rt)
    assert sorted(r.recipient_email for r in rows) == sorted([SGTVT_FOCAL, SGTVT_HEAD])
    assert all(r.submission_id == sid and r.status == "pending" for r in rows)
    assert rows[0].context["message"] == "Đề nghị gửi báo cáo trước 17 giờ thứ Sáu."
    assert rows[0].context["milestone"]["key"] == "self_assessment_due"
    assert rows[0].key.endswith(":2022-01-10")
    (entry,) = reminds(rt)
    assert entry.submission_id == sid and entry.actor_role == "home_affairs"
    assert entry.comment == "Đề nghị gửi báo cáo trước 17 giờ thứ Sáu."
    assert sorted(entry.data["recipients"]) == sorted([SGTVT_FOCAL, SGTVT_HEAD])
    # the board shows it at once, with its recipients and time
    row = next(r for r in page.split("<tr")[1:] if "Sở Giao thông vận tải" in r)
    assert "Sở Nội vụ nhắc · 09:00 10/01/2022" in row
    assert "Trần Thanh Quỳnh" in row and "Lê Thu Hương" in row

    # the same day again: a clear sentence, nothing queued, nothing audited
    again = post(client, {"agency": "sgtvt", "message": ""})
    assert again.status_code == 409
    assert "Sở Giao thông vận tải đã được nhắc hôm nay" in again.text
    assert len(queued(rt)) == 2 and len(reminds(rt)) == 1
    # the typed message is kept in the form
    assert "Nhắc ngay" in again.text

    # next day: allowed again
    rt.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    sign_in(client, HOME_AFFAIRS)  # a day later the session has lapsed
    later = post(client, {"agency": "sgtvt"})
    assert later.status_code == 303 and later.headers["location"] == BOARD
    assert len(queued(rt)) == 4 and len(reminds(rt)) == 2


def test_all_filtered_agencies_skips_those_reminded_today(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sign_in(client, HOME_AFFAIRS)
    urban = f"{BOARD}?group=urban_district"
    first = post(client, {"agency": "", "group": "urban_district", "message": "Nhắc chung."}, urban)
    assert first.status_code == 303
    assert first.headers["location"] == BOARD + "?group=urban_district"
    reminded = {r.submission_id for r in queued(rt)}
    assert len(reminded) == 7 and len(reminds(rt)) == 7
    page = client.get(first.headers["location"]).text
    assert "Đã xếp hàng gửi nhắc nhở tới 7 cơ quan" in page
    # every district shown again on the same day: nothing is queued, and it says why
    again = post(client, {"group": "urban_district"}, urban)
    assert again.status_code == 409 and "Cả 7 cơ quan đã được nhắc hôm nay" in again.text
    assert len(reminds(rt)) == 7
    # a wider filter: the seven are skipped and named, the others reminded
    wider = post(client, {"q": "quan"}, BOARD + "?q=quan")
    assert wider.status_code == 303
    text = client.get(wider.headers["location"]).text
    assert "7 cơ quan đã được nhắc hôm nay nên không gửi lại" in text


def test_a_long_message_is_refused_and_nothing_is_queued(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sign_in(client, HOME_AFFAIRS)
    answer = post(client, {"agency": "sgtvt", "message": "x" * (MESSAGE_MAX + 1)})
    assert answer.status_code == 422
    assert f"tối đa {MESSAGE_MAX} ký tự" in answer.text
    assert queued(rt) == [] and reminds(rt) == []


@pytest.mark.parametrize("who", [CITY_LEADER, VIEWER, SGTVT_FOCAL])
def test_only_home_affairs_may_remind(client: TestClient, rt: Runtime, campaign: str, who: str) -> None:
    sign_in(client, who)
    token = csrf_from(client.get("/").text)
    answer = client.post(REMIND, data={"agency": "sgtvt", "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 403
    assert queued(rt) == [] and reminds(rt) == []
    if who != SGTVT_FOCAL:  # they see the board, without the remind form
        page = client.get(BOARD).text
        assert 'action="/campaigns/haiphong-2021/board/remind"' not in page


def test_the_api_reminds_by_code_or_by_filter(client: TestClient, login, rt: Runtime, campaign: str) -> None:  # type: ignore[no-untyped-def]
    url = "/api/v1/campaigns/haiphong-2021/reminders"
    one = client.post(url, json={"agencies": ["sgtvt"], "message": "Gửi sớm."}, headers=login(HOME_AFFAIRS))
    assert one.status_code == 201, one.text
    body = one.json()
    assert body["day"] == "2022-01-10" and body["reminded"][0]["agency"] == "sgtvt"
    assert sorted(body["reminded"][0]["recipients"]) == sorted([SGTVT_FOCAL, SGTVT_HEAD])
    twice = client.post(url, json={"agencies": ["sgtvt"]}, headers=login(HOME_AFFAIRS))
    assert twice.status_code == 409 and "đã được nhắc hôm nay" in twice.json()["detail"]
    many = client.post(url, json={"filter": {"q": "giao"}}, headers=login(HOME_AFFAIRS))
    assert many.status_code == 201
    assert [r["agency"] for r in many.json()["reminded"]] == ["sgddt"]
    assert many.json()["already_today"] == ["Sở Giao thông vận tải"]
    assert client.post(url, json={"agencies": ["nowhere"]}, headers=login(HOME_AFFAIRS)).status_code == 404
    both = client.post(url, json={"agencies": ["sgtvt"], "filter": {}}, headers=login(HOME_AFFAIRS))
    assert both.status_code == 422
    refused = client.post(url, json={"agencies": ["stp"]}, headers=login(CITY_LEADER))
    assert refused.status_code == 403
    assert client.post(url, json={"agencies": ["stp"]}, headers=login(SGTVT_FOCAL)).status_code == 403
    assert {r.submission_id for r in queued(rt)} == {submission_id(rt, "sgtvt"), submission_id(rt, "sgddt")}


def test_a_reminder_is_not_activity_and_leaves_the_version_alone(rt: Runtime, campaign: str) -> None:
    sid = submission_id(rt, "sgtvt")
    ha = principal(rt, HOME_AFFAIRS)
    rt.db.run(lambda s: remind_now(s, rt, ha, campaign, agencies=["sgtvt"], message=None))
    with rt.db.read() as session:
        assert session.get(Submission, sid).version == 1  # type: ignore[union-attr]
        row = next(r for r in campaign_board(session, rt, ha, campaign).rows if r.submission_id == sid)
    assert row.last_activity is None
    assert row.last_reminder is not None and row.last_reminder.kind == "remind_now"
    assert row.last_reminder.sent_at == datetime(2022, 1, 10, 9, 0, tzinfo=VN)
