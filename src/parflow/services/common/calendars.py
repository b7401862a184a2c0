"""A campaign's working calendar and milestone dates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam
from sqlmodel import Session, select

from parflow.domain.calendar import WorkingCalendar
from parflow.store.models import CalendarDay, Campaign, Milestone

# Both are read for every event and every digest: built once with a bind parameter, they cost
# their execution only.
_DAYS = select(CalendarDay).where(CalendarDay.campaign_id == bindparam("campaign_id"))
_MILESTONES = select(Milestone).where(Milestone.campaign_id == bindparam("campaign_id"))


def campaign_calendar(session: Session, campaign: Campaign) -> WorkingCalendar:
    days = session.exec(_DAYS, params={"campaign_id": campaign.id}).all()
    return WorkingCalendar(
        campaign.timezone,
        extra_days_off=[d.day for d in days if not d.working],
        extra_working_days=[d.day for d in days if d.working],
    )


def milestone_dates(session: Session, campaign: Campaign) -> dict[str, date]:
    rows = session.exec(_MILESTONES, params={"campaign_id": campaign.id}).all()
    return {m.key: m.due_date for m in rows}
