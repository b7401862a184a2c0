"""Forms of the scoring pages: invalid input re-displays the form with each message next to its field
and what was typed kept, the database exactly as before; valid input is saved and announced."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient
from markupsafe import escape
from sqlmodel import select

from parflow import demo_season
from parflow.services.common.runtime import Runtime
from parflow.store.models import Dispute, Evidence, Score, Submission
from tests.support.auth import csrf_from, sign_in
from tests.support.lifecycle import audit_count, submission_id
from tests.support.people import COUNCIL_3, HOME_AFFAIRS, SGTVT_FOCAL
from tests.support.season import complete_self_assessment, drive_to, send_results, submit


def scores(rt: Runtime, sid: int) -> dict[str, Score]:
    with rt.db.read() as session:
        return {s.criterion_code: s for s in session.exec(select(Score).where(Score.submission_id == sid))}


def state_of(rt: Runtime, sid: int) -> str:
    with rt.db.read() as session:
        sub = session.get(Submission, sid)
        assert sub is not None
        return sub.state


def near(html: str, anchor: str, text: str, window: int = 2500) -> bool:
    """`text` appears within the table row (or block) that starts at `anchor`."""
    at = html.find(anchor)
    return at >= 0 and str(escape(text)) in html[at : at + window]


def test_self_assessment_rejects_bad_scores_next_to_their_fields(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    sign_in(client, SGTVT_FOCAL)
    page = client.get(f"/submissions/{sid}/self-assessment")
    assert page.status_code == 200
    assert "Tự đánh giá, chấm điểm" in page.text and "Còn thiếu trước khi" in page.text
    before = audit_count(rt, sid), scores(rt, sid)
    response = client.post(
        f"/submissions/{sid}/self-assessment",
        data={
            "csrf_token": csrf_from(page.text),
            "score-1.1.1": "0,75",  # over the maximum of 0,50
            "explanation-1.1.1": "Đã ban hành kế hoạch",
            "score-1.1.2": "mười",
            "score-1.1.3": "1",
            "explanation-1.1.3": "Hoàn thành 100% nhiệm vụ",
        },
    )
    assert response.status_code == 422
    html = response.text
    assert near(html, 'id="leaf-1.1.1"', "nằm ngoài khoảng cho phép từ 0 đến 0,50")
    assert near(html, 'id="leaf-1.1.2"', "'mười' không phải là số")
    # what was typed is still there, including the valid leaf that was not saved either
    assert 'value="0,75"' in html and 'value="mười"' in html and 'value="1"' in html
    assert "Hoàn thành 100% nhiệm vụ" in html
    assert (audit_count(rt, sid), scores(rt, sid)) == before


def test_self_assessment_saves_a_batch_with_decimal_commas(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    sign_in(client, SGTVT_FOCAL)
    page = client.get(f"/submissions/{sid}/self-assessment")
    response = client.post(
        f"/submissions/{sid}/self-assessment",
        data={
            "csrf_token": csrf_from(page.text),
            "score-1.1.1": "0,5",
            "explanation-1.1.1": "Quyết định số 12/QĐ-SGTVT",
            "score-1.1.3": "0.5",
        },
    )
    assert response.status_code == 200 and "Đã lưu điểm của 2 tiêu chí." in response.text
    saved = scores(rt, sid)
    assert saved["1.1.1"].self_score == Decimal("0.50") and saved["1.1.3"].self_score == Decimal("0.50")
    assert 'id="running-total" data-lang="vi">1,00<' in response.text
    # saving again without changes writes nothing
    again = client.post(f"/submissions/{sid}/self-assessment", data={"csrf_token": csrf_from(response.text)})
    assert "Không có thay đổi nào để lưu." in again.text


def test_submit_lists_what_blocks_it_then_goes_through(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    demo_season.fill_self_assessment(rt, sid, share=0.9)
    sign_in(client, SGTVT_FOCAL)
    confirm = client.get(f"/submissions/{sid}/events/submit")
    assert confirm.status_code == 200
    assert "Sau khi gửi, cơ quan không thể sửa điểm" in confirm.text  # the workflow's confirmation
    assert re.search(r"\d+ tiêu chí chưa có điểm tự chấm", confirm.text)
    refused = client.post(
        f"/submissions/{sid}/events/submit", data={"csrf_token": csrf_from(confirm.text), "comment": "Gửi"}
    )
    assert refused.status_code == 422
    assert "Chưa đủ điều kiện để thực hiện" in refused.text and "chưa có điểm tự chấm" in refused.text
    assert "Gửi" in refused.text  # the comment typed is kept
    assert state_of(rt, sid) == "draft"
    complete_self_assessment(rt, sid)
    page = client.get(f"/submissions/{sid}/events/submit")
    done = client.post(
        f"/submissions/{sid}/events/submit",
        data={"csrf_token": csrf_from(page.text), "comment": "Kính gửi Sở Nội vụ"},
    )
    assert done.status_code == 200 and "Đã thực hiện: Gửi báo cáo tự đánh giá." in done.text
    assert state_of(rt, sid) == "self_scored"
    assert "Kính gửi Sở Nội vụ" in done.text  # the timeline shows the comment
    # the same confirmation posted again (a second tab) is refused in words, not a crash
    twice = client.post(f"/submissions/{sid}/events/submit", data={"csrf_token": csrf_from(page.text)})
    assert twice.status_code == 409 and "Không thể thực hiện" in twice.text


def test_reopen_needs_a_comment_shown_next_to_the_field(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid)
    submit(rt, sid)
    sign_in(client, HOME_AFFAIRS)
    page = client.get(f"/submissions/{sid}")
    assert f'href="/submissions/{sid}/events/reopen"' in page.text
    assert f'href="/submissions/{sid}/events/start_appraisal"' in page.text
    assert f'href="/submissions/{sid}/events/submit"' not in page.text  # not Home Affairs' to do
    confirm = client.get(f"/submissions/{sid}/events/reopen")
    assert "(bắt buộc)" in confirm.text
    refused = client.post(
        f"/submissions/{sid}/events/reopen", data={"csrf_token": csrf_from(confirm.text), "comment": "  "}
    )
    assert refused.status_code == 422
    assert near(refused.text, 'id="comment"', "Cần ghi rõ lý do.", 600)
    assert state_of(rt, sid) == "self_scored"


def test_evidence_form_keeps_input_and_accepts_files_and_links(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    sign_in(client, SGTVT_FOCAL)
    form = client.get(f"/submissions/{sid}/evidence/new?criterion=1.1.1")
    assert 'name="criterion" value="1.1.1" checked' in form.text
    token = csrf_from(form.text)
    bad_link = client.post(
        f"/submissions/{sid}/evidence",
        data={"csrf_token": token, "criterion": "1.1.1", "url": "ftp://vanban/kh.pdf", "title": "Kế hoạch"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert bad_link.status_code == 422
    assert near(bad_link.text, 'id="url"', "Đường dẫn phải bắt đầu bằng http://", 800)
    assert 'value="ftp://vanban/kh.pdf"' in bad_link.text and 'value="Kế hoạch"' in bad_link.text
    neither = client.post(
        f"/submissions/{sid}/evidence",
        data={"csrf_token": token, "criterion": "1.1.1"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert neither.status_code == 422 and "Hãy chọn một tệp hoặc nhập một đường dẫn" in neither.text
    not_pdf = client.post(
        f"/submissions/{sid}/evidence",
        data={"csrf_token": token, "criterion": "1.1.1"},
        files={"file": ("kh.pdf", b"#!/bin/sh\necho hello\n", "application/pdf")},
    )
    assert not_pdf.status_code == 422 and "Loại tệp không được chấp nhận" in not_pdf.text
    pdf = demo_season.evidence_pdf("Sở Giao thông vận tải", _leaf(rt, sid, "1.1.1"))
    uploaded = client.post(
        f"/submissions/{sid}/evidence",
        data={"csrf_token": token, "criterion": "1.1.1", "title": "Quyết định ban hành kế hoạch"},
        files={"file": ("QĐ kế hoạch.pdf", pdf, "application/pdf")},
    )
    assert uploaded.status_code == 200 and "Đã thêm tài liệu kiểm chứng cho tiêu chí 1.1.1." in uploaded.text
    with rt.db.read() as session:
        row = session.exec(select(Evidence).where(Evidence.submission_id == sid)).one()
    download = client.get(f"/submissions/{sid}/evidence/{row.id}")
    assert download.status_code == 200 and download.content == pdf
    assert "attachment" in download.headers["content-disposition"]
    removed = client.post(f"/submissions/{sid}/evidence/{row.id}/remove", data={"csrf_token": token})
    assert "Đã gỡ tài liệu kiểm chứng." in removed.text
    with rt.db.read() as session:
        assert session.exec(select(Evidence).where(Evidence.submission_id == sid)).first() is None


def _leaf(rt: Runtime, sid: int, code: str):  # type: ignore[no-untyped-def]
    with rt.db.read() as session:
        _agency, leaves = demo_season.agency_leaves(session, sid)
    return next(leaf for leaf in leaves if leaf.code == code)


def test_appraisal_requires_a_reason_when_the_score_differs(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    drive_to(rt, sid, "under_appraisal")
    sign_in(client, COUNCIL_3)
    council = client.get("/campaigns/haiphong-2021/council")
    assert council.status_code == 200 and "Sở Giao thông vận tải" in council.text
    page = client.get(f"/submissions/{sid}/appraisal")
    assert page.status_code == 200 and 'name="appraised-3.1.1"' in page.text
    assert 'name="appraised-1.1.1"' not in page.text  # field 1 is another member's
    self_332 = scores(rt, sid)["3.3.2"].self_score
    refused = client.post(
        f"/submissions/{sid}/appraisal",
        data={"csrf_token": csrf_from(page.text), "appraised-3.3.2": "0", "comment-3.3.2": ""},
    )
    assert refused.status_code == 422
    assert near(refused.text, 'id="leaf-3.3.2"', "phải ghi rõ lý do")
    assert scores(rt, sid)["3.3.2"].appraised_score is None
    saved = client.post(
        f"/submissions/{sid}/appraisal",
        data={
            "csrf_token": csrf_from(page.text),
            "appraised-3.3.2": "0",
            "comment-3.3.2": "Chưa có văn bản chứng minh",
            "accept_rest": "1",
        },
    )
    assert saved.status_code == 200 and "Đã lưu điểm thẩm định" in saved.text
    after = scores(rt, sid)
    assert after["3.3.2"].appraised_score == Decimal("0.00") and self_332 != Decimal("0.00")
    assert after["3.1.1"].appraised_score == after["3.1.1"].self_score  # accepted as self-scored
    assert 'id="pending-count">0<' in saved.text


def test_dispute_and_resolution_forms(client: TestClient, rt: Runtime, campaign: str) -> None:
    sid = submission_id(rt, "sgtvt")
    drive_to(rt, sid, "appraised")
    demo_season.appraise(rt, sid, {"3.3.2": (Decimal("0.00"), "Chưa có văn bản chứng minh")})
    send_results(rt, sid)
    sign_in(client, SGTVT_FOCAL)
    page = client.get(f"/submissions/{sid}/disputes")
    assert page.status_code == 200 and "Thời hạn giải trình đến" in page.text
    nothing = client.post(f"/submissions/{sid}/disputes", data={"csrf_token": csrf_from(page.text)})
    assert nothing.status_code == 422 and "Hãy chọn ít nhất một tiêu chí" in nothing.text
    no_argument = client.post(
        f"/submissions/{sid}/disputes",
        data={"csrf_token": csrf_from(page.text), "leaf": "3.3.2", "argument-3.3.2": " "},
    )
    assert no_argument.status_code == 422
    assert near(no_argument.text, 'id="leaf-3.3.2"', "cần nêu lý do đề nghị xem xét lại", 3000)
    assert state_of(rt, sid) == "under_appraisal"
    # crafted evidence choices ('²' passes str.isdigit(); the long one overflows an id column)
    for crafted in ("²", "99999999999999999999"):
        odd = client.post(
            f"/submissions/{sid}/disputes",
            data={
                "csrf_token": csrf_from(page.text),
                "leaf": "3.3.2",
                "argument-3.3.2": "Đã có quyết định.",
                "evidence-3.3.2": crafted,
            },
        )
        assert odd.status_code == 422 and "không thuộc tiêu chí này" in odd.text
    odd_version = client.post(
        f"/submissions/{sid}/disputes",
        data={
            "csrf_token": csrf_from(page.text),
            "leaf": "3.3.2",
            "argument-3.3.2": "Đã có quyết định.",
            "expected_version": "²",
        },
    )
    assert odd_version.status_code == 422 and "Số phiên bản của biểu mẫu" in odd_version.text
    assert state_of(rt, sid) == "under_appraisal"
    filed = client.post(
        f"/submissions/{sid}/disputes",
        data={
            "csrf_token": csrf_from(page.text),
            "leaf": "3.3.2",
            "argument-3.3.2": "Đơn vị đã ban hành quyết định số 15/QĐ-SGTVT ngày 10/3/2021.",
        },
    )
    assert filed.status_code == 200 and "Đã gửi giải trình cho 1 tiêu chí." in filed.text
    assert state_of(rt, sid) == "disputed"
    with rt.db.read() as session:
        dispute = session.exec(select(Dispute).where(Dispute.submission_id == sid)).one()
    sign_in(client, COUNCIL_3)
    council = client.get("/campaigns/haiphong-2021/council")
    assert f'href="/disputes/{dispute.id}"' in council.text
    form = client.get(f"/disputes/{dispute.id}")
    assert "quyết định số 15/QĐ-SGTVT" in form.text
    token = csrf_from(form.text)
    no_choice = client.post(f"/disputes/{dispute.id}/resolve", data={"csrf_token": token, "reason": "x"})
    assert no_choice.status_code == 422 and "Hãy chọn chấp nhận hoặc không chấp nhận." in no_choice.text
    no_score = client.post(
        f"/disputes/{dispute.id}/resolve",
        data={"csrf_token": token, "outcome": "accepted", "reason": "Đủ căn cứ"},
    )
    assert no_score.status_code == 422
    assert near(
        no_score.text, 'id="score"', "Chấp nhận giải trình thì phải nhập điểm mới cho tiêu chí 3.3.2", 800
    )
    assert 'value="accepted" checked' in no_score.text and "Đủ căn cứ" in no_score.text
    no_reason = client.post(
        f"/disputes/{dispute.id}/resolve", data={"csrf_token": token, "outcome": "rejected", "reason": ""}
    )
    assert no_reason.status_code == 422
    assert near(no_reason.text, 'id="reason"', "Cần ghi rõ lý do chấp nhận hoặc không chấp nhận.", 800)
    done = client.post(
        f"/disputes/{dispute.id}/resolve",
        data={"csrf_token": token, "outcome": "accepted", "score": "0,5", "reason": "Đủ căn cứ"},
    )
    assert done.status_code == 200 and "Đã xử lý giải trình tiêu chí 3.3.2." in done.text
    assert state_of(rt, sid) == "under_appraisal"
    assert scores(rt, sid)["3.3.2"].appraised_score == Decimal("0.50")


def test_forms_refuse_a_version_that_is_not_ascii_digits(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    """The hidden expected_version field comes back from the browser: '²' (which str.isdigit()
    accepts and int() does not) re-displays the form with a sentence instead of a server error."""
    sid = submission_id(rt, "sgtvt")
    sign_in(client, SGTVT_FOCAL)
    page = client.get(f"/submissions/{sid}/self-assessment")
    before = audit_count(rt, sid), scores(rt, sid)
    response = client.post(
        f"/submissions/{sid}/self-assessment",
        data={"csrf_token": csrf_from(page.text), "score-1.1.1": "0,5", "expected_version": "²"},
    )
    assert response.status_code == 422
    assert "Số phiên bản của biểu mẫu" in response.text and 'value="0,5"' in response.text
    assert (audit_count(rt, sid), scores(rt, sid)) == before
    confirm = client.get(f"/submissions/{sid}/events/submit")
    event = client.post(
        f"/submissions/{sid}/events/submit",
        data={"csrf_token": csrf_from(confirm.text), "expected_version": "٣"},
    )
    assert event.status_code == 422 and "Số phiên bản của biểu mẫu" in event.text
    assert (audit_count(rt, sid), state_of(rt, sid)) == (before[0], "draft")
