"""Bearer tokens for the API: short-lived JWTs signed with the installation's secret key."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"
AUDIENCE = "parflow-api"


def issue(secret: str, person_id: int, now: datetime, ttl: timedelta) -> str:
    claims = {
        "sub": str(person_id),
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def person_id_of(secret: str, token: str, now: datetime) -> int | None:
    """The person a valid token speaks for, or None (bad signature, expired, malformed)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"verify_exp": False, "require": ["sub", "exp", "aud"]},
        )
        # expiry is checked against the injected clock, not the machine's
        if int(claims["exp"]) < now.timestamp():
            return None
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
