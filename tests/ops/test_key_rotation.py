"""The key rotation runbook (docs/operations.md): after PARFLOW_SECRET_KEY changes and the web
restarts, every token and session signed with the old key is refused, and signing in again works."""

from __future__ import annotations

from fastapi.testclient import TestClient

from parflow.services.common.runtime import Runtime
from parflow.web.app import create_app
from tests.support.auth import sign_in
from tests.support.passwords import PASSWORD
from tests.support.people import HOME_AFFAIRS

NEW_KEY = "rotated-" + "k" * 40


def test_rotated_key_ends_tokens_and_sessions(rt: Runtime, campaign: str) -> None:
    with TestClient(create_app(rt)) as before:
        issued = before.post("/api/v1/auth/token", data={"username": HOME_AFFAIRS, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        assert before.get("/api/v1/campaigns", headers=headers).status_code == 200
        sign_in(before, HOME_AFFAIRS)
        cookies = dict(before.cookies)
        assert before.get(f"/campaigns/{campaign}/board", follow_redirects=False).status_code == 200

    rotated = Runtime(
        settings=rt.settings.model_copy(update={"secret_key": NEW_KEY}), db=rt.db, clock=rt.clock
    )
    with TestClient(create_app(rotated)) as after:
        assert after.get("/api/v1/campaigns", headers=headers).status_code == 401
        after.cookies.update(cookies)
        page = after.get(f"/campaigns/{campaign}/board", follow_redirects=False)
        assert page.status_code in (302, 303) and "/login" in page.headers["location"]
        again = after.post("/api/v1/auth/token", data={"username": HOME_AFFAIRS, "password": PASSWORD})
        assert again.status_code == 200
        fresh = {"Authorization": f"Bearer {again.json()['access_token']}"}
        assert after.get("/api/v1/campaigns", headers=fresh).status_code == 200
