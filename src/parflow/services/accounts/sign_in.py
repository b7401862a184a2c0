"""Signing in with a limit on guessing: too many failures for one account, or from one address,
within a window make further attempts wait, with a message that says how long.

Failures are rows in the database (not process memory), so the limit holds across API workers.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, func, select

from parflow.domain.errors import RateLimited
from parflow.services.accounts import users
from parflow.services.common.runtime import Runtime
from parflow.store.models import LoginFailure, Person

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 30


def _wait(session: Session, column: object, value: str, limit: int, now: datetime) -> timedelta | None:
    since = now - WINDOW
    rows = session.exec(
        select(func.count(), func.min(LoginFailure.at)).where(column == value, col(LoginFailure.at) > since)
    ).one()
    count, oldest = rows
    if count < limit or oldest is None:
        return None
    return oldest + WINDOW - now


def sign_in(rt: Runtime, email: str, password: str, address: str) -> Person | None:
    """The person, or None for wrong credentials; RateLimited when attempts must wait."""
    now = rt.clock.now()
    email = email.strip().lower()[:254]
    address = (address or "unknown")[:64]
    with rt.db.read() as session:
        waits = [
            _wait(session, col(LoginFailure.email), email, MAX_PER_ACCOUNT, now),
            _wait(session, col(LoginFailure.address), address, MAX_PER_ADDRESS, now),
        ]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise RateLimited("auth.rate_limited", minutes=max(1, math.ceil(wait.total_seconds() / 60)))
        found = users.find_person(session, email)
    # argon2 takes a good fraction of a second on purpose: holding a pooled connection through it
    # let a burst of sign-ins exhaust the pool (answered 500 after the pool's 30 s timeout)
    person = users.check_password(found, password)

    def record(session: Session) -> None:
        session.exec(delete(LoginFailure).where(col(LoginFailure.at) <= now - WINDOW))
        if person is None:
            session.add(LoginFailure(email=email, address=address, at=now))
        else:
            session.exec(delete(LoginFailure).where(col(LoginFailure.email) == email))

    rt.db.run(record)
    return person
