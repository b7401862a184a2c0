"""Password guessing is slowed down per account and address pair, per address and per account,
with a clear message and `Retry-After`; the limit cannot be raced; the owner is never locked out."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pwdlib.hashers.argon2 import Argon2Hasher

from parflow.services.common.runtime import Runtime
from tests.support.passwords import PASSWORD

# the documented defaults (docs/configuration.md)
PAIR_LIMIT = 5
ADDRESS_LIMIT = 30
WINDOW = timedelta(minutes=15)
ATTACKER = ("203.0.113.7", 40000)
OWNER = ("198.51.100.20", 40000)


def attempt(client: TestClient, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Light argon2 parameters (verification still runs argon2id): these tests sign in a lot."""
    return Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)


@pytest.fixture
def from_address(client: TestClient) -> Iterator[object]:
    """Clients of the same app seen from other addresses (request.client.host)."""
    opened: list[TestClient] = []

    def make(address: tuple[str, int]) -> TestClient:
        other = TestClient(client.app, client=address)
        opened.append(other)
        return other

    yield make
    for other in opened:
        other.close()


def test_pair_is_locked_for_a_while_after_repeated_failures(client: TestClient, mini: str, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(PAIR_LIMIT):
        assert attempt(client, "ha@mini.example", "wrong").status_code == 401
    blocked = attempt(client, "ha@mini.example", PASSWORD)
    assert blocked.status_code == 429
    assert blocked.json() == {
        "detail": "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.",
        "code": "rate_limited",
    }
    assert blocked.headers["Retry-After"] == str(int(WINDOW.total_seconds()))
    # other accounts are unaffected
    assert attempt(client, "editor.a@mini.example", PASSWORD).status_code == 200
    clock.advance(WINDOW + timedelta(seconds=1))
    assert attempt(client, "ha@mini.example", PASSWORD).status_code == 200


def test_success_clears_the_count(client: TestClient, mini: str) -> None:
    for _ in range(PAIR_LIMIT - 1):
        attempt(client, "ha@mini.example", "wrong")
    assert attempt(client, "ha@mini.example", PASSWORD).status_code == 200
    for _ in range(PAIR_LIMIT - 1):
        attempt(client, "ha@mini.example", "wrong")
    assert attempt(client, "ha@mini.example", PASSWORD).status_code == 200


def test_address_limit_covers_many_accounts(client: TestClient, mini: str) -> None:
    for i in range(ADDRESS_LIMIT):
        attempt(client, f"guess{i}@mini.example", "wrong")
    blocked = attempt(client, "editor.a@mini.example", PASSWORD)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0


def test_sign_in_page_shows_the_wait(client: TestClient, mini: str) -> None:
    from tests.support.auth import csrf_from

    for _ in range(PAIR_LIMIT):
        attempt(client, "ha@mini.example", "wrong")
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": "ha@mini.example", "password": PASSWORD, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 429
    assert "thử lại sau 15 phút" in response.text
    assert response.headers["Retry-After"] == str(int(WINDOW.total_seconds()))


def test_owner_is_not_locked_out_by_failures_from_another_address(
    client: TestClient, mini: str, from_address
) -> None:  # type: ignore[no-untyped-def]
    """Addresses are guessable: five wrong passwords from elsewhere must not shut Home Affairs out."""
    attacker = from_address(ATTACKER)
    for _ in range(PAIR_LIMIT):
        assert attempt(attacker, "ha@mini.example", "wrong").status_code == 401
    assert attempt(attacker, "ha@mini.example", PASSWORD).status_code == 429
    assert attempt(from_address(OWNER), "ha@mini.example", PASSWORD).status_code == 200


def test_many_addresses_slow_the_account_down_but_never_lock_it(
    client: TestClient, mini: str, from_address, clock
) -> None:  # type: ignore[no-untyped-def]
    """Failures from many addresses make each further attempt on the account wait a growing delay
    (bounded), counted from the latest failure; the owner gets in once it has passed."""
    waits = []
    for i in range(40):
        answer = attempt(from_address((f"192.0.2.{i + 1}", 40000)), "ha@mini.example", "wrong")
        if answer.status_code == 429:
            waits.append(int(answer.headers["Retry-After"]))
            assert "giây" in answer.json()["detail"]
            clock.advance(timedelta(seconds=waits[-1]))
        else:
            assert answer.status_code == 401
    assert waits, "the account was never slowed down"
    assert waits == sorted(waits) and max(waits) <= 60  # growing, and bounded by the default cap
    owner = from_address(OWNER)
    slowed = attempt(owner, "ha@mini.example", PASSWORD)
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) <= 60
    clock.advance(timedelta(seconds=int(slowed.headers["Retry-After"])))
    assert attempt(owner, "ha@mini.example", PASSWORD).status_code == 200


def test_limits_come_from_the_settings(client: TestClient, rt: Runtime, mini: str, clock) -> None:  # type: ignore[no-untyped-def]
    rt.settings = rt.settings.model_copy(
        update={"sign_in_window_minutes": 2, "sign_in_max_failures_per_account_address": 2}
    )
    for _ in range(2):
        assert attempt(client, "ha@mini.example", "wrong").status_code == 401
    blocked = attempt(client, "ha@mini.example", PASSWORD)
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "120"
    clock.advance(timedelta(minutes=2, seconds=1))
    assert attempt(client, "ha@mini.example", PASSWORD).status_code == 200


def test_concurrent_wrong_passwords_cannot_race_the_limit(
    client: TestClient, mini: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 wrong passwords at once for one account: at most the limit's worth of passwords are
    verified, the rest are refused with 429 (the check and the count were separate steps)."""
    from parflow.services.accounts import users

    verified: list[str] = []
    lock = threading.Lock()
    real = users._hasher

    class Counting:
        def verify(self, password: str, hashed: str) -> bool:
            with lock:
                verified.append(password)
            threading.Event().wait(0.2)  # a slow hash widens the window a race needs
            return real.verify(password, hashed)

        def hash(self, password: str) -> str:
            return real.hash(password)

    monkeypatch.setattr(users, "_hasher", Counting())
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda i: attempt(client, "ha@mini.example", f"wrong-{i}"), range(20)))
    statuses = sorted(a.status_code for a in answers)
    assert len(verified) <= PAIR_LIMIT, f"{len(verified)} passwords verified"
    assert statuses.count(401) == len(verified)
    assert statuses.count(429) == 20 - len(verified)
    assert all(int(a.headers["Retry-After"]) > 0 for a in answers if a.status_code == 429)


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
