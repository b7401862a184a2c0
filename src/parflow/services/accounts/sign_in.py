"""Signing in with limits on guessing (docs/security.md), each answered with how long to wait.

Failures are counted over a sliding window (`PARFLOW_SIGN_IN_*` settings):
- one account from one client address: tight (default 5). That pair then waits until its oldest
  failure leaves the window. This stops guessing without touching the owner elsewhere.
- one client address, all accounts: 30 by default, against spraying one password over many
  accounts.
- one account, all addresses: loose. Past a threshold each further attempt waits a delay counted
  from the account's latest failure, doubling with each failure up to a cap (default 60 s).
  Attempts refused this way are not counted, so a crowd of addresses slows the account down but
  can never shut its owner out for longer than the cap. Addresses are guessable, so a lock on the
  account alone let anyone shut Home Affairs out on a deadline day.

The check and the count are one step: an attempt first reserves its place, in one write
transaction that counts the failures and, if the attempt may go ahead, writes its row *before* the
password is checked. A success deletes the row (with its pair's earlier failures); a failure
leaves it. Checking first and recording after let 20 concurrent guesses all through a limit of 5.
On SQLite write transactions begin IMMEDIATE and so run one at a time; on PostgreSQL a
transaction-scoped advisory lock per account and per address orders the reservations that
concern them. Rows live in the database (not process memory), so the limits hold across workers.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session, col, delete, func, select

from parflow.domain.errors import RateLimited
from parflow.services.accounts import users
from parflow.services.common.runtime import Runtime
from parflow.settings import Settings
from parflow.store.models import LoginFailure, Person

# expired rows removed per reservation: enough to keep up, small enough to stay a short statement
PURGE_BATCH = 500
# 2**30 seconds is decades: the cap applies long before, this only keeps the power finite
_MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class Limits:
    window: timedelta
    per_account_address: int
    per_address: int
    slowdown_after: int
    max_delay: timedelta

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            window=timedelta(minutes=settings.sign_in_window_minutes),
            per_account_address=settings.sign_in_max_failures_per_account_address,
            per_address=settings.sign_in_max_failures_per_address,
            slowdown_after=settings.sign_in_account_slowdown_after,
            max_delay=timedelta(seconds=settings.sign_in_account_max_delay_seconds),
        )


def _lock_id(key: str) -> int:
    # a stable 64-bit number for pg_advisory_xact_lock (Python's hash() differs between processes)
    digest = hashlib.blake2b(f"parflow-sign-in:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _serialise(session: Session, email: str, address: str) -> None:
    """Make reservations for the same account or address take turns (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already runs write transactions one at a time)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # always in the same (sorted) order, so two transactions can never wait for each other
    for lock_id in sorted({_lock_id(f"account:{email}"), _lock_id(f"address:{address}")}):
        session.connection().execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


def _purge(session: Session, since: datetime) -> None:
    # SKIP LOCKED: a row another sign-in is deleting is left to it, instead of waiting on it
    expired = (
        select(LoginFailure.id)
        .where(col(LoginFailure.at) <= since)
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    session.exec(delete(LoginFailure).where(col(LoginFailure.id).in_(expired)))


def _limited(key: str, wait: timedelta) -> RateLimited:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return RateLimited(key, retry_after=seconds, seconds=seconds, minutes=math.ceil(seconds / 60))


def _reserve(session: Session, limits: Limits, email: str, address: str, now: datetime) -> int:
    """Count the recent failures and, if this attempt may go ahead, record it as one (RateLimited
    otherwise, with nothing written). Returns the row's id, deleted again if the password is right."""
    _serialise(session, email, address)
    since = now - limits.window
    _purge(session, since)
    recent = col(LoginFailure.at) > since
    waits: list[tuple[timedelta, str]] = []

    pair_count, pair_oldest = session.exec(
        select(func.count(), func.min(LoginFailure.at)).where(
            col(LoginFailure.email) == email, col(LoginFailure.address) == address, recent
        )
    ).one()
    if pair_count >= limits.per_account_address and pair_oldest is not None:
        waits.append((pair_oldest + limits.window - now, "auth.rate_limited"))

    address_count, address_oldest = session.exec(
        select(func.count(), func.min(LoginFailure.at)).where(col(LoginFailure.address) == address, recent)
    ).one()
    if address_count >= limits.per_address and address_oldest is not None:
        waits.append((address_oldest + limits.window - now, "auth.rate_limited"))

    account_count, account_latest = session.exec(
        select(func.count(), func.max(LoginFailure.at)).where(col(LoginFailure.email) == email, recent)
    ).one()
    if account_count >= limits.slowdown_after and account_latest is not None:
        doublings = min(account_count - limits.slowdown_after, _MAX_DOUBLINGS)
        delay = min(limits.max_delay, timedelta(seconds=2**doublings))
        if account_latest + delay > now:
            waits.append((account_latest + delay - now, "auth.slowed_down"))

    if waits:
        wait, key = max(waits)
        raise _limited(key, wait)
    row = LoginFailure(email=email, address=address, at=now)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _clear_pair(session: Session, email: str, address: str) -> None:
    """After a success: this pair's failures (and the reservation) go; failures from other
    addresses stay, so the owner signing in does not hand an attacker a fresh allowance."""
    _serialise(session, email, address)
    session.exec(
        delete(LoginFailure).where(col(LoginFailure.email) == email, col(LoginFailure.address) == address)
    )


def sign_in(rt: Runtime, email: str, password: str, address: str) -> Person | None:
    """The person, or None for wrong credentials; RateLimited when attempts must wait."""
    now = rt.clock.now()
    email = email.strip().lower()[:254]
    address = (address or "unknown")[:64]
    limits = Limits.of(rt.settings)

    def reserve(session: Session) -> Person | None:
        _reserve(session, limits, email, address, now)
        return users.find_person(session, email)

    found = rt.db.run(reserve)
    # argon2 takes a good fraction of a second on purpose: holding a pooled connection through it
    # let a burst of sign-ins exhaust the pool (answered 500 after the pool's 30 s timeout)
    person = users.check_password(found, password)
    if person is not None:
        rt.db.run(lambda session: _clear_pair(session, email, address))
    return person
