"""Where every agency of a campaign stands: state, next deadline, overdue."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from datetime import date

from sqlalchemy import tuple_
from sqlmodel import Session, col, select

from parflow.domain.calendar import WorkingCalendar
from parflow.domain.reminders import SubmissionView, remaining_working_days
from parflow.domain.season import Standing
from parflow.domain.workflow import WorkflowDefinition
from parflow.services.common.joins import AGENCY_OF_SUBMISSION
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.due import CampaignDeadlines, answered_milestones
from parflow.store.models import Agency, Submission


@dataclass(frozen=True)
class StatusRow:
    agency: str
    name: str
    group: str
    state: str
    version: int
    next_milestone: str | None
    due_date: date | None
    working_days_left: int | None
    overdue: bool
    extended: bool
    # the remaining steps, at the plan's minimum durations, no longer fit before publication
    publication_at_risk: bool = False
    # the record of lateness (None until sent; 0 when sent on time), kept after later transitions
    self_assessment_late_days: int | None = None
    appraisal_late_days: int | None = None
    # running | done (published) | season_over (`domain.season`): only running rows have a deadline
    standing: str = Standing.running.value

    def as_dict(self) -> dict[str, object]:
        row = asdict(self)
        row["due_date"] = self.due_date.isoformat() if self.due_date else None
        return row


STATUS_FIELDS = [f.name for f in fields(StatusRow)]


def publication_at_risk(
    definition: WorkflowDefinition,
    submission: Submission,
    dates: dict[str, date],
    calendar: WorkingCalendar,
    today: date,
    dispute_window_days: int,
) -> bool:
    """Whether the submission's remaining steps, each at the workflow's `min_working_days`,
    can no longer be done before publication (the workflow's last milestone)."""
    if not definition.milestones or submission.state in definition.final or submission.excluded_reason:
        return False
    publication = dates.get(list(definition.milestones)[-1])
    if publication is None:
        return False
    view = SubmissionView(submission.state, frozenset(answered_milestones(submission)))
    needed = remaining_working_days(definition, view, dispute_window_days)
    return needed > calendar.working_days_between(today, publication)


def campaign_status(session: Session, rt: Runtime, code: str) -> list[StatusRow]:
    return list(iter_status(session, rt, code))


def iter_status(session: Session, rt: Runtime, code: str, batch: int = 1000) -> Iterator[StatusRow]:
    """Every agency's status, read `batch` submissions at a time (keyset on group and code), so a
    province with thousands of communes streams out without being held in memory at once."""
    campaign = get_campaign(session, code)
    definition = rt.workflows.definition(campaign.workflow_name)
    deadlines = CampaignDeadlines(session, campaign)
    now = rt.clock.now()
    today = deadlines.calendar.local_date(now)
    after: tuple[str, str] | None = None
    while True:
        query = (
            select(Submission, Agency)
            .join(Agency, AGENCY_OF_SUBMISSION)
            .where(Submission.campaign_id == campaign.id)
        )
        if after is not None:
            query = query.where(tuple_(col(Agency.group), col(Agency.code)) > tuple_(*after))
        rows = session.exec(query.order_by(col(Agency.group), col(Agency.code)).limit(batch)).all()
        for submission, agency in rows:
            d = deadlines.for_submission(submission, definition, now)
            nxt = d.next
            running = d.standing is Standing.running
            yield StatusRow(
                agency=agency.code,
                name=agency.name,
                group=agency.group,
                state=submission.state,
                version=submission.version,
                next_milestone=nxt.milestone if nxt else None,
                due_date=nxt.due if nxt else None,
                working_days_left=nxt.working_days_left if nxt else None,
                overdue=bool(nxt and nxt.overdue),
                extended=bool(nxt and nxt.milestone in d.extended),
                publication_at_risk=running
                and publication_at_risk(
                    definition, submission, d.dates, deadlines.calendar, today, campaign.dispute_window_days
                ),
                self_assessment_late_days=submission.self_assessment_late_days,
                appraisal_late_days=submission.appraisal_late_days,
                standing=d.standing.value,
            )
        if len(rows) < batch:
            return
        after = (rows[-1][1].group, rows[-1][1].code)
        session.expunge_all()  # rows already written out need not stay in the session
