"""Issue 15 in Chromium, at 1366×768 and on a 390×844 phone: typed scores survive the way to
evidence (with and without JavaScript, and leaving unsaved warns), fields fold with subtotals, each
figure is labelled and reads 'chưa có' until it exists, the council sees what it judges and whom
the results wait for, the forms print their tables, the report downloads as Word, and no page is
wider than the phone."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from playwright.sync_api import expect
from sqlmodel import select

from parflow import demo_season
from parflow.services.scoring import appraisal
from parflow.store.models import Score
from tests.browser.conftest import LiveServer
from tests.support.auth import sign_in_page
from tests.support.cli import parflow
from tests.support.databases import EXAMPLE
from tests.support.lifecycle import principal, submission_id
from tests.support.people import COUNCIL_3, HOME_AFFAIRS, SGTVT_FOCAL, SGTVT_HEAD
from tests.support.season import complete_self_assessment, import_survey, start_appraisal, submit

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(params=list(VIEWPORTS))
def screen(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def open_tab(browser: Any, live: LiveServer, screen: str, *, javascript: bool = True) -> Any:
    context = browser.new_context(
        base_url=live.url,
        viewport=VIEWPORTS[screen],
        locale="vi-VN",
        java_script_enabled=javascript,
        is_mobile=screen == "phone",
        has_touch=screen == "phone",
    )
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.fixture
def tab(browser: Any, live: LiveServer, screen: str) -> Iterator[Any]:
    page = open_tab(browser, live, screen)
    try:
        yield page
    finally:
        page.context.close()


def fits(page: Any) -> None:
    """Nothing off-screen: the document is no wider than the screen (wide tables scroll inside).
    Compared with the configured width: a mobile browser widens its layout to overflowing content."""
    width = page.evaluate("document.documentElement.scrollWidth")
    screen = page.viewport_size["width"]
    if width > screen:
        culprit = page.evaluate(
            """w => { const out = [];
              for (const e of document.querySelectorAll('body *')) {
                const r = e.getBoundingClientRect();
                if (r.right > w + 1 && !e.closest('.table-scroll'))
                  out.push(e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(r.right));
              } return out.slice(0, 5); }""",
            screen,
        )
        raise AssertionError(f"{page.url}: page is {width}px wide on a {screen}px screen: {culprit}")


def self_score(live: LiveServer, sid: int, code: str) -> Decimal | None:
    with live.rt.db.read() as session:
        row = session.exec(
            select(Score).where(Score.submission_id == sid, Score.criterion_code == code)
        ).first()
        return row.self_score if row else None


def test_typed_scores_survive_adding_evidence(
    tab: Any, browser: Any, live: LiveServer, screen: str, campaign: str, artifacts: Path
) -> None:
    sid = submission_id(live.rt, "sgtvt")
    sign_in_page(tab, SGTVT_FOCAL)
    tab.goto(f"/submissions/{sid}/self-assessment")
    fits(tab)
    # jump links and folding fields
    tab.click('#field-links a[href="#field-2"]')
    expect(tab.locator("#field-2")).to_be_in_viewport()
    tab.click("#field-1 > summary")
    expect(tab.locator('input[name="score-1.1.1"]')).to_be_hidden()
    tab.click("#field-1 > summary")
    tab.fill('input[name="score-1.1.1"]', "0,5")
    tab.fill('textarea[name="explanation-1.1.1"]', "Kế hoạch số 12/KH-SGTVT ngày 05/01/2021.")
    # the field's subtotal follows what is typed
    expect(tab.locator("#subtotal-1 .subtotal-value")).to_have_text("0,50")
    tab.screenshot(path=str(artifacts / f"self-assessment-{screen}.png"), full_page=False)
    # leaving by a link with unsaved changes warns; staying keeps the page
    dialogs: list[str] = []

    def stay(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    tab.on("dialog", stay)
    tab.click(".crumbs a", no_wait_after=True)
    tab.wait_for_function("() => true")
    expect(tab.locator('input[name="score-1.1.1"]')).to_have_value("0,5")
    assert dialogs == ["beforeunload"]
    tab.remove_listener("dialog", stay)
    # "+ thêm" saves first, then opens the evidence form for that criterion
    tab.click('[id="leaf-1.1.2"] button.add-evidence')
    tab.wait_for_url(f"**/submissions/{sid}/evidence/new?criterion=1.1.2")
    expect(tab.locator(".flash")).to_contain_text("Đã lưu điểm của 1 tiêu chí.")
    assert self_score(live, sid, "1.1.1") == Decimal("0.50")
    expect(tab.locator('input[name="criterion"][value="1.1.2"]')).to_be_checked()
    fits(tab)
    # several files, for two criteria, in one upload
    files = []
    for i, code in enumerate(("1.1.2", "1.1.3")):
        path = artifacts / f"evidence-{screen}-{i}.pdf"
        with live.rt.db.read() as session:
            _agency, leaves = demo_season.agency_leaves(session, sid)
        path.write_bytes(
            demo_season.evidence_pdf("Sở Giao thông vận tải", next(x for x in leaves if x.code == code))
        )
        files.append(str(path))
    tab.check('input[name="criterion"][value="1.1.3"]')
    tab.set_input_files("#file", files)
    tab.screenshot(path=str(artifacts / f"evidence-form-{screen}.png"), full_page=True)
    tab.click("form.stack button[type=submit]")
    expect(tab.locator(".flash")).to_contain_text("Đã thêm 2 tài liệu kiểm chứng cho tiêu chí 1.1.2, 1.1.3.")
    expect(tab.locator('[id="leaf-1.1.3"] td.evidence a')).to_have_count(2)

    # without JavaScript: the same button is a plain submit of the score form
    plain = open_tab(browser, live, screen, javascript=False)
    try:
        sign_in_page(plain, SGTVT_FOCAL)
        plain.goto(f"/submissions/{sid}/self-assessment")
        plain.fill('input[name="score-1.2.1"]', "0,25")
        plain.click('[id="leaf-1.2.1"] button.add-evidence')
        plain.wait_for_url("**/evidence/new?criterion=1.2.1")
        assert self_score(live, sid, "1.2.1") == Decimal("0.25")
    finally:
        plain.context.close()


def test_figures_are_labelled_and_missing_ones_read_chua_co(
    tab: Any, live: LiveServer, screen: str, campaign: str, artifacts: Path
) -> None:
    sid = submission_id(live.rt, "sgtvt")
    complete_self_assessment(live.rt, sid)
    submit(live.rt, sid)
    start_appraisal(live.rt, sid)
    import_survey(live.rt, campaign)
    sign_in_page(tab, HOME_AFFAIRS)
    tab.goto(f"/submissions/{sid}")
    expect(tab.locator("#appraised-total")).to_have_text("chưa có")
    expect(tab.locator("#index-total")).to_have_text("chưa có")
    expect(tab.locator("#survey-total")).not_to_have_text("chưa có")
    expect(tab.locator("dl.totals")).to_contain_text("Điểm tự đánh giá (các tiêu chí cơ quan tự chấm)")
    expect(tab.locator(".deadline-status").first).to_have_text("Đã hoàn thành")
    for text in tab.locator(".deadline-status").all_inner_texts():
        assert "-" not in text and "−" not in text
    fits(tab)
    tab.screenshot(path=str(artifacts / f"submission-figures-{screen}.png"), full_page=True)


def test_council_sees_what_it_judges_and_who_is_pending(
    tab: Any, live: LiveServer, screen: str, campaign: str, artifacts: Path
) -> None:
    rt = live.rt
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid, files=1)
    submit(rt, sid)
    start_appraisal(rt, sid)
    with rt.db.read() as session:
        _agency, leaves = demo_season.agency_leaves(session, sid)
        stored = {s.criterion_code: s for s in session.exec(select(Score).where(Score.submission_id == sid))}
    mine = [x for x in leaves if x.field_code == "3"]
    who = principal(rt, COUNCIL_3)
    items = [appraisal.AppraisalIn(x.code, stored[x.code].self_score) for x in mine]
    rt.db.run(lambda s: appraisal.save_appraisals(s, rt, who, sid, items))
    sign_in_page(tab, COUNCIL_3)
    tab.goto(f"/submissions/{sid}/appraisal")
    row = tab.locator(f'[id="leaf-{mine[0].code}"]')
    expect(row.locator(".method")).to_be_visible()
    expect(row.locator(".self-score")).not_to_have_text("chưa có")
    expect(row.locator(".agency-evidence")).to_contain_text("Giải trình")
    expect(tab.locator("#waiting")).to_contain_text("Còn chờ")
    expect(tab.locator("text=Gửi kết quả thẩm định")).to_have_count(0)
    fits(tab)
    tab.screenshot(path=str(artifacts / f"appraisal-{screen}.png"), full_page=False)
    # the print style prints the table, not an empty card
    tab.emulate_media(media="print")
    expect(tab.locator("#appraisal table").first).to_be_visible()
    expect(tab.locator("#appraisal button[type=submit]").first).to_be_hidden()
    tab.emulate_media(media="screen")


def test_paper_prints_and_downloads(
    tab: Any, live: LiveServer, screen: str, campaign: str, artifacts: Path
) -> None:
    sid = submission_id(live.rt, "sgtvt")
    complete_self_assessment(live.rt, sid, files=1)
    sign_in_page(tab, SGTVT_FOCAL)
    tab.goto(f"/submissions/{sid}/self-assessment")
    tab.emulate_media(media="print")
    expect(tab.locator("#self-assessment table").first).to_be_visible()
    expect(tab.locator("#field-links")).to_be_hidden()
    tab.emulate_media(media="screen")
    tab.click("#paper-link")
    tab.wait_for_url(f"**/submissions/{sid}/self-assessment/report")
    expect(tab.locator("#place-date")).to_have_text("Hải Phòng, ngày 10 tháng 01 năm 2022")
    expect(tab.locator("#signature-block")).to_contain_text("THỦ TRƯỞNG CƠ QUAN")
    fits(tab)
    tab.screenshot(path=str(artifacts / f"report-{screen}.png"), full_page=True)
    with tab.expect_download() as download_info:
        tab.click("#docx-download")
    download = download_info.value
    assert download.suggested_filename == "bao-cao-tu-danh-gia-sgtvt-2021.docx"
    doc = Document(io.BytesIO(Path(download.path()).read_bytes()))
    assert "BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM" in "\n".join(p.text for p in doc.paragraphs)
    assert any(r.cells[0].text.startswith("1.1.1 ") for r in doc.tables[2].rows)


def test_pages_fit_a_phone_with_the_criterion_column_pinned(
    browser: Any, live: LiveServer, campaign: str, artifacts: Path
) -> None:
    rt = live.rt
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid, files=1)
    phone = open_tab(browser, live, "phone")
    try:
        sign_in_page(phone, SGTVT_FOCAL)
        for path in (
            f"/submissions/{sid}",
            f"/submissions/{sid}/self-assessment",
            f"/submissions/{sid}/evidence/new",
        ):
            phone.goto(path)
            fits(phone)
            first = phone.locator(".table-scroll tbody tr.leaf > td:first-child").first
            if first.count():
                assert first.evaluate("e => getComputedStyle(e).position") == "sticky"
        submit(rt, sid)
        start_appraisal(rt, sid)
        sign_in_page(phone, COUNCIL_3)
        phone.goto(f"/submissions/{sid}/appraisal")
        fits(phone)
        box = phone.locator(".table-scroll").first
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the table scrolls inside its box
        box.evaluate("e => { e.scrollLeft = 200; }")
        pinned = phone.locator(".table-scroll tr.leaf td").first
        assert pinned.evaluate("e => e.getBoundingClientRect().left") >= 0
        phone.screenshot(path=str(artifacts / "appraisal-phone-scrolled.png"), full_page=False)
    finally:
        phone.context.close()


def test_the_head_confirms_what_the_focal_point_sends(
    tab: Any, live: LiveServer, screen: str, campaign: str, artifacts: Path, tmp_path: Path
) -> None:
    rt = live.rt
    folder = tmp_path / "campaign"
    shutil.copytree(EXAMPLE, folder)
    yaml = folder / "campaign.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8").replace(
            "require_head_confirmation: false", "require_head_confirmation: true"
        ),
        encoding="utf-8",
    )
    assert parflow(rt, "campaign", "load", str(folder)).exit_code == 0
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid)
    sign_in_page(tab, SGTVT_FOCAL)
    tab.goto(f"/submissions/{sid}/events/submit")
    expect(tab.locator("#asks-head")).to_contain_text("yêu cầu Lãnh đạo cơ quan xác nhận")
    fits(tab)
    tab.screenshot(path=str(artifacts / f"ask-head-{screen}.png"), full_page=True)
    tab.click("#confirm")
    expect(tab.locator(".flash")).to_contain_text("Đã đề nghị Lãnh đạo cơ quan xác nhận")
    expect(tab.locator("#state")).to_contain_text("chờ Lãnh đạo cơ quan xác nhận")
    sign_in_page(tab, SGTVT_HEAD)
    tab.goto(f"/submissions/{sid}")
    tab.click('[data-trigger="submit"]')
    expect(tab.locator("#asks-head")).to_have_count(0)
    tab.click("#confirm")
    expect(tab.locator("#state")).to_have_text("Đã gửi tự đánh giá")
    tab.screenshot(path=str(artifacts / f"head-confirmed-{screen}.png"), full_page=False)
