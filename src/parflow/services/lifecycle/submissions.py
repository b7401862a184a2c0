"""Submissions: find them, see them, and fire workflow events on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, inspect, or_, tuple_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from parflow.domain.errors import NotFound, StaleVersion
from parflow.domain.roles import Role
from parflow.domain.workflow import WorkflowDefinition
from parflow.observability import metrics
from parflow.services.common import audit, outbox
from parflow.services.common.access import CAMPAIGN_WIDE_READERS, Principal, council_visible_states
from parflow.services.common.joins import AGENCY_OF_SUBMISSION
from parflow.services.common.notices import transition_context
from parflow.services.common.paging import Page, page_of
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import sync as deadline_sync
from parflow.services.deadlines.due import MILESTONE_STAMPS
from parflow.services.deadlines.lateness import record_sending
from parflow.services.lifecycle import sign_off
from parflow.services.lifecycle.guard_facts import SubmissionFacts
from parflow.store.models import Agency, AuditEntry, Campaign, Submission


@dataclass
class Located:
    submission: Submission
    campaign: Campaign
    agency: Agency
    definition: WorkflowDefinition


def locate(
    session: Session, rt: Runtime, submission_id: int, principal: Principal | None, *, lock: bool = False
) -> Located:
    """The submission if it exists and the caller may see it; otherwise 404 (never 403)."""
    found = session.exec(_LOCKED if lock else _PLAIN, params={"id": submission_id}).first()
    if found is None:
        raise NotFound("submission.not_found", id=submission_id)
    submission, campaign, agency = found
    definition = rt.workflows.definition(campaign.workflow_name)
    if principal is None or not principal.can_see(
        definition, campaign.id or 0, agency.id or 0, submission.state
    ):
        raise NotFound("submission.not_found", id=submission_id)
    return Located(submission, campaign, agency, definition)


# one statement for the three rows every use case on a submission starts from, built once
_PLAIN = (
    select(Submission, Campaign, Agency)
    .join(Campaign, col(Campaign.id) == col(Submission.campaign_id))
    .join(Agency, col(Agency.id) == col(Submission.agency_id))
    .where(Submission.id == bindparam("id"))
)
# PostgreSQL: hold the submission's row until commit, so concurrent writers queue and then see our
# result. SQLite: the write transaction already holds the database lock.
_LOCKED = _PLAIN.with_for_update(of=Submission).execution_options(populate_existing=True)


# What an event may change on the submission, written by one statement built once: the ORM's
# unit of work cost more than everything else the UPDATE does.
_MOVED = (
    "state",
    "version",
    "state_changed_at",
    "submitted_at",
    "results_sent_at",
    "self_assessment_sent_at",
    "self_assessment_due_date",
    "self_assessment_late_days",
    "appraisal_sent_at",
    "appraisal_due_date",
    "appraisal_late_days",
    "next_due_at",
    "head_confirmation_requested_at",
    "head_confirmation_requested_by",
)
_SUBMISSIONS = Submission.__table__  # type: ignore[attr-defined]
_MOVES: dict[tuple[str, ...], Any] = {}


def _move(changed: tuple[str, ...]) -> Any:
    """The UPDATE of the `changed` columns, built once for each combination (an event changes
    a handful of the columns, and a few combinations recur)."""
    statement = _MOVES.get(changed)
    if statement is None:
        statement = (
            update(_SUBMISSIONS)
            .where(_SUBMISSIONS.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}") for name in changed})
        )
        _MOVES[changed] = statement
    return statement


def _write_move(session: Session, submission: Submission) -> None:
    """Write the event's changes to the submission; the row in the session then counts as saved,
    so no later flush writes them again (any other change still goes out with the next flush)."""
    state = inspect(submission)
    changed = tuple(name for name in _MOVED if name in state.committed_state)
    values = {f"new_{name}": getattr(submission, name) for name in changed}
    session.connection().execute(_move(changed), {"row_id": submission.id, **values})
    if state.committed_state.keys() <= set(changed):
        # Nothing else is pending on the row: mark it clean, as a flush would have, so the flushes
        # before the audit row and at commit find nothing to do instead of walking the unit of
        # work for it.
        state._commit_all(state.dict, session.identity_map)
    else:  # a change not among _MOVED stays pending and goes out with the next flush
        for name in changed:
            set_committed_value(submission, name, getattr(submission, name))


def check_version(submission: Submission, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != submission.version:
        raise StaleVersion("event.stale", current=submission.version, expected=expected_version)


def fire_event(
    session: Session,
    rt: Runtime,
    principal: Principal,
    submission_id: int,
    trigger: str,
    *,
    comment: str | None = None,
    expected_version: int | None = None,
    campaign_publication: bool = False,
) -> tuple[Located, AuditEntry]:
    """Check role, state and guards; move; log; queue the messages. One transaction, all or nothing."""
    now = rt.clock.now()
    found = locate(session, rt, submission_id, principal, lock=True)
    submission, campaign = found.submission, found.campaign
    check_version(submission, expected_version)
    engine = rt.workflows.get(campaign.workflow_name)
    definition = engine.definition
    roles = principal.roles_for_submission(campaign.id or 0, found.agency.id or 0)
    # a campaign may make sending the self-assessment the head's act (the focal point asks instead)
    sign_off.refuse_without_head(
        campaign, definition, definition.transition(submission.state, trigger), roles
    )
    facts = SubmissionFacts(session, submission, campaign, now, comment, campaign_publication)
    fired = engine.fire(submission.state, trigger, roles, facts)

    submission.state = fired.dest
    submission.version += 1
    submission.state_changed_at = now
    stamp = MILESTONE_STAMPS.get(fired.transition.milestone or "")
    if stamp:
        setattr(submission, stamp, now)
    if definition.in_phase(fired.dest, "self_assessment") and not definition.in_phase(
        fired.source, "self_assessment"
    ):
        submission.submitted_at = None  # sent back to the agency: the self-assessment is due again
        submission.head_confirmation_requested_at = None
        submission.head_confirmation_requested_by = None
    # What follows only reads dates and queued reminders, none of which this event changed: the
    # submission's new state, record and next deadline then go out in one UPDATE with the audit row.
    with session.no_autoflush:
        lateness = record_sending(session, campaign, submission, fired.transition.milestone, now)
        # reminders queued for a part now done are cancelled; the next deadline step is re-planned
        deadline_sync.after_transition(session, rt, campaign, submission)
    _write_move(session, submission)
    actor = principal.actor
    entry = audit.append(
        session,
        campaign,
        action="transition",
        at=now,
        actor=actor,
        actor_role=fired.role,
        submission=submission,
        agency=found.agency,
        trigger=trigger,
        from_state=fired.source,
        to_state=fired.dest,
        comment=comment,
        data={
            "version": submission.version,
            "milestone": fired.transition.milestone,
            **({"working_days_late": lateness.late_days} if lateness else {}),
        },
    )
    context = transition_context(
        campaign=campaign,
        agency=found.agency,
        submission=submission,
        definition=found.definition,
        trigger=trigger,
        source=fired.source,
        dest=fired.dest,
        actor_name=actor.name if actor else None,
        comment=comment,
        at=now,
    )
    notify = fired.transition.notify
    # the report is the head's document: the head hears that it went out (unless they sent it)
    tell_heads = (
        sign_off.sends_self_assessment(definition, fired.transition) and fired.role != Role.agency_head
    )
    audiences = outbox.recipients_for(
        session,
        campaign.id or 0,
        [spec.to for spec in notify] + ([[Role.agency_head]] if tell_heads else []),
        found.agency.id,
    )
    messages = [
        outbox.message(
            key=f"event:{campaign.id}:{entry.seq}:{spec.kind}:{person.id}",
            kind=spec.kind,
            person=person,
            now=now,
            context=context,
            submission=submission,
            role=role,
        )
        for spec, people in zip(notify, audiences, strict=False)
        for person, role in people
        if person.id != principal.person_id  # nobody needs an e-mail about what they just did
    ]
    if tell_heads:
        messages += sign_off.head_messages(
            audiences[-1],
            campaign=campaign,
            agency=found.agency,
            submission=submission,
            actor=actor,
            mode="sent",
            at=now,
            occurrence=entry.seq,
            comment=comment,
        )
    outbox.enqueue_all(session, messages)
    session.flush()
    metrics.count_event_on_commit(session, trigger)
    return found, entry


def history(
    session: Session, rt: Runtime, principal: Principal | None, submission_id: int
) -> list[AuditEntry]:
    found = locate(session, rt, submission_id, principal)
    return list(
        session.exec(
            select(AuditEntry)
            .where(AuditEntry.submission_id == found.submission.id)
            .order_by(col(AuditEntry.seq))
        )
    )


def history_page(
    session: Session,
    rt: Runtime,
    principal: Principal | None,
    submission_id: int,
    *,
    after_seq: int | None = None,
    limit: int = 500,
) -> Page[AuditEntry]:
    """One page of the audit trail, oldest first, continuing after `after_seq`."""
    found = locate(session, rt, submission_id, principal)
    query = select(AuditEntry).where(AuditEntry.submission_id == found.submission.id)
    if after_seq is not None:
        query = query.where(col(AuditEntry.seq) > after_seq)
    rows = list(session.exec(query.order_by(col(AuditEntry.seq)).limit(limit + 1)))
    return page_of(rows, limit, lambda e: (e.seq,))


def visible_submissions(
    session: Session,
    rt: Runtime,
    principal: Principal,
    campaign: Campaign,
    *,
    state: str | None = None,
    group: str | None = None,
    after: tuple[str, str] | None = None,
    limit: int | None = None,
) -> list[tuple[Submission, Agency]]:
    """Submissions of a campaign the caller may see, filtered in SQL (never loaded then dropped)."""
    definition = rt.workflows.definition(campaign.workflow_name)
    roles = principal.roles_in(campaign.id or 0)
    query = (
        select(Submission, Agency)
        .join(Agency, AGENCY_OF_SUBMISSION)
        .where(Submission.campaign_id == campaign.id)
    )
    if not roles & CAMPAIGN_WIDE_READERS:
        agency_ids = principal.agency_ids(campaign.id or 0)
        council_states = council_visible_states(definition) if "council" in roles else frozenset()
        if not agency_ids and not council_states:
            return []
        conditions = []
        if agency_ids:
            conditions.append(col(Submission.agency_id).in_(agency_ids))
        if council_states:
            conditions.append(col(Submission.state).in_(council_states))
        query = query.where(or_(*conditions))
    if state:
        query = query.where(Submission.state == state)
    if group:
        query = query.where(Agency.group == group)
    if after is not None:
        # keyset: rows after the last one of the previous page, in (group, code) order
        query = query.where(tuple_(col(Agency.group), col(Agency.code)) > tuple_(*after))
    query = query.order_by(col(Agency.group), col(Agency.code))
    if limit is not None:
        query = query.limit(limit)
    return [(s, a) for s, a in session.exec(query).all()]


def visible_submissions_page(
    session: Session,
    rt: Runtime,
    principal: Principal,
    campaign: Campaign,
    *,
    state: str | None = None,
    group: str | None = None,
    after: tuple[str, str] | None = None,
    limit: int = 500,
) -> Page[tuple[Submission, Agency]]:
    """One page of `visible_submissions`, continuing after the (group, agency code) `after`."""
    rows = visible_submissions(
        session, rt, principal, campaign, state=state, group=group, after=after, limit=limit + 1
    )
    return page_of(rows, limit, lambda row: (row[1].group, row[1].code))
