from __future__ import annotations

import pytest

from tests.support.season import complete_self_assessment

# one request path end to end on the production database as well
pytestmark = pytest.mark.both_backends


def test_submit_then_409_then_history(client, campaign, login, rt) -> None:
    focal = login("dau-moi.sgtvt@haiphong.example")
    subs = client.get(f"/api/v1/campaigns/{campaign}/submissions", headers=focal).json()
    assert [s["agency"]["code"] for s in subs] == ["sgtvt"]
    sid = subs[0]["id"]
    complete_self_assessment(rt, sid)
    first = client.post(f"/api/v1/submissions/{sid}/events/submit", headers=focal)
    assert first.status_code == 200, first.text
    assert first.json()["submission"]["state"] == "self_scored"
    again = client.post(f"/api/v1/submissions/{sid}/events/submit", headers=focal)
    assert again.status_code == 409
    assert again.json()["code"] == "illegal_transition"
    history = client.get(f"/api/v1/submissions/{sid}/history", headers=focal).json()
    assert [(h["action"], h["trigger"], h["from_state"], h["to_state"]) for h in history] == [
        ("score", None, None, None),
        ("transition", "submit", "draft", "self_scored"),
    ]
