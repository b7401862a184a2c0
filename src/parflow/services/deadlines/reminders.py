"""Reminders and escalations: who is still pending, and the messages a tick owes them.

Three kinds of subject carry deadline work (see `domain.reminders.party_scope`):
- a *submission* (agency_in_draft, results_unsent, approval_pending): its `next_due_at` says when
  to look at it again; recipients are resolved for its agency;
- a *person* (council_unappraised, dispute_owner) and the *campaign* itself (rules without a
  pending party): looked at through `Campaign.next_due_at`.

Message keys (unique in the outbox, so no tick can send a second copy):
  reminder:c{campaign}:s{submission}:p{person}:{milestone}:{rule}:{due}:d{days}   (to agency people)
  reminder:c{campaign}:p{person}:{milestone}:{rule}:{due}:d{days}   (one per person for many agencies)
  escalation:c{campaign}:s{submission}:p{person}:{milestone}:{rule}:{due}:e{after}
  escalation:c{campaign}:r{responsible}:p{person}:{milestone}:{rule}:{due}:e{after}
Reminders to people outside the agency (Home Affairs, the council) are merged: one message per
person and step, listing the agencies concerned, rather than one per agency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_
from sqlmodel import Session, col, func, select

from parflow.domain.reminders import (
    EscalationRung,
    Rule,
    Selected,
    Step,
    SubmissionView,
    next_after,
    party_scope,
    select_due,
    submission_pending,
)
from parflow.domain.roles import AGENCY_ROLES
from parflow.domain.workflow import Label, WorkflowDefinition
from parflow.i18n import t
from parflow.services.common import outbox
from parflow.services.common.access import council_visible_states
from parflow.services.common.notices import agency_ref, campaign_ref, submission_path
from parflow.services.deadlines.due import answered_milestones
from parflow.services.deadlines.plan import CampaignPlan
from parflow.store.models import Agency, Criterion, Dispute, Evidence, Person, Score, Submission


def view_of(submission: Submission) -> SubmissionView:
    return SubmissionView(
        submission.state, frozenset(answered_milestones(submission)), submission.excluded_reason is not None
    )


def _bilingual(key: str, **params: object) -> dict[str, str]:
    return {"vi": t(key, "vi", **params), "en": t(key, "en", **params)}


def _agency_label(agency: Agency) -> Label:
    return Label(vi=agency.name, en=agency.name_en or agency.name)


@dataclass
class Outgoing:
    key: str
    kind: str
    person: Person
    context: dict[str, object]
    campaign_id: int
    submission: Submission | None
    due_at: datetime
    late: bool
    agencies: list[Agency] = field(default_factory=list)
    party: str | None = None
    role: str | None = None
    # the agency's own self-assessment reminders and escalations list what is still missing
    lists_missing: bool = False


class MessageBatch:
    """Messages gathered during one batch; merged reminders collect their agencies first."""

    def __init__(self) -> None:
        self.messages: dict[str, Outgoing] = {}

    def add(self, message: Outgoing, agency: Agency | None = None) -> None:
        current = self.messages.setdefault(message.key, message)
        if agency is not None and all(a.id != agency.id for a in current.agencies):
            current.agencies.append(agency)
        current.late = current.late and message.late

    def write(self, session: Session, now: datetime) -> dict[str, int]:
        """Queue every message; counts by kind of those actually written (not already there), plus
        `late` and `held` (waiting for a Home Affairs or city leadership digest)."""
        listing = {
            m.submission.id or 0: m.submission
            for m in self.messages.values()
            if m.lists_missing and m.submission is not None
        }
        missing = missing_items_for(session, list(listing.values()))
        rows = []
        for message in self.messages.values():
            if message.lists_missing and message.submission is not None:
                message.context["missing"] = missing[message.submission.id or 0]
            if message.agencies and "agency" not in message.context:
                count = len(message.agencies)
                message.context["agencies"] = [agency_ref(a) for a in message.agencies]
                if message.kind == "reminder" and message.party is not None:
                    if count == 1:
                        message.context["reason"] = _bilingual(
                            f"deadline.reason.{message.party}", agency=_agency_label(message.agencies[0])
                        )
                    else:
                        message.context["reason"] = _bilingual(
                            f"deadline.reason.many.{message.party}", count=count
                        )
            rows.append(
                outbox.message(
                    key=message.key,
                    kind=message.kind,
                    person=message.person,
                    now=now,
                    context=message.context,
                    campaign_id=message.campaign_id,
                    submission=message.submission,
                    due_at=message.due_at,
                    late=message.late,
                    role=message.role,
                )
            )
        new = outbox.enqueue_new(session, rows)
        written: dict[str, int] = defaultdict(int)
        for message in self.messages.values():
            if message.key in new:
                written[message.kind] += 1
                if message.late:
                    written["late"] += 1
                if outbox.held_for_digest(message.kind, message.role):
                    written["held"] += 1
        return dict(written)


MISSING_LISTED = 10


def missing_items(session: Session, submission: Submission) -> dict[str, object]:
    """What the self-assessment still lacks, as the submit guard sees it: leaves without a
    self-score, and scored leaves with neither evidence nor an explanation (the first few codes
    of each, the counts, and the page where they are filled in)."""
    return missing_items_for(session, [submission])[submission.id or 0]


def missing_items_for(session: Session, submissions: list[Submission]) -> dict[int, dict[str, object]]:
    """`missing_items` of many submissions with three queries in all (a tick lists them for every
    due draft of its batch), by submission id."""
    ids = [s.id for s in submissions if s.criteria_set_id is not None]
    set_ids = {s.criteria_set_id for s in submissions if s.criteria_set_id is not None}
    with_evidence: set[tuple[int, str]] = set()
    scores: dict[tuple[int, str], tuple[object, str | None]] = {}
    leaves: dict[int, list[str]] = defaultdict(list)
    if ids:
        with_evidence = {
            (sid, code)
            for sid, code in session.exec(
                select(Evidence.submission_id, Evidence.criterion_code)
                .where(col(Evidence.submission_id).in_(ids))
                .distinct()
            )
        }
        scores = {
            (sid, code): (value, explanation)
            for sid, code, value, explanation in session.exec(
                select(Score.submission_id, Score.criterion_code, Score.self_score, Score.explanation).where(
                    col(Score.submission_id).in_(ids)
                )
            )
        }
        for set_id, code in session.exec(
            select(Criterion.set_id, Criterion.code)
            .where(
                col(Criterion.set_id).in_(set_ids),
                col(Criterion.is_leaf),
                Criterion.scored_by == "agency",
            )
            .order_by(col(Criterion.set_id), col(Criterion.position))
        ).all():
            leaves[set_id].append(code)
    out: dict[int, dict[str, object]] = {}
    for submission in submissions:
        sid = submission.id or 0
        unscored: list[str] = []
        no_evidence: list[str] = []
        if submission.criteria_set_id is not None:
            for code in leaves.get(submission.criteria_set_id, []):
                value, explanation = scores.get((sid, code), (None, None))
                if value is None:
                    unscored.append(code)
                elif (sid, code) not in with_evidence and not (explanation or "").strip():
                    no_evidence.append(code)
        out[sid] = {
            "unscored": unscored[:MISSING_LISTED],
            "unscored_count": len(unscored),
            "no_evidence": no_evidence[:MISSING_LISTED],
            "no_evidence_count": len(no_evidence),
            "action_path": f"/submissions/{submission.id}/self-assessment",
        }
    return out


def _tail(rule: Rule, step: Step) -> str:
    """The (milestone, rule, occurrence) part of a message key."""
    return f"{step.milestone}:{rule.rule_id}:{step.occurrence}"


def _milestone(plan: CampaignPlan, key: str) -> dict[str, str]:
    return {"key": key, **plan.definition.milestones[key].label.model_dump()}


def _base_context(plan: CampaignPlan, step: Step, now: datetime, late: bool) -> dict[str, object]:
    today = plan.calendar.local_date(now)
    context: dict[str, object] = {
        "campaign": campaign_ref(plan.campaign),
        "milestone": _milestone(plan, step.milestone),
        "due_date": step.due.isoformat(),
        "late": late,
        "action_path": f"/campaigns/{plan.campaign.code}",
    }
    if step.kind == "reminder":
        context["working_days_left"] = plan.calendar.working_days_between(today, step.due)
    else:
        context["step"] = step.rung
        context["working_days_overdue"] = plan.calendar.working_days_between(step.due, today)
    return context


def responsible_for(
    plan: CampaignPlan, milestone: str, party: str | None, agency_id: int | None
) -> Person | None:
    """Who owes the work: the first person the milestone's reminders for that party go to, else
    a holder of the roles that may answer the milestone."""
    roles: list[str] = []
    for rule, _rungs in plan.rules:
        if rule.milestone == milestone and rule.kind == "reminder" and rule.party == party:
            roles += rule.to
    roles += [r for t_ in plan.definition.answering(milestone) for r in t_.roles]
    holders = plan.people.holders(dict.fromkeys(roles), agency_id)
    return holders[0][0] if holders else None


def _escalation_reason(
    plan: CampaignPlan, step: Step, who: str, now: datetime, agency: Agency | None = None
) -> dict[str, str]:
    today = plan.calendar.local_date(now)
    days = plan.calendar.working_days_between(step.due, today)
    label = plan.definition.milestones[step.milestone].label
    if agency is None:
        return _bilingual(
            "deadline.reason.escalation_person", responsible=who, milestone=label, due=step.due, days=days
        )
    return _bilingual(
        "deadline.reason.escalation",
        agency=_agency_label(agency),
        responsible=who,
        milestone=label,
        due=step.due,
        days=days,
    )


# --- submissions -----------------------------------------------------------------------------------


# workflow → submission view → the submission-scoped rules pending for it: a batch holds hundreds
# of submissions of many campaigns in a handful of states, and the answer depends on the workflow
# and the state alone (the definition is kept beside its id so that the id cannot be reused)
RuleSeries = list[tuple[Rule, tuple[EscalationRung, ...]]]
_PENDING_RULES: dict[int, tuple[WorkflowDefinition, dict[SubmissionView, RuleSeries]]] = {}
# (rule, due date, calendar) → its steps, shared by the campaigns of one calendar
_SERIES: dict[tuple[object, ...], list[Step]] = {}
_REMEMBERED = 4096


def _pending_rules(plan: CampaignPlan, view: SubmissionView) -> RuleSeries:
    definition = plan.definition
    entry = _PENDING_RULES.get(id(definition))
    if entry is None or entry[0] is not definition:
        if len(_PENDING_RULES) > _REMEMBERED:
            _PENDING_RULES.clear()
        entry = _PENDING_RULES[id(definition)] = (definition, {})
    found = entry[1].get(view)
    if found is None:
        found = entry[1][view] = [
            (rule, rungs)
            for rule, rungs in plan.rules
            if party_scope(rule.party) == "submission"
            and submission_pending(definition, view, rule.party, rule.milestone)
        ]
    return found


def _series(plan: CampaignPlan, rule: Rule, rungs: tuple[EscalationRung, ...], due: date) -> list[Step]:
    """`plan.series`, remembered across the campaigns of a batch that share a calendar."""
    calendar = plan.calendar
    key = (
        rule,
        rungs,
        due,
        calendar.timezone,
        calendar.country,
        calendar.extra_days_off,
        calendar.extra_working_days,
    )
    steps = _SERIES.get(key)
    if steps is None:
        if len(_SERIES) > _REMEMBERED:
            _SERIES.clear()
        steps = _SERIES[key] = plan.series(rule, rungs, due)
    return steps


def submission_series(plan: CampaignPlan, submission: Submission) -> Iterable[tuple[Rule, list[Step]]]:
    """The step lists of every submission-scoped rule this submission is pending for."""
    for rule, rungs in _pending_rules(plan, view_of(submission)):
        due = plan.due(submission.agency_id, rule.milestone)
        if due is None:
            continue
        yield rule, _series(plan, rule, rungs, due)


def next_due(
    plan: CampaignPlan, submission: Submission, now: datetime, since: datetime | None = None
) -> datetime | None:
    """When this submission must next be looked at: the first step at or after `now`, or an
    earlier step still waiting for a tick (one that has not yet run since it fell due). `since`
    looks back further: after a date moved, a step of the new date that fell due earlier today
    was never looked at and must still go out."""
    floor = submission.next_due_at if submission.next_due_at and submission.next_due_at <= now else now
    if since is not None:
        floor = min(floor, since)
    found = [next_after(steps, floor, inclusive=True) for _rule, steps in submission_series(plan, submission)]
    return min((f for f in found if f is not None), default=None)


def evaluate_submission(
    plan: CampaignPlan,
    submission: Submission,
    agency: Agency,
    now: datetime,
    batch: MessageBatch,
    *,
    from_start: bool = False,
) -> datetime | None:
    """Queue what is due for the submission since its `next_due_at` (`from_start`: every step up
    to `now`, for a tick at an instant earlier than the one it was planned at); return the next
    instant. A past season queues nothing and plans nothing (a milestone move re-plans it)."""
    if plan.season_over(now):
        return None
    since = None if from_start else submission.next_due_at
    upcoming: list[datetime] = []
    for rule, steps in submission_series(plan, submission):
        for chosen in select_due(steps, plan.calendar, since, now):
            _submission_messages(plan, rule, chosen, submission, agency, now, batch)
        nxt = next_after(steps, now)
        if nxt is not None:
            upcoming.append(nxt)
    return min(upcoming, default=None)


def _submission_messages(
    plan: CampaignPlan,
    rule: Rule,
    chosen: Selected,
    submission: Submission,
    agency: Agency,
    now: datetime,
    batch: MessageBatch,
) -> None:
    step, cid = chosen.step, plan.campaign.id or 0
    base = _base_context(plan, step, now, chosen.late)
    due_at = step.at
    if step.kind == "reminder":
        reason = _bilingual(f"deadline.reason.{rule.party}", agency=_agency_label(agency))
        for person, role in plan.people.holders(step.to, agency.id):
            if role in AGENCY_ROLES:
                context = {
                    **base,
                    "agency": agency_ref(agency),
                    "submission_id": submission.id,
                    "action_path": submission_path(submission),
                    "reason": reason,
                }
                key = f"reminder:c{cid}:s{submission.id}:p{person.id}:{_tail(rule, step)}"
                batch.add(
                    Outgoing(
                        key,
                        "reminder",
                        person,
                        context,
                        cid,
                        submission,
                        due_at,
                        chosen.late,
                        role=role,
                        lists_missing=rule.party == "agency_in_draft",
                    )
                )
            else:
                key = f"reminder:c{cid}:p{person.id}:{step.milestone}:{rule.rule_id}:{step.occurrence}"
                message = Outgoing(
                    key,
                    "reminder",
                    person,
                    dict(base),
                    cid,
                    None,
                    due_at,
                    chosen.late,
                    party=rule.party,
                    role=role,
                )
                batch.add(message, agency)
        return
    responsible = responsible_for(plan, step.milestone, rule.party, agency.id)
    who = {"name": responsible.name, "email": responsible.email} if responsible else {"name": agency.name}
    context = {
        **base,
        "agency": agency_ref(agency),
        "submission_id": submission.id,
        "action_path": submission_path(submission),
        "responsible": who,
        "reason": _escalation_reason(plan, step, str(who.get("name")), now, agency),
    }
    for person, role in plan.people.holders(step.to, agency.id):
        key = f"escalation:c{cid}:s{submission.id}:p{person.id}:{_tail(rule, step)}"
        batch.add(
            Outgoing(
                key,
                "escalation",
                person,
                dict(context),
                cid,
                submission,
                due_at,
                chosen.late,
                role=role,
                lists_missing=rule.party == "agency_in_draft" and role in AGENCY_ROLES,
            )
        )


# --- people and the campaign -----------------------------------------------------------------------


@dataclass
class PendingWork:
    agencies: list[Agency] = field(default_factory=list)
    items: int = 0


class CampaignState:
    """The campaign's submissions and who is pending on them, read once when first needed."""

    def __init__(self, session: Session, plan: CampaignPlan) -> None:
        self.session = session
        self.plan = plan
        rows = session.exec(
            select(Submission, Agency)
            .join(Agency, col(Agency.id) == col(Submission.agency_id))
            .where(Submission.campaign_id == plan.campaign.id)
        ).all()
        self.submissions = [(s, a) for s, a in rows]
        self._pending: dict[tuple[str | None, str], dict[int | None, dict[date, PendingWork]]] = {}

    def _open(self, milestone: str, appraisal_only: bool) -> list[tuple[Submission, Agency]]:
        definition = self.plan.definition
        visible = council_visible_states(definition)
        return [
            (s, a)
            for s, a in self.submissions
            if submission_pending(definition, view_of(s), None, milestone)
            and (not appraisal_only or s.state in visible)
        ]

    def pending(self, party: str | None, milestone: str) -> dict[int | None, dict[date, PendingWork]]:
        """person id (None: the campaign as a whole) → due date → the work still owed."""
        key = (party, milestone)
        if key not in self._pending:
            self._pending[key] = self._compute(party, milestone)
        return self._pending[key]

    def _compute(self, party: str | None, milestone: str) -> dict[int | None, dict[date, PendingWork]]:
        out: dict[int | None, dict[date, PendingWork]] = defaultdict(dict)

        def owe(person_id: int | None, submission: Submission, agency: Agency, items: int) -> None:
            due = self.plan.due(submission.agency_id, milestone)
            if due is None:
                return
            work = out[person_id].setdefault(due, PendingWork())
            if all(a.id != agency.id for a in work.agencies):
                work.agencies.append(agency)
            work.items += items

        if party == "council_unappraised":
            candidates = {s.id: (s, a) for s, a in self._open(milestone, appraisal_only=True)}
            for sid, field_code, count in _unappraised_by_field(self.session, list(candidates)):
                submission, agency = candidates[sid]
                for person_id, fields in self.plan.people.council_fields.items():
                    if field_code in fields:
                        owe(person_id, submission, agency, count)
        elif party == "dispute_owner":
            candidates = {s.id: (s, a) for s, a in self._open(milestone, appraisal_only=False)}
            if candidates:
                rows = self.session.exec(
                    select(Dispute.submission_id, Dispute.owner_id, func.count())
                    .where(col(Dispute.submission_id).in_(list(candidates)), Dispute.status == "open")
                    .group_by(col(Dispute.submission_id), col(Dispute.owner_id))
                ).all()
                for sid, owner_id, count in rows:
                    if owner_id is not None:
                        submission, agency = candidates[sid]
                        owe(owner_id, submission, agency, count)
        else:
            for submission, agency in self._open(milestone, appraisal_only=False):
                owe(None, submission, agency, 1)
        return dict(out)


def _unappraised_by_field(session: Session, submission_ids: list[int | None]) -> list[tuple[int, str, int]]:
    """(submission, field, number of agency-scored leaves without an appraised score)."""
    if not submission_ids:
        return []
    rows = session.exec(
        select(Submission.id, Criterion.field_code, func.count())
        .join(Criterion, col(Criterion.set_id) == col(Submission.criteria_set_id))
        .outerjoin(
            Score,
            and_(
                col(Score.submission_id) == col(Submission.id),
                col(Score.criterion_code) == col(Criterion.code),
            ),
        )
        .where(
            col(Submission.id).in_(submission_ids),
            col(Criterion.is_leaf),
            Criterion.scored_by == "agency",
            col(Score.appraised_score).is_(None),
        )
        .group_by(col(Submission.id), col(Criterion.field_code))
    ).all()
    return [(sid, field_code, count) for sid, field_code, count in rows if sid is not None]


def _role_in(plan: CampaignPlan, person: Person, roles: Iterable[str]) -> str | None:
    """The first of `roles` that selects `person` (campaign-wide roles)."""
    return next((role for p, role in plan.people.holders(roles, None) if p.id == person.id), None)


def campaign_series(plan: CampaignPlan) -> Iterable[tuple[Rule, list[Step]]]:
    for rule, rungs in plan.rules:
        if party_scope(rule.party) == "submission":
            continue
        for due in sorted(plan.due_dates(rule.milestone)):
            yield rule, _series(plan, rule, rungs, due)


def campaign_next_due(
    plan: CampaignPlan, current: datetime | None, now: datetime, since: datetime | None = None
) -> datetime | None:
    floor = current if current and current <= now else now
    if since is not None:
        floor = min(floor, since)
    found = [next_after(steps, floor, inclusive=True) for _rule, steps in campaign_series(plan)]
    return min((f for f in found if f is not None), default=None)


def evaluate_campaign(
    session: Session, plan: CampaignPlan, now: datetime, batch: MessageBatch, *, from_start: bool = False
) -> datetime | None:
    """Queue what is due for people and the campaign since `Campaign.next_due_at` (`from_start`:
    every step up to `now`, as in `evaluate_submission`); nothing for a past season."""
    if plan.season_over(now):
        return None
    since = None if from_start else plan.campaign.next_due_at
    state: CampaignState | None = None
    upcoming: list[datetime] = []
    for rule, steps in campaign_series(plan):
        chosen = select_due(steps, plan.calendar, since, now)
        if chosen:
            state = state or CampaignState(session, plan)
            for selected in chosen:
                _campaign_messages(plan, state, rule, selected, now, batch)
        nxt = next_after(steps, now)
        if nxt is not None:
            upcoming.append(nxt)
    return min(upcoming, default=None)


def _campaign_messages(
    plan: CampaignPlan, state: CampaignState, rule: Rule, chosen: Selected, now: datetime, batch: MessageBatch
) -> None:
    step, cid = chosen.step, plan.campaign.id or 0
    pending = state.pending(rule.party, step.milestone)
    base = _base_context(plan, step, now, chosen.late)
    label = plan.definition.milestones[step.milestone].label
    for person_id, by_due in pending.items():
        work = by_due.get(step.due)
        if work is None:
            continue
        agencies = [agency_ref(a) for a in work.agencies]
        if step.kind == "reminder":
            if person_id is None:
                recipients = plan.people.all_agency_holders(step.to)
                reason = _bilingual("deadline.reason.campaign", milestone=label)
            else:
                person = plan.people.by_id.get(person_id)
                holds = person is not None and any(
                    person_id == p.id for p, _r in plan.people.holders(step.to, None)
                )
                recipients = (
                    [(person, _role_in(plan, person, step.to))] if person is not None and holds else []
                )
                count = len(work.agencies) if rule.party == "council_unappraised" else work.items
                reason = _bilingual(f"deadline.reason.{rule.party}", leaves=work.items, count=count)
            for person, role in recipients:
                context = {**base, "agencies": agencies, "reason": reason}
                key = f"reminder:c{cid}:p{person.id}:{step.milestone}:{rule.rule_id}:{step.occurrence}"
                batch.add(
                    Outgoing(key, "reminder", person, context, cid, None, step.at, chosen.late, role=role)
                )
            continue
        if person_id is None:
            responsible = responsible_for(plan, step.milestone, rule.party, None)
        else:
            responsible = plan.people.by_id.get(person_id)
        who = (
            {"name": responsible.name, "email": responsible.email}
            if responsible
            else {"name": plan.campaign.title}
        )
        context = {
            **base,
            "agencies": agencies,
            "responsible": who,
            "reason": _escalation_reason(plan, step, str(who["name"]), now),
        }
        for person, role in plan.people.all_agency_holders(step.to):
            key = (
                f"escalation:c{cid}:r{person_id or 0}:p{person.id}:{step.milestone}:"
                f"{rule.rule_id}:{step.occurrence}"
            )
            batch.add(
                Outgoing(key, "escalation", person, context, cid, None, step.at, chosen.late, role=role)
            )
