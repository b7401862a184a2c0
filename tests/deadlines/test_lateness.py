"""The record of lateness: a self-assessment or an appraisal sent after its due date (the agency's
own, extensions included) keeps "sent N working days late" through every later transition, and
the API, `parflow status` and the results exports carry it."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from parflow import demo_season
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.due import CampaignDeadlines
from parflow.services.deadlines.extensions import grant_extension
from parflow.services.results import exports
from parflow.services.results.service import preview
from parflow.store.models import AuditEntry, Campaign, Submission
from tests.support.cli import parflow
from tests.support.lifecycle import principal, submission_id
from tests.support.people import HOME_AFFAIRS, SGTVT_HEAD
from tests.support.season import complete_self_assessment, drive_to, send_results, submit

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, month: int = 1, hour: int = 10) -> datetime:
    return datetime(2022, month, day, hour, 0, tzinfo=VN)


def record(rt: Runtime, sid: int) -> tuple[object, ...]:
    with rt.db.read() as session:
        s = session.get(Submission, sid)
        assert s is not None
        return (
            s.self_assessment_sent_at,
            s.self_assessment_due_date,
            s.self_assessment_late_days,
            s.appraisal_due_date,
            s.appraisal_late_days,
        )


@pytest.mark.both_backends
def test_a_late_self_assessment_is_recorded_and_survives_reopening_and_approval(
    rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid)
    rt.clock.set(at(19))  # type: ignore[attr-defined]  # due Friday 14/01: 17, 18, 19 January
    submit(rt, sid)
    sent, due, late, *_ = record(rt, sid)
    assert (due, late) == (date(2022, 1, 14), 3)
    assert sent == at(19)
    with rt.db.read() as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.submission_id == sid, AuditEntry.trigger == "submit")
        ).one()
    assert entry.data["working_days_late"] == 3  # the audit trail says it too

    # reopened by the head: the stamp goes, the record stays
    demo_season.fire(rt, sid, "reopen", SGTVT_HEAD, comment="Bổ sung tài liệu.")
    with rt.db.read() as session:
        s = session.get(Submission, sid)
        assert s is not None and s.state == "draft" and s.submitted_at is None
        assert s.self_assessment_late_days == 3
    # sent again a day later: the sending that counts is the last one
    rt.clock.set(at(20))  # type: ignore[attr-defined]
    drive_to(rt, sid, "approved")
    _sent, due, late, appraisal_due, appraisal_late = record(rt, sid)
    assert (due, late) == (date(2022, 1, 14), 4)
    assert appraisal_due is not None and appraisal_late == 0  # results went out on 20/01, long before
    with rt.db.read() as session:
        assert session.get(Submission, sid).state == "approved"  # type: ignore[union-attr]


def test_an_extension_moves_the_date_lateness_counts_from(rt: Runtime, campaign: str) -> None:
    ha = principal(rt, HOME_AFFAIRS)
    rt.db.run(
        lambda s: grant_extension(
            s,
            rt,
            ha,
            campaign,
            agency_code="sgtvt",
            milestone="self_assessment_due",
            new_date=date(2022, 1, 21),
            reason="Mất điện kéo dài.",
        )
    )
    rt.db.run(
        lambda s: grant_extension(
            s,
            rt,
            ha,
            campaign,
            agency_code="stp",
            milestone="self_assessment_due",
            new_date=date(2022, 1, 21),
            reason="Mất điện kéo dài.",
        )
    )
    on_time, late = submission_id(rt, "sgtvt"), submission_id(rt, "stp")
    complete_self_assessment(rt, on_time)
    complete_self_assessment(rt, late)
    rt.clock.set(at(19))  # type: ignore[attr-defined]  # after 14/01, before the extended 21/01
    submit(rt, on_time)
    rt.clock.set(at(24))  # type: ignore[attr-defined]  # Monday after the extended Friday
    submit(rt, late)
    assert record(rt, on_time)[1:3] == (date(2022, 1, 21), 0)
    assert record(rt, late)[1:3] == (date(2022, 1, 21), 1)


def test_sent_on_a_weekend_after_the_due_date_counts_from_the_next_working_day(
    rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid)
    rt.clock.set(at(15))  # type: ignore[attr-defined]  # Saturday after Friday 14/01
    submit(rt, sid)
    assert record(rt, sid)[2] == 1
    on_time = submission_id(rt, "stp")
    complete_self_assessment(rt, on_time)
    rt.clock.set(at(14, hour=23))  # type: ignore[attr-defined]  # the last evening still counts
    # (the fixed clock may go back: the record is about the instant of sending)
    submit(rt, on_time)
    assert record(rt, on_time)[2] == 0


def test_a_late_appraisal_is_recorded_against_the_appraisal_due_date(rt: Runtime, campaign: str) -> None:
    sid = submission_id(rt, "sgtvt")
    drive_to(rt, sid, "appraised")
    with rt.db.read() as session:
        c = session.exec(select(Campaign).where(Campaign.code == campaign)).one()
        deadlines = CampaignDeadlines(session, c)
        due = deadlines.base["appraisal_due"]
        two_after = deadlines.calendar.add_working_days(due, 2)
    rt.clock.set(datetime.combine(two_after, datetime.min.time(), VN).replace(hour=9))  # type: ignore[attr-defined]
    send_results(rt, sid)
    assert record(rt, sid)[3:] == (due, 2)


def test_api_status_and_results_exports_carry_the_record(
    client: TestClient, login, rt: Runtime, campaign: str
) -> None:  # type: ignore[no-untyped-def]
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid)
    rt.clock.set(at(18))  # type: ignore[attr-defined]  # two working days late
    submit(rt, sid)
    body = client.get(f"/api/v1/submissions/{sid}", headers=login(HOME_AFFAIRS)).json()
    assert body["self_assessment_sent"]["working_days_late"] == 2
    assert body["self_assessment_sent"]["due_date"] == "2022-01-14"
    assert body["appraisal_sent"] is None
    other = client.get(f"/api/v1/submissions/{submission_id(rt, 'stp')}", headers=login(HOME_AFFAIRS)).json()
    assert other["self_assessment_sent"] is None

    rows = {r["agency"]: r for r in json.loads(parflow(rt, "status", campaign, "--format", "json").stdout)}
    assert (
        rows["sgtvt"]["self_assessment_late_days"] == 2 and rows["stp"]["self_assessment_late_days"] is None
    )
    table = parflow(rt, "status", campaign).stdout
    assert "self-assessment 2" in table

    with rt.db.read() as session:
        payload = preview(session, rt, principal(rt, HOME_AFFAIRS), campaign)
    lines = list(csv.reader(io.StringIO(exports.to_csv(payload).decode("utf-8-sig"))))
    heading = lines[0]
    # the two late columns sit side by side (the decision and later additions may follow them)
    late = heading.index(exports.LATE_HEADINGS[0])
    assert heading[late : late + 2] == exports.LATE_HEADINGS
    transport = next(line for line in lines if "sgtvt" in line)
    assert transport[late : late + 2] == ["2", ""]
