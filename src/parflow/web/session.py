"""Signed cookie sessions for the HTML pages, with CSRF tokens.

The cookie holds only a signed dictionary (person id, session epoch, language, CSRF token, when it
was issued);
it is HttpOnly, SameSite=Lax, and Secure when the site is served over HTTPS. Expiry is checked
against the injected clock, like everything else. API clients use bearer tokens instead and never
this cookie, so a cross-site request cannot ride on it into the API.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "parflow_session"
SESSION_TTL = timedelta(hours=10)


class SessionCodec:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt="parflow-session")

    def load(self, raw: str | None, now: datetime) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            data = self._serializer.loads(raw)
        except BadSignature:
            return {}
        if not isinstance(data, dict):
            return {}
        issued = data.get("issued")
        if not isinstance(issued, int | float) or now.timestamp() - issued > SESSION_TTL.total_seconds():
            return {}
        return data

    def dump(self, data: dict[str, Any]) -> str:
        return self._serializer.dumps(data)


def session(request: Request) -> dict[str, Any]:
    if not hasattr(request.state, "session"):  # e.g. an error page rendered outside the middleware
        request.state.session = {}
    return request.state.session


def csrf_token(request: Request) -> str:
    data = session(request)
    token = data.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        data["csrf"] = token
        request.state.session_dirty = True
    return token


def csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = session(request).get("csrf")
    return bool(expected and submitted and hmac.compare_digest(expected, submitted))


def sign_in(request: Request, person_id: int, language: str, now: datetime, session_epoch: int) -> None:
    # a fresh dictionary and CSRF token on sign-in: nothing from before survives (session fixation)
    request.state.session = {
        "pid": person_id,
        # compared with the person's on every request: sign-out and a password change move it on
        "ep": session_epoch,
        "lang": language,
        "csrf": secrets.token_urlsafe(32),
        "issued": int(now.timestamp()),
    }
    request.state.session_dirty = True


def sign_out(request: Request) -> None:
    request.state.session = {}
    request.state.session_dirty = True


def write_cookie(response: Response, codec: SessionCodec, data: dict[str, Any], secure: bool) -> None:
    if not data:
        response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
        return
    response.set_cookie(
        COOKIE,
        codec.dump(data),
        max_age=int(SESSION_TTL.total_seconds()),
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )
