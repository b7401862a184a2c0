"""The daily digest counts "due soon" in working days, like every other deadline in parflow."""

from __future__ import annotations

from parflow.services.deadlines.digest import enqueue_due_digests
from tests.support.databases import FIXTURES, load_fixture_campaign

from .conftest import outbox


def test_friday_before_a_deadline_a_week_away_has_a_digest(rt, at, campaign) -> None:  # type: ignore[no-untyped-def]
    # Friday 07/01/2022: all 35 agencies owe their self-assessment on Friday 14/01, five working
    # days (eight calendar days) away; nothing is overdue and nothing changed since Thursday
    now = at("2022-01-07 08:00")
    assert rt.db.run(lambda s: enqueue_due_digests(s, rt, now)) == 3  # two officers, the city leader
    context = outbox(rt, "daily_digest")[0].context
    assert len(context["due_soon"]) == 35 and context["overdue"] == []
    assert {i["working_days"] for i in context["due_soon"]} == {5}


def test_due_soon_stops_after_seven_working_days(rt, at, campaign) -> None:  # type: ignore[no-untyped-def]
    # Tuesday 04/01/2022: eight working days before 14/01, nothing else to say: no digest
    now = at("2022-01-04 08:00")
    assert rt.db.run(lambda s: enqueue_due_digests(s, rt, now)) == 0
    # Wednesday 05/01: seven working days left, the deadline is in the digest
    now = at("2022-01-05 08:00")
    assert rt.db.run(lambda s: enqueue_due_digests(s, rt, now)) == 3
    assert {i["working_days"] for i in outbox(rt, "daily_digest")[0].context["due_soon"]} == {7}


def test_campaigns_in_two_time_zones_each_get_their_digest(rt, at, campaign, password_hash, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a second province in another zone (same deadlines): the pass over one zone must not narrow
    # the pass over the next one to the last campaign it saw
    other = tmp_path / "mini"
    other.mkdir()
    text = (FIXTURES / "mini" / "campaign.yaml").read_text()
    (other / "campaign.yaml").write_text(
        text.replace("code: mini-2021\n", "code: mini-2021\ntimezone: Asia/Bangkok\n")
    )
    load_fixture_campaign(rt, other, password_hash)

    now = at("2022-01-10 08:00")  # 08:00 in both zones (both UTC+7), a working day
    assert rt.db.run(lambda s: enqueue_due_digests(s, rt, now)) == 5
    assert sorted(r.recipient_email for r in outbox(rt, "daily_digest")) == [
        "cchc.bao@snv.haiphong.example",
        "cchc.nhung@snv.haiphong.example",
        "city@mini.example",
        "ha@mini.example",
        "pho-chu-tich.vinh@haiphong.example",
    ]
