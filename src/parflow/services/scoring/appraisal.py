"""Appraisal: council members accept or adjust the self-scores of the fields assigned to them.

A member may appraise only leaves of their own fields, only while the submission is in the
workflow's `appraisal` phase, and must say why whenever the appraised score differs from the
agency's self-score. Home Affairs follows progress per field and per member.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, col, select

from parflow.domain.errors import Forbidden, Invalid, NotFound, Unmet
from parflow.domain.roles import Role
from parflow.services.common import audit
from parflow.services.common.access import CAMPAIGN_WIDE_READERS, Principal, council_visible_states
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import sync as deadline_sync
from parflow.services.lifecycle.submissions import Located, check_version, locate
from parflow.services.scoring.common import RawScore, require_phase, score_or_unmet
from parflow.services.scoring.score_sheet import (
    criteria_of,
    leaf_problem,
    require_known,
    score_values_of,
    scores_of,
)
from parflow.store.models import Agency, AuditEntry, Criterion, Person, RoleAssignment, Score, Submission


@dataclass(frozen=True)
class AppraisalIn:
    criterion: str
    score: RawScore
    comment: str | None = None


@dataclass
class Appraised:
    found: Located
    scores: list[Score]
    changed: list[str]
    entry: AuditEntry | None


def save_appraisals(
    session: Session,
    rt: Runtime,
    principal: Principal,
    submission_id: int,
    entries: list[AppraisalIn],
    *,
    expected_version: int | None = None,
    single: bool = False,
) -> Appraised:
    now = rt.clock.now()
    found = locate(session, rt, submission_id, principal, lock=True)
    submission = found.submission
    campaign_id = found.campaign.id or 0
    if Role.council not in principal.roles_in(campaign_id):
        raise Forbidden("appraisal.council_only")
    require_phase(found, "appraisal", "appraisal.not_in_appraisal")
    check_version(submission, expected_version)
    criteria = criteria_of(session, submission)
    if single and entries:
        require_known(criteria, entries[0].criterion)
    if not entries:
        raise Invalid("scoring.nothing_to_save")
    leaves = {c.code: c for c in criteria if c.is_leaf}
    own_fields = principal.council_fields(campaign_id)
    assert submission.id is not None
    existing = scores_of(session, [submission.id])[submission.id]

    problems: list[Unmet] = []
    accepted: list[tuple[str, Decimal, str | None]] = []
    seen: set[str] = set()
    for item in entries:
        if item.criterion in seen:
            problems.append(Unmet("scoring.duplicate", {"criterion": item.criterion}, field=item.criterion))
            continue
        seen.add(item.criterion)
        problem = leaf_problem(leaves, item.criterion, "agency")
        if problem:
            problems.append(problem)
            continue
        leaf = leaves[item.criterion]
        if leaf.field_code not in own_fields:
            raise Forbidden(
                "appraisal.not_your_field",
                criterion=item.criterion,
                field=leaf.field_code,
                fields=", ".join(sorted(own_fields)) or "—",
            )
        value = score_or_unmet(item.score, item.criterion, leaf.max_score)
        if isinstance(value, Unmet):
            problems.append(value)
            continue
        comment = (item.comment or "").strip() or None
        current = existing.get(item.criterion)
        self_score = current.self_score if current else None
        if value != self_score and comment is None:
            problems.append(
                Unmet(
                    "appraisal.comment_required",
                    {
                        "criterion": item.criterion,
                        "self_score": self_score if self_score is not None else "—",
                    },
                    field=item.criterion,
                )
            )
            continue
        accepted.append((item.criterion, value, comment))
    if problems:
        raise Invalid("appraisal.rejected", unmet=problems)

    changes = []
    saved = []
    for code, value, comment in accepted:
        row = existing.get(code) or Score(submission_id=submission.id, criterion_code=code)
        saved.append(row)
        if row.id is not None and row.appraised_score == value and row.appraisal_comment == comment:
            continue
        changes.append(
            {
                "criterion": code,
                "self": row.self_score,
                "from": row.appraised_score,
                "to": value,
                "comment": comment,
            }
        )
        row.appraised_score = value
        row.appraisal_comment = comment
        row.appraised_by = principal.person_id
        row.appraised_at = now
        session.add(row)
    entry = None
    if changes:
        submission.version += 1
        session.add(submission)
        entry = audit.append(
            session,
            found.campaign,
            action="appraisal",
            at=now,
            actor=session.get(Person, principal.person_id),
            actor_role=Role.council,
            submission=submission,
            agency=found.agency,
            data={"version": submission.version, "changes": changes},
        )
        # council members who just finished their part get no more reminders for it
        deadline_sync.after_work_change(session, rt, found.campaign)
    session.flush()
    return Appraised(found, saved, [c["criterion"] for c in changes], entry)


# --- progress ------------------------------------------------------------------------------------


@dataclass
class MemberProgress:
    name: str
    email: str
    fields: list[str]
    leaves_total: int = 0
    leaves_appraised: int = 0
    pending_agencies: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.leaves_total > 0 and self.leaves_appraised == self.leaves_total


@dataclass
class FieldProgress:
    code: str
    title_vi: str
    title_en: str | None
    members: list[str]  # e-mails of the council members assigned to the field
    submissions: int = 0
    finished_submissions: int = 0
    leaves_total: int = 0
    leaves_appraised: int = 0
    pending_agencies: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.submissions > 0 and self.finished_submissions == self.submissions


@dataclass
class AppraisalProgress:
    campaign: str
    submissions: int
    fields: list[FieldProgress]
    members: list[MemberProgress]


def appraisal_progress(session: Session, rt: Runtime, principal: Principal, code: str) -> AppraisalProgress:
    """Per field and per council member: how many leaves of the submissions under appraisal (or
    past it) are appraised, and which agencies still wait. Excluded submissions do not count."""
    campaign = get_campaign(session, code)
    roles = principal.roles_in(campaign.id or 0)
    if not roles:
        raise NotFound("campaign.not_found", code=code)
    if not roles & CAMPAIGN_WIDE_READERS:
        raise Forbidden("appraisal.progress_forbidden")
    definition = rt.workflows.definition(campaign.workflow_name)
    states = council_visible_states(definition)
    rows = session.exec(
        select(Submission, Agency)
        .join(Agency, col(Agency.id) == col(Submission.agency_id))
        .where(
            Submission.campaign_id == campaign.id,
            col(Submission.state).in_(states),
            col(Submission.excluded_reason).is_(None),
        )
        .order_by(col(Agency.code))
    ).all()
    members = [
        (person, assignment)
        for person, assignment in session.exec(
            select(Person, RoleAssignment)
            .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
            .where(RoleAssignment.campaign_id == campaign.id, RoleAssignment.role == Role.council)
            .order_by(col(Person.name))
        ).all()
    ]
    by_field: dict[str, FieldProgress] = {}
    member_progress = {
        person.email: MemberProgress(person.name, person.email, sorted(assignment.fields))
        for person, assignment in members
    }
    criteria_cache: dict[int, list[Criterion]] = {}
    all_scores = score_values_of(session, [s.id for s, _ in rows if s.id is not None])
    for submission, agency in rows:
        set_id = submission.criteria_set_id or 0
        if set_id not in criteria_cache:
            criteria_cache[set_id] = criteria_of(session, submission)
        criteria = criteria_cache[set_id]
        for node in criteria:
            if node.level == 1 and node.code not in by_field:
                by_field[node.code] = FieldProgress(
                    node.code,
                    node.title_vi,
                    node.title_en,
                    [p.email for p, a in members if node.code in a.fields],
                )
        scores = all_scores.get(submission.id or 0, {})
        per_field: dict[str, tuple[int, int]] = {}
        for leaf in criteria:
            if not leaf.is_leaf or leaf.scored_by != "agency":
                continue
            total, done = per_field.get(leaf.field_code, (0, 0))
            s = scores.get(leaf.code)
            per_field[leaf.field_code] = (total + 1, done + (1 if s and s.appraised_score is not None else 0))
        for field_code, (total, done) in per_field.items():
            fp = by_field[field_code]
            fp.submissions += 1
            fp.leaves_total += total
            fp.leaves_appraised += done
            if done == total:
                fp.finished_submissions += 1
            else:
                fp.pending_agencies.append(agency.code)
            for email in fp.members:
                mp = member_progress[email]
                mp.leaves_total += total
                mp.leaves_appraised += done
                if done < total and agency.code not in mp.pending_agencies:
                    mp.pending_agencies.append(agency.code)
    return AppraisalProgress(
        campaign.code,
        len(rows),
        sorted(by_field.values(), key=lambda f: _code_key(f.code)),
        list(member_progress.values()),
    )


def _code_key(code: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.split("."))
