"""Extensions: Home Affairs gives one agency a later date for one milestone, with a reason.

From the moment it is granted, that agency's reminders and escalations for the milestone follow
the new date (its `next_due_at` is re-planned in the same transaction); other agencies are
unaffected. The grant is written to the audit trail and announced to the agency
(`extension_granted`).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from parflow.domain.errors import Forbidden, Invalid, NotFound, Unmet
from parflow.domain.roles import AGENCY_ROLES, Role
from parflow.services.common import audit, outbox
from parflow.services.common.access import Principal
from parflow.services.common.lookups import get_campaign
from parflow.services.common.notices import agency_ref, campaign_ref, submission_path
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import sync as deadline_sync
from parflow.services.deadlines.plan import load_plans
from parflow.store.models import Agency, Campaign, Extension, Person, Submission


def visible_extensions(session: Session, principal: Principal, campaign: Campaign) -> list[Extension]:
    """The extensions of a campaign this person may read, newest first.

    A reason often says something about one agency's staff (illness, a reorganisation): people who
    hold only agency roles read their own agency's grants; every campaign-wide role (Home Affairs,
    council, city leader, viewer) reads them all, as in the campaign's calendar feed.
    """
    roles = principal.roles_in(campaign.id or 0)
    query = select(Extension).where(Extension.campaign_id == campaign.id)
    if not roles:
        return []
    if not roles - AGENCY_ROLES:
        query = query.where(col(Extension.agency_id).in_(principal.agency_ids(campaign.id or 0)))
    return list(session.exec(query.order_by(col(Extension.granted_at).desc(), col(Extension.id).desc())))


def grant_extension(
    session: Session,
    rt: Runtime,
    principal: Principal,
    code: str,
    *,
    agency_code: str,
    milestone: str,
    new_date: date,
    reason: str,
) -> tuple[Extension, date]:
    """Grant the extension; returns it with the date it replaces."""
    now = rt.clock.now()
    campaign = get_campaign(session, code)
    roles = principal.roles_in(campaign.id or 0)
    if not roles:
        raise NotFound("campaign.not_found", code=code)
    if Role.home_affairs not in roles:
        raise Forbidden("extension.forbidden")
    definition = rt.workflows.definition(campaign.workflow_name)
    agency = session.exec(
        select(Agency).where(Agency.campaign_id == campaign.id, Agency.code == agency_code)
    ).first()
    problems: list[Unmet] = []
    if agency is None:
        problems.append(Unmet("extension.unknown_agency", {"code": agency_code}, "agency"))
    if milestone not in definition.milestones:
        known = ", ".join(definition.milestones)
        problems.append(Unmet("extension.unknown_milestone", {"key": milestone, "known": known}, "milestone"))
    if not reason.strip():
        problems.append(Unmet("extension.reason_required", field="reason"))
    if problems:
        raise Invalid("extension.invalid", unmet=problems)
    assert agency is not None and agency.id is not None
    plan = load_plans(session, rt, [campaign], [agency.id])[campaign.id or 0]
    current = plan.due(agency.id, milestone)
    today = plan.calendar.local_date(now)
    if current is not None and new_date <= current:
        problems.append(Unmet("extension.not_later", {"new_date": new_date, "current": current}, "new_date"))
    if new_date < today:
        problems.append(Unmet("extension.in_past", {"new_date": new_date, "today": today}, "new_date"))
    if problems:
        raise Invalid("extension.invalid", unmet=problems)

    actor = session.get(Person, principal.person_id)
    grant = Extension(
        campaign_id=campaign.id or 0,
        agency_id=agency.id,
        milestone_key=milestone,
        new_date=new_date,
        reason=reason.strip(),
        granted_by=principal.person_id,
        granted_at=now,
    )
    session.add(grant)
    session.flush()
    submission = session.exec(
        select(Submission).where(Submission.campaign_id == campaign.id, Submission.agency_id == agency.id)
    ).first()
    old = current or new_date
    entry = audit.append(
        session,
        campaign,
        action="extension",
        at=now,
        actor=actor,
        actor_role=Role.home_affairs.value,
        submission=submission,
        agency=agency,
        comment=grant.reason,
        data={"milestone": milestone, "old_date": old, "new_date": new_date, "extension_id": grant.id},
    )
    context = {
        "campaign": campaign_ref(campaign),
        "agency": agency_ref(agency),
        "submission_id": submission.id if submission else None,
        "action_path": submission_path(submission) if submission else f"/campaigns/{campaign.code}",
        "milestone": {"key": milestone, **definition.milestones[milestone].label.model_dump()},
        "old_date": old.isoformat(),
        "new_date": new_date.isoformat(),
        "reason": grant.reason,
        "granted_by": actor.name if actor else None,
    }
    for person, role in plan.people.holders([Role.agency_editor.value, Role.agency_head.value], agency.id):
        outbox.enqueue(
            session,
            key=f"extension:c{campaign.id}:x{grant.id}:a{entry.seq}:p{person.id}",
            kind="extension_granted",
            person=person,
            now=now,
            context=context,
            campaign_id=campaign.id,
            submission=submission,
            role=role,
        )
    if submission is not None and current is not None:
        deadline_sync.cancel_for_date(session, submission, milestone, current)
    # the agency's reminders now follow the new date; council reminders are planned per campaign
    deadline_sync.refresh(session, rt, campaign, [submission] if submission else [])
    return grant, old
