"""Fixtures of the page tests: signing in through the real form, CSRF tokens from the pages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pwdlib.hashers.argon2 import Argon2Hasher

from tests.conftest import PASSWORD

HOME_AFFAIRS = "cchc.nhung@snv.haiphong.example"
HOME_AFFAIRS_EN = "cchc.bao@snv.haiphong.example"
CITY_LEADER = "pho-chu-tich.vinh@haiphong.example"
VIEWER = "giam-sat.ngan@haiphong.example"
SGTVT_FOCAL = "dau-moi.sgtvt@haiphong.example"
SGTVT_HEAD = "lanh-dao.sgtvt@haiphong.example"
STP_FOCAL = "dau-moi.stp@haiphong.example"
COUNCIL_1_4 = "thamdinh.thanh@haiphong.example"
COUNCIL_3 = "thamdinh.hau@haiphong.example"


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Light argon2 parameters (verification still runs argon2id): page tests sign in a lot."""
    return Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient, email: str) -> None:
    client.cookies.clear()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "next": "/", "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def as_user(client: TestClient) -> Callable[[str], TestClient]:
    """Sign the test client in as `email` (through the sign-in form) and return it."""

    def switch(email: str) -> TestClient:
        sign_in(client, email)
        return client

    return switch


def token(client: TestClient, path: str = "/") -> str:
    """The session's CSRF token, read from a page as a browser would."""
    return csrf_from(client.get(path).text)
