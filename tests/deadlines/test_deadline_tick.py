"""The tick on real databases: who is reminded, when, once; extensions; cancellation; catch-up."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import holidays
import pytest
from sqlmodel import col, select

from parflow.services.deadlines.tick import tick
from parflow.store.models import Notification, Submission
from tests.support.people import HOME_AFFAIRS
from tests.support.season import complete_self_assessment

from .conftest import local, outbox, submission_of

SELF = "self_assessment_due"


def keys(rows: list[Notification]) -> list[str]:
    return [r.key for r in rows]


def test_reminders_go_to_pending_agencies_only_and_stop_after_submit(rt, early, client, login, at) -> None:
    at("2022-01-06 10:00")
    focal = login("dau-moi.sgtvt@haiphong.example")
    sid = submission_of(rt, "sgtvt").id
    complete_self_assessment(rt, sid)
    assert client.post(f"/api/v1/submissions/{sid}/events/submit", headers=focal).status_code == 200

    report = tick(rt, local("2022-01-07 08:00"))
    reminders = outbox(rt, "reminder")
    assert report.queued["reminder"] == 34 == len(reminders)
    assert "dau-moi.sgtvt@haiphong.example" not in {r.recipient_email for r in reminders}
    first = next(r for r in reminders if r.recipient_email == "dau-moi.stp@haiphong.example")
    assert first.context["milestone"]["key"] == SELF
    assert first.context["due_date"] == "2022-01-14"
    assert first.context["working_days_left"] == 5
    assert first.context["reason"]["vi"].startswith("Sở Tư pháp chưa gửi")
    assert first.context["late"] is False and first.late is False
    assert first.status == "pending"

    # Sở Tư pháp submits before its queued reminder went out: the reminder is cancelled with it
    at("2022-01-07 08:00:30")
    stp = login("dau-moi.stp@haiphong.example")
    stp_id = submission_of(rt, "stp").id
    complete_self_assessment(rt, stp_id)
    assert client.post(f"/api/v1/submissions/{stp_id}/events/submit", headers=stp).status_code == 200
    statuses = {r.recipient_email: r.status for r in outbox(rt, "reminder")}
    assert statuses["dau-moi.stp@haiphong.example"] == "cancelled"
    assert statuses["dau-moi.skhdt@haiphong.example"] == "pending"

    tick(rt, local("2022-01-12 08:00"))
    second = [r for r in outbox(rt, "reminder") if r.key.endswith(":d2")]
    emails = {r.recipient_email for r in second}
    assert len(second) == 33
    assert not emails & {"dau-moi.sgtvt@haiphong.example", "dau-moi.stp@haiphong.example"}


@pytest.mark.both_backends
def test_ten_ticks_at_the_same_instant_send_each_message_once(rt, campaign) -> None:
    instant = local("2022-01-17 08:00")  # first escalation step (+1 working day)
    reports = [tick(rt, instant) for _ in range(10)]
    assert reports[0].total == 35 and all(r.total == 0 for r in reports[1:])
    # nothing is due any more: later ticks do not even look at a submission
    assert all(r.submissions_examined == 0 for r in reports[1:])
    rows = outbox(rt)
    assert len(rows) == len(set(keys(rows))) == 35
    assert {r.kind for r in rows} == {"escalation"}
    with rt.db.read() as session:
        due = session.exec(select(Submission).where(col(Submission.next_due_at) <= instant)).all()
    assert due == []


@pytest.mark.both_backends
def test_catch_up_after_a_two_day_outage(rt, early) -> None:
    tick(rt, local("2022-01-07 08:00"))  # 5 working days before: on time
    # the scheduler is down on 12/01 and 13/01 (2- and 1-day reminders) and back at 08:30 on 14/01
    report = tick(rt, local("2022-01-14 08:30"))
    assert report.queued["reminder"] == 35 and report.late == 0
    per_agency = Counter(r.submission_id for r in outbox(rt, "reminder"))
    assert set(per_agency.values()) == {2}  # the 5-day and the on-the-day reminder, nothing stale
    assert not [r for r in outbox(rt) if r.key.endswith((":d2", ":d1"))]

    # down again from the 15th to Thursday 20/01, 09:30: +1 (17/01) and +3 (19/01) each once, late
    report = tick(rt, local("2022-01-20 09:30"))
    escalations = outbox(rt, "escalation")
    assert report.queued["escalation"] == len(escalations) == 35 + 35 * 2  # heads; both Home Affairs people
    assert all(e.late for e in escalations)
    assert {e.context["step"] for e in escalations} == {1, 2}
    heads = [e for e in escalations if e.context["step"] == 1]
    assert {e.recipient_email.split(".", 1)[0] for e in heads} == {"lanh-dao"}
    assert heads[0].context["working_days_overdue"] == 4
    assert heads[0].context["responsible"]["email"].startswith("dau-moi.")
    assert tick(rt, local("2022-01-20 09:31")).total == 0


def test_extension_moves_one_agency_only(rt, campaign, client, login, at) -> None:
    at("2022-01-10 09:00")
    home = login("cchc.nhung@snv.haiphong.example")
    body = {
        "agency": "sxd",
        "milestone": SELF,
        "new_date": "2022-01-21",
        "reason": "Thiếu cán bộ do dịch COVID-19",
    }
    response = client.post(f"/api/v1/campaigns/{campaign}/extensions", json=body, headers=home)
    assert response.status_code == 201, response.text
    assert response.json()["old_date"] == "2022-01-14"
    granted = outbox(rt, "extension_granted")
    assert {g.recipient_email for g in granted} == {
        "dau-moi.sxd@haiphong.example",
        "lanh-dao.sxd@haiphong.example",
    }
    ctx = granted[0].context
    assert (ctx["old_date"], ctx["new_date"], ctx["milestone"]["key"]) == ("2022-01-14", "2022-01-21", SELF)
    assert ctx["granted_by"] == "Đào Thị Hồng Nhung" and ctx["agency"]["code"] == "sxd"

    tick(rt, local("2022-01-12 08:00"))  # 2 working days before the 14th
    emails = {r.recipient_email for r in outbox(rt, "reminder")}
    assert "dau-moi.sxd@haiphong.example" not in emails and "dau-moi.stp@haiphong.example" in emails
    tick(rt, local("2022-01-17 08:00"))  # others escalate; Sở Xây dựng is not late
    assert "lanh-dao.sxd@haiphong.example" not in {r.recipient_email for r in outbox(rt, "escalation")}
    # the 17th also caught up the 5-day reminder of the new date (due on the 14th, so late)
    tick(rt, local("2022-01-19 08:00"))  # 2 working days before the 21st: Sở Xây dựng only
    sxd = [r for r in outbox(rt, "reminder") if r.context.get("due_date") == "2022-01-21"]
    assert [(r.recipient_email, r.key[-3:], r.late) for r in sxd] == [
        ("dau-moi.sxd@haiphong.example", ":d5", True),
        ("dau-moi.sxd@haiphong.example", ":d2", False),
    ]

    history = client.get(f"/api/v1/submissions/{submission_of(rt, 'sxd').id}/history", headers=home).json()
    assert history[-1]["action"] == "extension"
    detail = client.get(f"/api/v1/submissions/{submission_of(rt, 'sxd').id}", headers=home).json()
    assert detail["next_deadline"]["due_date"] == "2022-01-21" and detail["next_deadline"]["extended"]


def test_extension_refusals(rt, campaign, client, login, at) -> None:
    at("2022-01-10 09:00")
    url = f"/api/v1/campaigns/{campaign}/extensions"
    home = login("cchc.nhung@snv.haiphong.example")
    good = {"agency": "sxd", "milestone": SELF, "new_date": "2022-01-21", "reason": "lý do"}
    focal = login("dau-moi.sxd@haiphong.example")
    assert client.post(url, json=good, headers=focal).status_code == 403
    assert client.post(url, json=good).status_code == 401
    for change, field in (
        ({"agency": "nope"}, "agency"),
        ({"milestone": "nope"}, "milestone"),
        ({"new_date": "2022-01-13"}, "new_date"),
        ({"reason": "   "}, "reason"),
    ):
        response = client.post(url, json={**good, **change}, headers=home)
        assert response.status_code == 422, change
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    assert client.post(url, json={**good, "new_date": "14/01/2022"}, headers=home).status_code == 422
    assert client.post("/api/v1/campaigns/nope/extensions", json=good, headers=home).status_code == 404
    assert outbox(rt) == []


def test_status_and_submission_api_follow_the_clock(rt, campaign, client, login, at) -> None:
    at("2022-01-17 09:00")
    home = login("cchc.nhung@snv.haiphong.example")
    detail = client.get(f"/api/v1/submissions/{submission_of(rt, 'stp').id}", headers=home).json()
    nxt = detail["next_deadline"]
    assert (nxt["milestone"], nxt["overdue"], nxt["working_days_left"]) == (SELF, True, -1)
    assert detail["calendar_feed"].endswith(".ics")
    by_key = {d["milestone"]: d for d in detail["deadlines"]}
    assert by_key["appraisal_due"]["overdue"] is False


# Tết Nhâm Dần: the national holidays ran Monday 31/01 to Friday 04/02/2022, so with the weekends
# around them nobody worked from Saturday 29/01 to Sunday 06/02.
TET_2022 = [date(2022, 1, 31) + timedelta(days=n) for n in range(5)]


def test_tick_across_tet_2022(rt, campaign, client, login, at) -> None:
    """Reminders and escalations of deadlines on either side of Tết 2022, ticked every morning for a
    month: their working-day counts skip the holidays, and nothing is queued while Tết lasts."""
    # the calendar the code uses must know the holidays this test's hand-counted dates assume
    vietnam = holidays.country_holidays("VN", years=2022)
    assert all(day in vietnam for day in TET_2022), sorted(vietnam)
    at("2022-01-10 09:00")
    home = login(HOME_AFFAIRS)
    # Sở Xây dựng is due the Friday before Tết (it escalates across it), Sở Tư pháp the Wednesday
    # after it (it is reminded across it)
    for agency, new_date in (("sxd", "2022-01-28"), ("stp", "2022-02-09")):
        body = {"agency": agency, "milestone": SELF, "new_date": new_date, "reason": "Tết"}
        response = client.post(f"/api/v1/campaigns/{campaign}/extensions", json=body, headers=home)
        assert response.status_code == 201, response.text

    queued: dict[tuple[str, str, int], set[date]] = {}
    seen = {r.id for r in outbox(rt)}
    day = date(2022, 1, 20)
    while day <= date(2022, 2, 20):
        tick(rt, local(f"{day.isoformat()} 08:00"))
        for row in outbox(rt):
            if row.id in seen:
                continue
            seen.add(row.id)
            ctx = row.context
            codes = (
                {ctx["agency"]["code"]} if "agency" in ctx else {a["code"] for a in ctx.get("agencies", [])}
            )
            count = ctx.get("working_days_left", ctx.get("working_days_overdue"))
            for code in codes & {"sxd", "stp"}:
                queued.setdefault((code, row.kind, count), set()).add(day)
                assert not row.late, (code, row.kind, count, day)  # every morning ticked: none late
        day += timedelta(days=1)

    assert queued == {
        # due Friday 28/01: reminders before Tết, escalations 1, 3 and 7 working days after it
        ("sxd", "reminder", 5): {date(2022, 1, 21)},
        ("sxd", "reminder", 2): {date(2022, 1, 26)},
        ("sxd", "reminder", 1): {date(2022, 1, 27)},
        ("sxd", "reminder", 0): {date(2022, 1, 28)},
        ("sxd", "escalation", 1): {date(2022, 2, 7)},
        ("sxd", "escalation", 3): {date(2022, 2, 9)},
        ("sxd", "escalation", 7): {date(2022, 2, 15)},
        # due Wednesday 09/02: 5 working days before it is Wednesday 26/01, before Tết
        ("stp", "reminder", 5): {date(2022, 1, 26)},
        ("stp", "reminder", 2): {date(2022, 2, 7)},
        ("stp", "reminder", 1): {date(2022, 2, 8)},
        ("stp", "reminder", 0): {date(2022, 2, 9)},
        ("stp", "escalation", 1): {date(2022, 2, 10)},
        ("stp", "escalation", 3): {date(2022, 2, 14)},
        ("stp", "escalation", 7): {date(2022, 2, 18)},
    }
