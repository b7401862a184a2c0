"""The record of lateness: when a self-assessment or an appraisal was sent, against the agency's
own due date (extensions included), and how many working days late. Written once per sending by
`lifecycle.submissions.fire_event`, in the same transaction, and never cleared by a later
transition: many criteria sets score timeliness, so Home Affairs needs it after the fact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from parflow.domain.deadlines import working_days_late
from parflow.services.deadlines.plan import campaign_dates
from parflow.store.models import Campaign, Submission

# milestone answered by a sending -> the prefix of the submission's record columns
RECORDED = {"self_assessment_due": "self_assessment", "appraisal_due": "appraisal"}


@dataclass(frozen=True)
class Lateness:
    part: str  # "self_assessment" | "appraisal"
    sent_at: datetime
    due_date: date | None
    late_days: int

    @property
    def late(self) -> bool:
        return self.late_days > 0

    def as_dict(self) -> dict[str, object]:
        return {
            "sent_at": self.sent_at.isoformat(),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "working_days_late": self.late_days,
        }


def record_sending(
    session: Session, campaign: Campaign, submission: Submission, milestone: str | None, now: datetime
) -> Lateness | None:
    """Stamp the record for the milestone a transition answered; None when it records nothing.
    A resubmission after a return replaces the record: the sending that counts is the last one."""
    part = RECORDED.get(milestone or "")
    if part is None:
        return None
    dates = campaign_dates(session, [campaign])[campaign.id or 0]
    due = dates.due(submission.agency_id, milestone or "")
    late = working_days_late(dates.calendar, due, now) if due is not None else 0
    setattr(submission, f"{part}_sent_at", now)
    setattr(submission, f"{part}_due_date", due)
    setattr(submission, f"{part}_late_days", late)
    return Lateness(part, now, due, late)


def lateness_of(submission: Submission) -> dict[str, Lateness]:
    """What the submission's record holds, by part."""
    found = {}
    for part in RECORDED.values():
        sent = getattr(submission, f"{part}_sent_at")
        if sent is not None:
            due = getattr(submission, f"{part}_due_date")
            found[part] = Lateness(part, sent, due, getattr(submission, f"{part}_late_days") or 0)
    return found
