"""Every link an e-mail carries (`action_path`) opens a page for the person it was sent to."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlmodel import select

from parflow import demo_season
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import extensions, milestones
from parflow.services.deadlines.tick import tick
from parflow.services.scoring import disputes
from parflow.store.models import Dispute, Notification
from tests.support.auth import sign_in
from tests.support.lifecycle import submission_id
from tests.support.people import HOME_AFFAIRS
from tests.support.season import drive_to, send_results


def test_each_kind_of_message_links_to_a_page_its_recipient_can_open(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    drive_to(rt, sid, "appraised")
    demo_season.appraise(rt, sid, {"3.3.2": (Decimal("0.00"), "Chưa có văn bản chứng minh")})
    send_results(rt, sid)

    def file_and_resolve(session) -> None:  # type: ignore[no-untyped-def]
        focal = demo_season.agency_person(session, sid)
        disputes.file_disputes(session, rt, focal, sid, [disputes.DisputeIn("3.3.2", "Đã có quyết định")])

    rt.db.run(file_and_resolve)

    def resolve(session) -> None:  # type: ignore[no-untyped-def]
        row = session.exec(select(Dispute).where(Dispute.submission_id == sid)).one()
        member = demo_season.principal_for(session, "thamdinh.hau@haiphong.example")
        disputes.resolve_dispute(session, rt, member, row.id, "rejected", "Chưa đủ căn cứ")

    rt.db.run(resolve)

    def plan_changes(session) -> None:  # type: ignore[no-untyped-def]
        officer = demo_season.principal_for(session, HOME_AFFAIRS)
        extensions.grant_extension(
            session,
            rt,
            officer,
            campaign,
            agency_code="stp",
            milestone="self_assessment_due",
            new_date=date(2022, 1, 21),
            reason="Cán bộ đầu mối nghỉ ốm",
        )
        milestones.move_milestone(
            session, rt, officer, campaign, "publication", date(2022, 3, 30), "Lịch họp"
        )

    rt.db.run(plan_changes)
    for day in (13, 17, 20, 25):  # reminders before 14/01, escalations after it, daily digests
        tick(rt, datetime(2022, 1, day, 1, 0, tzinfo=UTC))

    with rt.db.read() as session:
        rows = session.exec(select(Notification).order_by(Notification.id)).all()  # type: ignore[arg-type]
    first_of_kind: dict[tuple[str, str], Notification] = {}
    for row in rows:
        path = row.context.get("action_path")
        assert path, f"{row.kind} to {row.recipient_email} has no link"
        shape = re.sub(r"\d+", "N", path)
        first_of_kind.setdefault((row.kind, shape), row)
    kinds = {kind for kind, _ in first_of_kind}
    assert {"submitted", "appraisal_started", "results_sent", "dispute_filed", "dispute_resolved"} <= kinds
    assert {"reminder", "escalation", "extension_granted", "milestone_moved", "daily_digest"} <= kinds
    for (kind, _shape), row in first_of_kind.items():
        sign_in(client, row.recipient_email)
        response = client.get(row.context["action_path"])
        assert response.status_code == 200, (kind, row.recipient_email, row.context["action_path"])
