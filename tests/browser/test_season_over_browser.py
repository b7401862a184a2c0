"""A past season in Chromium (the 2021 example on 03/12/2026), on a laptop and a phone: the board
says the season is over, once at the top and on every row, and counts no overdue days; the campaign
page's milestones say the same."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.support.auth import sign_in_page
from tests.support.people import HOME_AFFAIRS

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}


@pytest.mark.parametrize("size", list(SIZES))
def test_a_past_season_reads_as_over(browser, live: LiveServer, campaign: str, artifacts, size: str) -> None:  # type: ignore[no-untyped-def]
    live.clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=VN))
    width, height = SIZES[size]
    context = browser.new_context(
        base_url=live.url, viewport={"width": width, "height": height}, locale="vi-VN"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in_page(page, HOME_AFFAIRS)
        page.goto(f"/campaigns/{campaign}/board")
        expect(page.locator("p.season-over")).to_contain_text("Mùa đánh giá đã kết thúc")
        expect(page.locator("table.board tbody .badge.ended")).to_have_count(35)
        expect(page.locator("table.board tbody .badge.overdue")).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        page.screenshot(path=str(artifacts / f"season-over-board-{size}.png"), full_page=False)
        page.locator("table.board tbody tr").nth(2).screenshot(
            path=str(artifacts / f"season-over-row-{size}.png")
        )
        page.goto(f"/campaigns/{campaign}")
        milestones = page.locator("#milestones")
        expect(milestones.locator(".badge.ended").first).to_have_text("Mùa đánh giá đã kết thúc")
        expect(milestones.locator(".badge.overdue")).to_have_count(0)
        milestones.screenshot(path=str(artifacts / f"season-over-campaign-{size}.png"))
    finally:
        context.close()
