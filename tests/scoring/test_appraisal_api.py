"""Appraisal over HTTP: only a member's own fields, only under appraisal, a comment when changed;
progress per field and member for Home Affairs; send_results needs every leaf appraised."""

from __future__ import annotations

from tests.support.lifecycle import submission_id
from tests.support.people import COUNCIL_1_4, COUNCIL_3, COUNCIL_7_8, HOME_AFFAIRS, SGTVT_FOCAL
from tests.support.season import appraise_all, complete_self_assessment, start_appraisal, submit


def appraise(client, login, sid, code, body, who=COUNCIL_1_4):
    return client.put(
        f"/api/v1/submissions/{sid}/appraisals/{code}",
        json=body,
        headers={**login(who), "Accept-Language": "en"},
    )


def under_appraisal(rt, sid) -> None:
    complete_self_assessment(rt, sid)
    submit(rt, sid)
    start_appraisal(rt, sid)


def self_of(client, login, sid, code) -> str:
    sheet = client.get(f"/api/v1/submissions/{sid}/scores", headers=login(HOME_AFFAIRS)).json()
    return next(n for n in sheet["nodes"] if n["code"] == code)["score"]["self_score"]


def test_accepting_and_adjusting(client, login, rt, sid) -> None:
    under_appraisal(rt, sid)
    same = self_of(client, login, sid, "1.1.1")
    ok = appraise(client, login, sid, "1.1.1", {"score": same})
    assert ok.status_code == 200, ok.text
    assert ok.json()["scores"][0]["appraised_score"] == same
    missing_comment = appraise(client, login, sid, "1.1.3", {"score": "0"})
    assert missing_comment.status_code == 422
    assert (
        "comment is required" in missing_comment.json()["detail"]
        and "1.1.3" in missing_comment.json()["detail"]
    )
    adjusted = appraise(
        client, login, sid, "1.1.3", {"score": "0", "comment": "Chưa hoàn thành 80% kế hoạch."}
    )
    assert adjusted.status_code == 200
    over = appraise(client, login, sid, "1.1.3", {"score": "1.01", "comment": "x"})
    assert over.status_code == 422 and "0 to 1.00" in over.json()["detail"]
    history = client.get(f"/api/v1/submissions/{sid}/history", headers=login(HOME_AFFAIRS)).json()
    assert [h["action"] for h in history][-2:] == ["appraisal", "appraisal"]


def test_only_the_members_own_fields(client, login, rt, sid) -> None:
    under_appraisal(rt, sid)
    other_field = appraise(client, login, sid, "3.3.2", {"score": "1.5"}, who=COUNCIL_1_4)
    assert other_field.status_code == 403
    assert "field 3" in other_field.json()["detail"] and "1, 4" in other_field.json()["detail"]
    assert (
        appraise(
            client, login, sid, "3.3.2", {"score": self_of(client, login, sid, "3.3.2")}, who=COUNCIL_3
        ).status_code
        == 200
    )
    assert appraise(client, login, sid, "1.1.1", {"score": "0.5"}, who=HOME_AFFAIRS).status_code == 403
    assert appraise(client, login, sid, "1.1.1", {"score": "0.5"}, who=SGTVT_FOCAL).status_code == 403
    survey = appraise(client, login, sid, "8.1.1", {"score": "1"}, who=COUNCIL_7_8)
    assert survey.status_code == 422


def test_not_before_appraisal_starts(client, login, rt, sid) -> None:
    complete_self_assessment(rt, sid)
    submit(rt, sid)
    # the council does not see a submission before appraisal starts
    assert appraise(client, login, sid, "1.1.1", {"score": "0.5"}).status_code == 404
    start_appraisal(rt, sid)
    assert (
        appraise(client, login, sid, "1.1.1", {"score": self_of(client, login, sid, "1.1.1")}).status_code
        == 200
    )


def test_agency_sees_appraised_scores_only_once_sent(client, login, rt, sid) -> None:
    under_appraisal(rt, sid)
    appraise_all(rt, sid)
    sheet = client.get(f"/api/v1/submissions/{sid}/scores", headers=login(SGTVT_FOCAL)).json()
    assert sheet["appraisal_visible"] is False and sheet["index_total"] is None
    assert all(n["score"]["appraised_score"] is None for n in sheet["nodes"] if n["score"])
    assert (
        client.post(f"/api/v1/submissions/{sid}/events/send_results", headers=login(HOME_AFFAIRS)).status_code
        == 200
    )
    sheet = client.get(f"/api/v1/submissions/{sid}/scores", headers=login(SGTVT_FOCAL)).json()
    assert sheet["appraisal_visible"] is True
    leaf = next(n for n in sheet["nodes"] if n["code"] == "1.1.1")
    assert leaf["score"]["appraised_score"] is not None


def test_send_results_lists_unappraised_leaves(client, login, rt, sid) -> None:
    under_appraisal(rt, sid)
    r = client.post(
        f"/api/v1/submissions/{sid}/events/send_results",
        headers={**login(HOME_AFFAIRS), "Accept-Language": "en"},
    )
    assert r.status_code == 422
    assert (
        len(r.json()["errors"]) == 65
        and r.json()["errors"][0]["message"] == "Criterion 1.1.1 is not appraised."
    )


def test_progress_per_field_and_member(client, login, rt, sid) -> None:
    under_appraisal(rt, sid)
    other = submission_id(rt, "q-duong-kinh")
    under_appraisal(rt, other)
    # the member for fields 1 and 4 finishes sgtvt; nobody else has started
    sheet = client.get(f"/api/v1/submissions/{sid}/scores", headers=login(HOME_AFFAIRS)).json()
    mine = [
        {"criterion": n["code"], "score": n["score"]["self_score"]}
        for n in sheet["nodes"]
        if n["is_leaf"] and n["scored_by"] == "agency" and n["field"] in ("1", "4")
    ]
    r = client.put(
        f"/api/v1/submissions/{sid}/appraisals", json={"appraisals": mine}, headers=login(COUNCIL_1_4)
    )
    assert r.status_code == 200
    progress = client.get("/api/v1/campaigns/haiphong-2021/appraisal-progress", headers=login(HOME_AFFAIRS))
    assert progress.status_code == 200
    body = progress.json()
    assert body["submissions"] == 2
    fields = {f["code"]: f for f in body["fields"]}
    assert fields["1"]["finished_submissions"] == 1 and fields["1"]["pending_agencies"] == ["q-duong-kinh"]
    assert fields["3"]["finished_submissions"] == 0 and fields["3"]["members"] == [COUNCIL_3]
    members = {m["email"]: m for m in body["members"]}
    assert members[COUNCIL_1_4]["leaves_appraised"] == len(mine)
    assert members[COUNCIL_1_4]["finished"] is False and members[COUNCIL_1_4]["pending_agencies"] == [
        "q-duong-kinh"
    ]
    assert members[COUNCIL_3]["leaves_appraised"] == 0
    # council members and agencies do not get the overview
    assert (
        client.get("/api/v1/campaigns/haiphong-2021/appraisal-progress", headers=login(COUNCIL_3)).status_code
        == 403
    )
    assert (
        client.get(
            "/api/v1/campaigns/haiphong-2021/appraisal-progress", headers=login(SGTVT_FOCAL)
        ).status_code
        == 403
    )


def test_bulk_appraisal_outside_fields_saves_nothing(client, login, rt, sid) -> None:
    under_appraisal(rt, sid)
    r = client.put(
        f"/api/v1/submissions/{sid}/appraisals",
        json={"appraisals": [{"criterion": "1.1.1", "score": "0.5"}, {"criterion": "7.1.2", "score": "1"}]},
        headers=login(COUNCIL_1_4),
    )
    assert r.status_code == 403
    sheet = client.get(f"/api/v1/submissions/{sid}/scores", headers=login(HOME_AFFAIRS)).json()
    assert all(n["score"]["appraised_score"] is None for n in sheet["nodes"] if n["score"])
