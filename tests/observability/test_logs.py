"""Log lines: one JSON object per request (route template, status, time taken, user, request id)
and per scheduler run; never a password, token or request body."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError, OperationalError

from parflow.observability.logs import configure_logging
from parflow.scheduler.jobs import tick_once
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import calendar_feed
from parflow.store.models import Person
from parflow.web.app import create_app
from tests.support import logging_state
from tests.support.lifecycle import submission_id
from tests.support.passwords import PASSWORD
from tests.support.season import complete_self_assessment

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    # configure_logging changes the root logger and uvicorn's, APScheduler's and transitions'
    # (levels, handlers, propagation; it disables uvicorn.access): all put back afterwards
    with logging_state.preserved():
        configure_logging("json", stream=stream)
        yield stream


def lines(stream: io.StringIO, logger: str) -> list[dict]:
    parsed = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [p for p in parsed if p["logger"] == logger]


def test_one_json_line_per_request_without_secrets(
    rt: Runtime, campaign: str, client: TestClient, captured: io.StringIO
) -> None:
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid)
    form = {"username": "dau-moi.sgtvt@haiphong.example", "password": PASSWORD}
    token = client.post("/api/v1/auth/token", data=form).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    fired = client.post(
        f"/api/v1/submissions/{sid}/events/submit",
        json={"comment": "bí mật trong nội dung"},
        headers={**auth, "X-Request-ID": "req-42.abc"},
    )
    assert fired.status_code == 200 and fired.headers["x-request-id"] == "req-42.abc"
    odd = client.get("/healthz", headers={"X-Request-ID": "not a safe id; " * 20})
    generated = odd.headers["x-request-id"]
    assert len(generated) == 32 and generated != "req-42.abc"
    feed = client.get("/api/v1/calendar/very-secret-feed-token.ics")
    client.get("/no/such/page/with-a-secret-1234")

    requests = lines(captured, "parflow.http")
    assert [r["route"] for r in requests] == [
        "/api/v1/auth/token",
        "/api/v1/submissions/{submission_id}/events/{trigger}",
        "/healthz",
        "/api/v1/calendar/{token}.ics",
        "<unmatched>",
    ]
    event = requests[1]
    assert event["method"] == "POST" and event["status"] == 200 and event["request_id"] == "req-42.abc"
    assert isinstance(event["duration_ms"], float) and event["duration_ms"] >= 0
    assert event["user_id"] is not None and requests[0]["user_id"] is None  # signed in only on the event
    assert requests[2]["request_id"] == generated
    assert requests[3]["status"] == feed.status_code
    assert requests[4]["status"] == 404
    for r in requests:
        assert set(r) >= {"time", "level", "logger", "message", "pid", "method", "route", "status"}
        datetime.fromisoformat(r["time"])
    # everything logged, except the test client's own lines about the requests it sent
    everything = "\n".join(x for x in captured.getvalue().splitlines() if '"logger": "httpx2"' not in x)
    for secret in (PASSWORD, token, "very-secret-feed-token", "bí mật", "with-a-secret-1234"):
        assert secret not in everything


def test_scheduler_summary_lines(rt: Runtime, campaign: str, captured: io.StringIO) -> None:
    rt.clock.set(datetime(2022, 1, 12, 8, 30, tzinfo=VN))  # type: ignore[attr-defined]
    report = tick_once(rt)
    (line,) = lines(captured, "parflow.scheduler")
    assert line["event"] == "tick" and line["queued"] == report.total > 0
    assert line["clock"] == report.now.isoformat() and line["duration_ms"] >= 0


def test_text_format(rt: Runtime, campaign: str, client: TestClient) -> None:
    stream = io.StringIO()
    with logging_state.preserved():
        configure_logging("text", stream=stream)
        client.get("/healthz")
    (line,) = [x for x in stream.getvalue().splitlines() if "parflow.http" in x]
    assert "GET /healthz 200" in line and "route=/healthz" in line and not line.startswith("{")
    with pytest.raises(ValueError, match="json or text"):
        configure_logging("yaml", stream=stream)


@pytest.mark.both_backends
def test_database_errors_name_no_values(rt: Runtime, campaign: str) -> None:
    """An error that reaches a log line shows the statement, not the values it carried."""
    secret = "$argon2id$secret-hash-that-must-not-be-logged"

    def duplicate(session) -> None:  # type: ignore[no-untyped-def]
        session.add(
            Person(
                email="dau-moi.sgtvt@haiphong.example",
                name="x",
                password_hash=secret,
                created_at=rt.clock.now(),
            )
        )
        session.flush()

    with pytest.raises(IntegrityError) as caught:
        rt.db.run(duplicate)
    assert "INSERT INTO person" in str(caught.value) and secret not in str(caught.value)


def test_error_lines_name_the_route_not_the_path(
    rt: Runtime, campaign: str, captured: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A feed's token is its password and lives in its path: the 503 and 500 handlers' log lines
    name the route template, like the request line does."""
    secret = "feed-token-that-must-stay-secret"

    def unavailable(*_args: object) -> bytes:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    def broken(*_args: object) -> bytes:
        raise RuntimeError("something unexpected")

    with TestClient(create_app(rt), raise_server_exceptions=False) as client:
        monkeypatch.setattr(calendar_feed, "agency_feed", unavailable)
        assert client.get(f"/api/v1/calendar/{secret}.ics").status_code == 503
        monkeypatch.setattr(calendar_feed, "agency_feed", broken)
        assert client.get(f"/api/v1/calendar/{secret}.ics").status_code == 500
    # everything logged, except the test client's own lines about the requests it sent
    text = "\n".join(x for x in captured.getvalue().splitlines() if '"logger": "httpx2"' not in x)
    assert secret not in text
    errors = [p for p in lines(captured, "parflow.web") if p["level"] in ("warning", "error")]
    assert len(errors) == 2 and all("/api/v1/calendar/{token}.ics" in p["message"] for p in errors), errors
