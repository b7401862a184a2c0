"""Self-assessment over HTTP: who may score what, when, and every way a score can be wrong."""

from __future__ import annotations

from decimal import Decimal

from tests.support.lifecycle import stored
from tests.support.people import HOME_AFFAIRS, SGTVT_FOCAL, SGTVT_HEAD, STP_FOCAL
from tests.support.season import complete_self_assessment


def put(client, login, sid, code, body, who=SGTVT_FOCAL, lang="en"):
    return client.put(
        f"/api/v1/submissions/{sid}/scores/{code}", json=body, headers={**login(who), "Accept-Language": lang}
    )


def test_a_self_score_is_saved_and_shown(client, login, sid) -> None:
    r = put(client, login, sid, "1.1.3", {"score": "0.5", "explanation": "Hoàn thành 85% nhiệm vụ."})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["changed"] == ["1.1.3"]
    assert body["scores"][0]["self_score"] == "0.50"
    sheet = client.get(f"/api/v1/submissions/{sid}/scores", headers=login(SGTVT_FOCAL)).json()
    leaf = next(n for n in sheet["nodes"] if n["code"] == "1.1.3")
    assert (
        leaf["score"]["self_score"] == "0.50" and leaf["score"]["explanation"] == "Hoàn thành 85% nhiệm vụ."
    )
    assert leaf["max"] == "1.00" and leaf["method"] and leaf["evidence_required"]
    assert sheet["self_assessed_total"] == "0.50"
    assert sheet["version"] == body["version"]
    # the same value again changes nothing (no new version, no audit entry)
    again = put(client, login, sid, "1.1.3", {"score": 0.5, "explanation": "Hoàn thành 85% nhiệm vụ."})
    assert again.json()["changed"] == [] and again.json()["version"] == body["version"]
    history = client.get(f"/api/v1/submissions/{sid}/history", headers=login(SGTVT_FOCAL)).json()
    assert [h["action"] for h in history] == ["score"]


BAD_SCORES = [
    ("1.5", "outside the allowed range 0 to 1.00"),
    (-0.25, "outside the allowed range 0 to 1.00"),
    ("0.125", "more than 2 decimal places"),
    ("nhiều", "is not a number"),
    ("NaN", "is not a number"),
    ("1" * 40, "outside the allowed range 0 to 1.00"),
    (10**400, "outside the allowed range 0 to 1.00"),
    (1e308, "outside the allowed range 0 to 1.00"),
]


def test_a_bad_score_is_422_naming_the_leaf_and_its_max(client, login, sid) -> None:
    for score, fragment in BAD_SCORES:
        r = put(client, login, sid, "1.1.3", {"score": score})
        assert r.status_code == 422, (score, r.text)
        body = r.json()
        assert body["code"] == "invalid"
        assert body["errors"][0]["field"] == "1.1.3"
        assert "1.1.3" in body["detail"] and fragment in body["detail"], score
    history = client.get(f"/api/v1/submissions/{sid}/history", headers=login(SGTVT_FOCAL)).json()
    assert history == []  # nothing was written


def test_vietnamese_message_uses_a_decimal_comma(client, login, sid) -> None:
    r = put(client, login, sid, "3.3.2", {"score": "2"}, lang="vi")
    assert r.status_code == 422
    assert "Tiêu chí 3.3.2" in r.json()["detail"] and "từ 0 đến 1,50" in r.json()["detail"]


def test_a_json_true_is_not_a_score(client, login, sid) -> None:
    assert put(client, login, sid, "1.1.3", {"score": True}).status_code == 422


def test_survey_leaf_unknown_leaf_and_inner_node(client, login, sid) -> None:
    survey = put(client, login, sid, "8.1.1", {"score": "1"})
    assert survey.status_code == 422 and "scored by the survey" in survey.json()["detail"]
    unknown = put(client, login, sid, "9.9.9", {"score": "1"})
    assert unknown.status_code == 404
    inner = put(client, login, sid, "1.1", {"score": "1"})
    assert inner.status_code == 422 and "sub-criteria" in inner.json()["detail"]
    bad_code = put(client, login, sid, "1..1", {"score": "1"})
    assert bad_code.status_code == 422


def test_only_the_agency_scores_its_own_submission(client, login, sid) -> None:
    assert put(client, login, sid, "1.1.3", {"score": "1"}, who=SGTVT_HEAD).status_code == 200
    # Home Affairs sees the submission but may not score it
    forbidden = put(client, login, sid, "1.1.3", {"score": "1"}, who=HOME_AFFAIRS)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    # another agency does not even see it
    assert put(client, login, sid, "1.1.3", {"score": "1"}, who=STP_FOCAL).status_code == 404
    anonymous = client.put(f"/api/v1/submissions/{sid}/scores/1.1.3", json={"score": "1"})
    assert anonymous.status_code == 401


def test_stale_expected_version_is_409(client, login, sid, rt) -> None:
    first = put(client, login, sid, "1.1.1", {"score": "0.5", "expected_version": 1})
    assert first.status_code == 200
    before = stored(rt, sid)
    assert before[0] == ("draft", 2) and before[2] == [("1.1.1", Decimal("0.50"), None, None)]
    stale = put(client, login, sid, "1.1.2", {"score": "0.5", "expected_version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert stored(rt, sid) == before  # no score, no version bump, no audit entry, no message


def test_bulk_save_is_all_or_nothing_and_lists_every_problem(client, login, sid) -> None:
    body = {
        "scores": [
            {"criterion": "1.1.1", "score": "0.5", "explanation": "Quyết định số 12/QĐ-SGTVT"},
            {"criterion": "1.1.3", "score": "3"},
            {"criterion": "8.1.1", "score": "1"},
            {"criterion": "4.2.2", "score": "1.555"},
            {"criterion": "1.1.1", "score": "0"},
        ]
    }
    r = client.put(f"/api/v1/submissions/{sid}/scores", json=body, headers=login(SGTVT_FOCAL))
    assert r.status_code == 422
    fields = [e["field"] for e in r.json()["errors"]]
    assert fields == ["1.1.3", "8.1.1", "4.2.2", "1.1.1"]
    sheet = client.get(f"/api/v1/submissions/{sid}/scores", headers=login(SGTVT_FOCAL)).json()
    assert all(n["score"] is None for n in sheet["nodes"] if n["is_leaf"])  # nothing saved
    good = client.put(
        f"/api/v1/submissions/{sid}/scores",
        json={"scores": [{"criterion": "1.1.1", "score": "0.5"}, {"criterion": "1.1.2", "score": 0.5}]},
        headers=login(SGTVT_FOCAL),
    )
    assert good.status_code == 200 and good.json()["changed"] == ["1.1.1", "1.1.2"]


def test_submit_guard_lists_every_failing_leaf(client, login, sid) -> None:
    put(client, login, sid, "1.1.1", {"score": "0.5"})  # scored, but neither evidence nor explanation
    r = client.post(
        f"/api/v1/submissions/{sid}/events/submit", headers={**login(SGTVT_FOCAL), "Accept-Language": "en"}
    )
    assert r.status_code == 422 and r.json()["code"] == "guard_failed"
    errors = r.json()["errors"]
    assert errors[0] == {
        "code": "leaf_no_evidence",
        "field": "1.1.1",
        "message": "Criterion 1.1.1 has neither evidence nor a written explanation.",
    }
    assert {e["field"] for e in errors if e["code"] == "leaf_unscored"} >= {"1.1.2", "8.2.3"}
    assert len(errors) == 65  # every agency-scored leaf of the departments' set


def test_after_submit_self_scores_are_closed(client, login, rt, sid) -> None:
    complete_self_assessment(rt, sid)
    assert (
        client.post(f"/api/v1/submissions/{sid}/events/submit", headers=login(SGTVT_FOCAL)).status_code == 200
    )
    r = put(client, login, sid, "1.1.1", {"score": "0"})
    assert r.status_code == 409 and r.json()["code"] == "wrong_phase"
    assert "Self-assessment submitted" in r.json()["detail"]


def test_the_submission_shows_its_score_totals(client, login, sid) -> None:
    put(client, login, sid, "3.3.2", {"score": "1.5", "explanation": "98,6% đúng hạn."})
    body = client.get(f"/api/v1/submissions/{sid}", headers=login(SGTVT_FOCAL)).json()
    assert body["scores"] == {
        "criteria_set": "departments-2021",
        "leaves_self_scored": 1,
        "leaves_to_self_score": 65,
        "self_assessed_total": "1.50",
        "index_total": None,
        "sipas_percent": None,
        "excluded_reason": None,
        "sheet_path": f"/api/v1/submissions/{sid}/scores",
        # each figure apart, null while it does not exist (issue 15)
        "figures": {
            "self_assessed": "1.50",
            "survey": None,
            "appraised": None,
            "appraised_leaves": None,
            "agency_leaves": 65,
            "index": None,
        },
    }
    assert (
        client.get(f"/api/v1/submissions/{sid}", headers=login(HOME_AFFAIRS)).json()["scores"]["index_total"]
        == "0.00"
    )
