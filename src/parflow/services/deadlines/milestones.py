"""Moving milestones: planned backwards from publication, so one move carries its dependents.

A milestone given as an offset from another (`appraisal_due: {from: publication, offset: -20}`)
keeps that relation: moving publication moves appraisal_due with it, counted in working days of
the campaign's calendar. Every moved date is written to the audit trail and announced, in the
same transaction, once per person (`milestone_moved`, every date of the move in one message) to
the people whose deadline it changes: agencies that still have the milestone open and no
extension of it, and the campaign-wide roles it concerns (Home Affairs' copy waits for its
digest). Reminders queued for an old date are cancelled and every deadline is re-planned
(`sync.after_move`); the audit entry and the caller say how many.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from parflow.domain.deadlines import open_milestones
from parflow.domain.errors import Forbidden, Invalid, NotFound, Unmet
from parflow.domain.roles import AGENCY_ROLES, Role
from parflow.domain.workflow import WorkflowDefinition
from parflow.services.common import audit, outbox
from parflow.services.common.access import Principal
from parflow.services.common.calendars import campaign_calendar
from parflow.services.common.lookups import get_campaign
from parflow.services.common.notices import campaign_ref
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import sync as deadline_sync
from parflow.services.deadlines.due import answered_milestones
from parflow.services.deadlines.plan import load_plans
from parflow.store.models import Campaign, Milestone, Person, Submission


@dataclass(frozen=True)
class Move:
    key: str
    old_date: date
    new_date: date


@dataclass(frozen=True)
class MoveOutcome:
    moves: list[Move]
    notified: int = 0  # people told (one message each, whatever the number of dates moved)
    cancelled: int = 0  # queued reminders and escalations that named an old date
    rescheduled: int = 0  # submissions (and the campaign) whose next reminder was planned anew

    def describe(self) -> str:
        """One line for `parflow campaign load` and the campaign page."""
        dates = ", ".join(f"{m.key} {m.old_date:%d/%m/%Y} → {m.new_date:%d/%m/%Y}" for m in self.moves)
        return (
            f"{len(self.moves)} milestone date(s) moved ({dates}); {self.notified} people told; "
            f"{self.cancelled} reminders cancelled, {self.rescheduled} rescheduled"
        )


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


def move_milestone_outcome(
    session: Session,
    rt: Runtime,
    principal: Principal,
    code: str,
    key: str,
    new_date: date,
    reason: str,
) -> MoveOutcome:
    """Home Affairs moves one milestone; those planned from it follow; the people affected are
    told and the reminders re-planned (see the module)."""
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
    moves = [Move(k, before[k], rows[k].due_date) for k in ordered if rows[k].due_date != before[k]]
    actor = session.get(Person, principal.person_id)
    return announce(session, rt, campaign, moves, reason.strip(), actor)


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
    return move_milestone_outcome(session, rt, principal, code, key, new_date, reason).moves


def after_load(
    session: Session, rt: Runtime, campaign: Campaign, dates_before: dict[str, date]
) -> MoveOutcome | None:
    """After a campaign (re)load: announce dates that moved, re-plan every deadline."""
    rows = {m.key: m for m in session.exec(select(Milestone).where(Milestone.campaign_id == campaign.id))}
    definition = rt.workflows.definition(campaign.workflow_name)
    order = [k for k in definition.milestones if k in rows] + [
        k for k in rows if k not in definition.milestones
    ]
    moves = [
        Move(k, dates_before[k], rows[k].due_date)
        for k in order
        if k in dates_before and dates_before[k] != rows[k].due_date
    ]
    if moves:
        return announce(session, rt, campaign, moves, "campaign input reloaded", None)
    deadline_sync.refresh(session, rt, campaign)
    return None


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
) -> MoveOutcome:
    """Re-plan, audit and tell, for moves already written (in the workflow's order)."""
    resync = deadline_sync.after_move(session, rt, campaign, [(m.key, m.old_date) for m in moves])
    now = rt.clock.now()
    definition = rt.workflows.definition(campaign.workflow_name)
    plan = load_plans(session, rt, [campaign], all_agencies=True)[campaign.id or 0]
    # per agency, the moves that change its own deadline: the milestone still open for it (not
    # passed, not answered, not excluded) and not replaced by an extension
    affected: dict[int, list[Move]] = {}
    still_open: set[str] = set()
    for submission in session.exec(select(Submission).where(Submission.campaign_id == campaign.id)):
        if submission.excluded_reason is not None or submission.state in definition.final:
            continue
        pending = set(open_milestones(definition, submission.state, answered_milestones(submission)))
        still_open |= pending
        mine = [
            m
            for m in moves
            if m.key in pending and m.key not in plan.extensions.get(submission.agency_id, {})
        ]
        if mine:
            affected[submission.agency_id] = mine
    told: dict[int, tuple[Person, str, list[Move]]] = {}

    def tell(person: Person, role: str, about: list[Move]) -> None:
        if person.id is None or (actor is not None and person.id == actor.id):
            return
        # the first role that selected the person addresses them (and holds Home Affairs' copy)
        known = told.setdefault(person.id, (person, role, []))[2]
        known.extend(m for m in about if m not in known)

    for agency_id, about in affected.items():
        roles = {r for m in about for r in concerned_roles(rt, campaign, m.key) if r in AGENCY_ROLES}
        for person, role in plan.people.holders(sorted(roles), agency_id):
            tell(person, role, about)
    campaign_wide = [m for m in moves if m.key in still_open]
    for move in campaign_wide:
        roles = [r for r in concerned_roles(rt, campaign, move.key) if r not in AGENCY_ROLES]
        for person, role in plan.people.holders(roles, None):
            tell(person, role, [move])

    outcome = MoveOutcome(moves, len(told), resync.cancelled, resync.rescheduled)
    entries = [
        audit.append(
            session,
            campaign,
            action="milestone_moved",
            at=now,
            actor=actor,
            actor_role=Role.home_affairs.value if actor else None,
            comment=reason,
            data={"milestone": move.key, "old_date": move.old_date, "new_date": move.new_date}
            # the move as a whole, recorded once, on its first date
            | (
                {
                    "notified": outcome.notified,
                    "reminders_cancelled": outcome.cancelled,
                    "rescheduled": outcome.rescheduled,
                }
                if i == 0
                else {}
            ),
        )
        for i, move in enumerate(moves)
    ]
    for person, role, about in sorted(told.values(), key=lambda t: t[0].id or 0):
        ordered = [m for m in moves if m in about]
        first, rest = ordered[0], ordered[1:]
        outbox.enqueue(
            session,
            key=f"moved:c{campaign.id}:a{entries[0].seq}:p{person.id}",
            kind="milestone_moved",
            person=person,
            now=now,
            context={
                "campaign": campaign_ref(campaign),
                **_dates(definition, first),
                # the milestones planned from it that moved with it, for this person
                "also": [_dates(definition, m) for m in rest],
                "reason": reason,
                "action_path": f"/campaigns/{campaign.code}",
            },
            campaign_id=campaign.id,
            role=role,
        )
    return outcome


def _dates(definition: WorkflowDefinition, move: Move) -> dict[str, object]:
    spec = definition.milestones.get(move.key)
    label = spec.label.model_dump() if spec else {"vi": move.key, "en": move.key}
    return {
        "milestone": {"key": move.key, **label},
        "old_date": move.old_date.isoformat(),
        "new_date": move.new_date.isoformat(),
    }
