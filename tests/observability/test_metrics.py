"""`GET /metrics` and the scheduler's metrics port: Prometheus text whose figures move with the
work done (requests, events, ticks, deliveries) and whose outbox figures are the database's."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from parflow.notify.catcher import free_port
from parflow.scheduler.jobs import delivery_job, tick_once
from parflow.scheduler.metrics_endpoint import MetricsServer
from parflow.services.common.runtime import Runtime
from parflow.store.models import Notification
from parflow.web.app import create_app
from tests.observability.scrape import Samples, parse, total, value
from tests.support.lifecycle import submission_id
from tests.support.mail import ScriptedHandler, SmtpServer, routed
from tests.support.season import complete_self_assessment

VN = ZoneInfo("Asia/Ho_Chi_Minh")
EVENT_ROUTE = "/api/v1/submissions/{submission_id}/events/{trigger}"
LOCAL = ("127.0.0.1", 50000)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(ScriptedHandler(), free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def local_client(rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(rt), client=LOCAL) as test_client:
        yield test_client


def scrape(client: TestClient, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def outbox_in_db(rt: Runtime) -> Counter[str]:
    with rt.db.read() as session:
        return Counter(session.exec(select(Notification.status)).all())


@pytest.mark.both_backends
def test_figures_move_with_events_ticks_and_deliveries(
    rt: Runtime, campaign: str, local_client: TestClient, login, smtp: SmtpServer
) -> None:
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid)
    before = scrape(local_client)

    headers = login("dau-moi.sgtvt@haiphong.example")
    assert local_client.post(f"/api/v1/submissions/{sid}/events/submit", headers=headers).status_code == 200
    assert local_client.post(f"/api/v1/submissions/{sid}/events/submit", headers=headers).status_code == 409
    rt.clock.set(datetime(2022, 1, 12, 8, 30, tzinfo=VN))  # type: ignore[attr-defined]  # 2-day reminders due
    report = tick_once(rt)
    assert report.total > 0
    # five minutes later, before delivery: what the tick queued has been waiting that long
    rt.clock.set(datetime(2022, 1, 12, 8, 35, tzinfo=VN))  # type: ignore[attr-defined]
    middle = scrape(local_client)
    asyncio.run(delivery_job(routed(rt, smtp)))
    after = scrape(local_client)

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert moved("parflow_workflow_events_total", trigger="submit") == 1  # the 409 fired nothing
    assert moved("parflow_http_requests_total", method="POST", route=EVENT_ROUTE, status="200") == 1
    assert moved("parflow_http_requests_total", method="POST", route=EVENT_ROUTE, status="409") == 1
    assert moved("parflow_http_request_duration_seconds_count", method="POST", route=EVENT_ROUTE) == 2
    assert moved("parflow_http_requests_total", route="/api/v1/auth/token") >= 1
    assert moved("parflow_ticks_total", outcome="ok") == 1
    assert moved("parflow_tick_duration_seconds_count") == 1
    assert moved("parflow_tick_messages_total") == report.total + report.digests
    sent = len(smtp.handler.received)
    assert sent > 0 and moved("parflow_deliveries_total", outcome="sent") == sent
    assert moved("parflow_delivery_runs_total", outcome="ok") == 1
    # no raw paths with ids among the labels: one series per route template
    routes = {dict(labels).get("route") for (name, labels) in after if name == "parflow_http_requests_total"}
    assert EVENT_ROUTE in routes and not any(f"/{sid}/" in (r or "") for r in routes), routes

    # the outbox figures are the database's at scrape time: queued before delivery, sent after
    queued = outbox_in_db(rt)
    assert value(after, "parflow_database_up") == 1
    assert value(after, "parflow_outbox_messages", status="pending") == queued["pending"] == 0
    assert value(after, "parflow_outbox_messages", status="sent") == queued["sent"] == sent
    assert value(middle, "parflow_outbox_messages", status="pending") == sent
    # the oldest pending message is the agency head's "your report went out" (issue 15), queued at
    # the submit on 10/01 09:00 and waiting for this first delivery run since
    assert (
        value(middle, "parflow_outbox_oldest_due_seconds")
        == (datetime(2022, 1, 12, 8, 35, tzinfo=VN) - datetime(2022, 1, 10, 9, 0, tzinfo=VN)).total_seconds()
    )
    # the two "submitted" notices to Home Affairs went into the morning's digests, not the queue
    assert value(after, "parflow_outbox_messages", status="digested") == queued["digested"] == 2
    assert value(after, "parflow_outbox_oldest_due_seconds") == 0


def test_metrics_only_for_this_machine_or_the_token_holder(
    rt: Runtime, campaign: str, client: TestClient
) -> None:
    # without a token: loopback only (the test client's default address is not loopback)
    refused = client.get("/metrics")
    assert refused.status_code == 403 and refused.json()["code"] == "metrics_local_only"
    with TestClient(create_app(rt), client=LOCAL) as local:
        assert local.get("/metrics").status_code == 200

    secured = Runtime(
        settings=rt.settings.model_copy(update={"metrics_token": "s3cret-metrics-token"}),
        db=rt.db,
        clock=rt.clock,
    )
    for address in (LOCAL, ("203.0.113.9", 40000)):
        with TestClient(create_app(secured), client=address) as remote:
            missing = remote.get("/metrics")  # with a token set, loopback alone is not enough
            assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
            assert remote.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
            ok = remote.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
            assert ok.status_code == 200 and "parflow_outbox_messages" in ok.text


def test_scheduler_serves_its_own_metrics(rt: Runtime, campaign: str) -> None:
    rt.clock.set(datetime(2022, 1, 12, 8, 30, tzinfo=VN))  # type: ignore[attr-defined]
    server = MetricsServer(rt, "127.0.0.1", free_port()).start()
    try:
        url = f"http://127.0.0.1:{server.port}/metrics"
        before = parse(httpx.get(url).text)
        report = tick_once(rt)
        response = httpx.get(url)
        assert response.status_code == 200
        after = parse(response.text)
        assert total(after, "parflow_ticks_total") - total(before, "parflow_ticks_total") == 1
        assert value(after, "parflow_outbox_messages", status="pending") == outbox_in_db(rt)["pending"] > 0
        assert report.total > 0
        assert httpx.get(f"http://127.0.0.1:{server.port}/other").status_code == 404
    finally:
        server.stop()
    secured = Runtime(
        settings=rt.settings.model_copy(update={"metrics_token": "tok-42"}), db=rt.db, clock=rt.clock
    )
    server = MetricsServer(secured, "127.0.0.1", free_port()).start()
    try:
        url = f"http://127.0.0.1:{server.port}/metrics"
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers={"Authorization": "Bearer tok-42"}).status_code == 200
    finally:
        server.stop()


@pytest.mark.both_backends
def test_metrics_still_answer_when_the_database_does_not(rt: Runtime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A scrape without the database still carries the process's figures, and says what is missing."""
    from parflow.store.db import Database

    empty = Database(f"sqlite:///{tmp_path / 'never-migrated.db'}")  # no tables: every read fails
    broken = Runtime(settings=rt.settings, db=empty, clock=rt.clock)
    with TestClient(create_app(broken), client=LOCAL) as local:
        assert local.get("/healthz").status_code == 200  # the server is up; its tables are not
        samples = scrape(local)
    empty.dispose()
    assert value(samples, "parflow_database_up") == 0
    assert not any(name == "parflow_outbox_messages" for name, _labels in samples)
    assert value(samples, "parflow_http_requests_total", method="GET", route="/healthz", status="200") >= 1
