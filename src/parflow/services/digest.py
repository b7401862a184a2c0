"""The daily digest: one message a day for each Home Affairs officer instead of one per event.

`enqueue_due_digests` is called by every scheduler tick. On each working day of a running campaign
(not yet published), from 07:00 local time, it queues one `daily_digest` row per Home Affairs
person, keyed `daily_digest:<campaign>:<person>:<yyyy-mm-dd>`: ticks that come again the same
day, or from a second scheduler, write nothing. The digest is skipped on a day with nothing to
say (no submission overdue, none due within 7 days, no state change since the last digest).

What it summarises (context documented in notifications/README.md): how many submissions are in
each state; how many state changes happened since the previous working day's digest; which
submissions became overdue since then; every submission overdue now; and which are due within
the next 7 calendar days (today included).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from parflow.domain.calendar import WorkingCalendar
from parflow.domain.roles import Role
from parflow.services import outbox
from parflow.services.deadlines import CampaignDeadlines
from parflow.services.notices import agency_ref, campaign_ref, submission_path
from parflow.services.runtime import Runtime
from parflow.store.models import Agency, AuditEntry, Campaign, Submission

KIND = "daily_digest"
SEND_FROM = time(7, 0)
DUE_SOON_DAYS = 7


def digest_key(campaign_id: int, person_id: int, day: date) -> str:
    return f"{KIND}:{campaign_id}:{person_id}:{day.isoformat()}"


def enqueue_due_digests(session: Session, rt: Runtime, now: datetime) -> int:
    """Queue today's digest for every Home Affairs person whose digest is due; returns rows written."""
    written = 0
    for campaign in session.exec(select(Campaign).where(col(Campaign.published_at).is_(None))).all():
        deadlines = CampaignDeadlines(session, campaign)
        calendar = deadlines.calendar
        today = calendar.local_date(now)
        if not calendar.is_working_day(today) or now < calendar.at_local(today, SEND_FROM):
            continue
        people = outbox.recipients(session, campaign.id or 0, [Role.home_affairs])
        if not people:
            continue
        context = digest_context(session, rt, campaign, deadlines, now)
        if context is None:
            continue
        for person, _role in people:
            assert person.id is not None
            written += outbox.enqueue(
                session,
                key=digest_key(campaign.id or 0, person.id, today),
                kind=KIND,
                person=person,
                now=now,
                context=context,
                campaign_id=campaign.id,
            )
    return written


def previous_working_day(calendar: WorkingCalendar, day: date) -> date:
    current = day - timedelta(days=1)
    while not calendar.is_working_day(current):
        current -= timedelta(days=1)
    return current


def digest_context(
    session: Session, rt: Runtime, campaign: Campaign, deadlines: CampaignDeadlines, now: datetime
) -> dict[str, Any] | None:
    """The digest's plain-JSON context, or None when there is nothing worth a message."""
    definition = rt.workflows.definition(campaign.workflow_name)
    calendar = deadlines.calendar
    today = calendar.local_date(now)
    since = previous_working_day(calendar, today)
    horizon = today + timedelta(days=DUE_SOON_DAYS - 1)
    rows = session.exec(
        select(Submission, Agency)
        .join(Agency, col(Agency.id) == col(Submission.agency_id))
        .where(Submission.campaign_id == campaign.id)
        .order_by(col(Agency.group), col(Agency.code))
    ).all()
    counts: Counter[str] = Counter()
    overdue: list[dict[str, Any]] = []
    became_overdue: list[dict[str, Any]] = []
    due_soon: list[dict[str, Any]] = []
    for submission, agency in rows:
        counts[submission.state] += 1
        if submission.excluded_reason:
            continue
        nxt = deadlines.for_submission(submission, definition, now).next
        if nxt is None:
            continue
        item = {
            "agency": agency_ref(agency),
            "submission_id": submission.id,
            "state": {"key": submission.state, **definition.states[submission.state].model_dump()},
            "milestone": {"key": nxt.milestone, **definition.milestones[nxt.milestone].label.model_dump()},
            "due_date": nxt.due.isoformat(),
            "working_days": abs(nxt.working_days_left),
            "action_path": submission_path(submission),
        }
        if nxt.overdue:
            overdue.append(item)
            if nxt.due >= since:  # overdue since the end of its due date, after the last digest
                became_overdue.append(item)
        elif nxt.due <= horizon:
            due_soon.append(item)
    changes = _transitions_since(session, campaign, calendar.at_local(since, SEND_FROM), now)
    if not overdue and not due_soon and not changes:
        return None
    return {
        "campaign": campaign_ref(campaign),
        "action_path": f"/campaigns/{campaign.code}",
        "date": today.isoformat(),
        "since": since.isoformat(),
        "total": len(rows),
        "changes": changes,
        "states": [
            {"key": key, **label.model_dump(), "count": counts[key]}
            for key, label in definition.states.items()
            if counts[key]
        ],
        "became_overdue": became_overdue,
        "overdue": overdue,
        "due_soon": due_soon,
    }


def _transitions_since(session: Session, campaign: Campaign, start: datetime, end: datetime) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.campaign_id == campaign.id,
                AuditEntry.action == "transition",
                col(AuditEntry.at) >= start,
                col(AuditEntry.at) <= end,
            )
        ).one()
    )
