"""When a message is given up on, Home Affairs of its campaign hears about it: at most once a day.

One `delivery_failure` row per Home Affairs person per local day (key
`delivery_failure:<campaign>:<person>:<yyyy-mm-dd>`). Failures that happen while today's alert is
still waiting to go out are added to it; failures after it went out go into tomorrow's alert,
which waits until 07:00 local time. Nothing is dropped and nobody gets more than one a day.
An alert that itself cannot be delivered raises no further alert.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from parflow.clock import local_date
from parflow.services.common import outbox
from parflow.services.common.notices import campaign_ref
from parflow.store.models import Campaign
from parflow.store.models import Notification as Row

KIND = "delivery_failure"
NEXT_DAY_AT = time(7, 0)
# the alert lists this many failures in full and counts the rest
LISTED = 25


def alert_key(campaign_id: int, person_id: int, day: date) -> str:
    return f"{KIND}:{campaign_id}:{person_id}:{day.isoformat()}"


def failure_entry(row: Row, error: str, now: datetime) -> dict[str, Any]:
    context = row.context if isinstance(row.context, dict) else {}
    agency = context.get("agency")
    return {
        "kind": row.kind,
        "recipient_name": row.recipient_name,
        "recipient_email": row.recipient_email,
        "error": error[:500],
        "at": now.isoformat(),
        "attempts": row.attempts,
        "agency": agency if isinstance(agency, dict) else None,
        "submission_id": row.submission_id,
    }


def record_dead(session: Session, row: Row, error: str, now: datetime) -> int:
    """Add one dead message to today's alert of every Home Affairs person; returns rows written."""
    if row.kind == KIND or row.campaign_id is None:
        return 0
    campaign = session.get(Campaign, row.campaign_id)
    if campaign is None:
        return 0
    entry = failure_entry(row, error, now)
    today = local_date(now, campaign.timezone)
    touched = 0
    for person, _role in outbox.recipients(session, row.campaign_id, ["home_affairs"]):
        touched += _add(session, campaign, person, entry, today, now)
    return touched


def _add(
    session: Session,
    campaign: Campaign,
    person: outbox.Recipient,
    entry: dict[str, Any],
    today: date,
    now: datetime,
) -> int:
    assert campaign.id is not None and person.id is not None
    for day in (today, today + timedelta(days=1)):
        key = alert_key(campaign.id, person.id, day)
        send_after = None if day == today else _at_local(day, NEXT_DAY_AT, campaign.timezone)
        context = {
            "campaign": campaign_ref(campaign),
            "action_path": f"/campaigns/{campaign.code}/notifications?status=dead",
            "date": day.isoformat(),
            "count": 1,
            "failures": [entry],
        }
        if outbox.enqueue(
            session,
            key=key,
            kind=KIND,
            person=person,
            now=now,
            context=context,
            campaign_id=campaign.id,
            send_after=send_after,
        ):
            return 1
        existing = session.exec(
            select(Row).where(Row.key == key).with_for_update().execution_options(populate_existing=True)
        ).first()
        if existing is not None and existing.status in ("pending", "failed"):
            merged = dict(existing.context)
            merged["count"] = int(merged.get("count", 0)) + 1
            if len(merged.get("failures", [])) < LISTED:
                merged["failures"] = [*merged.get("failures", []), entry]
            existing.context = merged  # a new object: JSON columns changed in place are not saved
            session.add(existing)
            return 1
        # today's alert already went out (or is going out): this failure waits for tomorrow's
    return 0


def _at_local(day: date, at: time, timezone: str) -> datetime:
    return datetime.combine(day, at, ZoneInfo(timezone)).astimezone(ZoneInfo("UTC"))
