"""Where every agency of a campaign stands: state, next deadline, overdue."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlmodel import Session, col, select

from parflow.services.campaigns import get_campaign
from parflow.services.deadlines import CampaignDeadlines
from parflow.services.runtime import Runtime
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

    def as_dict(self) -> dict[str, object]:
        row = asdict(self)
        row["due_date"] = self.due_date.isoformat() if self.due_date else None
        return row


def campaign_status(session: Session, rt: Runtime, code: str) -> list[StatusRow]:
    campaign = get_campaign(session, code)
    definition = rt.workflows.definition(campaign.workflow_name)
    deadlines = CampaignDeadlines(session, campaign)
    now = rt.clock.now()
    rows = session.exec(
        select(Submission, Agency)
        .join(Agency, col(Agency.id) == col(Submission.agency_id))
        .where(Submission.campaign_id == campaign.id)
        .order_by(col(Agency.group), col(Agency.code))
    ).all()
    result = []
    for submission, agency in rows:
        d = deadlines.for_submission(submission, definition, now)
        nxt = d.next
        result.append(
            StatusRow(
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
            )
        )
    return result
