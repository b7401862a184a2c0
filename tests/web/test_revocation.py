"""Signing out and changing a password end the sessions and API tokens issued before.

A copied session cookie used to keep working for its 10 hours after sign-out, and an API token for
its 8 hours after `parflow users set-password`. Each person now has a `session_epoch`, carried in
the cookie and the token and compared on every request; sign-out and a password change move it on
(sign-out ends the person's sessions everywhere, not only in this browser)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from parflow.services.accounts import users
from parflow.services.common.runtime import Runtime
from parflow.web.session import COOKIE
from tests.support.auth import csrf_from, sign_in
from tests.support.passwords import PASSWORD

EDITOR = "editor.a@mini.example"
NEW_PASSWORD = "a brand new password"


def api_token(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def signed_in(client: TestClient) -> bool:
    return "Sở Thử nghiệm A" in client.get("/").text


def test_a_copied_cookie_stops_working_after_sign_out(client: TestClient, mini: str) -> None:
    sign_in(client, EDITOR)
    copied = client.cookies.get(COOKIE)
    assert copied and signed_in(client)
    out = client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)}, follow_redirects=False)
    assert out.status_code == 303
    with TestClient(client.app, cookies={COOKIE: copied}) as thief:
        assert not signed_in(thief)
        assert thief.get("/", follow_redirects=False).status_code in (200, 303)


def test_sign_out_ends_the_persons_api_tokens_and_other_browsers(client: TestClient, mini: str) -> None:
    headers = api_token(client, EDITOR)
    with TestClient(client.app) as other_browser:
        sign_in(other_browser, EDITOR)
        sign_in(client, EDITOR)
        client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
        assert not signed_in(other_browser)
    refused = client.get("/api/v1/auth/me", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"
    # signing in again works as before
    assert client.get("/api/v1/auth/me", headers=api_token(client, EDITOR)).status_code == 200


def test_a_password_change_ends_earlier_tokens_and_sessions(
    client: TestClient, rt: Runtime, mini: str
) -> None:
    headers = api_token(client, EDITOR)
    sign_in(client, EDITOR)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    # what `parflow users set-password` runs
    rt.db.run(lambda session: users.set_password(session, EDITOR, NEW_PASSWORD))
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert not signed_in(client)
    fresh = api_token(client, EDITOR, NEW_PASSWORD)
    assert client.get("/api/v1/auth/me", headers=fresh).json()["email"] == EDITOR


def test_other_people_are_not_signed_out(client: TestClient, mini: str) -> None:
    others = api_token(client, "ha@mini.example")
    sign_in(client, EDITOR)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    assert client.get("/api/v1/auth/me", headers=others).status_code == 200


def test_a_token_from_before_epochs_ends_at_the_next_sign_out(
    client: TestClient, rt: Runtime, mini: str
) -> None:
    """Tokens issued before the upgrade carry no epoch: read as the first one (0), they keep
    working until the person next signs out or changes password, and not after."""
    import jwt

    from parflow.store.models import Person
    from tests.support.databases import TEST_SECRET

    with rt.db.read() as session:
        person_id = session.exec(select(Person.id).where(Person.email == EDITOR)).one()
    now = int(rt.clock.now().timestamp())
    old = jwt.encode(
        {"sub": str(person_id), "aud": "parflow-api", "iat": now, "exp": now + 3600}, TEST_SECRET, "HS256"
    )
    headers = {"Authorization": f"Bearer {old}"}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    sign_in(client, EDITOR)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
