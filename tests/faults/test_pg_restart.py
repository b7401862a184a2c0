"""PostgreSQL is restarted while the API is under load (clients writing scores and firing events
through a real uvicorn server). Runs only when `CI=true` or `PARFLOW_TEST_PG_RESTART=1`: it
restarts the whole cluster (`pg_ctlcluster --skip-systemctl-redirect <version> main restart`, or
the cluster named by `PARFLOW_TEST_PG_CLUSTER`, e.g. "15 faults"), which would disturb anything
else using it.

Every answer must be a success, a 409, or a 503 with a sentence (no traceback, no other 5xx).
Afterwards the app answers again without being restarted (the pool checks connections before
use), and nothing is half-written: each submission's version moved exactly as many times as it
has new audit entries, and the audit chain verifies. PostgreSQL is started again at the end even
when the test fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from parflow.services.common import audit
from parflow.services.common.runtime import Runtime
from parflow.settings import PROJECT_ROOT
from parflow.store.models import AuditEntry, Campaign, Submission
from tests.faults.live import call, token
from tests.support.databases import in_ci
from tests.support.lifecycle import submission_id
from tests.support.live_server import serving
from tests.support.passwords import PASSWORD
from tests.support.season import complete_self_assessment
from tests.support.workers import Workers

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (in_ci() or os.environ.get("PARFLOW_TEST_PG_RESTART") == "1"),
        reason="restarts PostgreSQL: set PARFLOW_TEST_PG_RESTART=1 (always on under CI=true)",
    ),
]
SCORE_AGENCY = "sgtvt"
EVENT_AGENCIES = ("stp", "sct")


@pytest.fixture
def backend() -> str:
    return "postgres"


def cluster() -> list[str]:
    named = os.environ.get("PARFLOW_TEST_PG_CLUSTER")
    if named:
        return named.split()
    return [sorted(os.listdir("/etc/postgresql"))[0], "main"]


def pg_ctl(action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster(), action],
        capture_output=True,
        text=True,
        timeout=120,
    )


def reachable(url: str) -> bool:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@pytest.fixture
def pg_is_up_afterwards(rt: Runtime) -> Iterator[None]:
    yield
    deadline = time.monotonic() + 60
    while not reachable(rt.db.url) and time.monotonic() < deadline:
        pg_ctl("start")
        time.sleep(1)
    assert reachable(rt.db.url), "PostgreSQL did not come back"


def started_at(url: str) -> str:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        value = conn.execute(sa.text("SELECT pg_postmaster_start_time()")).scalar_one()
    engine.dispose()
    return str(value)


def changes(rt: Runtime, sid: int) -> tuple[int, int]:
    with rt.db.read() as session:
        version = session.exec(select(Submission.version).where(Submission.id == sid)).one()
        entries = session.exec(select(func.count()).where(AuditEntry.submission_id == sid)).one()
    return version, entries


@pytest.mark.timeout(600)  # its own waits add up to more than the default 300 s on a slow machine
def test_restart_under_load(rt: Runtime, campaign: str, pg_is_up_afterwards: None) -> None:
    score_sid = submission_id(rt, SCORE_AGENCY)
    event_sids = {code: submission_id(rt, code) for code in EVENT_AGENCIES}
    for sid in [score_sid, *event_sids.values()]:
        complete_self_assessment(rt, sid)
    with rt.db.read() as session:
        from parflow.store.models import Score

        leaves = session.exec(
            select(Score.criterion_code)
            .where(Score.submission_id == score_sid)
            .order_by(Score.criterion_code)
        ).all()[:3]
    before = {sid: changes(rt, sid) for sid in [score_sid, *event_sids.values()]}
    first_start = started_at(rt.db.url)

    outcomes: Counter[str] = Counter()
    bad: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def record(reply) -> None:  # type: ignore[no-untyped-def]
        with lock:
            if reply.status in (200, 201):
                outcomes["succeeded"] += 1
            elif reply.status in (409, 422):
                outcomes[f"refused {reply.status}"] += 1
            elif (
                reply.status == 503
                and isinstance(reply.body, dict)
                and str(reply.body.get("detail", "")).endswith(".")
            ):
                outcomes["failed cleanly (503)"] += 1
            else:
                outcomes[f"bad {reply.status}"] += 1
                bad.append(f"{reply.status}: {reply.body}")

    with serving(rt) as base:
        focal = token(base, f"dau-moi.{SCORE_AGENCY}@haiphong.example", PASSWORD)
        editors = {c: token(base, f"dau-moi.{c}@haiphong.example", PASSWORD) for c in EVENT_AGENCIES}
        heads = {c: token(base, f"lanh-dao.{c}@haiphong.example", PASSWORD) for c in EVENT_AGENCIES}

        def versioned(tok: str, sid: int, method: str, path: str, body: dict) -> None:  # type: ignore[type-arg]
            current = call(base, "GET", f"/api/v1/submissions/{sid}", token=tok, timeout=60)
            record(current)
            if current.status == 200:
                record(call(base, method, path, token=tok, timeout=60,
                            json_body={**body, "expected_version": current.body["version"]}))  # fmt: skip
            else:
                stop.wait(0.05)  # the database is away: a short breath, not a busy loop

        def write_scores(leaf: str) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                versioned(focal, score_sid, "PUT", f"/api/v1/submissions/{score_sid}/scores/{leaf}",
                          {"score": f"0.0{i % 9 + 1}", "explanation": f"Lần {i}"})  # fmt: skip

        def fire_events(code: str) -> None:
            sid = event_sids[code]
            while not stop.is_set():
                versioned(editors[code], sid, "POST", f"/api/v1/submissions/{sid}/events/submit", {})
                versioned(heads[code], sid, "POST", f"/api/v1/submissions/{sid}/events/reopen",
                          {"comment": "Bổ sung tài liệu."})  # fmt: skip

        def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
            deadline = time.monotonic() + seconds
            while not condition():
                assert time.monotonic() < deadline, f"{what}: {dict(outcomes)}"
                if any(o.finished for o in clients.outcomes):  # clients run until told to stop
                    clients.join(0)  # fails with the client's error
                time.sleep(0.05)

        def succeeded() -> int:
            with lock:
                return outcomes["succeeded"]

        clients = Workers()
        for leaf in leaves:
            clients.start(f"scores {leaf}", write_scores, leaf)
        for code in EVENT_AGENCIES:
            clients.start(f"events {code}", fire_events, code)
        try:
            # restart under real load: once the clients' changes are going through
            wait_until(lambda: succeeded() >= 5, 120, "no change went through before the restart")
            restarted = pg_ctl("restart")
            assert restarted.returncode == 0, restarted.stderr
            # keep the load on until the app has come back on its own: changes go through again
            after_restart = succeeded()
            wait_until(lambda: succeeded() >= after_restart + 10, 180, "no recovery after the restart")
        finally:
            stop.set()
            clients.join(timeout=120)  # fails the test if a client raised (no answer at all, say)
        # the app recovers without a restart of its own
        health = call(base, "GET", "/healthz")
        assert health.status == 200, health.body
        after = call(base, "GET", f"/api/v1/submissions/{score_sid}", token=focal)
        assert after.status == 200

    figures = {"outcomes": dict(outcomes), "bad": len(bad)}
    print(f"\nPostgreSQL restart figures: {json.dumps(figures, ensure_ascii=False)}")
    artifacts = Path(PROJECT_ROOT) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "faults-pg-restart.json").write_text(json.dumps(figures, indent=2))
    assert started_at(rt.db.url) != first_start  # the server really restarted
    assert not bad, bad[:5]
    assert outcomes["failed cleanly (503)"] >= 1 and outcomes["succeeded"] >= 10
    for sid, (version, entries) in before.items():
        now_version, now_entries = changes(rt, sid)
        assert now_version - version == now_entries - entries, sid  # no change without its audit entry
    with rt.db.read() as session:
        report = audit.verify(session, session.exec(select(Campaign)).one())
        assert report.ok, report.reason
