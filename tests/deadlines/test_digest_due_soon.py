"""The daily digest counts "due soon" in working days, like every other deadline in parflow."""

from __future__ import annotations

from parflow.services.deadlines.digest import enqueue_due_digests

from .conftest import outbox


def test_friday_before_a_deadline_a_week_away_has_a_digest(rt, at, campaign) -> None:  # type: ignore[no-untyped-def]
    # Friday 07/01/2022: all 35 agencies owe their self-assessment on Friday 14/01, five working
    # days (eight calendar days) away; nothing is overdue and nothing changed since Thursday
    now = at("2022-01-07 08:00")
    assert rt.db.run(lambda s: enqueue_due_digests(s, rt, now)) == 2
    context = outbox(rt, "daily_digest")[0].context
    assert len(context["due_soon"]) == 35 and context["overdue"] == []
    assert {i["working_days"] for i in context["due_soon"]} == {5}


def test_due_soon_stops_after_seven_working_days(rt, at, campaign) -> None:  # type: ignore[no-untyped-def]
    # Tuesday 04/01/2022: eight working days before 14/01, nothing else to say: no digest
    now = at("2022-01-04 08:00")
    assert rt.db.run(lambda s: enqueue_due_digests(s, rt, now)) == 0
    # Wednesday 05/01: seven working days left, the deadline is in the digest
    now = at("2022-01-05 08:00")
    assert rt.db.run(lambda s: enqueue_due_digests(s, rt, now)) == 2
    assert {i["working_days"] for i in outbox(rt, "daily_digest")[0].context["due_soon"]} == {7}
