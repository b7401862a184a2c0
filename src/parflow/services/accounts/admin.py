"""Operator actions on accounts (`parflow users unlock|disable|enable`), each audited in every
campaign where the person holds a role, since that is where their actions are recorded."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, delete, select

from parflow.domain.errors import NotFound
from parflow.services.accounts.users import end_sessions, find_person
from parflow.services.common import audit
from parflow.services.common.runtime import Runtime
from parflow.store.models import Campaign, LoginFailure, Person, RoleAssignment


@dataclass(frozen=True)
class AccountChange:
    person: Person
    changed: bool
    failures_cleared: int = 0
    campaigns: int = 0


def _person(session: Session, email: str) -> Person:
    person = find_person(session, email)
    if person is None:
        raise NotFound("person.not_found", email=email)
    return person


def _record(session: Session, rt: Runtime, person: Person, action: str) -> int:
    campaigns = session.exec(
        select(Campaign)
        .join(RoleAssignment, col(RoleAssignment.campaign_id) == col(Campaign.id))
        .where(RoleAssignment.person_id == person.id)
        .distinct()
        .order_by(col(Campaign.id))
    ).all()
    for campaign in campaigns:
        # the operator acts from the command line: no actor person, the account in the data
        audit.append(
            session, campaign, action=action, at=rt.clock.now(), actor_role="operator",
            data={"account": person.email},
        )  # fmt: skip
    return len(campaigns)


def unlock(session: Session, rt: Runtime, email: str) -> AccountChange:
    """Forget the account's failed sign-ins, so the sign-in limit no longer holds it back."""
    person = _person(session, email)
    cleared = session.exec(delete(LoginFailure).where(col(LoginFailure.email) == person.email))
    count = cleared.rowcount or 0
    campaigns = _record(session, rt, person, "account_unlocked") if count else 0
    session.flush()
    return AccountChange(person, changed=count > 0, failures_cleared=count, campaigns=campaigns)


def set_active(session: Session, rt: Runtime, email: str, *, active: bool) -> AccountChange:
    """Disable (no sign-in, no messages, every session and token ended) or enable an account."""
    person = _person(session, email)
    if person.active == active:
        return AccountChange(person, changed=False)
    person.active = active
    session.add(person)
    session.flush()
    if not active:
        end_sessions(session, person.id or 0)
    campaigns = _record(session, rt, person, "account_enabled" if active else "account_disabled")
    session.refresh(person)
    return AccountChange(person, changed=True, campaigns=campaigns)
