"""Fixtures and helpers for the deadlines area: local instants, outbox queries, submissions."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from parflow.services.common.runtime import Runtime
from parflow.store.models import Agency, Notification, Submission

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def local(text: str) -> datetime:
    """'2022-01-14 08:00' in Hải Phòng, as an aware instant."""
    return datetime.fromisoformat(text).replace(tzinfo=VN)


def outbox(rt: Runtime, kind: str | None = None) -> list[Notification]:
    """Messages the deadline rules queued (the tick's daily digests are the e-mail area's subject)."""
    with rt.db.read() as session:
        query = select(Notification).order_by(col(Notification.id))
        if kind:
            query = query.where(Notification.kind == kind)
        else:
            query = query.where(Notification.kind != "daily_digest")
        return list(session.exec(query))


def submission_of(rt: Runtime, code: str) -> Submission:
    with rt.db.read() as session:
        return session.exec(
            select(Submission)
            .join(Agency, col(Agency.id) == col(Submission.agency_id))
            .where(Agency.code == code)
        ).one()


@pytest.fixture
def at(rt: Runtime):  # type: ignore[no-untyped-def]
    """Set the runtime's fixed clock to a local time: at('2022-01-14 08:00')."""

    def move(text: str) -> datetime:
        instant = local(text)
        rt.clock.set(instant)  # type: ignore[attr-defined]
        return instant

    return move


@pytest.fixture
def early(rt: Runtime, campaign: str, at):  # type: ignore[no-untyped-def]
    """The example campaign as if loaded on 03/01/2022, before the first reminder."""
    from parflow.services.common.lookups import get_campaign
    from parflow.services.deadlines import sync as deadline_sync

    at("2022-01-03 09:00")

    def replan(session) -> None:  # type: ignore[no-untyped-def]
        campaign_row = get_campaign(session, campaign)
        for row in session.exec(select(Submission)):
            row.next_due_at = None
            session.add(row)
        campaign_row.next_due_at = None
        deadline_sync.refresh(session, rt, campaign_row)

    rt.db.run(replan)
    return campaign
