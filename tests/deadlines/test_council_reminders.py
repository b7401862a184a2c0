"""Council members are reminded of unappraised leaves of their fields, and the reminders stop (queued
ones are cancelled) as soon as their part is done."""

from __future__ import annotations

from parflow.services.deadlines.tick import tick
from tests.support.season import appraise_all, drive_to

from .conftest import local, outbox, submission_of


def test_council_reminders_stop_when_the_fields_are_appraised(rt, campaign, at) -> None:  # type: ignore[no-untyped-def]
    at("2022-01-20 09:00")
    sid = submission_of(rt, "sgtvt").id
    drive_to(rt, sid, "under_appraisal")
    # appraisal is due 28/02/2022: five working days before is 21/02
    report = tick(rt, local("2022-02-21 08:00"))
    council = [r for r in outbox(rt, "reminder") if r.recipient_email.startswith("thamdinh.")]
    assert report.queued["reminder"] >= len(council) == 6  # every member has leaves of this agency
    assert {r.status for r in council} == {"pending"}
    assert all(r.context["milestone"]["key"] == "appraisal_due" for r in council)

    at("2022-02-21 08:05")
    appraise_all(rt, sid)
    after = {
        r.recipient_email: r.status
        for r in outbox(rt, "reminder")
        if r.recipient_email.startswith("thamdinh.")
    }
    assert set(after.values()) == {"cancelled"}

    tick(rt, local("2022-02-24 08:00"))  # the 2-day step: nobody on the council is pending any more
    later = [
        r
        for r in outbox(rt, "reminder")
        if r.recipient_email.startswith("thamdinh.") and r.status != "cancelled"
    ]
    assert later == []
