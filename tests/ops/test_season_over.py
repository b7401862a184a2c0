"""A past season (the 2021 example, unpublished, years later) no longer sends Home Affairs a
daily digest every working day; a season still within its grace period does."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from parflow.domain.season import SEASON_OVER_AFTER
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.season import seasons_over
from parflow.services.deadlines.tick import tick

HAIPHONG = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=HAIPHONG)


def test_digests_stop_after_the_season(rt: Runtime, campaign: str) -> None:
    assert tick(rt, at("2022-01-17")).digests == 3  # in season: Home Affairs (2), the city leader
    # publication was due 28/03/2022; 20/04 is within the grace period, late publication still chased
    assert tick(rt, at("2022-04-20")).digests == 3
    assert SEASON_OVER_AFTER.days == 60
    assert tick(rt, at("2022-06-15")).digests == 0
    with rt.db.read() as session:
        assert len(seasons_over(session, at("2022-06-15").date())) == 1
        assert seasons_over(session, at("2022-04-20").date()) == set()
    # the same for a pass limited to the campaign (the simulation's)
    with rt.db.read() as session:
        cid = get_campaign(session, campaign).id
    assert tick(rt, at("2022-06-16"), campaign_id=cid).digests == 0
    assert tick(rt, at("2022-04-21"), campaign_id=cid).digests == 3
