"""Bad input gets a clear 4xx in the caller's language, and nothing changes."""

from __future__ import annotations

from parflow.services.common.runtime import Runtime
from tests.support.lifecycle import audit_count, state_and_version, stored, submission_id


def test_sign_in_failures(mini: str, client) -> None:
    wrong = client.post("/api/v1/auth/token", data={"username": "ha@mini.example", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "Sai địa chỉ e-mail hoặc mật khẩu.", "code": "not_authenticated"}
    unknown = client.post("/api/v1/auth/token", data={"username": "who@mini.example", "password": "nope"})
    assert unknown.status_code == 401 and unknown.json() == wrong.json()
    missing = client.post("/api/v1/auth/token", data={"username": "ha@mini.example"})
    assert missing.status_code == 422


def test_no_token_and_bad_token(mini: str, client, rt: Runtime) -> None:
    sid = submission_id(rt, "dept-a")
    assert client.get(f"/api/v1/submissions/{sid}").status_code == 401
    bad = client.get(f"/api/v1/submissions/{sid}", headers={"Authorization": "Bearer not.a.token"})
    assert bad.status_code == 401
    assert bad.json()["code"] == "not_authenticated"
    assert bad.headers["www-authenticate"] == "Bearer"


def test_expired_token(mini: str, client, rt: Runtime, login, clock) -> None:
    from datetime import timedelta

    headers = login("ha@mini.example")
    sid = submission_id(rt, "dept-a")
    assert client.get(f"/api/v1/submissions/{sid}", headers=headers).status_code == 200
    clock.advance(timedelta(minutes=rt.settings.token_ttl_minutes + 1))
    assert client.get(f"/api/v1/submissions/{sid}", headers=headers).status_code == 401


def test_english_on_request(mini: str, client, rt: Runtime, login) -> None:
    sid = submission_id(rt, "dept-a")
    headers = {**login("ha@mini.example"), "Accept-Language": "en-GB,en;q=0.8"}
    response = client.post(f"/api/v1/submissions/{sid}/events/start_appraisal", headers=headers)
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "'Start appraisal' is not allowed while the submission is in state 'Self-assessment in progress'."
    )


def test_person_language_is_the_default(mini: str, client, rt: Runtime, login) -> None:
    # editor.b prefers English; dept-a's editor would read Vietnamese
    sid = submission_id(rt, "dept-b")
    response = client.post(
        f"/api/v1/submissions/{sid}/events/start_appraisal", headers=login("editor.b@mini.example")
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role may not perform 'Start appraisal'."


def test_guard_failure_lists_conditions(mini: str, client, rt: Runtime, login) -> None:
    sid = submission_id(rt, "dept-a")
    client.post(f"/api/v1/submissions/{sid}/events/submit", headers=login("editor.a@mini.example"))
    response = client.post(f"/api/v1/submissions/{sid}/events/reopen", headers=login("ha@mini.example"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "guard_failed"
    assert body["errors"] == [
        {"code": "comment_required", "field": "comment", "message": "Cần ghi rõ lý do."}
    ]


def test_invalid_bodies_are_422_and_change_nothing(mini: str, client, rt: Runtime, login) -> None:
    sid = submission_id(rt, "dept-a")
    headers = login("editor.a@mini.example")
    url = f"/api/v1/submissions/{sid}/events/submit"
    for body in (
        {"expected_version": 0},
        {"expected_version": "one"},
        {"comment": "a\x00b"},
        {"comment": "x" * 4001},
        {"unexpected": True},
        [1, 2],
    ):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == "invalid"
        assert response.json()["detail"]
    not_json = client.post(url, content=b"{not json", headers={**headers, "Content-Type": "application/json"})
    assert not_json.status_code == 422
    assert state_and_version(rt, sid) == ("draft", 1)
    assert audit_count(rt, sid) == 0


def test_unknown_things_are_404(mini: str, client, rt: Runtime, login) -> None:
    headers = login("ha@mini.example")
    sid = submission_id(rt, "dept-a")
    assert client.get("/api/v1/campaigns/no-such-campaign", headers=headers).status_code == 404
    assert client.get("/api/v1/submissions/424242", headers=headers).status_code == 404
    unknown_event = client.post(f"/api/v1/submissions/{sid}/events/teleport", headers=headers)
    assert unknown_event.status_code == 404 and unknown_event.json()["code"] == "not_found"
    assert client.get("/api/v1/no/such/path").status_code == 404
    assert client.get("/api/v1/submissions/0", headers=headers).status_code == 422
    assert client.get("/api/v1/submissions/99999999999999", headers=headers).status_code == 422
    assert client.get("/api/v1/submissions/abc", headers=headers).status_code == 422


def test_stale_version_through_the_api(mini: str, client, rt: Runtime, login) -> None:
    sid = submission_id(rt, "dept-a")
    headers = login("editor.a@mini.example")
    before = stored(rt, sid)
    stale = client.post(
        f"/api/v1/submissions/{sid}/events/submit", json={"expected_version": 3}, headers=headers
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert stored(rt, sid) == before
    fresh = client.post(
        f"/api/v1/submissions/{sid}/events/submit", json={"expected_version": 1}, headers=headers
    )
    assert fresh.status_code == 200
    assert fresh.json()["submission"]["version"] == 2
    # the same request with a good version does write all of it: the comparison above could fail
    (state, after_audit, _, after_messages) = stored(rt, sid)
    assert state == ("self_scored", 2) and after_audit == before[1] + 1
    assert len(after_messages) > len(before[3])


def test_submission_shows_deadlines_and_allowed_events(mini: str, client, rt: Runtime, login) -> None:
    sid = submission_id(rt, "dept-a")
    body = client.get(f"/api/v1/submissions/{sid}", headers=login("editor.a@mini.example")).json()
    assert body["state"] == "draft" and body["version"] == 1
    assert body["next_deadline"]["milestone"] == "self_assessment_due"
    assert body["next_deadline"]["due_date"] == "2022-01-14"
    assert body["next_deadline"]["working_days_left"] == 4
    assert body["next_deadline"]["overdue"] is False
    assert [e["trigger"] for e in body["allowed_events"]] == ["submit"]
    assert [d["milestone"] for d in body["deadlines"]] == [
        "self_assessment_due",
        "appraisal_due",
        "approval_due",
        "publication",
    ]


def test_healthz(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_openapi_lists_the_contract_paths(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/campaigns",
        "/api/v1/campaigns/{code}",
        "/api/v1/campaigns/{code}/submissions",
        "/api/v1/submissions/{submission_id}",
        "/api/v1/submissions/{submission_id}/events/{trigger}",
        "/api/v1/submissions/{submission_id}/history",
    ):
        assert path in paths
