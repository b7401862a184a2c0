"""A milestone move is told in proportion and loses no reminder.

- One message per person whose own deadline changed: agencies that still have the milestone open
  and no extension of it; none to agencies past it; Home Affairs' copy waits for the digest.
- A move on a reminder day: what was queued for the old date is cancelled (and counted), and the
  new date's reminder due earlier today still goes out with the next tick instead of being
  skipped without a word.
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from sqlmodel import col, select

from parflow.services.campaigns.input import read_campaign
from parflow.services.campaigns.load import load_campaign
from parflow.services.deadlines import extensions, milestones
from parflow.services.deadlines.tick import tick
from parflow.store.models import Agency, AuditEntry, Notification, Person, RoleAssignment
from tests.support.databases import EXAMPLE
from tests.support.lifecycle import principal, submission_id
from tests.support.people import HOME_AFFAIRS, HOME_AFFAIRS_EN
from tests.support.season import complete_self_assessment, submit

from .conftest import outbox

pytestmark = pytest.mark.both_backends

SELF = "self_assessment_due"


def agency_people(rt, codes: set[str]) -> set[str]:  # type: ignore[no-untyped-def]
    """E-mail addresses of the focal points and heads of the agencies with these codes."""
    with rt.db.read() as session:
        rows = session.exec(
            select(Person.email)
            .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
            .join(Agency, col(Agency.id) == col(RoleAssignment.agency_id))
            .where(
                col(Agency.code).in_(codes), col(RoleAssignment.role).in_(["agency_editor", "agency_head"])
            )
        ).all()
    return set(rows)


def all_agency_codes(rt) -> set[str]:  # type: ignore[no-untyped-def]
    with rt.db.read() as session:
        return set(session.exec(select(Agency.code)).all())


def test_a_move_tells_only_those_whose_deadline_changed(rt, early, at) -> None:  # type: ignore[no-untyped-def]
    campaign = early
    sgtvt = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sgtvt)
    submit(rt, sgtvt)  # past the self-assessment: the move is not its business
    rt.db.run(
        lambda s: extensions.grant_extension(
            s,
            rt,
            principal(rt, HOME_AFFAIRS),
            campaign,
            agency_code="stp",
            milestone=SELF,
            new_date=date(2022, 1, 21),
            reason="Sáp nhập phòng chuyên môn",
        )
    )
    before = {n.id for n in outbox(rt, "milestone_moved")}
    outcome = rt.db.run(
        lambda s: milestones.move_milestone_outcome(
            s, rt, principal(rt, HOME_AFFAIRS), campaign, SELF, date(2022, 1, 18), "Tết đến sớm"
        )
    )
    assert [(m.key, m.old_date, m.new_date) for m in outcome.moves] == [
        (SELF, date(2022, 1, 14), date(2022, 1, 18))
    ]
    notes = [n for n in outbox(rt, "milestone_moved") if n.id not in before]
    recipients = [n.recipient_email for n in notes]
    assert len(recipients) == len(set(recipients)) == outcome.notified  # one message each
    affected = all_agency_codes(rt) - {"sgtvt", "stp"}
    assert len(affected) == 33
    expected = agency_people(rt, affected) | {HOME_AFFAIRS_EN}  # the mover is not told
    assert set(recipients) == expected
    assert not set(recipients) & agency_people(rt, {"sgtvt", "stp"})
    held = {n.recipient_email for n in notes if n.status == "held"}
    assert held == {HOME_AFFAIRS_EN}  # Home Affairs reads it in the next digest
    assert all(n.status == "pending" for n in notes if n.recipient_email != HOME_AFFAIRS_EN)
    assert all(n.context["also"] == [] and n.context["new_date"] == "2022-01-18" for n in notes)


def test_a_move_on_a_reminder_day_cancels_the_old_and_sends_the_new(rt, early, at) -> None:  # type: ignore[no-untyped-def]
    campaign = early
    at("2022-01-13 08:00")
    tick(rt)  # the reminder "1 working day before 14/01" goes into the outbox
    old = [n for n in outbox(rt, "reminder") if n.status == "pending"]
    assert len(old) == 35 and all(":2022-01-14:d1" in n.key for n in old)
    at("2022-01-13 10:00")
    # moved to Monday 17/01: its "2 working days before" reminder fell due today at 08:00
    outcome = rt.db.run(
        lambda s: milestones.move_milestone_outcome(
            s, rt, principal(rt, HOME_AFFAIRS), campaign, SELF, date(2022, 1, 17), "Lùi một ngày làm việc"
        )
    )
    assert outcome.cancelled == 35
    assert outcome.rescheduled >= 35
    assert "35 reminders cancelled" in outcome.describe()
    with rt.db.read() as session:
        statuses = {
            n.status
            for n in session.exec(select(Notification).where(col(Notification.id).in_([n.id for n in old])))
        }
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "milestone_moved")).one()
    assert statuses == {"cancelled"}
    assert entry.data["reminders_cancelled"] == 35
    assert entry.data["rescheduled"] == outcome.rescheduled
    assert entry.data["notified"] == outcome.notified

    at("2022-01-13 10:05")
    report = tick(rt)
    fresh = [n for n in outbox(rt, "reminder") if ":2022-01-17:d2" in n.key]
    assert len(fresh) == 35 and report.queued["reminder"] == 35
    assert {n.submission_id for n in fresh} == {n.submission_id for n in old}
    assert all(n.context["due_date"] == "2022-01-17" for n in fresh if "due_date" in n.context)
    # and only once
    at("2022-01-13 10:10")
    assert tick(rt).queued["reminder"] == 0


def test_a_reload_that_moves_a_date_says_what_it_did(rt, campaign, tmp_path) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "campaign"
    shutil.copytree(EXAMPLE, copy)
    text = (
        (copy / "campaign.yaml")
        .read_text()
        .replace("self_assessment_due: 2022-01-14", "self_assessment_due: 2022-01-18")
    )
    (copy / "campaign.yaml").write_text(text)
    report = rt.db.run(lambda s: load_campaign(s, rt, read_campaign(copy, rt.workflows)))
    assert report.moved is not None
    assert "self_assessment_due 14/01/2022 → 18/01/2022" in report.moved
    assert "reminders cancelled" in report.moved and "rescheduled" in report.moved
    notes = outbox(rt, "milestone_moved")
    # every agency is still in draft: each focal point and head once, Home Affairs held for the digest
    assert len(notes) == len({n.person_id for n in notes})
    assert {n.recipient_email for n in notes if n.status == "held"} == {HOME_AFFAIRS, HOME_AFFAIRS_EN}
