"""Self-assessment: the agency scores its own agency-scored leaves, with an explanation.

One call saves one leaf or a whole batch (a form or a spreadsheet saved at once); a batch is all or
nothing and a refusal lists every bad leaf. Only the agency's editor or head may write, and only
while the submission is in the workflow's `self_assessment` phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from parflow.domain.errors import Invalid, Unmet
from parflow.services.common import audit
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle.progress import refresh_progress
from parflow.services.lifecycle.submissions import Located, check_version, locate
from parflow.services.scoring.common import RawScore, agency_role, require_phase, score_or_unmet
from parflow.services.scoring.score_sheet import criteria_of, leaf_problem, require_known, scores_of
from parflow.store.models import AuditEntry, Person, Score


@dataclass(frozen=True)
class SelfScoreIn:
    criterion: str
    score: RawScore | None  # None clears the self-score
    explanation: str | None = None


@dataclass
class Saved:
    found: Located
    scores: list[Score]
    changed: list[str]
    entry: AuditEntry | None


def save_self_scores(
    session: Session,
    rt: Runtime,
    principal: Principal,
    submission_id: int,
    entries: list[SelfScoreIn],
    *,
    expected_version: int | None = None,
    single: bool = False,
) -> Saved:
    now = rt.clock.now()
    found = locate(session, rt, submission_id, principal, lock=True)
    submission = found.submission
    role = agency_role(principal, found)
    require_phase(found, "self_assessment", "scoring.not_self_assessment")
    check_version(submission, expected_version)
    criteria = criteria_of(session, submission)
    if single and entries:
        require_known(criteria, entries[0].criterion)
    if not entries:
        raise Invalid("scoring.nothing_to_save")
    leaves = {c.code: c for c in criteria if c.is_leaf}

    problems: list[Unmet] = []
    accepted: list[tuple[str, Decimal | None, str | None]] = []
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
        value: Decimal | Unmet | None = None
        if item.score is not None:
            value = score_or_unmet(item.score, item.criterion, leaves[item.criterion].max_score)
        if isinstance(value, Unmet):
            problems.append(value)
            continue
        explanation = (item.explanation or "").strip() or None
        accepted.append((item.criterion, value, explanation))
    if problems:
        raise Invalid("scoring.rejected", unmet=problems)

    assert submission.id is not None
    existing = scores_of(session, [submission.id])[submission.id]
    changes = []
    saved = []
    for code, value, explanation in accepted:
        row = existing.get(code) or Score(submission_id=submission.id, criterion_code=code)
        saved.append(row)
        if row.id is not None and row.self_score == value and row.explanation == explanation:
            continue
        changes.append({"criterion": code, "from": row.self_score, "to": value, "explanation": explanation})
        row.self_score = value
        row.explanation = explanation
        row.self_by = principal.person_id
        row.self_at = now
        session.add(row)
    entry = None
    if changes:
        refresh_progress(session, submission)
        submission.version += 1
        session.add(submission)
        entry = audit.append(
            session,
            found.campaign,
            action="score",
            at=now,
            actor=session.get(Person, principal.person_id),
            actor_role=role,
            submission=submission,
            agency=found.agency,
            data={"version": submission.version, "changes": changes},
        )
    session.flush()
    return Saved(found, saved, [c["criterion"] for c in changes], entry)
