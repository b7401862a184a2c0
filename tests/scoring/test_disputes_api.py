"""Disputes over HTTP: filed in the window (the submission moves to disputed in the same
transaction), refused after it with the closing time, resolved by the responsible member."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import select

from parflow.store.models import Dispute, Notification, Submission
from tests.support.auth import sign_in
from tests.support.people import (
    COUNCIL_1_4,
    COUNCIL_3,
    COUNCIL_7_8,
    HOME_AFFAIRS,
    SGTVT_FOCAL,
    SGTVT_HEAD,
    STP_FOCAL,
)
from tests.support.season import (
    appraise_all,
    complete_self_assessment,
    dispute_window_closes,
    send_results,
    start_appraisal,
    submit,
)

LOWERED = {
    "1.1.3": (Decimal("0.50"), "Chưa đủ tài liệu chứng minh hoàn thành 100% kế hoạch."),
    "3.3.2": (Decimal("1.00"), "Tỷ lệ hồ sơ đúng hạn 96,5% theo hệ thống của thành phố."),
}


def results_sent(rt, sid) -> None:
    complete_self_assessment(rt, sid)
    submit(rt, sid)
    start_appraisal(rt, sid)
    appraise_all(rt, sid, LOWERED)
    send_results(rt, sid)


def file(client, login, sid, items, who=SGTVT_HEAD):
    return client.post(
        f"/api/v1/submissions/{sid}/disputes",
        json={"disputes": items},
        headers={**login(who), "Accept-Language": "en"},
    )


def resolve(client, login, dispute_id, body, who):
    return client.post(
        f"/api/v1/disputes/{dispute_id}/resolution",
        json=body,
        headers={**login(who), "Accept-Language": "en"},
    )


def test_filing_moves_the_submission_and_tells_the_owner(client, login, rt, sid) -> None:
    results_sent(rt, sid)
    r = file(
        client,
        login,
        sid,
        [
            {"criterion": "1.1.3", "argument": "Đã hoàn thành 100% nhiệm vụ, xem Báo cáo số 45/BC-SGTVT."},
            {"criterion": "3.3.2", "argument": "Tỷ lệ đúng hạn là 98,2% theo số liệu đã đối soát."},
        ],
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["state"] == "disputed"
    owners = {d["criterion"]: d["owner"]["email"] for d in body["disputes"]}
    assert owners == {"1.1.3": COUNCIL_1_4, "3.3.2": COUNCIL_3}
    with rt.db.read() as session:
        notes = session.exec(select(Notification).where(Notification.kind == "dispute_filed")).all()
        assert sorted(n.recipient_email for n in notes) == sorted([COUNCIL_1_4, COUNCIL_3])
        ctx = next(n.context for n in notes if n.recipient_email == COUNCIL_3)
        assert ctx["criterion"]["code"] == "3.3.2" and ctx["criterion"]["title_vi"]
        assert ctx["argument"].startswith("Tỷ lệ") and ctx["dispute_id"] and ctx["agency"]["code"] == "sgtvt"
    history = client.get(f"/api/v1/submissions/{sid}/history", headers=login(SGTVT_FOCAL)).json()
    assert [(h["action"], h["to_state"]) for h in history[-2:]] == [
        ("transition", "disputed"),
        ("dispute", None),
    ]
    # the council member sees the dispute in their list, the other member does not
    mine = client.get("/api/v1/campaigns/haiphong-2021/disputes?status=open", headers=login(COUNCIL_3)).json()
    assert [d["criterion"] for d in mine] == ["3.3.2"]
    assert client.get("/api/v1/campaigns/haiphong-2021/disputes", headers=login(COUNCIL_7_8)).json() == []


def test_resolution_accepted_then_rejected_returns_to_appraisal(client, login, rt, sid) -> None:
    results_sent(rt, sid)
    filed = file(
        client,
        login,
        sid,
        [
            {"criterion": "1.1.3", "argument": "Đã hoàn thành 100% nhiệm vụ."},
            {"criterion": "3.3.2", "argument": "Tỷ lệ đúng hạn là 98,2%."},
        ],
    ).json()["disputes"]
    d1, d2 = (d["id"] for d in filed)
    # someone else's dispute, bad inputs
    assert (
        resolve(
            client, login, d1, {"outcome": "accepted", "score": "1", "reason": "x"}, COUNCIL_3
        ).status_code
        == 403
    )
    assert (
        resolve(client, login, d1, {"outcome": "accepted", "reason": "Đủ căn cứ."}, COUNCIL_1_4).status_code
        == 422
    )
    over = resolve(
        client, login, d1, {"outcome": "accepted", "score": "1.5", "reason": "Đủ căn cứ."}, COUNCIL_1_4
    )
    assert over.status_code == 422 and "0 to 1.00" in over.json()["detail"]
    no_reason = resolve(client, login, d1, {"outcome": "rejected", "reason": "   "}, COUNCIL_1_4)
    assert no_reason.status_code == 422
    assert (
        resolve(
            client, login, d1, {"outcome": "rejected", "score": "1", "reason": "Không."}, COUNCIL_1_4
        ).status_code
        == 422
    )
    assert resolve(client, login, d1, {"outcome": "maybe", "reason": "?"}, COUNCIL_1_4).status_code == 422
    assert (
        resolve(
            client, login, d1, {"outcome": "accepted", "score": "1", "reason": "x"}, SGTVT_HEAD
        ).status_code
        == 403
    )

    accepted = resolve(
        client,
        login,
        d1,
        {"outcome": "accepted", "score": "1", "reason": "Báo cáo 45/BC-SGTVT đủ căn cứ."},
        COUNCIL_1_4,
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["all_resolved"] is False and accepted.json()["submission_state"] == "disputed"
    again = resolve(client, login, d1, {"outcome": "rejected", "reason": "x"}, COUNCIL_1_4)
    assert again.status_code == 409
    rejected = resolve(
        client, login, d2, {"outcome": "rejected", "reason": "Số liệu hệ thống: 96,5%."}, HOME_AFFAIRS
    )
    assert rejected.status_code == 200
    assert (
        rejected.json()["all_resolved"] is True and rejected.json()["submission_state"] == "under_appraisal"
    )

    sheet = client.get(f"/api/v1/submissions/{sid}/scores", headers=login(SGTVT_FOCAL)).json()
    scores = {n["code"]: n["score"] for n in sheet["nodes"] if n["is_leaf"] and n["score"]}
    assert scores["1.1.3"]["appraised_score"] == "1.00"
    assert scores["1.1.3"]["appraisal_comment"] == "Báo cáo 45/BC-SGTVT đủ căn cứ."
    assert scores["3.3.2"]["appraised_score"] == "1.00"  # unchanged
    with rt.db.read() as session:
        notes = session.exec(select(Notification).where(Notification.kind == "dispute_resolved")).all()
        assert {n.recipient_email for n in notes} == {SGTVT_FOCAL, SGTVT_HEAD}
        outcomes = sorted(n.context["outcome"] for n in notes)
        assert outcomes == ["accepted", "accepted", "rejected", "rejected"]
        assert {n.context["new_score"] for n in notes if n.context["outcome"] == "accepted"} == {"1.00"}
        assert [d.status for d in session.exec(select(Dispute).order_by(Dispute.id))] == [
            "accepted",
            "rejected",
        ]
    history = client.get(f"/api/v1/submissions/{sid}/history", headers=login(HOME_AFFAIRS)).json()
    assert [h["action"] for h in history[-3:]] == ["resolution", "resolution", "transition"]
    assert history[-1]["trigger"] == "resolve" and history[-1]["to_state"] == "under_appraisal"
    # one dispute per leaf per round of results; another leaf may still be disputed in the window
    again = file(client, login, sid, [{"criterion": "3.3.2", "argument": "Xin xem xét lại lần nữa."}])
    assert again.status_code == 422 and "already been disputed and decided" in again.json()["detail"]
    other = file(
        client, login, sid, [{"criterion": "1.1.1", "argument": "Kế hoạch ban hành ngày 28/12/2020."}]
    )
    assert other.status_code == 201 and other.json()["state"] == "disputed"


def test_after_the_window_a_dispute_is_refused_saying_when_it_closed(client, login, rt, sid) -> None:
    results_sent(rt, sid)
    closes = dispute_window_closes(rt, sid)
    rt.clock.set(closes + timedelta(seconds=1))
    r = file(client, login, sid, [{"criterion": "1.1.3", "argument": "Muộn."}])
    assert r.status_code == 422
    assert r.json()["code"] == "guard_failed"
    assert "The dispute window closed at 23:59 17/01/2022" in r.json()["detail"]
    vi = client.post(
        f"/api/v1/submissions/{sid}/disputes",
        json={"disputes": [{"criterion": "1.1.3", "argument": "Muộn."}]},
        headers={**login(SGTVT_HEAD), "Accept-Language": "vi"},
    )
    assert "Thời hạn giải trình đã kết thúc lúc 23:59 17/01/2022" in vi.json()["detail"]
    with rt.db.read() as session:
        assert session.exec(select(Dispute)).all() == []
        assert session.get(Submission, sid).state == "under_appraisal"


def test_bad_dispute_input_stores_nothing(client, login, rt, sid) -> None:
    results_sent(rt, sid)
    r = file(
        client,
        login,
        sid,
        [
            {"criterion": "1.1.3", "argument": "Đúng."},
            {"criterion": "8.1.1", "argument": "Khảo sát chưa chính xác."},
            {"criterion": "1.1.3", "argument": "Lặp lại."},
            {"criterion": "3.3.2", "argument": "Có tài liệu mới.", "evidence_id": 999},
        ],
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["8.1.1", "1.1.3", "3.3.2"]
    empty = file(client, login, sid, [{"criterion": "1.1.3", "argument": ""}])
    assert empty.status_code == 422
    assert (
        file(client, login, sid, [{"criterion": "1.1.3", "argument": "x"}], who=HOME_AFFAIRS).status_code
        == 403
    )
    with rt.db.read() as session:
        assert session.exec(select(Dispute)).all() == []
        assert session.get(Submission, sid).state == "under_appraisal"


def test_not_before_results_are_sent(client, login, rt, sid) -> None:
    complete_self_assessment(rt, sid)
    submit(rt, sid)
    start_appraisal(rt, sid)
    appraise_all(rt, sid)
    r = file(client, login, sid, [{"criterion": "1.1.3", "argument": "x"}])
    assert r.status_code == 422 and "have not been sent" in r.json()["detail"]


def test_new_evidence_with_a_dispute_and_a_second_filing_while_disputed(client, login, rt, sid) -> None:
    from parflow.demo_season import evidence_pdf
    from parflow.store.models import Criterion

    results_sent(rt, sid)
    pdf = evidence_pdf("Sở GTVT", Criterion(code="1.1.3", title_vi="x"))  # type: ignore[call-arg]
    up = client.post(
        f"/api/v1/submissions/{sid}/evidence",
        data={"criterion": "1.1.3"},
        files={"file": ("bao-cao-45.pdf", pdf, "application/pdf")},
        headers=login(SGTVT_FOCAL),
    )
    assert up.status_code == 201, up.text
    first = file(
        client,
        login,
        sid,
        [{"criterion": "1.1.3", "argument": "Xem báo cáo.", "evidence_id": up.json()["id"]}],
    )
    assert first.status_code == 201 and first.json()["disputes"][0]["evidence_id"] == up.json()["id"]
    second = file(client, login, sid, [{"criterion": "3.3.2", "argument": "Thêm tiêu chí."}])
    assert second.status_code == 201 and second.json()["state"] == "disputed"
    duplicate = file(client, login, sid, [{"criterion": "1.1.3", "argument": "Lần nữa."}])
    assert duplicate.status_code == 422 and "already has an open dispute" in duplicate.json()["detail"]


def test_another_agencys_dispute_reads_like_an_unknown_one(client, login, rt, sid) -> None:
    """Probing dispute ids must not tell which exist nor which submission they belong to: another
    agency's dispute answers exactly as an id that was never used (API and pages alike)."""
    results_sent(rt, sid)
    filed = file(client, login, sid, [{"criterion": "3.3.2", "argument": "Tỷ lệ đúng hạn là 98,2%."}])
    assert filed.status_code == 201, filed.text
    real = filed.json()["disputes"][0]["id"]
    unknown = real + 1000
    headers = {**login(STP_FOCAL), "Accept-Language": "en"}
    before = resolve(client, login, real, {"outcome": "rejected", "reason": "x"}, STP_FOCAL)
    for dispute_id in (real, unknown):
        got = client.get(f"/api/v1/disputes/{dispute_id}", headers=headers)
        assert got.status_code == 404
        assert got.json() == {"detail": f"No dispute {dispute_id}.", "code": "not_found"}
        answer = resolve(client, login, dispute_id, {"outcome": "rejected", "reason": "x"}, STP_FOCAL)
        assert answer.status_code == 404
        assert answer.json() == {"detail": f"No dispute {dispute_id}.", "code": "not_found"}
    assert before.json()["detail"] == f"No dispute {real}."
    sign_in(client, STP_FOCAL)
    pages = {i: client.get(f"/disputes/{i}") for i in (real, unknown)}
    assert {p.status_code for p in pages.values()} == {404}
    sentence = "Không tìm thấy nội dung giải trình số {}."
    assert all(sentence.format(i) in p.text for i, p in pages.items())
    same = {p.text.replace(sentence.format(i), "").replace(f"/disputes/{i}", "") for i, p in pages.items()}
    assert len(same) == 1
    with rt.db.read() as session:
        assert session.get(Dispute, real).status == "open"
