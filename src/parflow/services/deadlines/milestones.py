"""Moving milestones: planned backwards from publication, so one move carries its dependents.

A milestone given as an offset from another (`appraisal_due: {from: publication, offset: -20}`)
keeps that relation: moving publication moves appraisal_due with it, counted in working days of
the campaign's calendar. Every moved date is written to the audit trail and announced
(`milestone_moved`) to the people whose deadlines it changes, in the same transaction.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from parflow.domain.errors import Forbidden, Invalid, NotFound, Unmet
from parflow.domain.roles import AGENCY_ROLES, Role
from parflow.services.common import audit, outbox
from parflow.services.common.access import Principal
from parflow.services.common.calendars import campaign_calendar
from parflow.services.common.lookups import get_campaign
from parflow.services.common.notices import campaign_ref
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import sync as deadline_sync
from parflow.services.deadlines.plan import CampaignPlan, load_plans
from parflow.store.models import Campaign, Milestone, Person


@dataclass(frozen=True)
class Move:
    key: str
    old_date: date
    new_date: date


def replan(session: Session, campaign: Campaign, rows: dict[str, Milestone]) -> None:
    """Recompute every milestone planned from another, in dependency order."""
    calendar = campaign_calendar(session, campaign)
    done: set[str] = set()

    def settle(key: str, trail: tuple[str, ...]) -> None:
        row = rows[key]
        if key in done or key in trail:
            return
        if row.base_key and row.base_key in rows and row.offset_working_days is not None:
            settle(row.base_key, (*trail, key))
            row.due_date = calendar.add_working_days(rows[row.base_key].due_date, row.offset_working_days)
        done.add(key)

    for key in rows:
        settle(key, ())


def move_milestone(
    session: Session,
    rt: Runtime,
    principal: Principal,
    code: str,
    key: str,
    new_date: date,
    reason: str,
) -> list[Move]:
    """Home Affairs moves one milestone; those planned from it follow. Returns every move."""
    campaign = get_campaign(session, code)
    roles = principal.roles_in(campaign.id or 0)
    if not roles:
        raise NotFound("campaign.not_found", code=code)
    if Role.home_affairs not in roles:
        raise Forbidden("milestone.forbidden")
    if campaign.published_at is not None:
        raise Invalid("milestone.invalid", unmet=[Unmet("milestone.published")])
    definition = rt.workflows.definition(campaign.workflow_name)
    rows = {m.key: m for m in session.exec(select(Milestone).where(Milestone.campaign_id == campaign.id))}
    problems: list[Unmet] = []
    if not reason.strip():
        problems.append(Unmet("extension.reason_required", field="reason"))
    if key not in rows:
        raise Invalid(
            "milestone.invalid",
            unmet=[Unmet("extension.unknown_milestone", {"key": key, "known": ", ".join(rows)}, "milestone")],
        )
    if rows[key].due_date == new_date:
        problems.append(Unmet("milestone.unchanged", {"key": key, "due_date": new_date}, "due_date"))
    if problems:
        raise Invalid("milestone.invalid", unmet=problems)
    before = {k: m.due_date for k, m in rows.items()}
    target = rows[key]
    target.due_date = new_date
    # a date set by hand no longer follows the milestone it was planned from
    target.base_key = None
    target.offset_working_days = None
    replan(session, campaign, rows)
    ordered = [k for k in definition.milestones if k in rows]
    for earlier, later in itertools.pairwise(ordered):
        if rows[earlier].due_date > rows[later].due_date:
            # nothing is written: the use case's transaction rolls back
            raise Invalid(
                "milestone.invalid",
                unmet=[
                    Unmet(
                        "milestone.order",
                        {
                            "key": earlier,
                            "due_date": rows[earlier].due_date,
                            "next_key": later,
                            "next_date": rows[later].due_date,
                        },
                        "due_date",
                    )
                ],
            )
    for row in rows.values():
        session.add(row)
    session.flush()
    moves = [Move(k, before[k], rows[k].due_date) for k in rows if rows[k].due_date != before[k]]
    actor = session.get(Person, principal.person_id)
    announce(session, rt, campaign, moves, reason.strip(), actor)
    deadline_sync.refresh(session, rt, campaign)
    return moves


def after_load(session: Session, rt: Runtime, campaign: Campaign, dates_before: dict[str, date]) -> None:
    """After a campaign (re)load: announce dates that moved, re-plan every deadline."""
    rows = {m.key: m for m in session.exec(select(Milestone).where(Milestone.campaign_id == campaign.id))}
    moves = [
        Move(k, dates_before[k], rows[k].due_date)
        for k in rows
        if k in dates_before and dates_before[k] != rows[k].due_date
    ]
    if moves:
        announce(session, rt, campaign, moves, "campaign input reloaded", None)
    deadline_sync.refresh(session, rt, campaign)


def concerned_roles(rt: Runtime, campaign: Campaign, key: str) -> list[str]:
    """Who a milestone concerns: whoever its reminders go to, plus Home Affairs; an agency
    milestone concerns both the agency's focal point and its head."""
    definition = rt.workflows.definition(campaign.workflow_name)
    spec = definition.milestones.get(key)
    roles = [Role.home_affairs.value]
    if spec is not None:
        roles += [r for rule in spec.reminders for r in rule.to]
    if any(r in AGENCY_ROLES for r in roles):
        roles += [Role.agency_editor.value, Role.agency_head.value]
    return list(dict.fromkeys(roles))


def announce(
    session: Session,
    rt: Runtime,
    campaign: Campaign,
    moves: list[Move],
    reason: str,
    actor: Person | None,
) -> None:
    now = rt.clock.now()
    definition = rt.workflows.definition(campaign.workflow_name)
    plan = load_plans(session, rt, [campaign], all_agencies=True)[campaign.id or 0]
    for move in moves:
        entry = audit.append(
            session,
            campaign,
            action="milestone_moved",
            at=now,
            actor=actor,
            actor_role=Role.home_affairs.value if actor else None,
            comment=reason,
            data={"milestone": move.key, "old_date": move.old_date, "new_date": move.new_date},
        )
        spec = definition.milestones.get(move.key)
        label = spec.label.model_dump() if spec else {"vi": move.key, "en": move.key}
        context = {
            "campaign": campaign_ref(campaign),
            "milestone": {"key": move.key, **label},
            "old_date": move.old_date.isoformat(),
            "new_date": move.new_date.isoformat(),
            "reason": reason,
            "action_path": f"/campaigns/{campaign.code}",
        }
        roles = concerned_roles(rt, campaign, move.key)
        extended = {aid for aid, dates in plan.extensions.items() if move.key in dates}
        for person, role in plan.people.all_agency_holders(roles):
            if actor is not None and person.id == actor.id:
                continue
            if role in AGENCY_ROLES and _agency_of(plan, person.id) & extended:
                continue  # their own extended date did not move
            outbox.enqueue(
                session,
                key=f"moved:c{campaign.id}:{move.key}:a{entry.seq}:p{person.id}",
                kind="milestone_moved",
                person=person,
                now=now,
                context=context,
                campaign_id=campaign.id,
                role=role,
            )


def _agency_of(plan: CampaignPlan, person_id: int | None) -> set[int]:
    return {
        agency_id
        for agency_id, roles in plan.people.by_agency.items()
        if any(p.id == person_id for people in roles.values() for p in people)
    }
