"""Calendar feeds, moving milestones (plan backwards), publication at risk, the scheduler."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date
from typing import IO

import pytest
from icalendar import Calendar
from sqlmodel import select

from parflow.notify.catcher import free_port
from parflow.scheduler.runner import BackgroundScheduler
from parflow.services.campaigns.input import read_campaign
from parflow.services.campaigns.load import load_campaign
from parflow.services.deadlines import calendar_feed
from parflow.services.monitoring.status import campaign_status
from parflow.store.models import Agency, AuditEntry, Milestone
from tests.observability.scrape import parse, total
from tests.support.lifecycle import submission_id
from tests.support.season import drive_to

from .conftest import outbox

EXAMPLE_DIR = "examples/haiphong-2021"


def events(body: bytes) -> dict[str, date]:
    cal = Calendar.from_ical(body)
    return {str(e["uid"]): e.decoded("dtstart") for e in cal.walk("VEVENT")}


def test_calendar_feeds(rt, campaign, client, login, at) -> None:
    at("2022-01-10 09:00")
    home = login("cchc.nhung@snv.haiphong.example")
    body = {
        "agency": "sxd",
        "milestone": "self_assessment_due",
        "new_date": "2022-01-21",
        "reason": "dịch bệnh",
    }
    assert client.post(f"/api/v1/campaigns/{campaign}/extensions", json=body, headers=home).status_code == 201

    response = client.get(f"/api/v1/campaigns/{campaign}/calendar.ics", headers=home)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    found = events(response.content)
    assert found[f"{campaign}.publication.campaign@parflow"] == date(2022, 3, 28)
    assert found[f"{campaign}.self_assessment_due.campaign@parflow"] == date(2022, 1, 14)
    assert found[f"{campaign}.self_assessment_due.sxd@parflow"] == date(2022, 1, 21)  # the extension

    with rt.db.read() as session:
        sxd = session.exec(select(Agency).where(Agency.code == "sxd")).one()
        stp = session.exec(select(Agency).where(Agency.code == "stp")).one()
    own = client.get(calendar_feed.feed_path(sxd))  # no password: the link is the secret
    assert own.status_code == 200
    parsed = Calendar.from_ical(own.content)
    assert "Sở Xây dựng" in str(parsed["x-wr-calname"])
    mine = events(own.content)
    assert mine[f"{campaign}.self_assessment_due.sxd@parflow"] == date(2022, 1, 21)
    assert mine[f"{campaign}.appraisal_due.sxd@parflow"] == date(2022, 2, 28)
    assert len(mine) == 4
    assert events(client.get(calendar_feed.feed_path(stp)).content)[
        f"{campaign}.self_assessment_due.stp@parflow"
    ] == date(2022, 1, 14)
    assert client.get("/api/v1/calendar/not-a-real-token.ics").status_code == 404
    assert client.get(f"/api/v1/campaigns/{campaign}/calendar.ics").status_code == 401
    # an agency's focal point sees its own dates in the campaign feed
    focal = login("dau-moi.sxd@haiphong.example")
    theirs = events(client.get(f"/api/v1/campaigns/{campaign}/calendar.ics", headers=focal).content)
    assert theirs[f"{campaign}.self_assessment_due.sxd@parflow"] == date(2022, 1, 21)


def test_moving_publication_moves_the_plan(rt, campaign, client, login, at) -> None:
    at("2022-01-10 09:00")
    home = login("cchc.nhung@snv.haiphong.example")
    url = f"/api/v1/campaigns/{campaign}/milestones/publication"
    moved = client.put(url, json={"due_date": "2022-04-04", "reason": "Lịch họp UBND thay đổi"}, headers=home)
    assert moved.status_code == 200, moved.text
    changes = {m["milestone"]: (m["old_date"], m["new_date"]) for m in moved.json()}
    assert changes == {
        "publication": ("2022-03-28", "2022-04-04"),
        "appraisal_due": ("2022-02-28", "2022-03-07"),
        "approval_due": ("2022-03-23", "2022-03-30"),
    }
    with rt.db.read() as session:
        dates = {m.key: m.due_date for m in session.exec(select(Milestone))}
        logged = session.exec(select(AuditEntry).where(AuditEntry.action == "milestone_moved")).all()
    assert dates["appraisal_due"] == date(2022, 3, 7)
    assert len(logged) == 3 and logged[0].comment == "Lịch họp UBND thay đổi"
    notes = outbox(rt, "milestone_moved")
    assert notes and all(n.context["reason"] == "Lịch họp UBND thay đổi" for n in notes)
    assert "cchc.nhung@snv.haiphong.example" not in {n.recipient_email for n in notes}  # the mover
    assert any(
        n.context["milestone"]["key"] == "appraisal_due" and n.context["new_date"] == "2022-03-07"
        for n in notes
    )

    bad = client.put(url, json={"due_date": "2022-01-01", "reason": "x"}, headers=home)
    assert bad.status_code == 422  # would put publication before self-assessment
    assert client.put(url, json={"due_date": "2022-04-04", "reason": "x"}, headers=home).status_code == 422
    focal = login("dau-moi.sxd@haiphong.example")
    assert client.put(url, json={"due_date": "2022-04-05", "reason": "x"}, headers=focal).status_code == 403


def test_reloading_with_a_new_publication_date_announces_it(rt, campaign, tmp_path) -> None:
    import shutil

    copy = tmp_path / "campaign"
    shutil.copytree(EXAMPLE_DIR, copy)
    text = (copy / "campaign.yaml").read_text().replace("publication: 2022-03-28", "publication: 2022-03-31")
    (copy / "campaign.yaml").write_text(text)
    data = read_campaign(copy, rt.workflows)
    rt.db.run(lambda s: load_campaign(s, rt, data))
    notes = outbox(rt, "milestone_moved")
    # one message per person, every date of the move in it (the first, then those that followed)
    assert len({n.person_id for n in notes}) == len(notes)
    moved = {n.context["milestone"]["key"] for n in notes} | {
        a["milestone"]["key"] for n in notes for a in n.context["also"]
    }
    assert moved == {"publication", "appraisal_due", "approval_due"}


def test_publication_at_risk(rt, campaign, at) -> None:
    at("2022-02-21 09:00")  # 25 working days before publication: a draft needs 2+10+5+3+2 = 22
    # Sở Giao thông vận tải is ahead of everyone: appraised, results sent, little left to do
    drive_to(rt, submission_id(rt, "sgtvt"), "results_sent")
    with rt.db.read() as session:
        rows = campaign_status(session, rt, campaign)
    assert len(rows) == 35
    assert [r.agency for r in rows if r.publication_at_risk] == []
    at("2022-02-28 09:00")  # 20 working days left: every agency still in draft is at risk
    with rt.db.read() as session:
        rows = campaign_status(session, rt, campaign)
    assert len(rows) == 35
    at_risk = {r.agency for r in rows if r.publication_at_risk}
    assert at_risk == {r.agency for r in rows} - {"sgtvt"}
    drafts = [r for r in rows if r.agency != "sgtvt"]
    assert {(r.state, r.next_milestone, r.due_date, r.overdue) for r in drafts} == {
        ("draft", "self_assessment_due", date(2022, 1, 14), True)
    }
    ahead = next(r for r in rows if r.agency == "sgtvt")
    assert (ahead.state, ahead.publication_at_risk) == ("under_appraisal", False)


def test_status_cli_with_now(rt, campaign, monkeypatch) -> None:
    from typer.testing import CliRunner

    from parflow.cli import app

    monkeypatch.setenv("PARFLOW_DATABASE_URL", rt.settings.effective_database_url)
    monkeypatch.setenv("PARFLOW_DATA_DIR", str(rt.settings.data_dir))
    result = CliRunner().invoke(app, ["status", campaign, "--format", "json", "--now", "2022-03-01T09:00"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["publication_at_risk"] is True and rows[0]["due_date"] == "2022-01-14"
    bad = CliRunner().invoke(app, ["status", campaign, "--now", "yesterday"])
    assert bad.exit_code == 1


def test_background_scheduler_ticks_and_stops(rt, campaign, at) -> None:
    at("2022-01-17 08:00")
    scheduler = BackgroundScheduler(rt, interval_seconds=1).start()
    try:
        # the first tick may come late on a busy machine: wait for its result, with a generous deadline
        deadline = time.monotonic() + 90
        while len(outbox(rt, "escalation")) < 35 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert not scheduler.running
    assert len(outbox(rt, "escalation")) == 35  # and no more: later ticks queued nothing twice


class Lines:
    """A child's output read by a thread of its own, so that waiting for a line has a deadline:
    `readline()` on the pipe would block past any deadline while the child says nothing."""

    def __init__(self, stream: IO[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put("")  # end of output: the child closed it (exited)

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if text in line:
                return True
            if not line:
                break
        return False

    def rest(self, timeout: float) -> str:
        """Everything up to the end of the output (the child has exited)."""
        self._thread.join(timeout)
        while not self._queue.empty():
            self.seen.append(self._queue.get_nowait())
        return "".join(self.seen)


def ticked(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return False  # not listening yet
    return total(parse(text), "parflow_ticks_total", outcome="ok") > 0


@pytest.mark.timeout(180)  # a scheduler that ignores SIGTERM is this test's failure: fail it, do not hang
def test_scheduler_process_stops_cleanly_on_sigterm(tmp_path) -> None:
    env = {**os.environ, "PARFLOW_DATA_DIR": str(tmp_path), "PARFLOW_TICK_INTERVAL_SECONDS": "1"}
    env.pop("PARFLOW_DATABASE_URL", None)
    cli = [sys.executable, "-c", "from parflow.cli import main; main()"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    proc = subprocess.Popen(
        [*cli, "scheduler", "--metrics-port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = Lines(proc.stdout)  # type: ignore[arg-type]
        # signal handlers are installed before "scheduler started" is logged
        assert lines.wait_for("scheduler started", 60), "".join(lines.seen)
        # stop it once it has really worked: its metrics count a finished tick (a tick that queued
        # nothing logs no line)
        deadline = time.monotonic() + 60
        while not ticked(port):
            assert time.monotonic() < deadline and proc.poll() is None, lines.rest(10)
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, lines.rest(10)
        out = lines.rest(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert "scheduler stopped" in out and "Traceback" not in out, out
