"""Signing in as a person would: through the sign-in form (TestClient or a browser page)."""

from __future__ import annotations

import re
from typing import Any

import httpx2 as httpx
from fastapi.testclient import TestClient

from tests.support.passwords import PASSWORD


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def csrf_token(client: TestClient, path: str = "/") -> str:
    """The session's CSRF token, read from a page as a browser would."""
    return csrf_from(client.get(path).text)


def post_sign_in(
    client: TestClient, email: str, password: str = PASSWORD, next_path: str = "/"
) -> httpx.Response:
    """Fill in and send the sign-in form; the answer is the test's to judge."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "next": next_path, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )


def sign_in(client: TestClient, email: str) -> None:
    """Sign the client in as `email` (dropping any earlier session); fails the test if refused."""
    client.cookies.clear()
    response = post_sign_in(client, email)
    assert response.status_code == 303, response.text


def sign_in_page(page: Any, email: str) -> None:
    """The same in Chromium: a Playwright page signs in through the form and lands on the start page."""
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
