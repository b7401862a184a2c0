"""A second workflow (with a `returned_for_revision` state) loads and runs with no code change."""

from __future__ import annotations

import pytest

from parflow.domain.errors import NotFound
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle import submissions
from tests.support.databases import FIXTURES, load_fixture_campaign
from tests.support.lifecycle import principal, state_and_version, submission_id


@pytest.fixture
def revision(rt: Runtime, password_hash: str) -> str:
    return load_fixture_campaign(rt, FIXTURES / "mini-revision", password_hash)


def test_return_for_revision_and_resubmit(rt: Runtime, revision: str) -> None:
    editor = principal(rt, "editor.a@mini.example")
    ha = principal(rt, "ha@mini.example")
    sid = submission_id(rt, "dept-a")

    def fire(actor, trigger, comment=None):  # type: ignore[no-untyped-def]
        return rt.db.run(lambda s: submissions.fire_event(s, rt, actor, sid, trigger, comment=comment))

    fire(editor, "submit")
    with pytest.raises(NotFound):  # this workflow has no `reopen` at all
        fire(ha, "reopen", "không có trong quy trình này")
    fire(ha, "return_for_revision", "thiếu tài liệu kiểm chứng tiêu chí 2.1")
    assert state_and_version(rt, sid) == ("returned_for_revision", 3)
    fire(editor, "resubmit")
    fire(ha, "start_appraisal")
    assert state_and_version(rt, sid) == ("under_appraisal", 5)
    history = rt.db.run(lambda s: submissions.history(s, rt, ha, sid))
    assert [(h.trigger, h.to_state) for h in history] == [
        ("submit", "self_scored"),
        ("return_for_revision", "returned_for_revision"),
        ("resubmit", "self_scored"),
        ("start_appraisal", "under_appraisal"),
    ]


def test_second_workflow_through_the_api(rt: Runtime, revision: str, client, login) -> None:
    sid = submission_id(rt, "dept-a")
    client.post(f"/api/v1/submissions/{sid}/events/submit", headers=login("editor.a@mini.example"))
    body = client.get(f"/api/v1/submissions/{sid}", headers=login("ha@mini.example")).json()
    assert {e["trigger"] for e in body["allowed_events"]} == {"return_for_revision", "start_appraisal"}
    returned = client.post(
        f"/api/v1/submissions/{sid}/events/return_for_revision",
        json={"comment": "Bổ sung tài liệu"},
        headers=login("ha@mini.example"),
    )
    assert returned.status_code == 200
    assert returned.json()["submission"]["state_label"]["vi"] == "Trả lại để bổ sung"
    # back with the agency: its self-assessment deadline applies again
    assert returned.json()["submission"]["next_deadline"]["milestone"] == "self_assessment_due"
