"""Issue 15 without a browser: nothing typed is lost on the way to evidence, each figure means one
thing and reads 'chưa có' until it exists, the council sees what it judges and is offered "send
results" only when every field is appraised, and the paper documents open in python-docx."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from fastapi.testclient import TestClient
from sqlmodel import select

from parflow import demo_season
from parflow.services.common.runtime import Runtime
from parflow.services.scoring import appraisal
from parflow.store.models import Criterion, Evidence, Notification, Score, Submission
from tests.support.auth import csrf_from, sign_in
from tests.support.cli import parflow
from tests.support.databases import EXAMPLE
from tests.support.lifecycle import principal, submission_id
from tests.support.people import COUNCIL_1_4, COUNCIL_3, HOME_AFFAIRS, SGTVT_FOCAL, SGTVT_HEAD
from tests.support.season import (
    approve,
    complete_self_assessment,
    import_survey,
    pass_dispute_window,
    send_results,
    start_appraisal,
    submit,
)


def _scores(rt: Runtime, sid: int) -> dict[str, Score]:
    with rt.db.read() as session:
        return {s.criterion_code: s for s in session.exec(select(Score).where(Score.submission_id == sid))}


def _leaves(rt: Runtime, sid: int) -> list[Criterion]:
    with rt.db.read() as session:
        sub = session.get(Submission, sid)
        assert sub is not None
        return list(
            session.exec(
                select(Criterion).where(Criterion.set_id == sub.criteria_set_id, Criterion.is_leaf == True)  # noqa: E712
            )
        )


def test_add_evidence_and_remove_save_what_was_typed_first(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    sign_in(client, SGTVT_FOCAL)
    page = client.get(f"/submissions/{sid}/self-assessment")
    assert 'name="then" value="evidence:1.1.1"' in page.text  # a button of the score form, not a link
    token = csrf_from(page.text)
    version = int(page.text.split('name="expected_version" value="')[1].split('"')[0])
    going = client.post(
        f"/submissions/{sid}/self-assessment",
        data={
            "csrf_token": token,
            "expected_version": str(version),
            "score-1.1.1": "0,5",
            "explanation-1.1.1": "Kế hoạch số 12/KH",
            "then": "evidence:1.1.1",
        },
        follow_redirects=False,
    )
    assert going.status_code == 303
    assert going.headers["location"] == f"/submissions/{sid}/evidence/new?criterion=1.1.1"
    assert _scores(rt, sid)["1.1.1"].self_score == Decimal("0.50")
    landed = client.get(going.headers["location"])
    assert "Đã lưu điểm của 1 tiêu chí." in landed.text
    assert 'name="criterion" value="1.1.1" checked' in landed.text

    # several files in one upload, each for two criteria
    pdf_a = demo_season.evidence_pdf("Sở Giao thông vận tải", _leaf(rt, sid, "1.1.1"))
    pdf_b = demo_season.evidence_pdf("Sở Giao thông vận tải", _leaf(rt, sid, "1.1.2"))
    uploaded = client.post(
        f"/submissions/{sid}/evidence",
        data={"csrf_token": token, "criterion": ["1.1.1", "1.1.2"]},
        files=[
            ("file", ("QĐ 1.pdf", pdf_a, "application/pdf")),
            ("file", ("QĐ 2.pdf", pdf_b, "application/pdf")),
        ],
    )
    assert uploaded.status_code == 200, uploaded.text[:2000]
    assert "Đã thêm 2 tài liệu kiểm chứng cho tiêu chí 1.1.1, 1.1.2." in uploaded.text
    with rt.db.read() as session:
        rows = list(session.exec(select(Evidence).where(Evidence.submission_id == sid)))
    assert sorted((r.criterion_code, r.filename) for r in rows) == [
        ("1.1.1", "QĐ 1.pdf"),
        ("1.1.1", "QĐ 2.pdf"),
        ("1.1.2", "QĐ 1.pdf"),
        ("1.1.2", "QĐ 2.pdf"),
    ]
    # the same file serves both criteria: one blob in the store
    assert len({r.sha256 for r in rows}) == 2

    # taking one back from the score form saves the typed score first
    page = client.get(f"/submissions/{sid}/self-assessment")
    version = int(page.text.split('name="expected_version" value="')[1].split('"')[0])
    victim = rows[0].id
    removed = client.post(
        f"/submissions/{sid}/self-assessment",
        data={
            "csrf_token": token,
            "expected_version": str(version),
            "score-1.1.2": "0,25",
            "then": f"remove:{victim}",
        },
    )
    assert "Đã lưu điểm (1 tiêu chí thay đổi) và gỡ tài liệu kiểm chứng." in removed.text
    assert _scores(rt, sid)["1.1.2"].self_score == Decimal("0.25")
    with rt.db.read() as session:
        assert session.get(Evidence, victim) is None


def _leaf(rt: Runtime, sid: int, code: str):  # type: ignore[no-untyped-def]
    with rt.db.read() as session:
        _agency, leaves = demo_season.agency_leaves(session, sid)
    return next(leaf for leaf in leaves if leaf.code == code)


def test_self_assessment_has_field_subtotals_and_jump_links(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    sign_in(client, SGTVT_FOCAL)
    before = client.get(f"/submissions/{sid}/self-assessment").text
    assert 'href="#field-1"' in before and '<details class="field-block" id="field-1" open>' in before
    assert "chưa có" in before.split('id="subtotal-1"')[1][:400]
    complete_self_assessment(rt, sid)
    after = client.get(f"/submissions/{sid}/self-assessment").text
    scores = _scores(rt, sid)
    field_1 = sum(
        (
            scores[c.code].self_score
            for c in _leaves(rt, sid)
            if c.field_code == "1" and c.scored_by == "agency"
        ),
        Decimal(0),
    )
    shown = after.split('id="subtotal-1"')[1][:400]
    assert f"{field_1:.2f}".replace(".", ",") in shown


def test_each_figure_is_labelled_and_missing_ones_read_chua_co(
    client: TestClient, rt: Runtime, campaign: str, login
) -> None:  # type: ignore[no-untyped-def]
    sid = submission_id(rt, "sgtvt")
    sign_in(client, HOME_AFFAIRS)
    fresh = client.get(f"/submissions/{sid}").text
    for anchor in ('id="self-total"', 'id="survey-total"', 'id="appraised-total"', 'id="index-total"'):
        assert "chưa có" in fresh.split(anchor)[1][:80], anchor
    complete_self_assessment(rt, sid)
    submit(rt, sid)
    start_appraisal(rt, sid)
    import_survey(rt, campaign)
    page = client.get(f"/submissions/{sid}").text
    scores = _scores(rt, sid)
    leaves = _leaves(rt, sid)
    own = sum((scores[c.code].self_score for c in leaves if c.scored_by == "agency"), Decimal(0))
    survey = sum((scores[c.code].survey_score for c in leaves if c.scored_by == "survey"), Decimal(0))
    assert f"{own:.2f}".replace(".", ",") in page.split('id="self-total"')[1][:80]  # survey not added in
    assert f"{survey:.2f}".replace(".", ",") in page.split('id="survey-total"')[1][:80]
    assert "chưa có" in page.split('id="appraised-total"')[1][:80]  # appraisal started: not 0,00
    assert "chưa có" in page.split('id="index-total"')[1][:80]
    api = client.get(f"/api/v1/submissions/{sid}", headers=login(HOME_AFFAIRS)).json()
    figures = api["scores"]["figures"]
    assert figures["self_assessed"] == f"{own:.2f}" and figures["survey"] == f"{survey:.2f}"
    assert figures["appraised"] is None and figures["index"] is None
    assert api["scores"]["self_assessed_total"]  # the older field is still there
    sheet = client.get(f"/api/v1/submissions/{sid}/scores", headers=login(HOME_AFFAIRS)).json()
    assert sheet["figures"]["self_assessed"] == f"{own:.2f}"


def test_state_reads_results_sent_with_the_response_deadline(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid)
    submit(rt, sid)
    start_appraisal(rt, sid)
    demo_season.appraise(rt, sid)
    send_results(rt, sid)
    sign_in(client, SGTVT_HEAD)
    page = client.get(f"/submissions/{sid}").text
    state = page.split('id="state">')[1].split("</span>")[0]
    assert state.startswith("Đã gửi kết quả thẩm định — được giải trình đến 23:59 ")
    assert "Đã hoàn thành" in page  # the self-assessment milestone is behind us
    assert "-" not in page.split("deadline-status")[1][:200]


def test_council_sees_method_evidence_and_pending_fields(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid, files=1)
    submit(rt, sid)
    start_appraisal(rt, sid)
    leaves = [c for c in _leaves(rt, sid) if c.scored_by == "agency"]
    mine = [c for c in leaves if c.field_code == "3"]
    items = [appraisal.AppraisalIn(c.code, _scores(rt, sid)[c.code].self_score) for c in mine]
    who = principal(rt, COUNCIL_3)
    rt.db.run(lambda s: appraisal.save_appraisals(s, rt, who, sid, items))
    sign_in(client, COUNCIL_3)
    page = client.get(f"/submissions/{sid}/appraisal").text
    leaf = next(c for c in mine if c.method)
    row = page.split(f'id="leaf-{leaf.code}"')[1].split("</tr>")[0]
    assert 'class="method"' in row and 'class="num self-score"' in row
    if leaf.evidence_required:
        assert "Tài liệu kiểm chứng yêu cầu" in row
    assert "Giải trình" in row
    assert "/events/send_results" not in page  # their own field is done, the others are not
    waiting = page.split('id="waiting"')[1].split("</div>")[0]
    assert "1. " in waiting and "Thẩm định" not in waiting.split("<h2>")[0]
    confirm = client.get(f"/submissions/{sid}/events/send_results").text
    assert "Đang thẩm định → Đang thẩm định" not in confirm
    assert 'id="waiting"' in confirm and "1.1.1" not in confirm.split('id="unmet"')[1][:3000]
    # once everyone has appraised, the button is there
    demo_season.appraise(rt, sid)
    sign_in(client, COUNCIL_1_4)
    ready = client.get(f"/submissions/{sid}/appraisal").text
    assert 'id="send-ready"' in ready and "/events/send_results" in ready


def test_reports_download_as_word_documents(client: TestClient, rt: Runtime, campaign: str) -> None:
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid, files=1)
    sign_in(client, SGTVT_FOCAL)
    response = client.get(f"/submissions/{sid}/self-assessment/report.docx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "bao-cao-tu-danh-gia-sgtvt-2021.docx" in response.headers["content-disposition"]
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM" in text
    assert "Chỉ số cải cách hành chính năm 2021 — Sở Giao thông vận tải" in text
    assert "Hải Phòng, ngày 10 tháng 01 năm 2022" in text
    scores = _scores(rt, sid)
    own = sum((scores[c.code].self_score for c in _leaves(rt, sid) if c.scored_by == "agency"), Decimal(0))
    assert f"Điểm tự đánh giá (các tiêu chí cơ quan tự chấm): {own:.2f}".replace(".", ",") in text
    fields, detail = doc.tables[1], doc.tables[2]
    assert fields.rows[0].cells[0].text == "Lĩnh vực" and fields.rows[1].cells[0].text.startswith("1. ")
    leaf_row = next(r for r in detail.rows if r.cells[0].text.startswith("1.1.1 "))
    assert leaf_row.cells[2].text == f"{scores['1.1.1'].self_score:.2f}".replace(".", ",")
    assert leaf_row.cells[3].text == scores["1.1.1"].explanation
    assert leaf_row.cells[4].text.endswith(".pdf")
    signature = doc.tables[-1].cell(0, 1).text
    assert "THỦ TRƯỞNG CƠ QUAN" in signature and "(Ký, ghi rõ họ tên, đóng dấu)" in signature
    assert signature.strip().splitlines()[-1]  # the head's name under the signature space

    submit(rt, sid)
    start_appraisal(rt, sid)
    demo_season.appraise(rt, sid)
    sign_in(client, COUNCIL_3)
    record = client.get(f"/submissions/{sid}/appraisal/report.docx")
    doc = Document(io.BytesIO(record.content))
    assert "BIÊN BẢN THẨM ĐỊNH" in "\n".join(p.text for p in doc.paragraphs)
    header = [c.text for c in doc.tables[2].rows[0].cells]
    assert header[-2:] == ["Thẩm định", "Nhận xét"]
    leaf_row = next(r for r in doc.tables[2].rows if r.cells[0].text.startswith("1.1.1 "))
    assert leaf_row.cells[5].text == f"{_scores(rt, sid)['1.1.1'].appraised_score:.2f}".replace(".", ",")
    assert "ĐẠI DIỆN HỘI ĐỒNG THẨM ĐỊNH" in doc.tables[-1].cell(0, 1).text


@pytest.mark.both_backends
def test_agency_attaches_the_signed_scan(client: TestClient, rt: Runtime, campaign: str) -> None:
    sid = submission_id(rt, "sgtvt")
    sign_in(client, SGTVT_FOCAL)
    page = client.get(f"/submissions/{sid}/self-assessment/report")
    assert page.status_code == 200 and 'id="signature-block"' in page.text
    token = csrf_from(page.text)
    refused = client.post(
        f"/submissions/{sid}/self-assessment/signed",
        data={"csrf_token": token},
        files={"file": ("x.sh", b"#!/bin/sh\necho\n", "application/pdf")},
    )
    assert refused.status_code == 422 and "phải là tệp PDF hoặc ảnh" in refused.text
    pdf = demo_season.evidence_pdf("Sở Giao thông vận tải", _leaf(rt, sid, "1.1.1"))
    done = client.post(
        f"/submissions/{sid}/self-assessment/signed",
        data={"csrf_token": token},
        files={"file": ("Báo cáo đã ký.pdf", pdf, "application/pdf")},
    )
    assert "Đã đính kèm bản scan báo cáo có chữ ký." in done.text
    with rt.db.read() as session:
        sub = session.get(Submission, sid)
        assert sub is not None and sub.signed_report_filename == "Báo cáo đã ký.pdf"
    assert "Báo cáo đã ký.pdf" in client.get(f"/submissions/{sid}").text.split('id="signed-report"')[1][:300]
    download = client.get(f"/submissions/{sid}/self-assessment/signed")
    assert download.status_code == 200 and download.content == pdf


def _with_head_confirmation(rt: Runtime, tmp_path: Path) -> None:
    """The example campaign loaded again with the setting on, as a province would write it."""
    folder = tmp_path / "haiphong-2021"
    shutil.copytree(EXAMPLE, folder)
    text = (folder / "campaign.yaml").read_text(encoding="utf-8")
    assert "require_head_confirmation: false" in text  # documented, off by default
    (folder / "campaign.yaml").write_text(
        text.replace("require_head_confirmation: false", "require_head_confirmation: true"), encoding="utf-8"
    )
    result = parflow(rt, "campaign", "load", str(folder))
    assert result.exit_code == 0, result.output


@pytest.mark.both_backends
def test_a_season_where_the_head_confirms_the_self_assessment(
    client: TestClient, rt: Runtime, campaign: str, login, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _with_head_confirmation(rt, tmp_path)
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid)
    sign_in(client, SGTVT_FOCAL)
    confirm = client.get(f"/submissions/{sid}/events/submit")
    assert 'id="asks-head"' in confirm.text and "Đề nghị Lãnh đạo xác nhận" in confirm.text
    # the API says why the focal point cannot send alone
    refused = client.post(f"/api/v1/submissions/{sid}/events/submit", json={}, headers=login(SGTVT_FOCAL))
    assert refused.status_code == 422
    assert "chờ Lãnh đạo cơ quan xác nhận" in refused.json()["detail"]
    asked = client.post(
        f"/submissions/{sid}/events/submit",
        data={"csrf_token": csrf_from(confirm.text), "comment": "Kính trình Lãnh đạo."},
    )
    assert "Đã đề nghị Lãnh đạo cơ quan xác nhận" in asked.text
    assert "chờ Lãnh đạo cơ quan xác nhận (đề nghị lúc" in asked.text
    with rt.db.read() as session:
        sub = session.get(Submission, sid)
        assert sub is not None and sub.state == "draft" and sub.head_confirmation_requested_at is not None
        messages = session.exec(select(Notification).where(Notification.submission_id == sid)).all()
    assert [(m.kind, m.recipient_email, m.context["mode"]) for m in messages] == [
        ("head_sign_off", SGTVT_HEAD, "request")
    ]
    # the head confirms: that is the workflow's own send, and the season goes on as always
    sign_in(client, SGTVT_HEAD)
    page = client.get(f"/submissions/{sid}/events/submit")
    assert 'id="asks-head"' not in page.text
    sent = client.post(f"/submissions/{sid}/events/submit", data={"csrf_token": csrf_from(page.text)})
    assert "Đã thực hiện: Gửi báo cáo tự đánh giá." in sent.text
    with rt.db.read() as session:
        kinds = sorted(
            m.kind for m in session.exec(select(Notification).where(Notification.submission_id == sid))
        )
    assert kinds.count("head_sign_off") == 1 and "submitted" in kinds  # none to the head who sent it
    start_appraisal(rt, sid)
    demo_season.appraise(rt, sid)
    send_results(rt, sid)
    import_survey(rt, campaign)
    pass_dispute_window(rt, sid)
    approve(rt, sid)
    with rt.db.read() as session:
        sub = session.get(Submission, sid)
        assert sub is not None and sub.state == "approved"


def test_the_head_hears_when_the_focal_point_sends(client: TestClient, rt: Runtime, campaign: str) -> None:
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid)
    submit(rt, sid)  # the focal point, the setting off as in the example
    with rt.db.read() as session:
        rows = session.exec(
            select(Notification).where(
                Notification.submission_id == sid, Notification.kind == "head_sign_off"
            )
        ).all()
    assert [(r.recipient_email, r.context["mode"]) for r in rows] == [(SGTVT_HEAD, "sent")]
    assert rows[0].context["report_path"] == f"/submissions/{sid}/self-assessment/report"


def test_campaign_deadlines_read_as_people_say_them(
    client: TestClient, rt: Runtime, campaign: str, clock
) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2022, 1, 19, 3, 0, tzinfo=UTC))  # Wednesday 19/01, 10:00 in Hải Phòng
    sign_in(client, HOME_AFFAIRS)
    page = client.get(f"/campaigns/{campaign}").text
    cells = [c.split("</td>")[0] for c in page.split('class="num deadline-status">')[1:]]
    assert "Quá hạn 3 ngày làm việc" in cells[0]  # 17, 18, 19 January
    assert all("-" not in c and "−" not in c for c in cells)
    assert "Còn" in cells[1]
