"""Bearer tokens for the API: short-lived JWTs signed with the installation's secret key.

A token carries the person's `session_epoch` ("ep"); a request with a token whose epoch is not
the person's current one is refused, so sign-out and a password change end tokens issued before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"
AUDIENCE = "parflow-api"


@dataclass(frozen=True)
class TokenClaims:
    person_id: int
    session_epoch: int


def issue(secret: str, person_id: int, now: datetime, ttl: timedelta, *, session_epoch: int = 0) -> str:
    claims = {
        "sub": str(person_id),
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "ep": session_epoch,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read(secret: str, token: str, now: datetime) -> TokenClaims | None:
    """Who a valid token speaks for, or None (bad signature, expired, malformed)."""
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
        # a token from before epochs existed counts as epoch 0, every person's first: it still ends
        # at the person's next sign-out or password change
        epoch = claims.get("ep", 0)
        if not isinstance(epoch, int) or isinstance(epoch, bool):
            return None
        return TokenClaims(person_id=int(claims["sub"]), session_epoch=epoch)
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
