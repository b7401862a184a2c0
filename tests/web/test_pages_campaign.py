"""Home Affairs' campaign pages: milestones, extensions, survey import, approval, exclusion and
publication, then the public results page. Invalid input re-displays the form with its messages."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from markupsafe import escape
from sqlmodel import select

from parflow import demo_season
from parflow.services.common.runtime import Runtime
from parflow.store.models import Campaign, Extension, Milestone, Submission
from tests.support.auth import csrf_from, sign_in
from tests.support.lifecycle import force_state, submission_id
from tests.support.people import (
    CITY_LEADER,
    COUNCIL_3,
    HOME_AFFAIRS,
    HOME_AFFAIRS_EN,
    SGTVT_FOCAL,
    STP_FOCAL,
    VIEWER,
)

CODE = "haiphong-2021"
MINI = "mini-2021"


def due(rt: Runtime, key: str, code: str = CODE) -> date:
    with rt.db.read() as session:
        campaign = session.exec(select(Campaign).where(Campaign.code == code)).one()
        return session.exec(
            select(Milestone.due_date).where(Milestone.campaign_id == campaign.id, Milestone.key == key)
        ).one()


def after(html: str, anchor: str, text: str, window: int = 1500) -> bool:
    at = html.find(anchor)
    return at >= 0 and str(escape(text)) in html[at : at + window]


def test_campaign_page_shows_milestones_and_the_calendar(client: TestClient, campaign: str) -> None:
    sign_in(client, "dau-moi.sgtvt@haiphong.example")
    page = client.get(f"/campaigns/{CODE}")
    assert page.status_code == 200
    html = page.text
    assert "Hạn gửi báo cáo tự đánh giá" in html and "14/01/2022" in html and "28/03/2022" in html
    assert "Tết Nguyên Đán" in html and "01/02/2022" in html  # Tết 2022 is inside the season
    assert "Mở hồ sơ của cơ quan" in html
    assert 'action="/campaigns/haiphong-2021/milestones"' not in html  # not the agency's to move


def test_moving_a_milestone_validates_the_date(client: TestClient, rt: Runtime, campaign: str) -> None:
    sign_in(client, HOME_AFFAIRS)
    token = csrf_from(client.get(f"/campaigns/{CODE}").text)
    before = due(rt, "publication")
    unreadable = client.post(
        f"/campaigns/{CODE}/milestones",
        data={
            "csrf_token": token,
            "milestone": "publication",
            "new_date": "31/02/2022",
            "reason": "Lịch họp",
        },
    )
    assert unreadable.status_code == 422
    assert after(unreadable.text, 'id="move-date"', "Ngày '31/02/2022' không đọc được")
    assert 'value="31/02/2022"' in unreadable.text and "Lịch họp" in unreadable.text
    out_of_order = client.post(
        f"/campaigns/{CODE}/milestones",
        data={
            "csrf_token": token,
            "milestone": "self_assessment_due",
            "new_date": "30/03/2022",
            "reason": "x",
        },
    )
    assert out_of_order.status_code == 422 and "Không thể dời mốc" in out_of_order.text
    assert after(out_of_order.text, 'id="move-date"', "self_assessment_due", 2500)
    assert due(rt, "publication") == before
    moved = client.post(
        f"/campaigns/{CODE}/milestones",
        data={
            "csrf_token": token,
            "milestone": "publication",
            "new_date": "31/03/2022",
            "reason": "Họp UBND",
        },
    )
    assert moved.status_code == 200 and "Đã dời mốc" in moved.text
    assert due(rt, "publication") == date(2022, 3, 31)


def test_granting_an_extension(client: TestClient, rt: Runtime, campaign: str) -> None:
    sign_in(client, HOME_AFFAIRS)
    token = csrf_from(client.get(f"/campaigns/{CODE}").text)
    incomplete = client.post(
        f"/campaigns/{CODE}/extensions",
        data={
            "csrf_token": token,
            "agency": "",
            "milestone": "self_assessment_due",
            "new_date": "",
            "reason": "Ốm",
        },
    )
    assert incomplete.status_code == 422
    assert "Hãy chọn cơ quan." in incomplete.text and "không đọc được" in incomplete.text
    not_later = client.post(
        f"/campaigns/{CODE}/extensions",
        data={
            "csrf_token": token,
            "agency": "stp",
            "milestone": "self_assessment_due",
            "new_date": "13/01/2022",
            "reason": "Cán bộ đầu mối nghỉ ốm",
        },
    )
    assert not_later.status_code == 422 and "Cán bộ đầu mối nghỉ ốm" in not_later.text
    with rt.db.read() as session:
        assert session.exec(select(Extension)).first() is None
    granted = client.post(
        f"/campaigns/{CODE}/extensions",
        data={
            "csrf_token": token,
            "agency": "stp",
            "milestone": "self_assessment_due",
            "new_date": "21/01/2022",
            "reason": "Cán bộ đầu mối nghỉ ốm",
        },
    )
    assert granted.status_code == 200 and "Đã gia hạn cho stp đến 21/01/2022." in granted.text
    board = client.get(f"/campaigns/{CODE}/board?group=department&state=draft")
    assert "21/01/2022" in board.text and "gia hạn" in board.text


def test_survey_import_lists_every_bad_row(client: TestClient, rt: Runtime, campaign: str) -> None:
    sign_in(client, HOME_AFFAIRS)
    token = csrf_from(client.get(f"/campaigns/{CODE}").text)
    bad = "agency,sipas,1.7.1\nno-such-agency,80,0.5\nsgtvt,91.2,99\n"
    refused = client.post(
        f"/campaigns/{CODE}/survey",
        data={"csrf_token": token},
        files={"file": ("khao-sat.csv", bad.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    html = refused.text
    assert str(escape("không có cơ quan mã 'no-such-agency'")) in html
    assert str(escape("cơ quan 'sgtvt', cột '1.7.1': '99' ngoài khoảng từ 0 đến")) in html
    with rt.db.read() as session:
        assert all(s.sipas_percent is None for s in session.exec(select(Submission)))
    with rt.db.read() as session:
        campaign_id = session.exec(select(Campaign.id).where(Campaign.code == CODE)).one()
        good = demo_season.survey_csv(session, campaign_id or 0)
    imported = client.post(
        f"/campaigns/{CODE}/survey",
        data={"csrf_token": token},
        files={"file": ("khao-sat.csv", good.encode(), "text/csv")},
    )
    assert imported.status_code == 200 and "Đã nhập kết quả điều tra của 35 cơ quan." in imported.text


def test_approve_exclude_and_publish_through_the_pages(client: TestClient, rt: Runtime, mini: str) -> None:
    a, b, c = (submission_id(rt, code) for code in ("dept-a", "dept-b", "quan-c"))
    for sid in (a, b):
        force_state(rt, sid, "under_appraisal")  # results sent a month ago: the window is closed
    sign_in(client, "ha@mini.example")
    page = client.get(f"/campaigns/{MINI}/publication")
    assert page.status_code == 200 and 'id="ready-count">2<' in page.text
    token = csrf_from(page.text)
    unconfirmed = client.post(f"/campaigns/{MINI}/approve", data={"csrf_token": token})
    assert unconfirmed.status_code == 422 and "Hãy đánh dấu xác nhận" in unconfirmed.text
    approved = client.post(f"/campaigns/{MINI}/approve", data={"csrf_token": token, "confirm": "1"})
    assert approved.status_code == 200 and "Đã phê duyệt kết quả của 2 cơ quan." in approved.text
    blocked = client.post(f"/campaigns/{MINI}/publish", data={"csrf_token": token, "confirm": "1"})
    assert blocked.status_code == 422
    assert "Chưa công bố được kết quả" in blocked.text and "UBND quận C" in blocked.text
    no_reason = client.post(f"/campaigns/{MINI}/exclusions", data={"csrf_token": token, "agency": "quan-c"})
    assert no_reason.status_code == 422 and "field-error" in no_reason.text
    excluded = client.post(
        f"/campaigns/{MINI}/exclusions",
        data={"csrf_token": token, "agency": "quan-c", "reason": "Sáp nhập đơn vị hành chính"},
    )
    assert excluded.status_code == 200 and "Đã đưa UBND quận C ra khỏi xếp hạng." in excluded.text
    published = client.post(
        f"/campaigns/{MINI}/publish", data={"csrf_token": token, "confirm": "1", "comment": "QĐ 903/QĐ-UBND"}
    )
    assert published.status_code == 200  # redirected to the public results
    assert "Đã công bố kết quả." in published.text and "Sở Thử nghiệm A" in published.text
    with rt.db.read() as session:
        assert {session.get(Submission, s).state for s in (a, b)} == {"published"}  # type: ignore[union-attr]
        assert session.get(Submission, c).state == "draft"  # type: ignore[union-attr]
    # the public page, for anyone
    client.cookies.clear()
    public = client.get(f"/campaigns/{MINI}/results")
    assert public.status_code == 200
    html = public.text
    assert "<svg" in html and 'class="bar band-' in html and "style=" not in html.split("<svg", 1)[1]
    assert (
        f'href="/api/v1/campaigns/{MINI}/results.csv"' in html
        and f'/api/v1/campaigns/{MINI}/results.xlsx"' in html
    )
    assert "Sáp nhập đơn vị hành chính" in html  # left out, with the reason
    assert client.get(f"/api/v1/campaigns/{MINI}/results.csv").status_code == 200
    assert f'/campaigns/{MINI}/results"' in client.get("/").text  # linked from the start page


def test_pages_speak_english_to_english_readers(client: TestClient, rt: Runtime, campaign: str) -> None:
    sign_in(client, HOME_AFFAIRS_EN)
    board = client.get(f"/campaigns/{CODE}/board")
    assert '<html lang="en">' in board.text and "Agencies at a glance" in board.text
    assert "Department of Transport" in board.text and "14/01/2022" in board.text
    sid = submission_id(rt, "sgtvt")
    demo_season.fill_self_assessment(rt, sid, share=0.3)
    page = client.get(f"/submissions/{sid}")
    assert "Self-assessed" in page.text and "0.50" in page.text and "0,50" not in page.text


def test_notifications_page_lists_undeliverable_messages(client: TestClient, rt: Runtime, mini: str) -> None:
    from parflow.store.models import Notification

    sid = submission_id(rt, "dept-a")

    def dead(session) -> None:  # type: ignore[no-untyped-def]
        sub = session.get(Submission, sid)
        session.add(
            Notification(
                key="test:dead:1",
                campaign_id=sub.campaign_id,
                submission_id=sid,
                recipient_email="hong@mini.example",
                recipient_name="Hòm thư hỏng",
                kind="reminder",
                status="dead",
                attempts=5,
                last_error="550 mailbox unavailable",
                next_attempt_at=rt.clock.now(),
                created_at=rt.clock.now(),
            )
        )

    rt.db.run(dead)
    sign_in(client, "ha@mini.example")
    page = client.get(f"/campaigns/{MINI}/notifications?status=dead")
    assert page.status_code == 200
    assert (
        "Hòm thư hỏng" in page.text
        and "550 mailbox unavailable" in page.text
        and "Không gửi được" in page.text
    )
    assert "Hòm thư hỏng" not in client.get(f"/campaigns/{MINI}/notifications?status=sent").text


def test_agency_people_see_only_their_own_extensions(client: TestClient, rt: Runtime, campaign: str) -> None:
    """The reason of an extension is between Home Affairs and the agency: another agency's people
    must not read it on the campaign page (the API and the calendar feed already hide it)."""
    sign_in(client, HOME_AFFAIRS)
    granted = client.post(
        f"/campaigns/{CODE}/extensions",
        data={
            "csrf_token": csrf_from(client.get(f"/campaigns/{CODE}").text),
            "agency": "stp",
            "milestone": "self_assessment_due",
            "new_date": "21/01/2022",
            "reason": "Cán bộ đầu mối nghỉ ốm dài ngày",
        },
    )
    assert granted.status_code == 200
    reason = "Cán bộ đầu mối nghỉ ốm dài ngày"
    for email in (HOME_AFFAIRS, CITY_LEADER, VIEWER, COUNCIL_3, STP_FOCAL):
        sign_in(client, email)
        assert after(client.get(f"/campaigns/{CODE}").text, 'id="extensions"', reason), email
    sign_in(client, SGTVT_FOCAL)
    other = client.get(f"/campaigns/{CODE}").text
    assert reason not in other
    assert after(other, 'id="extensions"', "Chưa có cơ quan nào được gia hạn.")
