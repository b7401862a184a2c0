"""The published results, an agency's history and the workflow page, read as the public would, at a
desk (1366×768) and on a phone (390×844): nothing runs off the right edge, tables scroll inside their
box with the name pinned, charts show names and bars, the header names the province and its Home
Affairs department and folds its navigation, a skip link leads to the content, text has at least
4.5:1 contrast. Screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, LiveServer
from tests.results.published import publish
from tests.support.auth import sign_in_page
from tests.support.people import HOME_AFFAIRS

VIEWPORTS = {"desktop": (1366, 768), "phone": (390, 844)}

# every element with its own text: the contrast of its colour against the first opaque background
# up its ancestors (WCAG 2 relative luminance); returns the failures
CONTRAST_JS = """() => {
  const parse = c => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(',').map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') || el.closest('.skip-link')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const fg = parse(getComputedStyle(el).color), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const text = el.textContent.trim().slice(0, 30);
    if (ratio < 4.5) bad.push(`${el.tagName}.${el.className} "${text}" ${ratio.toFixed(2)}`);
  }
  return bad;
}"""

OVERFLOW_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def published(live: LiveServer, campaign: str) -> str:
    publish(live.rt, campaign)
    return campaign


@pytest.fixture(params=list(VIEWPORTS))
def reader(request, browser, live: LiveServer):  # type: ignore[no-untyped-def]
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(
        base_url=live.url, viewport={"width": width, "height": height}, locale="vi-VN"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.size = request.param  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{page.size}.png"), full_page=True)


def _common_checks(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate(OVERFLOW_JS) <= 0, "the page is wider than the screen"
    assert page.evaluate(CONTRAST_JS) == []
    header = page.locator("header.topbar")
    expect(header).to_contain_text("UBND thành phố Hải Phòng")
    expect(header).to_contain_text("Sở Nội vụ")
    box = header.bounding_box()
    assert box is not None and box["height"] <= 0.2 * page.viewport_size["height"]


def test_results_page(reader, published: str) -> None:  # type: ignore[no-untyped-def]
    page = reader
    page.goto(f"/campaigns/{published}/results")
    expect(page.locator("#decision")).to_have_text("Quyết định số 903/QĐ-UBND (người ký: Nguyễn Văn Tùng)")
    _common_checks(page)
    group = page.locator("#group-department")
    layout = "narrow" if page.size == "phone" else "wide"
    chart = group.locator(f"#ranking-department svg.{layout}")
    expect(chart).to_be_visible()
    expect(group.locator(f"#fields-department svg.{layout}")).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    # names and bars both inside the chart's box, at a readable size
    label = chart.locator("text.bar-label").first
    expect(label).to_contain_text("1.")
    label_box = label.bounding_box()
    assert label_box is not None and label_box["height"] >= 9
    expect(chart.locator("rect.bar")).to_have_count(2)
    # the table: every field, the change since 2020, its name column pinned while it scrolls
    table = group.locator(".table-scroll table.results")
    expect(table.locator("thead th")).to_have_count(2 + 1 + 8 + 3 + 1 + 2)
    expect(table.locator("tbody tr").first.locator("td.change").first).to_contain_text("bậc")
    scroller = group.locator(".table-scroll")
    name = table.locator("tbody tr").first.locator("th")
    before = name.bounding_box()
    scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    after = name.bounding_box()
    assert before is not None and after is not None and abs(before["x"] - after["x"]) < 1
    if page.size == "phone":
        assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
        # a name keeps whole words on a line: never one word per line
        assert after["width"] >= 150
    _shot(page, "results")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"results-top-{page.size}.png"))
    group.screenshot(path=str(ARTIFACTS / f"results-group-{page.size}.png"))


def test_skip_link_and_folding_navigation(reader, published: str) -> None:  # type: ignore[no-untyped-def]
    page = reader
    page.goto(f"/campaigns/{published}/results")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    nav = page.locator("#mainnav")
    toggle = page.locator("#nav-toggle")
    if page.size == "phone":
        expect(nav).to_be_hidden()
        toggle.focus()
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(nav.locator("a", has_text="Kết quả công bố")).to_be_visible()
        _shot(page, "navigation-open")
        page.keyboard.press("Escape")
        expect(nav).to_be_hidden()
        expect(toggle).to_be_focused()
    else:
        expect(toggle).to_be_hidden()
        expect(nav.locator("a", has_text="Kết quả công bố")).to_be_visible()


def test_agency_history(reader, published: str) -> None:  # type: ignore[no-untyped-def]
    page = reader
    page.goto(f"/campaigns/{published}/results")
    page.locator("#row-sgtvt th a").click()
    page.wait_for_url(f"**/campaigns/{published}/results/agencies/sgtvt")
    expect(page.locator("h1")).to_have_text("Sở Giao thông vận tải")
    _common_checks(page)
    history = page.locator("#history tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0).locator("th")).to_have_text("2021")
    expect(history.nth(1).locator("th")).to_have_text("2020")
    expect(history.nth(1)).to_contain_text("số liệu minh hoạ")
    layout = "narrow" if page.size == "phone" else "wide"
    chart = page.locator(f"#agency-fields svg.{layout}")
    expect(chart).to_be_visible()
    expect(chart.locator("line.reference")).to_have_count(8)
    _shot(page, "agency-history")


def test_workflow_page_in_peoples_words(reader, live: LiveServer, published: str) -> None:  # type: ignore[no-untyped-def]
    page = reader
    page.goto(f"/campaigns/{published}/workflow")
    _common_checks(page)
    body = page.locator("main")
    expect(body).to_contain_text("Đã tự chấm đủ mọi tiêu chí, có tài liệu kiểm chứng")
    expect(body).not_to_contain_text("self_assessment_complete")
    expect(body).not_to_contain_text("stateDiagram")
    expect(page.locator("#workflow-diagram")).to_be_visible()
    _shot(page, "workflow")
    # the people who run the campaign still find the code names and the Mermaid text, folded away
    sign_in_page(page, HOME_AFFAIRS)
    page.goto(f"/campaigns/{published}/workflow")
    page.locator("summary", has_text="Mermaid").click()
    expect(page.locator("#mermaid")).to_contain_text("stateDiagram")
