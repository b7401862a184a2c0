"""Deadlines as each submission sees them: the campaign's milestones with its own extensions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from parflow.domain.calendar import WorkingCalendar
from parflow.domain.deadlines import Deadline, deadline_for, next_milestone
from parflow.domain.season import Standing, season_over, standing
from parflow.domain.workflow import WorkflowDefinition
from parflow.services.deadlines.plan import campaign_dates
from parflow.store.models import Campaign, Submission

# When a transition answers one of these milestones, the submission records the instant.
MILESTONE_STAMPS = {"self_assessment_due": "submitted_at", "appraisal_due": "results_sent_at"}


def answered_milestones(submission: Submission) -> set[str]:
    return {key for key, attr in MILESTONE_STAMPS.items() if getattr(submission, attr) is not None}


@dataclass(frozen=True)
class SubmissionDeadlines:
    dates: dict[str, date]
    extended: set[str]
    next: Deadline | None  # None once the standing is not running: nothing left to count
    standing: Standing = Standing.running


class CampaignDeadlines:
    """Loads a campaign's calendar, milestones and extensions once, for any number of submissions."""

    def __init__(self, session: Session, campaign: Campaign, agency_ids: list[int] | None = None) -> None:
        self.campaign = campaign
        # what this transaction already read, if anything (an event re-planned with it)
        dates = campaign_dates(session, [campaign])[campaign.id or 0]
        self.calendar: WorkingCalendar = dates.calendar
        self.base = dates.base
        self._extensions: dict[int, dict[str, date]] = dates.extensions
        self._over: dict[date, bool] = {}

    def season_over(self, now: datetime) -> bool:
        today = self.calendar.local_date(now)
        # asked for every submission of a digest or a board: answered once per day
        if today not in self._over:
            self._over[today] = season_over(self.campaign.published_at, self.base.values(), today)
        return self._over[today]

    def standing_of(self, submission: Submission, definition: WorkflowDefinition, now: datetime) -> Standing:
        return standing(
            self.campaign.published_at, submission.state in definition.final, self.season_over(now)
        )

    def dates_for(self, agency_id: int) -> dict[str, date]:
        return {**self.base, **self._extensions.get(agency_id, {})}

    def for_submission(
        self, submission: Submission, definition: WorkflowDefinition, now: datetime
    ) -> SubmissionDeadlines:
        dates = self.dates_for(submission.agency_id)
        extended = set(self._extensions.get(submission.agency_id, {}))
        where = self.standing_of(submission, definition, now)
        if where is not Standing.running:
            return SubmissionDeadlines(dates, extended, None, where)
        key = next_milestone(definition, submission.state, answered_milestones(submission))
        return SubmissionDeadlines(dates, extended, deadline_for(key, dates, self.calendar, now))


def for_submission(
    session: Session,
    campaign: Campaign,
    submission: Submission,
    definition: WorkflowDefinition,
    now: datetime,
) -> SubmissionDeadlines:
    return CampaignDeadlines(session, campaign, [submission.agency_id]).for_submission(
        submission, definition, now
    )
