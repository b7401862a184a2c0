"""A submission's score sheet: its criteria set, the scores entered so far, evidence and disputes.

Shared by the scoring use cases (which need the leaves to check input against) and by the views.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from parflow.domain.errors import Invalid, NotFound, Unmet
from parflow.domain.scoring import Index, Leaf, index_of, round_points
from parflow.store.models import Criterion, Dispute, Evidence, Score, Submission


def criteria_of(session: Session, submission: Submission) -> list[Criterion]:
    if submission.criteria_set_id is None:
        return []
    return list(
        session.exec(
            select(Criterion)
            .where(Criterion.set_id == submission.criteria_set_id)
            .order_by(col(Criterion.position))
        )
    )


def scores_of(session: Session, submission_ids: Iterable[int]) -> dict[int, dict[str, Score]]:
    ids = list(submission_ids)
    result: dict[int, dict[str, Score]] = {i: {} for i in ids}
    if not ids:
        return result
    for row in session.exec(select(Score).where(col(Score.submission_id).in_(ids))):
        result[row.submission_id][row.criterion_code] = row
    return result


def score_values_of(session: Session, submission_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Like `scores_of`, for reading many submissions at once: only the score columns, as plain
    rows (no ORM objects, no explanations or comments), which is what totals and progress need."""
    ids = list(submission_ids)
    result: dict[int, dict[str, Any]] = {i: {} for i in ids}
    if not ids:
        return result
    query = select(
        Score.submission_id, Score.criterion_code, Score.self_score, Score.appraised_score, Score.survey_score
    ).where(col(Score.submission_id).in_(ids))
    for row in session.exec(query):  # type: ignore[call-overload]
        result[row.submission_id][row.criterion_code] = row
    return result


def as_leaves(criteria: Iterable[Criterion]) -> list[Leaf]:
    return [Leaf(c.code, c.field_code, c.max_score, c.scored_by) for c in criteria if c.is_leaf]


def counted_scores(criteria: Iterable[Criterion], scores: dict[str, Score]) -> dict[str, Decimal | None]:
    """The score that counts for the index: appraised for agency leaves, survey for survey leaves."""
    counted: dict[str, Decimal | None] = {}
    for c in criteria:
        if not c.is_leaf:
            continue
        s = scores.get(c.code)
        counted[c.code] = (
            None if s is None else (s.survey_score if c.scored_by == "survey" else s.appraised_score)
        )
    return counted


def self_scores(criteria: Iterable[Criterion], scores: dict[str, Score]) -> dict[str, Decimal | None]:
    """The agency's own view: self-scores for agency leaves, survey scores for survey leaves."""
    counted: dict[str, Decimal | None] = {}
    for c in criteria:
        if not c.is_leaf:
            continue
        s = scores.get(c.code)
        counted[c.code] = None if s is None else (s.survey_score if c.scored_by == "survey" else s.self_score)
    return counted


@dataclass(frozen=True)
class Figures:
    """The four separate figures of a submission, each None while it does not exist yet (a page
    says "chưa có", never 0,00): the agency's own total over the leaves it scores, the survey
    points, the council's total over the same leaves, and the index (appraised + survey), which
    exists only once every leaf has its counting score."""

    self_assessed: Decimal | None
    survey: Decimal | None
    appraised: Decimal | None
    appraised_leaves: int
    agency_leaves: int
    index: Decimal | None
    by_field_self: dict[str, Decimal | None]
    by_field_appraised: dict[str, Decimal | None]

    @property
    def appraisal_complete(self) -> bool:
        return self.agency_leaves > 0 and self.appraised_leaves == self.agency_leaves


def _add(total: Decimal | None, value: Decimal | None) -> Decimal | None:
    if value is None:
        return total
    return (total or Decimal(0)) + value


def figures_of(criteria: Iterable[Criterion], scores: dict[str, Any]) -> Figures:
    """`scores` maps a leaf code to anything with self_score, appraised_score and survey_score
    (a `Score` row or a plain row from `score_values_of`)."""
    self_total = survey = appraised = None
    appraised_leaves = agency_leaves = 0
    by_self: dict[str, Decimal | None] = {}
    by_appraised: dict[str, Decimal | None] = {}
    complete = True
    for c in criteria:
        if c.level == 1:
            by_self.setdefault(c.code, None)
            by_appraised.setdefault(c.code, None)
        if not c.is_leaf:
            continue
        s = scores.get(c.code)
        if c.scored_by == "survey":
            value = s.survey_score if s is not None else None
            survey = _add(survey, value)
            complete = complete and value is not None
            continue
        agency_leaves += 1
        mine = s.self_score if s is not None else None
        theirs = s.appraised_score if s is not None else None
        self_total = _add(self_total, mine)
        by_self[c.field_code] = _add(by_self.get(c.field_code), mine)
        appraised = _add(appraised, theirs)
        by_appraised[c.field_code] = _add(by_appraised.get(c.field_code), theirs)
        if theirs is not None:
            appraised_leaves += 1
        complete = complete and theirs is not None
    index = round_points((appraised or Decimal(0)) + (survey or Decimal(0))) if complete else None
    return Figures(
        self_assessed=None if self_total is None else round_points(self_total),
        survey=None if survey is None else round_points(survey),
        appraised=None if appraised is None else round_points(appraised),
        appraised_leaves=appraised_leaves,
        agency_leaves=agency_leaves,
        index=index if agency_leaves or survey is not None else None,
        by_field_self={k: None if v is None else round_points(v) for k, v in by_self.items()},
        by_field_appraised={k: None if v is None else round_points(v) for k, v in by_appraised.items()},
    )


@dataclass
class Sheet:
    submission: Submission
    criteria: list[Criterion]
    scores: dict[str, Score]
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    disputes: dict[str, list[Dispute]] = field(default_factory=dict)

    @property
    def leaves(self) -> dict[str, Criterion]:
        return {c.code: c for c in self.criteria if c.is_leaf}

    def index(self) -> Index:
        return index_of(as_leaves(self.criteria), counted_scores(self.criteria, self.scores))

    def self_index(self) -> Index:
        return index_of(as_leaves(self.criteria), self_scores(self.criteria, self.scores))

    def figures(self) -> Figures:
        return figures_of(self.criteria, self.scores)


def load_sheet(session: Session, submission: Submission, *, with_attachments: bool = True) -> Sheet:
    assert submission.id is not None
    sheet = Sheet(
        submission, criteria_of(session, submission), scores_of(session, [submission.id])[submission.id]
    )
    if with_attachments:
        for ev in session.exec(
            select(Evidence).where(Evidence.submission_id == submission.id).order_by(col(Evidence.id))
        ):
            sheet.evidence.setdefault(ev.criterion_code, []).append(ev)
        for d in session.exec(
            select(Dispute).where(Dispute.submission_id == submission.id).order_by(col(Dispute.id))
        ):
            sheet.disputes.setdefault(d.criterion_code, []).append(d)
    return sheet


def leaf_problem(leaves: dict[str, Criterion], code: str, scored_by: str) -> Unmet | None:
    """Why `code` cannot take this kind of score, or None when it can."""
    leaf = leaves.get(code)
    if leaf is None:
        return Unmet("scoring.unknown_criterion", {"criterion": code}, field=code)
    if leaf.scored_by != scored_by:
        key = "scoring.survey_leaf" if leaf.scored_by == "survey" else "scoring.agency_leaf"
        return Unmet(key, {"criterion": code}, field=code)
    return None


def require_known(criteria: list[Criterion], code: str) -> None:
    """404 for a criterion code the submission's set does not have; 422 for an inner node."""
    node = next((c for c in criteria if c.code == code), None)
    if node is None:
        raise NotFound("criterion.not_found", criterion=code)
    if not node.is_leaf:
        raise Invalid("scoring.not_leaf", criterion=code)
