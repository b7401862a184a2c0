"""The publication form records the decision (number, date, signer) and the pages show it; an
agency reads the workflow in people's words; the report is linked from the publication page."""

from __future__ import annotations

from tests.results.published import KEEP
from tests.support.auth import csrf_token, sign_in
from tests.support.lifecycle import submission_id
from tests.support.people import HOME_AFFAIRS, SGTVT_FOCAL
from tests.support.season import drive_to


def _ready(rt, client) -> str:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from parflow.services.results import service as results
    from parflow.store.models import Agency, Submission
    from tests.support.lifecycle import principal

    for code in KEEP:
        drive_to(rt, submission_id(rt, code), "approved")
    ha = principal(rt, HOME_AFFAIRS)
    with rt.db.read() as session:
        others = session.exec(
            select(Submission.id, Agency.code).join(Agency, Agency.id == Submission.agency_id)
        ).all()
    for sid, code in others:
        if code not in KEEP:
            rt.db.run(lambda s, sid=sid: results.set_exclusion(s, rt, ha, sid, "Không xếp hạng"))
    sign_in(client, HOME_AFFAIRS)
    return csrf_token(client, "/campaigns/haiphong-2021/publication")


def test_the_decision_typed_at_publication_is_on_the_page(client, rt, campaign) -> None:  # type: ignore[no-untyped-def]
    token = _ready(rt, client)
    form = {
        "csrf_token": token,
        "confirm": "1",
        "decision_number": "903/QĐ-UBND",
        "decision_signer": "Nguyễn Văn Tùng",
    }
    bad = client.post(f"/campaigns/{campaign}/publish", data={**form, "decision_date": "31/02/2022"})
    assert bad.status_code == 422
    assert "Ngày quyết định &#39;31/02/2022&#39; không hợp lệ" in bad.text
    assert 'value="903/QĐ-UBND"' in bad.text  # what was typed stays in the form
    ok = client.post(f"/campaigns/{campaign}/publish", data={**form, "decision_date": "28/03/2022"})
    assert ok.status_code == 200 and "Đã công bố kết quả." in ok.text
    assert "Quyết định số 903/QĐ-UBND ngày 28/03/2022 (người ký: Nguyễn Văn Tùng)" in ok.text
    body = client.get(f"/api/v1/campaigns/{campaign}/results").json()
    assert body["decision"] == {
        "number": "903/QĐ-UBND",
        "date": "2022-03-28",
        "signer": "Nguyễn Văn Tùng",
        "text": None,
    }
    publication = client.get(f"/campaigns/{campaign}/publication").text
    assert f'href="/api/v1/campaigns/{campaign}/results.docx"' in publication


def test_an_agency_reads_the_workflow_without_code_names(client, rt, campaign) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, SGTVT_FOCAL)
    html = client.get(f"/campaigns/{campaign}/workflow").text
    main = html.split("<main", 1)[1]
    assert "Đã tự chấm đủ mọi tiêu chí, có tài liệu kiểm chứng" in main
    for code_name in ("self_assessment_complete", "stateDiagram", "<code", "par-index"):
        assert code_name not in main
    header = html.split("</header>", 1)[0]
    assert "UBND thành phố Hải Phòng" in header and "Sở Nội vụ" in header


def test_campaign_page_lists_agencies_in_vietnamese_order(client, rt, campaign) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, HOME_AFFAIRS)
    html = client.get(f"/campaigns/{campaign}/publication").text
    # "Giao thông" (a, no accent) before "Giáo dục" (á): by code, sgddt came before sgtvt
    assert html.index("Sở Giao thông vận tải") < html.index("Sở Giáo dục và Đào tạo")
