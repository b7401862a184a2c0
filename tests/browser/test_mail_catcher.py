"""The demo mailbox in Chromium: a caught e-mail's HTML version is shown as its recipient sees it.

Before issue 14 the mailbox page was unstyled (its inline <style> fell foul of the pages' strict
policy) and the frame with the HTML body stayed empty (the body was served with X-Frame-Options
DENY). The message here is a real escalation: a tick on 17/01/2022 queues it and a delivery pass
sends it over SMTP to the demo's mail catcher.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from parflow.notify.catcher import MailCatcher, list_caught, mail_dir
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.tick import tick
from tests.support.live_server import serving
from tests.support.mail import deliver

from .conftest import ARTIFACTS

HEAD = "lanh-dao.q-ngo-quyen@haiphong.example"


@pytest.fixture
def demo(rt: Runtime, campaign: str) -> Iterator[tuple[str, Runtime]]:
    with MailCatcher(mail_dir(rt.settings.data_dir), clock=rt.clock) as catcher:
        settings = catcher.route(rt.settings).model_copy(update={"demo_mode": True})
        demo_rt = Runtime(settings=settings, db=rt.db, clock=rt.clock)
        demo_rt.workflows = rt.workflows
        now = datetime(2022, 1, 17, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
        rt.clock.set(now)  # type: ignore[attr-defined]
        tick(demo_rt, now)
        # delivery runs its own event loop: in a thread, beside Playwright's on the main thread
        worker = threading.Thread(target=deliver, args=(demo_rt,))
        worker.start()
        worker.join(timeout=120)
        assert any(HEAD in c.to for c in list_caught(mail_dir(rt.settings.data_dir)))
        with serving(demo_rt) as url:
            yield url, demo_rt


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_mailbox_shows_the_html_version(browser, demo, width: int, height: int) -> None:  # type: ignore[no-untyped-def]
    url, _rt = demo
    context = browser.new_context(base_url=url, viewport={"width": width, "height": height}, locale="vi-VN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto("/demo/mail")
        # styled: the header bar has the stylesheet's colour, not the browser's default
        bar = page.locator("header").evaluate("e => getComputedStyle(e).backgroundColor")
        assert bar == "rgb(139, 26, 26)"
        page.get_by_role("row").filter(has_text="Ngô Quyền").filter(
            has_text="Thông báo quá hạn"
        ).first.get_by_role("link").click()
        page.wait_for_url("**/demo/mail/*")
        frame = page.frame_locator("iframe")
        greeting = frame.get_by_text("Kính gửi: Chủ tịch UBND quận Ngô Quyền")
        greeting.wait_for()
        assert frame.get_by_text("Sở Nội vụ thành phố Hải Phòng").first.is_visible()
        assert frame.get_by_text("tiêu chí chưa chấm điểm").is_visible()
        # the message keeps its own inline styles inside the frame (its coloured title bar)
        colour = frame.locator('td[style*="background:#8b1a1a"]').first.evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        assert colour == "rgb(139, 26, 26)"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"mail-catcher-{width}x{height}.png"), full_page=True)
        page.locator("iframe").scroll_into_view_if_needed()
        page.locator("iframe").screenshot(path=str(ARTIFACTS / f"mail-catcher-frame-{width}x{height}.png"))
        assert not refused, refused
    finally:
        context.close()
