"""Browser tests: a real uvicorn server in a background thread, driven by Debian's Chromium.

The server serves `create_app(rt)` on a free 127.0.0.1 port with the test's `FixedClock`, which a
test moves (e.g. past the dispute window) while the browser keeps its session. Playwright drives
/usr/bin/chromium; no browser is ever downloaded. These tests run on SQLite only: the page tests
cover both databases, and here the point is the browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from parflow.clock import FixedClock
from parflow.services.common.runtime import Runtime
from parflow.settings import PROJECT_ROOT
from tests.support.live_server import serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture
def backend() -> str:
    return "sqlite"


@dataclass
class LiveServer:
    url: str
    rt: Runtime
    clock: FixedClock


@pytest.fixture
def live(rt: Runtime, clock: FixedClock) -> Iterator[LiveServer]:
    with serving(rt) as url:
        yield LiveServer(url, rt, clock)


# Module scope, not session: while Playwright's synchronous API is open it keeps an event loop
# running on the main thread, and tests that call asyncio.run() (e-mail delivery) would fail after it.
@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (CI installs Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live: LiveServer):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live.url, viewport={"width": 1360, "height": 900}, locale="vi-VN")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
