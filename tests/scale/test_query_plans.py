"""The hot queries use indexes on PostgreSQL: no sequential scan of the big tables (submissions,
scores, history, outbox) for the tick, delivery, lists, the board, results and history.

A generated data set (several provinces, the season played up to March, ANALYZE run as
autovacuum would) is queried through the real code paths; every SELECT they send is captured
with its parameters and run again under EXPLAIN. No planner settings are changed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from benchmarks.generate import AS_OF, generate
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from parflow.notify.claims import claim
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.tick import tick
from parflow.store.db import Database
from parflow.store.models import Campaign, Submission
from parflow.web.app import create_app
from tests.scale.conftest import Recorded, home_affairs, recording
from tests.support.auth import sign_in
from tests.support.databases import give_passwords, truncate

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BIG = {"submission", "score", "audit_entry", "notification", "agency"}
PROVINCES, AGENCIES = 12, 150  # 1,800 submissions, ~160,000 scores, ~17,000 history entries


@pytest.fixture(scope="module")
def national(pg_migrated: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    from benchmarks.generate import runtime_for

    db = Database(pg_migrated)
    truncate(db)
    db.dispose()
    rt = runtime_for(pg_migrated, tmp_path_factory.mktemp("plans"))
    generate(rt, provinces=PROVINCES, agencies=AGENCIES)
    yield rt
    rt.db.dispose()
    cleanup = Database(pg_migrated)
    truncate(cleanup)
    cleanup.dispose()


def seq_scans(plan: dict[str, Any]) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += seq_scans(child)
    return found


def explain_all(rt: Runtime, recorded: Recorded, at_least: int) -> list[tuple[str, list[str]]]:
    """(statement, big tables scanned sequentially) for each SELECT whose plan has such a scan."""
    bad = []
    explained = 0
    with rt.db.engine.connect() as conn:
        for statement, parameters in recorded.statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            explained += 1
            scans = seq_scans(plan[0]["Plan"])
            if scans:
                bad.append((" ".join(statement.split())[:300], scans))
        conn.rollback()
    assert explained >= at_least, f"only {explained} queries captured"
    return bad


def test_tick_and_delivery_use_indexes(national: Runtime) -> None:
    rt = national
    with rt.db.write() as session:
        # 5 % of submissions due now, and some messages waiting for delivery
        ids = list(session.exec(select(Submission.id).order_by(col(Submission.id))))
        session.execute(update(Submission).where(col(Submission.id).in_(ids[::20])).values(next_due_at=AS_OF))
    with recording(rt) as recorded:
        report = tick(rt, AS_OF + timedelta(minutes=1))
        with Session(rt.db.engine) as session:
            claim(session, AS_OF + timedelta(minutes=2), 50, AS_OF + timedelta(minutes=10))
            session.rollback()
    assert report.submissions_examined == len(ids[::20])
    assert explain_all(rt, recorded, at_least=8) == []


def test_lists_board_results_and_history_use_indexes(national: Runtime, password_hash: str) -> None:
    rt = national
    give_passwords(rt, password_hash)
    with rt.db.read() as session:
        campaign = session.exec(select(Campaign).order_by(col(Campaign.id)).offset(5)).first()
        assert campaign is not None
        sid = session.exec(
            select(Submission.id).where(Submission.campaign_id == campaign.id).order_by(col(Submission.id))
        ).first()
    assert sid is not None
    slug = campaign.code.removesuffix("-2021")
    with TestClient(create_app(rt)) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": home_affairs(slug), "password": "correct horse battery"}
        ).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        sign_in(client, home_affairs(slug))
        code = campaign.code
        urls = [
            f"/api/v1/campaigns/{code}/submissions?limit=50",
            f"/api/v1/campaigns/{code}/submissions?group=rural_district&limit=20",
            f"/api/v1/submissions/{sid}",
            f"/api/v1/submissions/{sid}/history?limit=5",
            f"/api/v1/submissions/{sid}/notifications?limit=5",
            f"/api/v1/campaigns/{code}/notifications?limit=20",
            f"/api/v1/campaigns/{code}/notifications?status=dead",
            f"/api/v1/campaigns/{code}/results/preview",
            f"/campaigns/{code}/board",
            f"/submissions/{sid}",
        ]
        with recording(rt) as recorded:
            for url in urls:
                response = client.get(url, headers=bearer if url.startswith("/api/") else {})
                assert response.status_code == 200, (url, response.text[:300])
                # and the second page of every paged list
                if "x-next-cursor" in response.headers:
                    client.get(
                        response.headers["link"][1 : response.headers["link"].index(">")], headers=bearer
                    )
        assert explain_all(rt, recorded, at_least=40) == []
