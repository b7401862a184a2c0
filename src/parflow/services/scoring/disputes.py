"""Disputes (giải trình): an agency contests appraised scores; the responsible member resolves them.

Filing happens only while the dispute window is open (the campaign's working days after results
were sent) and moves the submission to the workflow's disputed state by firing `dispute` in the same
transaction, so either both the disputes and the move are stored or neither. Each disputed leaf
becomes one dispute owned by the council member assigned to its field. Resolving the last open
dispute fires `resolve` (back to appraisal), again in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import or_
from sqlmodel import Session, col, select

from parflow.domain.errors import Conflict, Forbidden, GuardFailed, Invalid, NotFound, Unmet
from parflow.domain.guards import GUARDS
from parflow.domain.roles import Role
from parflow.services.common import audit, outbox
from parflow.services.common.access import CAMPAIGN_WIDE_READERS, Principal
from parflow.services.common.joins import AGENCY_OF_SUBMISSION
from parflow.services.common.lookups import get_campaign
from parflow.services.common.notices import agency_ref, campaign_ref, submission_path
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import sync as deadline_sync
from parflow.services.lifecycle.guard_facts import SubmissionFacts
from parflow.services.lifecycle.submissions import Located, check_version, fire_event, locate
from parflow.services.scoring.common import RawScore, agency_role, score_or_unmet
from parflow.services.scoring.score_sheet import criteria_of, leaf_problem, scores_of
from parflow.store.models import (
    Agency,
    Criterion,
    Dispute,
    Evidence,
    Person,
    RoleAssignment,
    Score,
    Submission,
)

MAX_ARGUMENT = 4000


@dataclass(frozen=True)
class DisputeIn:
    criterion: str
    argument: str
    evidence_id: int | None = None


def locate_dispute(
    session: Session, rt: Runtime, dispute_id: int, principal: Principal | None, *, lock: bool = False
) -> tuple[Located, Dispute]:
    """The dispute and its submission if the caller may see that submission; otherwise 404.

    An invisible dispute answers the very sentence of an unknown id: naming its submission instead
    would tell a prober that the id exists and which submission it belongs to.
    """
    row = session.get(Dispute, dispute_id)
    if row is None:
        raise NotFound("dispute.not_found", id=dispute_id)
    try:
        found = locate(session, rt, row.submission_id, principal, lock=lock)
    except NotFound:
        raise NotFound("dispute.not_found", id=dispute_id) from None
    return found, row


def field_owners(session: Session, campaign_id: int) -> dict[str, Person]:
    """The council member responsible for each field (the first assigned, by id, when several)."""
    owners: dict[str, Person] = {}
    rows = session.exec(
        select(Person, RoleAssignment)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
        .where(RoleAssignment.campaign_id == campaign_id, RoleAssignment.role == Role.council, Person.active)
        .order_by(col(Person.id))
    ).all()
    for person, assignment in rows:
        for code in assignment.fields:
            owners.setdefault(code, person)
    return owners


def _criterion_ref(leaf: Criterion) -> dict[str, Any]:
    return {"code": leaf.code, "title_vi": leaf.title_vi, "title_en": leaf.title_en or leaf.title_vi}


def _window_guards(session: Session, rt: Runtime, found: Located, now: datetime) -> None:
    facts = SubmissionFacts(session, found.submission, found.campaign, now)
    unmet = GUARDS["results_sent"](facts) or GUARDS["dispute_window_open"](facts)
    if unmet:
        raise GuardFailed(
            "event.guard_failed", unmet=unmet, trigger=found.definition.trigger_label("dispute")
        )


def file_disputes(
    session: Session,
    rt: Runtime,
    principal: Principal,
    submission_id: int,
    items: list[DisputeIn],
    *,
    expected_version: int | None = None,
) -> tuple[Located, list[Dispute]]:
    now = rt.clock.now()
    found = locate(session, rt, submission_id, principal, lock=True)
    role = agency_role(principal, found)
    check_version(found.submission, expected_version)
    submission, campaign, definition = found.submission, found.campaign, found.definition
    assert submission.id is not None and campaign.id is not None
    if not items:
        raise Invalid("dispute.nothing_filed")
    disputing = definition.transition(submission.state, "dispute") is not None
    already_disputed = submission.state in {t.dest for t in definition.transitions if t.trigger == "dispute"}
    if not disputing and not already_disputed:
        # let the engine say why (wrong state, in the caller's words)
        fire_event(session, rt, principal, submission_id, "dispute")
    # the window first: after it closed, that is the only thing worth telling the agency
    _window_guards(session, rt, found, now)

    leaves = {c.code: c for c in criteria_of(session, submission) if c.is_leaf}
    scores = scores_of(session, [submission.id])[submission.id]
    # one dispute per leaf per round of results: a leaf already disputed since the results were
    # (last) sent is either still open or decided
    this_round = {
        d.criterion_code: d.status
        for d in session.exec(
            select(Dispute).where(
                Dispute.submission_id == submission.id,
                col(Dispute.filed_at) >= submission.results_sent_at,
            )
        )
    }
    problems: list[Unmet] = []
    seen: set[str] = set()
    for item in items:
        code = item.criterion
        if code in seen:
            problems.append(Unmet("scoring.duplicate", {"criterion": code}, field=code))
            continue
        seen.add(code)
        problem = leaf_problem(leaves, code, "agency")
        if problem:
            problems.append(problem)
            continue
        if not item.argument.strip():
            problems.append(Unmet("dispute.argument_required", {"criterion": code}, field=code))
        elif len(item.argument) > MAX_ARGUMENT:
            problems.append(
                Unmet("dispute.argument_too_long", {"criterion": code, "max": MAX_ARGUMENT}, field=code)
            )
        score = scores.get(code)
        if score is None or score.appraised_score is None:
            problems.append(Unmet("dispute.not_appraised", {"criterion": code}, field=code))
        if this_round.get(code) == "open":
            problems.append(Unmet("dispute.already_open", {"criterion": code}, field=code))
        elif code in this_round:
            problems.append(Unmet("dispute.already_decided", {"criterion": code}, field=code))
        if item.evidence_id is not None:
            ev = session.get(Evidence, item.evidence_id)
            if ev is None or ev.submission_id != submission.id or ev.criterion_code != code:
                problems.append(
                    Unmet("dispute.bad_evidence", {"criterion": code, "id": item.evidence_id}, field=code)
                )
    if problems:
        raise Invalid("dispute.rejected", unmet=problems)

    owners = field_owners(session, campaign.id)
    filer = session.get(Person, principal.person_id)
    rows = []
    for item in items:
        owner = owners.get(leaves[item.criterion].field_code)
        row = Dispute(
            submission_id=submission.id,
            criterion_code=item.criterion,
            argument=item.argument.strip(),
            evidence_id=item.evidence_id,
            filed_by=principal.person_id,
            filed_at=now,
            owner_id=owner.id if owner else None,
            status="open",
        )
        session.add(row)
        rows.append(row)
    session.flush()
    codes = ", ".join(r.criterion_code for r in rows)
    if disputing:
        fire_event(session, rt, principal, submission_id, "dispute", comment=codes)
    else:
        submission.version += 1
        session.add(submission)
    audit.append(
        session,
        campaign,
        action="dispute",
        at=now,
        actor=filer,
        actor_role=role,
        submission=submission,
        agency=found.agency,
        data={
            "version": submission.version,
            "disputes": [
                {
                    "id": r.id,
                    "criterion": r.criterion_code,
                    "appraised": scores[r.criterion_code].appraised_score,
                    "argument": r.argument,
                    "evidence_id": r.evidence_id,
                    "owner": owners[leaves[r.criterion_code].field_code].email
                    if leaves[r.criterion_code].field_code in owners
                    else None,
                }
                for r in rows
            ],
        },
    )
    for row in rows:
        _notify_filed(session, found, row, leaves[row.criterion_code], filer, now)
    session.flush()
    return found, rows


def _notify_filed(
    session: Session, found: Located, row: Dispute, leaf: Criterion, filer: Person | None, now: datetime
) -> None:
    context = {
        "campaign": campaign_ref(found.campaign),
        "agency": agency_ref(found.agency),
        "submission_id": found.submission.id,
        "action_path": submission_path(found.submission),
        "criterion": _criterion_ref(leaf),
        "argument": row.argument,
        "filed_by": filer.name if filer else None,
        "dispute_id": row.id,
    }
    owner = session.get(Person, row.owner_id) if row.owner_id else None
    # a field nobody appraises is Home Affairs' to settle
    people = (
        [owner]
        if owner is not None
        else [p for p, _ in outbox.recipients(session, found.campaign.id or 0, [Role.home_affairs])]
    )
    for person in people:
        outbox.enqueue(
            session,
            key=f"dispute:{row.id}:filed:{person.id}",
            kind="dispute_filed",
            person=person,
            now=now,
            context=context,
            submission=found.submission,
        )


def resolve_dispute(
    session: Session,
    rt: Runtime,
    principal: Principal,
    dispute_id: int,
    outcome: Literal["accepted", "rejected"],
    reason: str,
    score: RawScore | None = None,
    *,
    expected_version: int | None = None,
) -> tuple[Located, Dispute, bool]:
    """Settle one dispute; the third value says whether it was the last one (and `resolve` fired)."""
    now = rt.clock.now()
    found, row = locate_dispute(session, rt, dispute_id, principal, lock=True)
    # re-read under the submission's lock: a concurrent resolution may have just committed
    row = session.exec(
        select(Dispute).where(Dispute.id == dispute_id).execution_options(populate_existing=True)
    ).one()
    roles = principal.roles_for_submission(found.campaign.id or 0, found.agency.id or 0)
    if row.owner_id == principal.person_id and Role.council in roles:
        role = Role.council
    elif Role.home_affairs in roles:
        role = Role.home_affairs
    else:
        raise Forbidden("dispute.not_owner")
    if row.status != "open":
        raise Conflict("dispute.already_resolved", id=dispute_id)
    check_version(found.submission, expected_version)
    submission = found.submission
    leaf = session.exec(
        select(Criterion).where(
            Criterion.set_id == submission.criteria_set_id, Criterion.code == row.criterion_code
        )
    ).one()
    text = reason.strip()
    if not text:
        raise Invalid("dispute.reason_required")
    if outcome not in ("accepted", "rejected"):
        raise Invalid("dispute.bad_outcome")
    score_row = session.exec(
        select(Score).where(Score.submission_id == submission.id, Score.criterion_code == row.criterion_code)
    ).one()
    before = score_row.appraised_score
    new_score: Decimal | None = None
    if outcome == "accepted":
        if score is None:
            raise Invalid("dispute.score_required", criterion=leaf.code, max=leaf.max_score)
        value = score_or_unmet(score, leaf.code, leaf.max_score)
        if isinstance(value, Unmet):
            raise Invalid("dispute.rejected", unmet=[value])
        new_score = value
        score_row.appraised_score = value
        score_row.appraisal_comment = text
        score_row.appraised_by = principal.person_id
        score_row.appraised_at = now
        session.add(score_row)
    elif score is not None:
        raise Invalid("dispute.score_with_rejection")
    row.status = outcome
    row.resolution_score = new_score
    row.resolution_reason = text
    row.resolved_by = principal.person_id
    row.resolved_at = now
    session.add(row)
    submission.version += 1
    session.add(submission)
    actor = session.get(Person, principal.person_id)
    audit.append(
        session,
        found.campaign,
        action="resolution",
        at=now,
        actor=actor,
        actor_role=role,
        submission=submission,
        agency=found.agency,
        data={
            "version": submission.version,
            "dispute_id": row.id,
            "criterion": row.criterion_code,
            "outcome": outcome,
            "from": before,
            "to": new_score if new_score is not None else before,
            "reason": text,
        },
    )
    context = {
        "campaign": campaign_ref(found.campaign),
        "agency": agency_ref(found.agency),
        "submission_id": submission.id,
        "action_path": submission_path(submission),
        "criterion": _criterion_ref(leaf),
        "outcome": outcome,
        "new_score": str(new_score if new_score is not None else before),
        "reason": text,
        "resolved_by": actor.name if actor else None,
    }
    for person, role in outbox.recipients(
        session, found.campaign.id or 0, [Role.agency_editor, Role.agency_head], found.agency.id
    ):
        outbox.enqueue(
            session,
            key=f"dispute:{row.id}:resolved:{person.id}",
            kind="dispute_resolved",
            person=person,
            now=now,
            context=context,
            submission=submission,
            role=role,
        )
    session.flush()
    still_open = session.exec(
        select(Dispute.id).where(Dispute.submission_id == submission.id, Dispute.status == "open")
    ).first()
    last = still_open is None
    if last and found.definition.transition(submission.state, "resolve") is not None:
        fire_event(session, rt, principal, submission.id or 0, "resolve", comment=None)
    # the owner of a resolved dispute may have nothing left to do: stop reminding them
    deadline_sync.after_work_change(session, rt, found.campaign)
    return found, row, last


def list_disputes(
    session: Session, rt: Runtime, principal: Principal, code: str, status: str | None = None
) -> list[tuple[Dispute, Submission, Agency]]:
    """Disputes the caller deals with: Home Affairs and readers all, a council member those they
    own, an agency its own."""
    campaign = get_campaign(session, code)
    roles = principal.roles_in(campaign.id or 0)
    if not roles:
        raise NotFound("campaign.not_found", code=code)
    query = (
        select(Dispute, Submission, Agency)
        .join(Submission, col(Submission.id) == col(Dispute.submission_id))
        .join(Agency, AGENCY_OF_SUBMISSION)
        .where(Submission.campaign_id == campaign.id)
    )
    if not roles & CAMPAIGN_WIDE_READERS:
        conditions = []
        agency_ids = principal.agency_ids(campaign.id or 0)
        if agency_ids:
            conditions.append(col(Submission.agency_id).in_(agency_ids))
        if Role.council in roles:
            conditions.append(col(Dispute.owner_id) == principal.person_id)
        if not conditions:
            return []
        query = query.where(or_(*conditions))
    if status:
        query = query.where(Dispute.status == status)
    return [(d, s, a) for d, s, a in session.exec(query.order_by(col(Dispute.id))).all()]
