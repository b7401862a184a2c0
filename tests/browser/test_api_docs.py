"""The API documentation pages work in a real browser under their content security policy: every
script and style comes from this server, and the browser reports no blocked resource."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer


@pytest.mark.parametrize(("path", "rendered"), [("/docs", ".opblock"), ("/redoc", "[data-section-id]")])
def test_documentation_renders_under_the_policy(
    page: Any, live: LiveServer, path: str, rendered: str
) -> None:
    violations: list[str] = []
    external: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on(
        "request",
        lambda r: external.append(r.url) if not r.url.startswith((live.url, "data:", "blob:")) else None,
    )
    response = page.goto(path)
    assert response is not None and response.status == 200
    script_src = response.headers["content-security-policy"].split("script-src", 1)[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    page.wait_for_selector(rendered)
    assert "/api/v1/auth/token" in page.content()
    # ReDoc's side menu shows the Redocly logo from their CDN: the browser asks, the policy blocks
    # it (nothing else), and the page does not need it
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert [v for v in violations if logo not in v] == []
    assert [u for u in external if u != logo] == []
