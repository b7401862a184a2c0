"""Keeping deadline bookkeeping true after a change, in the same transaction as the change.

- `next_due_at` (submission and campaign) says when the tick must next look; it is recomputed
  whenever state, an extension or milestone dates change, so a tick only reads what is due.
- Reminders and escalations already queued but not yet sent are *cancelled* (outbox status
  `cancelled`, never delivered) the moment their recipient's part is done: a submission that
  leaves draft must not receive the reminder queued a minute earlier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, or_, update
from sqlmodel import Session, col, select

from parflow.domain.reminders import party_scope, submission_pending
from parflow.services.common.joins import AGENCY_OF_SUBMISSION
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.plan import CampaignPlan, load_plans
from parflow.services.deadlines.reminders import (
    CampaignState,
    campaign_next_due,
    next_due,
    view_of,
)
from parflow.store.db import read_connection
from parflow.store.models import Agency, Campaign, Notification, Submission

DEADLINE_KINDS = ("reminder", "escalation")
_PLANS = "parflow.deadline_plans"  # per-transaction cache in Session.info
CANCELLED = "cancelled"

# queued reminders and escalations, only the columns the checks read, as plain rows: read on
# every transition
_QUEUED = select(
    Notification.id,
    Notification.key,
    Notification.kind,
    Notification.submission_id,
    Notification.person_id,
    Notification.context,
).where(
    Notification.status == "pending",
    # equalities, not IN: an IN list is rendered again at every execution
    or_(*(Notification.kind == kind for kind in DEADLINE_KINDS)),
)
# every transition runs this one: built once
_QUEUED_ABOUT = _QUEUED.where(
    Notification.campaign_id == bindparam("campaign"),
    (col(Notification.submission_id) == bindparam("submission")) | col(Notification.submission_id).is_(None),
)


def refresh(
    session: Session,
    rt: Runtime,
    campaign: Campaign,
    submissions: Sequence[Submission] | None = None,
    *,
    dates_changed: bool = True,
    since: datetime | None = None,
    flush: bool = True,
) -> int:
    """Recompute `next_due_at` of the campaign and of `submissions` (default: all of it); return
    how many of them changed.

    `dates_changed=False` (a state change only) lets the transaction reuse the calendar and dates
    it already loaded; anything that changes dates, extensions or the calendar passes True.
    `since` (see `reminders.next_due`) keeps steps that fell due since then in the plan.
    `flush=False` leaves the changes for the caller's next flush.
    """
    now = rt.clock.now()
    if submissions is None:
        submissions = list(session.exec(select(Submission).where(Submission.campaign_id == campaign.id)))
    cache: dict[int, CampaignPlan] = session.info.setdefault(_PLANS, {})
    plan = None if dates_changed else cache.get(campaign.id or 0)
    if plan is None:
        plan = load_plans(session, rt, [campaign], [], with_people=False, fresh=dates_changed)[
            campaign.id or 0
        ]
        cache[campaign.id or 0] = plan
    changed = 0
    for submission in submissions:
        nxt = next_due(plan, submission, now, since)
        if nxt != submission.next_due_at:
            submission.next_due_at = nxt
            _keep(session, submission)
            changed += 1
    nxt = campaign_next_due(plan, campaign.next_due_at, now, since)
    if nxt != campaign.next_due_at:
        campaign.next_due_at = nxt
        _keep(session, campaign)
        changed += 1
    if flush:
        session.flush()
    return changed


def _keep(session: Session, row: Submission | Campaign) -> None:
    """Make sure the session writes `row`: a row it loaded is tracked already, and adding it
    again walks its relationships on every event."""
    if row not in session:
        session.add(row)


@dataclass(frozen=True)
class Resync:
    """What a milestone move did to the deadline bookkeeping (said by the command and audited)."""

    cancelled: int  # queued reminders and escalations that named an old date
    rescheduled: int  # submissions (and the campaign) whose next reminder is now planned anew


def after_move(
    session: Session, rt: Runtime, campaign: Campaign, moved: Sequence[tuple[str, date]]
) -> Resync:
    """After milestone dates moved (`moved`: each milestone with its old date): cancel what was
    queued for an old date and not yet sent, and re-plan every deadline from the start of today,
    so that a step of a new date that fell due earlier today (the 08:00 reminder of a move made
    at 10:00) is still sent by the next tick instead of silently skipped."""
    now = rt.clock.now()
    plan = load_plans(session, rt, [campaign], [], with_people=False)[campaign.id or 0]
    agency_of = dict(
        session.exec(
            select(Submission.id, Submission.agency_id).where(Submission.campaign_id == campaign.id)
        ).all()
    )
    rows = session.execute(_QUEUED.where(Notification.campaign_id == campaign.id)).all()
    stale = []
    for row in rows:
        for key, old in moved:
            if f":{key}:" not in row.key or f":{old.isoformat()}:" not in row.key:
                continue
            agency_id = agency_of.get(row.submission_id) if row.submission_id is not None else None
            if agency_id is not None and plan.extensions.get(agency_id, {}).get(key) == old:
                continue  # the agency's own extended date: it did not move
            if row.id is not None:
                stale.append(row.id)
            break
    cancelled = _cancel(session, stale, "cancelled: the milestone was moved")
    start_of_today = plan.calendar.start_of_day(plan.calendar.local_date(now))
    rescheduled = refresh(session, rt, campaign, since=start_of_today)
    return Resync(cancelled, rescheduled)


def _rule_of(key: str) -> tuple[str, str | None] | None:
    """(milestone, pending party) from a reminder or escalation key (see services.reminders)."""
    parts = key.split(":")
    if len(parts) < 6 or parts[0] not in DEADLINE_KINDS:
        return None
    # kind, c{id}, [s{id} | r{id}], p{id}, milestone, rule, due, d|e{n}
    rest = parts[2:]
    while rest and rest[0][:1] in ("s", "r", "p") and rest[0][1:].isdigit():
        rest = rest[1:]
    if len(rest) < 2:
        return None
    milestone, rule_id = rest[0], rest[1]
    party = rule_id[2:]
    return milestone, (None if party == "campaign" else party)


def cancel_stale(
    session: Session, rt: Runtime, campaign: Campaign, submission: Submission | None = None
) -> int:
    """Cancel queued (not yet sent) reminders and escalations whose subject is no longer pending.

    With `submission`, only rows about it (and merged rows naming its agency) are checked: the cost
    of a transition stays small. Returns the number cancelled.
    """
    if submission is not None:
        about = {"campaign": campaign.id, "submission": submission.id}
        rows = read_connection(session).execute(_QUEUED_ABOUT, about).all()
    else:
        rows = session.execute(_QUEUED.where(Notification.campaign_id == campaign.id)).all()
    if not rows:
        return 0
    definition = rt.workflows.definition(campaign.workflow_name)
    own_agency = session.get(Agency, submission.agency_id) if submission is not None else None
    state: CampaignState | None = None
    by_id: dict[int, Submission] = {}
    stale: list[int] = []
    for row in rows:
        rule = _rule_of(row.key)
        if rule is None:
            continue
        milestone, party = rule
        scope = party_scope(party)
        still = True
        if row.submission_id is not None:
            sub = by_id.get(row.submission_id) or session.get(Submission, row.submission_id)
            if sub is None:
                continue
            by_id[row.submission_id] = sub
            still = submission_pending(definition, view_of(sub), party, milestone)
        elif scope == "submission":
            codes = {a.get("code") for a in (row.context or {}).get("agencies", [])}
            if own_agency is not None and own_agency.code not in codes:
                continue
            subs = session.exec(
                select(Submission)
                .join(Agency, AGENCY_OF_SUBMISSION)
                .where(Submission.campaign_id == campaign.id, col(Agency.code).in_(list(codes)))
            ).all()
            still = any(submission_pending(definition, view_of(s), party, milestone) for s in subs)
        else:
            if state is None:
                plan = load_plans(session, rt, [campaign], [])[campaign.id or 0]
                state = CampaignState(session, plan)
            owed = state.pending(party, milestone)
            if row.kind == "reminder":
                still = (row.person_id if scope == "person" else None) in owed
            else:
                responsible = _responsible_of(row.key)
                still = (responsible if scope == "person" else None) in owed
        if not still and row.id is not None:
            stale.append(row.id)
    return _cancel(session, stale, "cancelled: the recipient's part is done")


def _cancel(session: Session, ids: list[int], reason: str) -> int:
    """Cancel the rows that are still pending, in one conditional UPDATE: a scheduler may have
    claimed one since it was read (status `sending`), and then its send must stand, not be
    overwritten as cancelled."""
    if not ids:
        return 0
    session.flush()
    done = session.execute(
        update(Notification)
        .where(col(Notification.id).in_(ids), Notification.status == "pending")
        .values(status=CANCELLED, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    for row in session.identity_map.values():
        if isinstance(row, Notification) and row.id in ids:
            session.expire(row)
    return int(done.rowcount or 0)


def _responsible_of(key: str) -> int | None:
    for part in key.split(":")[2:4]:
        if part.startswith("r") and part[1:].isdigit():
            return int(part[1:]) or None
    return None


def cancel_for_date(session: Session, submission: Submission, milestone: str, due: date) -> int:
    """Cancel queued steps of `milestone` computed for the old date `due` (an extension moved it)."""
    rows = session.execute(_QUEUED.where(Notification.submission_id == submission.id)).all()
    ids = [
        row.id
        for row in rows
        if row.id is not None and f":{milestone}:" in row.key and f":{due.isoformat()}:" in row.key
    ]
    return _cancel(session, ids, "cancelled: the deadline was extended")


def after_transition(session: Session, rt: Runtime, campaign: Campaign, submission: Submission) -> None:
    """Call in the transaction of every state change: cancel what no longer applies, re-plan."""
    cancel_stale(session, rt, campaign, submission)
    # the caller's next flush writes next_due_at together with the state change
    refresh(session, rt, campaign, [submission], dates_changed=False, flush=False)


def after_work_change(session: Session, rt: Runtime, campaign: Campaign) -> None:
    """Call after appraisal scores or dispute resolutions change who is pending on the council
    side (person-scoped parties): queued reminders to people who are done are cancelled."""
    cancel_stale(session, rt, campaign)
