"""The board and remind-now in Chromium, on a laptop (1366×768) and a phone (390×844): find an
agency without typing accents, keep only the overdue ones, sort, see who is nearly done, remind one
agency with a message, and be told plainly when it was already reminded today."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from parflow import demo_season
from tests.browser.conftest import LiveServer
from tests.support.auth import sign_in_page
from tests.support.lifecycle import submission_id
from tests.support.people import HOME_AFFAIRS
from tests.support.season import complete_self_assessment, submit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}


def season(live: LiveServer) -> None:
    """The demo's 27/01/2022: one department sent late, two part-way, the rest not started."""
    rt = live.rt
    sent = submission_id(rt, "stp")
    complete_self_assessment(rt, sent)
    live.clock.set(datetime(2022, 1, 18, 9, 0, tzinfo=VN))
    submit(rt, sent)
    demo_season.fill_self_assessment(rt, submission_id(rt, "sgddt"), share=0.9)
    demo_season.fill_self_assessment(rt, submission_id(rt, "sgtvt"), share=0.3)
    live.clock.set(datetime(2022, 1, 27, 9, 0, tzinfo=VN))


@pytest.mark.parametrize("size", list(SIZES))
def test_board_search_filter_sort_and_remind_now(
    browser, live: LiveServer, campaign: str, artifacts, size: str
) -> None:  # type: ignore[no-untyped-def]
    season(live)
    width, height = SIZES[size]
    context = browser.new_context(
        base_url=live.url, viewport={"width": width, "height": height}, locale="vi-VN"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in_page(page, HOME_AFFAIRS)
        page.goto("/campaigns/haiphong-2021/board")
        expect(page.locator("table.board tbody tr")).to_have_count(35)
        # the page itself never scrolls sideways: the wide table scrolls in its own box
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        page.screenshot(path=str(artifacts / f"board-{size}.png"), full_page=False)

        # search without accents
        page.fill("input[name=q]", "giao duc")
        page.click("form.board-filters button[type=submit]")
        rows = page.locator("table.board tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Sở Giáo dục và Đào tạo")
        expect(rows.first).to_contain_text("/")  # criteria scored, e.g. 54/60
        page.screenshot(path=str(artifacts / f"board-search-{size}.png"), full_page=False)

        # overdue only, nearest to done first
        page.fill("input[name=q]", "")
        page.check("input[name=overdue]")
        page.select_option("select[name=sort]", "progress")
        page.click("form.board-filters button[type=submit]")
        expect(rows).to_have_count(34)  # Sở Tư pháp sent (late, but sent)
        expect(rows.first).to_contain_text("Sở Giáo dục và Đào tạo")
        expect(rows.nth(1)).to_contain_text("Sở Giao thông vận tải")
        assert "overdue=1" in page.url and "sort=progress" in page.url
        page.screenshot(path=str(artifacts / f"board-overdue-{size}.png"), full_page=False)

        # remind one agency now, with a message
        page.click("details.remind-box summary")
        page.fill("#remind-message", "Đề nghị hoàn thành tự chấm điểm trước 17 giờ ngày 28/01/2022.")
        page.click("table.board tbody tr:first-child button[name=agency]")
        expect(page.locator(".flash")).to_contain_text("Đã xếp hàng gửi nhắc nhở tới Sở Giáo dục và Đào tạo")
        first = page.locator("table.board tbody tr").first
        expect(first).to_contain_text("Sở Nội vụ nhắc · 09:00 27/01/2022")
        assert "overdue=1" in page.url  # back to the same filtered board
        page.locator("details.remind-box").scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, 60)")
        page.screenshot(path=str(artifacts / f"board-reminded-{size}.png"), full_page=False)

        # the same day again: told plainly, nothing sent
        page.click("table.board tbody tr:first-child button[name=agency]")
        expect(page.locator(".remind-box .error")).to_contain_text("đã được nhắc hôm nay")
        page.locator("details.remind-box").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"board-remind-refused-{size}.png"), full_page=False)

        # the lateness record on the submission page
        page.goto("/campaigns/haiphong-2021/board?q=tu+phap")
        expect(page.locator("table.board tbody tr")).to_contain_text(
            "Tự đánh giá: gửi quá hạn 2 ngày làm việc"
        )
        page.click("table.board >> text=Sở Tư pháp")
        expect(page.locator("#self-sent")).to_contain_text("Gửi quá hạn 2 ngày làm việc")
        page.screenshot(path=str(artifacts / f"submission-late-{size}.png"), full_page=False)
    finally:
        context.close()
