"""The production layout, for real: `parflow serve --workers 2` and two `parflow scheduler`
processes on one PostgreSQL database, delivering to an SMTP server in this test.

Every process reads the same sped-up clock (PARFLOW_CLOCK_*): it waits at 03/01/2022 while the
processes start, then runs four days of the season per second, so the whole 2021 season's
reminders, escalations and daily digests fall due in about 22 seconds, while dozens of HTTP
clients fire submit/reopen events on the same submissions through both API workers. Afterwards:
every outbox row that says `sent` reached the SMTP server exactly once (one Message-ID each, none
twice, none missing), nothing is left queued, every successful event's history entry is there
with versions rising one by one, and the audit chain verifies.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest
from sqlmodel import col, func, select

from parflow.notify.catcher import free_port
from parflow.services.common import audit
from parflow.services.common.runtime import Runtime
from parflow.store.models import AuditEntry, Campaign, Notification, Submission
from tests.deployment.processes import Process, environment, wait_until_healthy
from tests.observability.scrape import parse, total, value
from tests.support.databases import EXAMPLE, TEST_SECRET, load_fixture_campaign
from tests.support.lifecycle import submission_id
from tests.support.mail import ScriptedHandler, SmtpServer
from tests.support.passwords import PASSWORD
from tests.support.people import HOME_AFFAIRS
from tests.support.season import complete_self_assessment

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SEASON_FROM = datetime(2022, 1, 3, 9, 0, tzinfo=VN)  # before the first self-assessment reminder
SEASON_UNTIL = datetime(2022, 4, 1, 12, 0, tzinfo=VN)  # after publication and its escalations
RATE = 4 * 86400  # four days of the season per real second
# real seconds before the season clock starts running: the processes start meanwhile. A budget, not
# a requirement: if start-up takes longer, the schedulers catch up and the clients still get FIRING
STARTUP = 40.0
FIRING = 15.0  # real seconds the clients fire at least, however late the processes came up
AGENCIES = ["sgtvt", "stp", "snv", "syt", "q-duong-kinh", "q-ngo-quyen", "h-thuy-nguyen", "h-an-lao"]
QUEUED = ("pending", "sending", "failed")
EVENT_ROUTE = "/api/v1/submissions/{submission_id}/events/{trigger}"
MAIL_FROM = "Sở Nội vụ Hải Phòng <cchc@snv.haiphong.example>"


def _settings(rt: Runtime, tmp_path: Path, smtp: SmtpServer, anchor: datetime) -> dict[str, str]:
    return {
        "data_dir": str(tmp_path / "data"),
        "database_url": rt.settings.effective_database_url,
        "secret_key": TEST_SECRET,
        "base_url": "http://127.0.0.1",
        "token_ttl_minutes": str(365 * 24 * 60),  # a token must outlive a season that passes in seconds
        "smtp_host": smtp.host,
        "smtp_port": str(smtp.port),
        "smtp_security": "none",
        "mail_from": MAIL_FROM,
        "clock_start": SEASON_FROM.isoformat(),
        "clock_anchor": anchor.isoformat(),
        "clock_rate": str(RATE),
        "clock_until": SEASON_UNTIL.isoformat(),
    }


@pytest.mark.timeout(1200)  # start-up, season and the generous waits above, on a loaded machine
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_season_on_two_api_workers_and_two_schedulers(
    rt: Runtime, password_hash: str, tmp_path: Path
) -> None:
    rt.clock.set(SEASON_FROM)  # type: ignore[attr-defined]
    code = load_fixture_campaign(rt, EXAMPLE, password_hash)
    sids = {agency: submission_id(rt, agency) for agency in AGENCIES}
    for sid in sids.values():
        complete_self_assessment(rt, sid)
    before = _versions(rt)

    smtp = SmtpServer(ScriptedHandler(), free_port()).start()
    anchor = datetime.now(UTC) + timedelta(seconds=STARTUP)
    season_ends = time.monotonic() + STARTUP + (SEASON_UNTIL - SEASON_FROM).total_seconds() / RATE
    env = environment(_settings(rt, tmp_path, smtp, anchor))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    scheduler_ports = [free_port(), free_port()]
    processes = [
        Process.start("serve", ["serve", "--port", str(port), "--workers", "2"], env, tmp_path),
        *(
            Process.start(
                f"scheduler-{n}", ["scheduler", "--interval", "1", "--metrics-port", str(p)], env, tmp_path
            )
            for n, p in enumerate(scheduler_ports, 1)
        ),
    ]
    try:
        wait_until_healthy(base, processes[0], timeout=300)
        for process, p in zip(processes[1:], scheduler_ports, strict=True):
            _wait_until_serving_metrics(process, p, timeout=300)
        fired, requests = asyncio.run(_fire_until(base, sids, max(season_ends, time.monotonic() + FIRING)))
        _wait_for_empty_outbox(rt, season_ends, scheduler_ports)
        _wait_until_both_workers_answered(base, processes[0])
        web_metrics = parse(httpx.get(f"{base}/metrics").text)  # from loopback: no token needed
        scheduler_metrics = [parse(httpx.get(f"http://127.0.0.1:{p}/metrics").text) for p in scheduler_ports]
        codes = {p.name: p.stop() for p in processes}
    finally:
        for p in processes:
            p.stop()
        smtp.stop()
    assert all(c == 0 for n, c in codes.items() if n.startswith("scheduler")), {
        p.name: p.output()[-2000:] for p in processes
    }

    # --- e-mail: every sent row reached the server exactly once; nothing lost or left queued ---
    copies = Counter(smtp.handler.message_ids())
    rows = _outbox(rt)
    statuses = Counter(r.status for r in rows)
    sent = {r.message_id for r in rows if r.status == "sent"}
    duplicates = {mid: n for mid, n in copies.items() if n > 1}
    lost = sent - set(copies)
    unknown = set(copies) - sent
    kinds = Counter(r.kind for r in rows if r.status == "sent")
    print(f"\n{len(copies)} delivered, {len(duplicates)} duplicates, {len(lost)} lost; {dict(statuses)}")
    transitions = sum(len(v) for v in fired.values())
    print(f"sent by kind: {dict(kinds)}; {requests} event requests, {transitions} transitions")
    assert duplicates == {} and lost == set() and unknown == set()
    assert len(sent) == statuses["sent"] == len(copies)
    # nothing pending, failed or dead; notices to Home Affairs wait for (held) or went into
    # (digested) their daily digest
    assert set(statuses) <= {"sent", "cancelled", "held", "digested"}, statuses
    # the season really passed: deadline messages of every kind and the workflow's own messages went
    # out ("submitted" goes to Home Affairs only, so it is in their digests)
    assert {"reminder", "escalation", "daily_digest", "reopened"} <= set(kinds), kinds
    assert "submitted" in {r.kind for r in rows if r.status in ("held", "digested")}

    # --- transitions: each success is in the history, versions rise by one, the chain holds ---
    after = _versions(rt)
    history = _transition_seqs(rt)
    for agency, sid in sids.items():
        successes = sorted(fired[sid])
        assert successes, f"no event succeeded on {agency}"
        assert [seq for seq, _v in successes] == history[sid]  # no transition lost, none extra
        versions = [v for _seq, v in successes]
        assert versions == list(range(before[sid] + 1, before[sid] + 1 + len(versions)))
        assert after[sid] == versions[-1]
    with rt.db.read() as session:
        campaign = session.exec(select(Campaign).where(Campaign.code == code)).one()
        report = audit.verify(session, campaign)
    assert report.ok, report

    # --- observability across processes ---
    # whichever worker answered /metrics counted every worker's requests and events
    assert total(web_metrics, "parflow_http_requests_total", route=EVENT_ROUTE) == requests
    assert total(web_metrics, "parflow_workflow_events_total") == transitions
    assert value(web_metrics, "parflow_outbox_messages", status="sent") == len(copies)
    # each scheduler reports its own share; together they sent what the SMTP server received
    shares = [total(m, "parflow_deliveries_total", outcome="sent") for m in scheduler_metrics]
    print(f"deliveries per scheduler: {shares}")
    assert sum(shares) == len(copies)
    assert all(total(m, "parflow_ticks_total", outcome="ok") > 0 for m in scheduler_metrics)
    # one JSON line per request, from both API workers
    request_lines = [
        json.loads(line)
        for line in processes[0].output().splitlines()
        if line.startswith("{") and '"parflow.http"' in line
    ]
    events = [r for r in request_lines if r["route"] == EVENT_ROUTE]
    assert len(events) == requests
    # both workers answered (more pids if one was restarted); which one takes a connection is the
    # kernel's choice, so this counts every request line, probes included
    assert len({r["pid"] for r in request_lines}) >= 2, Counter(r["pid"] for r in request_lines)
    print(f"event requests per worker: {dict(Counter(r['pid'] for r in events))}")
    assert all(r["user_id"] and r["request_id"] for r in events)


async def _fire_until(
    base: str, sids: dict[str, int], until: float
) -> tuple[dict[int, list[tuple[int, int]]], int]:
    """Three clients per agency (focal point submits, head and Home Affairs reopen) race until
    `until`; each on its own connections so the kernel spreads them over both workers."""
    fired: dict[int, list[tuple[int, int]]] = defaultdict(list)
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        tokens = {}
        for email in [HOME_AFFAIRS] + [
            f"{who}.{a}@haiphong.example" for a in sids for who in ("dau-moi", "lanh-dao")
        ]:
            response = await client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
            assert response.status_code == 200, response.text
            tokens[email] = {"Authorization": f"Bearer {response.json()['access_token']}"}

        async def client_loop(sid: int, email: str, trigger: str) -> Counter[int]:
            outcomes: Counter[int] = Counter()
            body = {"comment": "Bổ sung tài liệu kiểm chứng"} if trigger == "reopen" else None
            while time.monotonic() < until:
                response = await client.post(
                    f"/api/v1/submissions/{sid}/events/{trigger}", json=body, headers=tokens[email]
                )
                outcomes[response.status_code] += 1
                if response.status_code == 200:
                    data = response.json()
                    fired[sid].append((data["history_entry"]["seq"], data["submission"]["version"]))
                await asyncio.sleep(random.uniform(0.1, 0.4))
            return outcomes

        loops = []
        for agency, sid in sids.items():
            loops.append(client_loop(sid, f"dau-moi.{agency}@haiphong.example", "submit"))
            loops.append(client_loop(sid, f"lanh-dao.{agency}@haiphong.example", "reopen"))
            loops.append(client_loop(sid, HOME_AFFAIRS, "reopen"))
        results = await asyncio.gather(*loops)
    statuses = sum(results, Counter())
    assert set(statuses) <= {200, 409}, statuses  # a lost race is a conflict, never an error
    return fired, sum(statuses.values())


def _ticks(port: int) -> float:
    return total(parse(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text), "parflow_ticks_total")


def _wait_until_serving_metrics(process: Process, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert process.popen.poll() is None, f"{process.name} exited early:\n{process.output()}"
        try:
            _ticks(port)
            return
        except httpx.HTTPError:
            assert time.monotonic() < deadline, f"{process.name} serves no metrics:\n{process.output()}"
            time.sleep(0.2)


def _wait_for_empty_outbox(rt: Runtime, season_ends: float, ports: list[int], timeout: float = 300) -> None:
    """Once the season clock has stopped, wait until each scheduler has run whole ticks on the
    stopped clock and the outbox stays empty across them."""
    while time.monotonic() < season_ends:  # the season clock is still running
        time.sleep(0.2)
    deadline = time.monotonic() + timeout
    # a tick under way at the season's end may have started before it: two more are whole ones
    wanted = [_ticks(p) + 2 for p in ports]
    quiet = 0
    while quiet < 2 or any(_ticks(p) < n for p, n in zip(ports, wanted, strict=True)):
        assert time.monotonic() < deadline, f"outbox still not empty: {_queued(rt)}"
        quiet = quiet + 1 if _queued(rt) == 0 else 0
        time.sleep(0.5)


def _wait_until_both_workers_answered(base: str, server: Process, timeout: float = 120) -> None:
    """The kernel hands each new connection to either worker; on a loaded machine one may have
    taken them all so far. Probe on fresh connections until both have logged an answer."""
    deadline = time.monotonic() + timeout
    while len(_request_pids(server)) < 2:
        assert time.monotonic() < deadline, f"one worker answered everything: {_request_pids(server)}"
        httpx.get(f"{base}/healthz", timeout=30)
        time.sleep(0.05)


def _request_pids(server: Process) -> set[int]:
    return {
        json.loads(line)["pid"]
        for line in server.output().splitlines()
        if line.startswith("{") and '"parflow.http"' in line
    }


def _queued(rt: Runtime) -> int:
    with rt.db.read() as session:
        return session.exec(select(func.count()).where(col(Notification.status).in_(QUEUED))).one()


def _outbox(rt: Runtime) -> list[Notification]:
    with rt.db.read() as session:
        return list(session.exec(select(Notification)))


def _versions(rt: Runtime) -> dict[int, int]:
    with rt.db.read() as session:
        return {s.id or 0: s.version for s in session.exec(select(Submission))}


def _transition_seqs(rt: Runtime) -> dict[int, list[int]]:
    with rt.db.read() as session:
        entries = session.exec(
            select(AuditEntry.submission_id, AuditEntry.seq)
            .where(AuditEntry.action == "transition")
            .order_by(col(AuditEntry.seq))
        ).all()
    seqs: dict[int, list[int]] = defaultdict(list)
    for sid, seq in entries:
        seqs[sid].append(seq)
    return seqs
