"""`parflow simulate`: a plausible season, and the database exactly as before."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import func, select
from typer.testing import CliRunner

from parflow.cli import app
from parflow.services.simulation.behaviour import load_behaviour
from parflow.services.simulation.run import simulate
from parflow.settings import PROJECT_ROOT
from parflow.store.models import AuditEntry, Notification, Score, Submission

BEHAVIOUR = PROJECT_ROOT / "examples" / "haiphong-2021" / "behaviour.yaml"
LATE = {"stnmt", "q-hai-an", "h-bach-long-vi"}


def snapshot(rt) -> tuple:  # type: ignore[no-untyped-def]
    with rt.db.read() as session:
        return (
            session.exec(select(func.count()).select_from(Notification)).one(),
            session.exec(select(func.count()).select_from(AuditEntry)).one(),
            session.exec(select(func.count()).select_from(Score)).one(),
            sorted((s.id, s.state, s.version, s.next_due_at) for s in session.exec(select(Submission))),
        )


def test_simulated_season_chases_only_the_late(rt, campaign) -> None:
    before = snapshot(rt)
    result = simulate(rt, campaign, date(2021, 12, 1), date(2022, 3, 31), load_behaviour(BEHAVIOUR))
    assert snapshot(rt) == before  # nothing reached the real database

    deadline = [m for m in result.messages if m.kind in ("reminder", "escalation")]
    escalated = {
        m.agency for m in deadline if m.kind == "escalation" and m.milestone == "self_assessment_due"
    }
    assert escalated == LATE
    reminded = {m.agency for m in deadline if m.kind == "reminder" and m.milestone == "self_assessment_due"}
    assert reminded == LATE | {"sxd", "sgddt"}  # the punctual ones hear nothing
    # the head hears of it by e-mail; Home Affairs and the city leader in their next digest
    ladder = sorted(
        (m.day, m.recipient_email)
        for m in deadline + result.folded
        if m.kind == "escalation" and m.agency == "h-bach-long-vi" and m.milestone == "self_assessment_due"
    )
    assert [d for d, _ in ladder] == [
        date(2022, 1, 17),
        date(2022, 1, 19),
        date(2022, 1, 19),
        date(2022, 1, 25),
    ]
    assert ladder[-1][1] == "pho-chu-tich.vinh@haiphong.example"
    assert {m.day for m in deadline if m.agency == "h-bach-long-vi" and m.kind == "escalation"} == {
        date(2022, 1, 17)
    }
    assert all(not m.late for m in deadline)
    published = [a for a in result.actions if a[2] == "publish"]
    assert published and published[0][3].startswith("published (34")


def test_simulate_cli_json_and_bad_input(rt, campaign, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PARFLOW_DATABASE_URL", rt.settings.effective_database_url)
    monkeypatch.setenv("PARFLOW_DATA_DIR", str(rt.settings.data_dir))
    runner = CliRunner()
    args = ["simulate", campaign, "--from", "10/01/2022", "--to", "2022-01-20", "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["from"] == "2022-01-10" and data["notifications"]
    first = data["notifications"][0]
    assert {"date", "recipient", "rule", "reason", "kind"} <= set(first)
    assert (
        runner.invoke(app, ["simulate", campaign, "--from", "2022-02-01", "--to", "2022-01-01"]).exit_code
        == 1
    )
    broken = tmp_path / "b.yaml"
    broken.write_text("submit:\n  default: someday\n")
    bad = runner.invoke(app, ["simulate", campaign, "--behaviour", str(broken)])
    assert bad.exit_code == 1 and "b.yaml:2" in bad.output
    assert runner.invoke(app, ["simulate", "nope"]).exit_code == 1


def test_after_the_season_simulate_replays_it_from_before_the_first_milestone(rt, campaign, at) -> None:
    at("2026-11-25 09:00")  # years after Hải Phòng 2021 ended
    result = simulate(rt, campaign)
    assert result.start == date(2021, 12, 15)  # a month before the self-assessment deadline of 14/01/2022
    assert result.end > date(2022, 3, 1)
    assert any(m.kind == "reminder" and m.milestone == "self_assessment_due" for m in result.messages)


def test_simulate_cli_says_why_when_there_is_nothing_to_run(rt, campaign, monkeypatch) -> None:
    monkeypatch.setenv("PARFLOW_DATABASE_URL", rt.settings.effective_database_url)
    monkeypatch.setenv("PARFLOW_DATA_DIR", str(rt.settings.data_dir))
    result = CliRunner().invoke(app, ["simulate", campaign, "--to", "2021-12-01"])
    assert result.exit_code == 1
    assert "nothing to simulate" in result.output and "01/12/2021" in result.output


def test_simulate_shows_the_daily_digest_of_every_working_day(rt, campaign) -> None:  # type: ignore[no-untyped-def]
    # nobody sends: from Wednesday 05/01 (seven working days before 14/01) Home Affairs gets a
    # digest each working day, also on 10/01 and 11/01, when no reminder step wakes the run
    result = simulate(rt, campaign, date(2022, 1, 3), date(2022, 1, 18))
    days = sorted({m.day for m in result.messages if m.kind == "daily_digest"})
    assert days == [date(2022, 1, d) for d in (5, 6, 7, 10, 11, 12, 13, 14, 17, 18)]
    assert all(
        m.at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%H:%M") == "07:00"
        for m in result.messages
        if m.kind == "daily_digest"
    )
