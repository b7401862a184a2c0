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

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from parflow.domain.calendar import WorkingCalendar
from parflow.domain.roles import Role
from parflow.services import outbox
from parflow.services.deadlines import CampaignDeadlines
from parflow.services.notices import agency_ref, campaign_ref, submission_path
from parflow.services.runtime import Runtime
from parflow.store.models import (
    Agency,
    AuditEntry,
    CalendarDay,
    Campaign,
    Notification,
    Person,
    RoleAssignment,
    Submission,
)

KIND = "daily_digest"
SEND_FROM = time(7, 0)
DUE_SOON_DAYS = 7


def digest_key(campaign_id: int, person_id: int, day: date) -> str:
    return f"{KIND}:{campaign_id}:{person_id}:{day.isoformat()}"


def enqueue_due_digests(session: Session, rt: Runtime, now: datetime) -> int:
    """Queue today's digest for every Home Affairs person whose digest is due; returns rows written.

    Runs on every tick, so the work it does when nothing is due must not grow with the number of
    submissions: a handful of set-wide queries (running campaigns, their Home Affairs people,
    calendar exceptions, the digest keys already written today) decide which campaigns still owe
    a digest, and only those are read in full, about once a day each.
    """
    campaigns = session.exec(select(Campaign).where(col(Campaign.published_at).is_(None))).all()
    if not campaigns:
        return 0
    ids = [c.id or 0 for c in campaigns]
    people: dict[int, list[Person]] = defaultdict(list)
    for person, campaign_id in session.exec(
        select(Person, RoleAssignment.campaign_id)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
        .where(
            col(RoleAssignment.campaign_id).in_(ids),
            RoleAssignment.role == Role.home_affairs.value,
            col(Person.active),
        )
        .order_by(col(Person.id))
    ).all():
        if all(p.id != person.id for p in people[campaign_id]):
            people[campaign_id].append(person)
    exceptions: dict[int, list[CalendarDay]] = defaultdict(list)
    for day in session.exec(select(CalendarDay).where(col(CalendarDay.campaign_id).in_(ids))):
        exceptions[day.campaign_id].append(day)
    owed: dict[str, tuple[Campaign, Person, date]] = {}
    for campaign in campaigns:
        cid = campaign.id or 0
        days = exceptions.get(cid, [])
        calendar = WorkingCalendar(
            campaign.timezone,
            extra_days_off=[d.day for d in days if not d.working],
            extra_working_days=[d.day for d in days if d.working],
        )
        today = calendar.local_date(now)
        if not calendar.is_working_day(today) or now < calendar.at_local(today, SEND_FROM):
            continue
        for person in people.get(cid, []):
            owed[digest_key(cid, person.id or 0, today)] = (campaign, person, today)
    if not owed:
        return 0
    keys = list(owed)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for (key,) in session.execute(select(Notification.key).where(col(Notification.key).in_(chunk))):
            owed.pop(key, None)
    by_campaign: dict[int, list[tuple[Person, date]]] = defaultdict(list)
    campaign_of: dict[int, Campaign] = {}
    for campaign, person, today in owed.values():
        by_campaign[campaign.id or 0].append((person, today))
        campaign_of[campaign.id or 0] = campaign
    written = 0
    for cid, recipients in by_campaign.items():
        campaign = campaign_of[cid]
        context = digest_context(session, rt, campaign, CampaignDeadlines(session, campaign), now)
        if context is None:
            continue
        for person, today in recipients:
            written += outbox.enqueue(
                session,
                key=digest_key(cid, person.id or 0, today),
                kind=KIND,
                person=person,
                now=now,
                context=context,
                campaign_id=cid,
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
