"""A season that is over reads as over everywhere: the 2021 example at today's date (03/12/2026)
counts no overdue days on the board, in `parflow status`, on the campaign and submission pages
or in the API, and the scheduler queues nothing for it. A published submission has no running
deadline ("Đã hoàn thành"). One rule (`domain.season`) for the views and the scheduler."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from parflow.clock import FixedClock
from parflow.domain.season import SEASON_OVER_AFTER, Standing, season_over
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.season import seasons_over
from parflow.services.deadlines.tick import tick
from parflow.services.monitoring.status import campaign_status
from parflow.settings import PROJECT_ROOT
from parflow.store.models import Notification
from tests.support.auth import sign_in
from tests.support.lifecycle import force_state, submission_id
from tests.support.people import HOME_AFFAIRS

HAIPHONG = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = datetime(2026, 12, 3, 9, 0, tzinfo=HAIPHONG)
NEGATIVE_OR_HUGE = re.compile(r"Quá hạn -|Quá hạn \d{3,}|\d{3,} (ngày làm việc|working days)")


@pytest.mark.both_backends
def test_the_rule_is_shared_by_the_views_and_the_scheduler(rt: Runtime, campaign: str) -> None:
    assert SEASON_OVER_AFTER.days == 60
    last = date(2022, 3, 28)
    assert not season_over(None, [last], last + SEASON_OVER_AFTER)
    assert season_over(None, [last], last + SEASON_OVER_AFTER + (date(2022, 1, 2) - date(2022, 1, 1)))
    assert not season_over(datetime(2022, 3, 28, tzinfo=HAIPHONG), [last], TODAY.date())
    with rt.db.read() as session:
        assert len(seasons_over(session, TODAY.date())) == 1
        assert seasons_over(session, date(2022, 4, 20)) == set()


@pytest.mark.both_backends
def test_tick_at_today_queues_nothing_for_a_past_season(rt: Runtime, campaign: str) -> None:
    report = tick(rt, TODAY)
    assert (report.total, report.late, report.digests, report.held) == (0, 0, 0, 0)
    # and a replay (a tick "at" today over rows planned earlier) queues nothing either
    assert tick(rt, TODAY, replay=True).total == 0
    with rt.db.read() as session:
        assert session.exec(select(func.count()).select_from(Notification)).one() == 0


@pytest.mark.both_backends
def test_status_reads_season_over(rt: Runtime, campaign: str) -> None:
    assert isinstance(rt.clock, FixedClock)
    rt.clock.set(TODAY)
    published = submission_id(rt, "stp")
    force_state(rt, published, "published")
    with rt.db.read() as session:
        rows = campaign_status(session, rt, campaign)
    assert len(rows) == 35
    by_code = {r.agency: r for r in rows}
    assert by_code["stp"].standing == Standing.done
    others = [r for r in rows if r.agency != "stp"]
    assert {r.standing for r in others} == {Standing.season_over}
    for r in rows:
        assert (r.next_milestone, r.due_date, r.working_days_left, r.overdue) == (None, None, None, False)
        assert not r.publication_at_risk


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_status_command_in_every_format(rt: Runtime, campaign: str) -> None:
    env = {
        **os.environ,
        "PARFLOW_DATA_DIR": str(rt.settings.data_dir),
        "PARFLOW_DATABASE_URL": rt.db.url,
        "PARFLOW_SECRET_KEY": "x" * 40,
    }

    def status(fmt: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "parflow.cli", "status", campaign, "--format", fmt, "--now", "2026-12-03"],
            capture_output=True,
            text=True,
            env=env,
            cwd=PROJECT_ROOT,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    table = status("table")
    assert "season over" in table and "OVERDUE" not in table
    assert not re.search(r"-\d", table.replace("2021", ""))
    rows = json.loads(status("json"))
    assert {r["standing"] for r in rows} == {"season_over"}
    assert all(r["working_days_left"] is None and r["overdue"] is False for r in rows)
    sheet = list(csv.DictReader(io.StringIO(status("csv"))))
    assert len(sheet) == 35
    assert {r["standing"] for r in sheet} == {"season_over"}
    assert {r["working_days_left"] for r in sheet} == {""}


def test_board_campaign_and_submission_pages_say_the_season_is_over(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    assert isinstance(rt.clock, FixedClock)
    rt.clock.set(TODAY)
    published = submission_id(rt, "stp")
    force_state(rt, published, "published")
    sign_in(client, HOME_AFFAIRS)
    board = client.get(f"/campaigns/{campaign}/board").text
    assert "Mùa đánh giá đã kết thúc" in board
    body = board.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("Mùa đánh giá đã kết thúc") == 34
    assert body.count("Đã hoàn thành") == 1
    assert "Quá hạn" not in body and "badge overdue" not in board.split("<tbody>", 1)[0]
    assert not NEGATIVE_OR_HUGE.search(board)
    overdue_only = client.get(f"/campaigns/{campaign}/board?overdue=1").text
    assert "Không có hồ sơ nào khớp bộ lọc." in overdue_only
    page = client.get(f"/campaigns/{campaign}").text
    milestones = page.split('id="milestones"', 1)[1].split("</table>", 1)[0]
    assert "Mùa đánh giá đã kết thúc" in milestones and "Quá hạn" not in milestones
    assert not NEGATIVE_OR_HUGE.search(milestones)
    draft = client.get(f"/submissions/{submission_id(rt, 'sgtvt')}").text
    assert "Mùa đánh giá đã kết thúc" in draft and not NEGATIVE_OR_HUGE.search(draft)
    done = client.get(f"/submissions/{published}").text
    assert "Đã hoàn thành" in done and "Quá hạn" not in done and "Mùa đánh giá đã kết thúc" not in done


def test_api_deadline_fields(client: TestClient, rt: Runtime, campaign: str, login) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(rt.clock, FixedClock)
    rt.clock.set(TODAY)
    published = submission_id(rt, "stp")
    force_state(rt, published, "published")
    headers = login(HOME_AFFAIRS)
    over = client.get(f"/api/v1/submissions/{submission_id(rt, 'sgtvt')}", headers=headers).json()
    assert over["deadline_status"] == "season_over" and over["next_deadline"] is None
    assert not any(d["overdue"] for d in over["deadlines"])
    done = client.get(f"/api/v1/submissions/{published}", headers=headers).json()
    assert done["deadline_status"] == "done" and done["next_deadline"] is None
    assert not any(d["overdue"] for d in done["deadlines"])


def test_in_season_nothing_changes(client: TestClient, rt: Runtime, campaign: str, login) -> None:  # type: ignore[no-untyped-def]
    # 18/01/2022: the self-assessment (due 14/01) is overdue by two working days, counted as such
    assert isinstance(rt.clock, FixedClock)
    rt.clock.set(datetime(2022, 1, 18, 9, 0, tzinfo=HAIPHONG))
    with rt.db.read() as session:
        rows = campaign_status(session, rt, campaign)
    assert {r.standing for r in rows} == {Standing.running}
    assert all(r.overdue and r.working_days_left == -2 for r in rows)
    sign_in(client, HOME_AFFAIRS)
    board = client.get(f"/campaigns/{campaign}/board").text
    assert "Quá hạn 2" in board and "Mùa đánh giá đã kết thúc" not in board
    api = client.get(f"/api/v1/submissions/{submission_id(rt, 'sgtvt')}", headers=login(HOME_AFFAIRS)).json()
    assert api["deadline_status"] == "running" and api["next_deadline"]["overdue"] is True
