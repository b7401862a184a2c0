"""When a season is over, and what a deadline reads as once it is.

A campaign is published (every deadline met or moot), or it is left unpublished: an old example
or an abandoned year. Left unpublished SEASON_OVER_AFTER past its last milestone, it is a past
season: nobody is chased for it any more (no reminder, escalation or digest) and no page counts
its thousands of working days overdue. Both the scheduler and every view ask this module, so the
two never disagree about which campaigns are over.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from enum import StrEnum

from parflow.domain.workflow import Label

SEASON_OVER_AFTER = timedelta(days=60)


class Standing(StrEnum):
    """Where a submission's deadlines stand: running (a next milestone, maybe overdue), done
    (published, or the campaign published), or the season over (nothing is chased any more)."""

    running = "running"
    done = "done"
    season_over = "season_over"


STANDING_LABELS = {
    Standing.done: Label(vi="Đã hoàn thành", en="Done"),
    Standing.season_over: Label(vi="Mùa đánh giá đã kết thúc", en="Season over"),
}


def season_cutoff(today: date) -> date:
    """A campaign whose last milestone is before this date (and still unpublished) is over."""
    return today - SEASON_OVER_AFTER


def season_over(published_at: datetime | None, milestone_dates: Iterable[date], today: date) -> bool:
    """Unpublished, with a last milestone more than SEASON_OVER_AFTER before `today`."""
    dates = list(milestone_dates)
    return published_at is None and bool(dates) and max(dates) < season_cutoff(today)


def standing(published_at: datetime | None, final: bool, over: bool) -> Standing:
    """A submission's standing: `final` (its workflow's final state) or a published campaign is
    done; otherwise an over season (see `season_over`) is over; otherwise it runs."""
    if published_at is not None or final:
        return Standing.done
    return Standing.season_over if over else Standing.running
