"""Facts about one submission for the workflow guards, read from the database on demand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlmodel import Session, col, func, select

from parflow.services.calendars import campaign_calendar
from parflow.store.models import Campaign, Criterion, Dispute, Evidence, Score, Submission


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

    @cached_property
    def _leaves(self) -> list[Criterion]:
        if self._submission.criteria_set_id is None:
            return []
        return list(
            self._session.exec(
                select(Criterion)
                .where(Criterion.set_id == self._submission.criteria_set_id, Criterion.is_leaf)
                .order_by(col(Criterion.position))
            )
        )

    @cached_property
    def _scores(self) -> dict[str, Score]:
        rows = self._session.exec(select(Score).where(Score.submission_id == self._submission.id))
        return {s.criterion_code: s for s in rows}

    def _agency_leaves(self) -> list[Criterion]:
        return [c for c in self._leaves if c.scored_by == "agency"]

    def self_assessment_gaps(self) -> list[Gap]:
        with_evidence = set(
            self._session.exec(
                select(Evidence.criterion_code)
                .where(Evidence.submission_id == self._submission.id)
                .distinct()
            )
        )
        gaps = []
        for leaf in self._agency_leaves():
            score = self._scores.get(leaf.code)
            if score is None or score.self_score is None:
                gaps.append(Gap(leaf.code, "unscored"))
            elif leaf.code not in with_evidence and not (score.explanation or "").strip():
                gaps.append(Gap(leaf.code, "no_evidence"))
        return gaps

    def unappraised_leaves(self) -> list[str]:
        return [
            leaf.code
            for leaf in self._agency_leaves()
            if (s := self._scores.get(leaf.code)) is None or s.appraised_score is None
        ]

    def open_dispute_count(self) -> int:
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
        calendar = campaign_calendar(self._session, self._campaign)
        last_day = calendar.add_working_days(calendar.local_date(sent), self._campaign.dispute_window_days)
        return calendar.end_of_day(last_day)

    def missing_survey_leaves(self) -> list[str]:
        return [
            leaf.code
            for leaf in self._leaves
            if leaf.scored_by == "survey"
            and ((s := self._scores.get(leaf.code)) is None or s.survey_score is None)
        ]
