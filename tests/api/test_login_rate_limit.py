"""Password guessing is slowed down per account and per address, with a clear message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from parflow.services.accounts.sign_in import MAX_PER_ACCOUNT, WINDOW
from tests.support.passwords import PASSWORD


def attempt(client: TestClient, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def test_account_is_locked_for_a_while_after_repeated_failures(client: TestClient, mini: str, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(MAX_PER_ACCOUNT):
        assert attempt(client, "ha@mini.example", "wrong").status_code == 401
    blocked = attempt(client, "ha@mini.example", PASSWORD)
    assert blocked.status_code == 429
    assert blocked.json() == {
        "detail": "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.",
        "code": "rate_limited",
    }
    # other accounts are unaffected
    assert attempt(client, "editor.a@mini.example", PASSWORD).status_code == 200
    clock.advance(WINDOW + timedelta(seconds=1))
    assert attempt(client, "ha@mini.example", PASSWORD).status_code == 200


def test_success_clears_the_count(client: TestClient, mini: str) -> None:
    for _ in range(MAX_PER_ACCOUNT - 1):
        attempt(client, "ha@mini.example", "wrong")
    assert attempt(client, "ha@mini.example", PASSWORD).status_code == 200
    for _ in range(MAX_PER_ACCOUNT - 1):
        attempt(client, "ha@mini.example", "wrong")
    assert attempt(client, "ha@mini.example", PASSWORD).status_code == 200


def test_address_limit_covers_many_accounts(client: TestClient, mini: str) -> None:
    from parflow.services.accounts.sign_in import MAX_PER_ADDRESS

    for i in range(MAX_PER_ADDRESS):
        attempt(client, f"guess{i}@mini.example", "wrong")
    assert attempt(client, "editor.a@mini.example", PASSWORD).status_code == 429


def test_sign_in_page_shows_the_wait(client: TestClient, mini: str) -> None:
    from tests.support.auth import csrf_from

    for _ in range(MAX_PER_ACCOUNT):
        attempt(client, "ha@mini.example", "wrong")
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": "ha@mini.example", "password": PASSWORD, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 429
    assert "thử lại sau 15 phút" in response.text


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_password_check_holds_no_database_connection(
    client: TestClient, mini: str, rt, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """argon2 is slow on purpose; a burst of sign-ins must not hold the pool's connections
    through it (they ran out and sign-ins failed with 500 under load)."""
    from parflow.services.accounts import users

    seen: list[int] = []
    real = users._hasher

    class Watching:
        def verify(self, password: str, hashed: str) -> bool:
            seen.append(rt.db.engine.pool.checkedout())
            return real.verify(password, hashed)

    monkeypatch.setattr(users, "_hasher", Watching())
    assert attempt(client, "ha@mini.example", PASSWORD).status_code == 200
    assert attempt(client, "ha@mini.example", "wrong").status_code == 401
    assert seen == [0, 0]
