"""A compact but complete season for the backup tests, through the real services.

Four agencies go the whole way (self-assessment with evidence files and links, appraisal with an
adjusted score, results, one dispute accepted, survey, approval); the other 31 are left out of the
ranking with a reason; one extension is granted; the campaign is published. Ticks before and after
queue reminders, escalations and digests, and a first batch of messages is delivered to a real
SMTP server (so rows are `sent` with Message-IDs, others still `pending`).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import select

from parflow import demo_season as ds
from parflow.notify.catcher import free_port
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import extensions
from parflow.services.deadlines.tick import tick
from parflow.services.results import service as results
from parflow.services.scoring import disputes
from parflow.store.models import Dispute
from tests.support.lifecycle import submission_id
from tests.support.mail import ScriptedHandler, SmtpServer, deliver, routed
from tests.support.people import HOME_AFFAIRS
from tests.support.season import (
    appraise_all,
    approve,
    complete_self_assessment,
    import_survey,
    pass_dispute_window,
    send_results,
    start_appraisal,
    submit,
)

CAMPAIGN = "haiphong-2021"
DRIVEN = ("sgtvt", "stp", "q-ngo-quyen", "h-vinh-bao")
COUNCIL_3 = "thamdinh.hau@haiphong.example"


def drive_season(rt: Runtime) -> None:
    ids = {code: submission_id(rt, code) for code in DRIVEN}
    tick(rt)
    rt.db.run(
        lambda s: extensions.grant_extension(
            s,
            rt,
            ds.principal_for(s, HOME_AFFAIRS),
            CAMPAIGN,
            agency_code="stp",
            milestone="self_assessment_due",
            new_date=date(2022, 1, 19),
            reason="Sở bị mất điện ba ngày do sự cố lưới điện.",
        )
    )
    deliver_some(rt, 40)
    for code, sid in ids.items():
        complete_self_assessment(rt, sid, files=1 if code in ("sgtvt", "q-ngo-quyen") else 0)
        submit(rt, sid)
    rt.clock.advance(timedelta(days=8))  # type: ignore[attr-defined]
    tick(rt)
    for code, sid in ids.items():
        start_appraisal(rt, sid)
        overrides = (
            {"3.3.2": (Decimal("0.50"), "Tỷ lệ đúng hạn thấp hơn số tự chấm.")} if code == "sgtvt" else None
        )
        appraise_all(rt, sid, overrides)
        send_results(rt, sid)
    rt.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]

    def dispute(session) -> int:  # type: ignore[no-untyped-def]
        head = ds.agency_person(session, ids["sgtvt"], "agency_head")
        item = disputes.DisputeIn("3.3.2", "Số liệu đối soát với hệ thống: đạt trên 98%.")
        return disputes.file_disputes(session, rt, head, ids["sgtvt"], [item])[1][0].id

    dispute_id = rt.db.run(dispute)
    rt.db.run(
        lambda s: disputes.resolve_dispute(
            s, rt, ds.principal_for(s, COUNCIL_3), dispute_id, "accepted", "Đã kiểm tra lại.", "1.50"
        )
    )
    import_survey(rt, CAMPAIGN)
    for code in others(rt):
        rt.db.run(
            lambda s, c=code: results.set_exclusion(
                s,
                rt,
                ds.principal_for(s, HOME_AFFAIRS),
                submission_id(rt, c),
                "Chưa gửi báo cáo tự đánh giá.",
            )
        )
    for sid in ids.values():
        pass_dispute_window(rt, sid)
    tick(rt)
    for sid in ids.values():
        approve(rt, sid)
    rt.db.run(
        lambda s: results.publish(
            s, rt, ds.principal_for(s, HOME_AFFAIRS), CAMPAIGN, "Quyết định 903/QĐ-UBND"
        )
    )
    tick(rt)
    deliver_some(rt, 60)
    with rt.db.read() as session:
        assert session.exec(select(Dispute).where(Dispute.status == "accepted")).first() is not None


def others(rt: Runtime) -> list[str]:
    from parflow.store.models import Agency

    with rt.db.read() as session:
        return [c for c in session.exec(select(Agency.code).order_by(Agency.code)).all() if c not in DRIVEN]


def deliver_some(rt: Runtime, limit: int) -> None:
    """Deliver up to `limit` queued messages to a server started for the purpose."""
    server = SmtpServer(ScriptedHandler(), free_port()).start()
    try:
        report = deliver(routed(rt, server), limit=limit)
        assert report.sent > 0, report.summary()
    finally:
        server.stop()
