"""Facts about one submission for the workflow guards, read from the database on demand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from parflow.domain.calendar import WorkingCalendar
from parflow.services.common.calendars import campaign_calendar
from parflow.store.db import read_connection
from parflow.store.models import Campaign, Criterion, Dispute, Evidence, Score, Submission

# ids per IN (...) list: well under SQLite's limit on bound parameters
CHUNK = 1000

# The guards read a few columns of every leaf and score: plain rows, not ORM objects (a season's
# guards and simulations read tens of thousands of them, and building entities dominated).
LEAF_COLUMNS = (Criterion.set_id, Criterion.code, Criterion.scored_by)
SCORE_COLUMNS = (
    Score.submission_id,
    Score.criterion_code,
    Score.self_score,
    Score.explanation,
    Score.appraised_score,
    Score.survey_score,
)
LeafRow = Any  # a Row of LEAF_COLUMNS
ScoreRow = Any  # a Row of SCORE_COLUMNS


# the criteria of one submission that have evidence attached
_WITH_EVIDENCE = (
    select(Evidence.criterion_code).where(Evidence.submission_id == bindparam("submission")).distinct()
)


@dataclass(frozen=True)
class Gap:
    code: str
    reason: str  # "unscored" | "no_evidence"


class SubmissionFacts:
    def __init__(
        self,
        session: Session,
        submission: Submission,
        campaign: Campaign,
        now: datetime,
        comment: str | None = None,
        campaign_publication: bool = False,
    ) -> None:
        self._session = session
        self._submission = submission
        self._campaign = campaign
        self.now = now
        self.comment = comment
        self.campaign_publication = campaign_publication
        self._open_disputes: int | None = None
        self._calendar: WorkingCalendar | None = None

    @cached_property
    def _leaves(self) -> list[LeafRow]:
        if self._submission.criteria_set_id is None:
            return []
        return list(
            self._session.exec(
                select(*LEAF_COLUMNS)
                .where(Criterion.set_id == self._submission.criteria_set_id, col(Criterion.is_leaf))
                .order_by(col(Criterion.position))
            )
        )

    @cached_property
    def _scores(self) -> dict[str, ScoreRow]:
        rows = self._session.exec(select(*SCORE_COLUMNS).where(Score.submission_id == self._submission.id))
        return {s.criterion_code: s for s in rows}

    def _agency_leaves(self) -> list[LeafRow]:
        return [c for c in self._leaves if c.scored_by == "agency"]

    def self_assessment_gaps(self) -> list[Gap]:
        reasons: dict[str, str] = {}  # in the criteria's order
        for leaf in self._agency_leaves():
            score = self._scores.get(leaf.code)
            if score is None or score.self_score is None:
                reasons[leaf.code] = "unscored"
            elif not (score.explanation or "").strip():
                reasons[leaf.code] = "no_evidence"  # unless a file is attached: looked up below
        if "no_evidence" in reasons.values():  # a score explained in words needs no lookup
            found = {"submission": self._submission.id}
            for code in read_connection(self._session).execute(_WITH_EVIDENCE, found).scalars():
                if reasons.get(code) == "no_evidence":
                    del reasons[code]
        return [Gap(code, reason) for code, reason in reasons.items()]

    def unappraised_leaves(self) -> list[str]:
        return [
            leaf.code
            for leaf in self._agency_leaves()
            if (s := self._scores.get(leaf.code)) is None or s.appraised_score is None
        ]

    def open_dispute_count(self) -> int:
        if self._open_disputes is not None:
            return self._open_disputes
        return self._session.exec(
            select(func.count())
            .select_from(Dispute)
            .where(Dispute.submission_id == self._submission.id, Dispute.status == "open")
        ).one()

    def results_sent_at(self) -> datetime | None:
        return self._submission.results_sent_at

    def dispute_window_closes_at(self) -> datetime | None:
        sent = self._submission.results_sent_at
        if sent is None:
            return None
        calendar = self._calendar or campaign_calendar(self._session, self._campaign)
        last_day = calendar.add_working_days(calendar.local_date(sent), self._campaign.dispute_window_days)
        return calendar.end_of_day(last_day)

    def missing_survey_leaves(self) -> list[str]:
        return [
            leaf.code
            for leaf in self._leaves
            if leaf.scored_by == "survey"
            and ((s := self._scores.get(leaf.code)) is None or s.survey_score is None)
        ]


def facts_for_many(
    session: Session, submissions: Sequence[Submission], campaign: Campaign, now: datetime
) -> dict[int, SubmissionFacts]:
    """Guard facts for many submissions of one campaign, read with a fixed number of queries
    (criteria, scores, open disputes, calendar) instead of a few per submission."""
    ids = [s.id or 0 for s in submissions]
    set_ids = {s.criteria_set_id for s in submissions if s.criteria_set_id is not None}
    leaves: dict[int, list[LeafRow]] = {set_id: [] for set_id in set_ids}
    if set_ids:
        for leaf in session.exec(
            select(*LEAF_COLUMNS)
            .where(col(Criterion.set_id).in_(set_ids), col(Criterion.is_leaf))
            .order_by(col(Criterion.position))
        ):
            leaves[leaf.set_id].append(leaf)
    scores: dict[int, dict[str, ScoreRow]] = {sid: {} for sid in ids}
    disputes: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for score in session.exec(select(*SCORE_COLUMNS).where(col(Score.submission_id).in_(chunk))):
            scores[score.submission_id][score.criterion_code] = score
        for sid, count in session.exec(
            select(Dispute.submission_id, func.count())
            .where(col(Dispute.submission_id).in_(chunk), Dispute.status == "open")
            .group_by(col(Dispute.submission_id))
        ).all():
            disputes[sid] = count
    calendar = campaign_calendar(session, campaign)
    found = {}
    for submission in submissions:
        facts = SubmissionFacts(session, submission, campaign, now)
        # fill the cached properties with what was read for everyone
        facts.__dict__["_leaves"] = leaves.get(submission.criteria_set_id or 0, [])
        facts.__dict__["_scores"] = scores[submission.id or 0]
        facts._open_disputes = disputes.get(submission.id or 0, 0)
        facts._calendar = calendar
        found[submission.id or 0] = facts
    return found
