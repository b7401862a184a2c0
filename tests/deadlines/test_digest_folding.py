"""Home Affairs and the city leadership read one digest a day; agencies still get their own mail.

The demo season (`parflow simulate` from 01/12/2021 to 31/03/2022) is run twice: with the
example behaviour file and with nobody sending anything. In both, nobody who watches every
agency gets more than two messages on one day, and every notice that used to reach them on its
own (30 "submitted" notices on 06/01, 35 escalations on 19/01) is listed in a digest instead.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, select

from parflow.services.common.outbox import DIGESTED, HELD
from parflow.services.deadlines.tick import tick
from parflow.services.simulation.behaviour import load_behaviour
from parflow.services.simulation.run import SimulationResult, simulate
from parflow.settings import PROJECT_ROOT
from parflow.store.models import Notification
from tests.support.season import complete_self_assessment, submit

from .conftest import local, submission_of

BEHAVIOUR = PROJECT_ROOT / "examples" / "haiphong-2021" / "behaviour.yaml"
HOME_AFFAIRS = {"cchc.nhung@snv.haiphong.example", "cchc.bao@snv.haiphong.example"}
CITY_LEADER = "pho-chu-tich.vinh@haiphong.example"
WATCHERS = HOME_AFFAIRS | {CITY_LEADER}
NOBODY_SENDS = """\
at: "10:00"
submit:
  default: never
start_appraisal: never
send_results: never
approve: never
publish: never
"""


def season(rt, campaign: str, behaviour: Path) -> SimulationResult:  # type: ignore[no-untyped-def]
    return simulate(rt, campaign, date(2021, 12, 1), date(2022, 3, 31), load_behaviour(behaviour))


def per_day(result: SimulationResult) -> Counter[tuple[str, date]]:
    return Counter((m.recipient_email, m.day) for m in result.messages)


def assert_folded_into_digests(result: SimulationResult) -> None:
    listed: dict[str, set[str]] = defaultdict(set)
    for m in result.messages:
        if m.kind == "daily_digest":
            listed[m.recipient_email].update(m.includes)
    missing = [(m.recipient_email, m.key) for m in result.folded if m.key not in listed[m.recipient_email]]
    assert not missing, missing[:5]
    assert {m.recipient_email for m in result.folded} <= WATCHERS


@pytest.mark.slow
def test_demo_season_with_the_behaviour_file(rt, campaign) -> None:  # type: ignore[no-untyped-def]
    result = season(rt, campaign, BEHAVIOUR)
    counts = per_day(result)
    assert max(n for (who, _day), n in counts.items() if who in WATCHERS) <= 2
    # the 30 agencies that send on 06/01 no longer mean 30 e-mails to each officer that day
    folded = Counter((m.recipient_email, m.day, m.kind) for m in result.folded)
    assert folded[("cchc.nhung@snv.haiphong.example", date(2022, 1, 6), "submitted")] == 30
    assert counts[("cchc.nhung@snv.haiphong.example", date(2022, 1, 6))] == 1
    assert_folded_into_digests(result)
    # the escalation ladder of the agency that never sends: its head by e-mail, Home Affairs and
    # the city leader in their digests
    ladder = [m for m in result.messages if m.kind == "escalation" and m.agency == "h-bach-long-vi"]
    assert {m.recipient_email for m in ladder} == {"lanh-dao.h-bach-long-vi@haiphong.example"}
    assert any(m.recipient_email == CITY_LEADER and m.kind == "escalation" for m in result.folded)
    # agencies still hear about their own work
    assert any(m.kind == "reminder" and m.agency == "sxd" for m in result.messages)
    # item 6 of issue 14: with every agency due within 7 working days there is a digest on 07/01
    assert any(m.kind == "daily_digest" and m.day == date(2022, 1, 7) for m in result.messages)
    busiest, who, day = result.busiest()
    assert busiest == max(counts.values()) and counts[(who, day)] == busiest


@pytest.mark.slow
def test_demo_season_when_nobody_sends(rt, campaign, tmp_path) -> None:  # type: ignore[no-untyped-def]
    behaviour = tmp_path / "nobody.yaml"
    behaviour.write_text(NOBODY_SENDS)
    result = season(rt, campaign, behaviour)
    counts = per_day(result)
    assert max(n for (who, _day), n in counts.items() if who in WATCHERS) <= 2
    # 19/01: the 35 escalations at three working days overdue went into each officer's digest
    escalated = [
        m
        for m in result.folded
        if m.kind == "escalation"
        and m.recipient_email == "cchc.bao@snv.haiphong.example"
        and m.day == date(2022, 1, 19)
    ]
    assert len(escalated) == 35
    assert counts[("cchc.bao@snv.haiphong.example", date(2022, 1, 19))] == 1
    # and the city leader's 35 on 25/01 into theirs
    assert (
        sum(1 for m in result.folded if m.recipient_email == CITY_LEADER and m.day == date(2022, 1, 25)) == 35
    )
    assert counts[(CITY_LEADER, date(2022, 1, 25))] == 1
    assert_folded_into_digests(result)


def test_held_notice_goes_into_the_next_digest_and_not_on_its_own(rt, campaign) -> None:  # type: ignore[no-untyped-def]
    rt.clock.set(local("2022-01-12 10:00"))  # type: ignore[attr-defined]
    sid = submission_of(rt, "sgtvt").id
    complete_self_assessment(rt, sid)
    submit(rt, sid)
    with rt.db.read() as session:
        notices = list(session.exec(select(Notification).where(Notification.kind == "submitted")))
    assert {n.recipient_email for n in notices} == HOME_AFFAIRS
    assert {n.status for n in notices} == {HELD}
    tick(rt, local("2022-01-13 07:05"))
    with rt.db.read() as session:
        digests = {
            d.recipient_email: d
            for d in session.exec(
                select(Notification).where(Notification.kind == "daily_digest").order_by(col(Notification.id))
            )
        }
        after = {
            n.key: n.status
            for n in session.exec(select(Notification).where(Notification.kind == "submitted"))
        }
    assert set(digests) == WATCHERS
    for email in HOME_AFFAIRS:
        events = digests[email].context["events"]
        assert [(e["kind"], e["agency"]["code"]) for e in events] == [("submitted", "sgtvt")]
    # the city leader's digest is the short one and had nothing held for them
    assert digests[CITY_LEADER].context["audience"] == "city_leader"
    assert digests[CITY_LEADER].context["events"] == []
    assert set(after.values()) == {DIGESTED}
    # a second tick the same day writes no second digest (keys stay send-once per person and day)
    assert tick(rt, local("2022-01-13 11:00")).digests == 0
