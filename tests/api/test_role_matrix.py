"""Role × event through the HTTP API: who may fire what, and what everybody else is told.

Who may fire what, and where it leads, comes from the hand-written table of the process
(`tests/domain/par_index_expected.py`), not from the workflow file the app runs on."""

from __future__ import annotations

import pytest

from parflow.services.common.runtime import Runtime
from tests.domain.par_index_expected import MAY_FIRE, TARGET, TRIGGERS, source_of
from tests.support.lifecycle import audit_count, force_state, state_and_version, submission_id

ACTORS = {
    "anonymous": None,
    "editor_own": "editor.a@mini.example",
    "head_own": "head.a@mini.example",
    "editor_other": "editor.b@mini.example",
    "head_other": "head.b@mini.example",
    "home_affairs": "ha@mini.example",
    "council": "council@mini.example",
    "city_leader": "city@mini.example",
    "viewer": "viewer@mini.example",
}
ROLE_OF = {
    "editor_own": "agency_editor",
    "head_own": "agency_head",
    "home_affairs": "home_affairs",
    "council": "council",
    "city_leader": "city_leader",
    "viewer": "viewer",
}


def expected_status(actor: str, trigger: str, state: str) -> int:
    if actor == "anonymous":
        return 401
    if actor.endswith("_other"):
        return 404  # another agency's submission does not exist for them
    if actor == "council" and state in ("draft", "self_scored"):
        return 404  # council members see submissions only from appraisal on
    if ROLE_OF[actor] not in MAY_FIRE[trigger]:
        return 403
    if trigger == "publish":
        return 422  # publication is a campaign-wide act, not one submission's event
    return 200


@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("actor", list(ACTORS))
def test_role_event_matrix(rt: Runtime, mini: str, client, login, actor: str, trigger: str) -> None:
    state = source_of(trigger)
    sid = submission_id(rt, "dept-a")
    force_state(rt, sid, state, open_dispute=(trigger == "dispute"), window_open=(trigger == "dispute"))
    email = ACTORS[actor]
    headers = login(email) if email else {}
    before = state_and_version(rt, sid), audit_count(rt, sid)
    response = client.post(
        f"/api/v1/submissions/{sid}/events/{trigger}", json={"comment": "ok"}, headers=headers
    )
    want = expected_status(actor, trigger, state)
    assert response.status_code == want, response.text
    body = response.json()
    if want == 200:
        assert body["submission"]["state"] == TARGET[(state, trigger)]
        assert body["history_entry"]["trigger"] == trigger
    else:
        assert body["detail"] and body["code"]
        assert (state_and_version(rt, sid), audit_count(rt, sid)) == before


def test_agency_cannot_read_another_agencys_submission(rt: Runtime, mini: str, client, login) -> None:
    other = submission_id(rt, "dept-b")
    headers = login("editor.a@mini.example")
    for path in (f"/api/v1/submissions/{other}", f"/api/v1/submissions/{other}/history"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    listed = client.get(f"/api/v1/campaigns/{mini}/submissions", headers=headers).json()
    assert [s["agency"]["code"] for s in listed] == ["dept-a"]


def test_unknown_and_invisible_look_the_same(rt: Runtime, mini: str, client, login) -> None:
    headers = login("editor.a@mini.example")
    other = submission_id(rt, "dept-b")
    invisible = client.get(f"/api/v1/submissions/{other}", headers=headers)
    unknown = client.get("/api/v1/submissions/99999", headers=headers)
    assert invisible.status_code == unknown.status_code == 404
    assert invisible.json()["code"] == unknown.json()["code"]


def test_council_sees_only_submissions_under_appraisal(rt: Runtime, mini: str, client, login) -> None:
    force_state(rt, submission_id(rt, "dept-b"), "under_appraisal")
    listed = client.get(f"/api/v1/campaigns/{mini}/submissions", headers=login("council@mini.example")).json()
    assert [(s["agency"]["code"], s["state"]) for s in listed] == [("dept-b", "under_appraisal")]


def test_home_affairs_sees_everything_with_filters(rt: Runtime, mini: str, client, login) -> None:
    headers = login("ha@mini.example")
    everything = client.get(f"/api/v1/campaigns/{mini}/submissions", headers=headers).json()
    assert sorted(s["agency"]["code"] for s in everything) == ["dept-a", "dept-b", "quan-c"]
    districts = client.get(
        f"/api/v1/campaigns/{mini}/submissions?group=urban_district", headers=headers
    ).json()
    assert [s["agency"]["code"] for s in districts] == ["quan-c"]
    force_state(rt, submission_id(rt, "dept-b"), "self_scored")
    scored = client.get(f"/api/v1/campaigns/{mini}/submissions?state=self_scored", headers=headers).json()
    assert [s["agency"]["code"] for s in scored] == ["dept-b"]


def test_anonymous_sees_no_unpublished_campaign(mini: str, client) -> None:
    assert client.get("/api/v1/campaigns").json() == []
    assert client.get(f"/api/v1/campaigns/{mini}").status_code == 404
    assert client.get(f"/api/v1/campaigns/{mini}/submissions").status_code == 401
