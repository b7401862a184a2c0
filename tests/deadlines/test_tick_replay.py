"""A tick at an instant earlier than the one deadlines were planned at (`parflow tick --now` in
the past) sees what was due at that instant, once, and leaves the live plan alone."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import sync as deadline_sync
from parflow.services.deadlines.tick import tick
from parflow.store.models import Campaign, Submission

from .conftest import local, outbox

# a replay reads rows a normal pass skips: the queries differ per database
pytestmark = pytest.mark.both_backends


def replan(session: Session, rt: Runtime, code: str) -> None:
    found = get_campaign(session, code)
    found.next_due_at = None
    subs = list(session.exec(select(Submission).where(Submission.campaign_id == found.id)))
    for sub in subs:
        sub.next_due_at = None
    deadline_sync.refresh(session, rt, found, subs)


def next_due(rt) -> tuple[set, object]:  # type: ignore[no-untyped-def]
    with rt.db.read() as session:
        subs = {s.next_due_at for s in session.exec(select(Submission))}
        return subs, session.exec(select(Campaign.next_due_at)).one()


def test_a_replayed_tick_sees_what_was_due_then(rt, at, campaign) -> None:  # type: ignore[no-untyped-def]
    # planned long after the season, as a load on today's wall clock is: nothing left to plan
    at("2026-06-01 09:00")
    rt.db.run(lambda s: replan(s, rt, campaign))
    assert next_due(rt) == ({None}, None)

    assert tick(rt, local("2022-01-17 08:00")).total == 0  # what the scheduler would do: nothing due

    report = tick(rt, local("2022-01-17 08:00"), replay=True)
    assert report.queued["escalation"] == 35 and report.total == 35 and report.late == 0
    assert report.submissions_examined == 35 and report.campaigns_examined == 1
    rows = outbox(rt)
    assert {r.context["step"] for r in rows} == {1} and len({r.key for r in rows}) == 35
    assert next_due(rt) == ({None}, None)  # the live plan is untouched

    assert tick(rt, local("2022-01-17 08:00"), replay=True).total == 0  # no second copy
    # two days later: the second step, and the first one only once
    assert tick(rt, local("2022-01-19 08:00"), replay=True).queued["escalation"] == 2 * 35
    assert len(outbox(rt)) == 35 + 2 * 35


def test_a_replay_before_the_first_step_queues_nothing(rt, at, campaign) -> None:  # type: ignore[no-untyped-def]
    report = tick(rt, local("2021-12-01 08:00"), replay=True)
    assert report.total == 0 and report.submissions_examined == 35
    assert outbox(rt) == []
