"""Which campaigns are past seasons, in one query (the rule itself is `domain.season`)."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Date, bindparam
from sqlmodel import Session, col, func, select

from parflow.domain.season import season_cutoff
from parflow.store.models import Campaign, Milestone


def seasons_over(session: Session, today: date) -> set[int]:
    """Unpublished campaigns whose last milestone is more than SEASON_OVER_AFTER before `today`
    (the same rule as `domain.season.season_over`, asked of every campaign at once)."""
    return set(session.exec(_query(), params={"cutoff": season_cutoff(today)}).all())


@cache
def _query() -> Any:
    """Built once: every tick asks (building it cost more than running it)."""
    return (
        select(Milestone.campaign_id)
        .join(Campaign, col(Campaign.id) == col(Milestone.campaign_id))
        .where(col(Campaign.published_at).is_(None))
        .group_by(col(Milestone.campaign_id))
        .having(func.max(Milestone.due_date) < bindparam("cutoff", type_=Date))
    )
