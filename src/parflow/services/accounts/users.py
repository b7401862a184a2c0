"""People: passwords and sign-in."""

from __future__ import annotations

from pwdlib import PasswordHash
from sqlmodel import Session, col, select, update

from parflow.domain.errors import Invalid, NotFound
from parflow.store.models import Person

MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHash.recommended()  # argon2id
# Verified against when the e-mail is unknown, so a wrong address costs the same time as a wrong
# password and response times do not reveal who has an account.
_DUMMY_HASH = _hasher.hash("parflow-timing-equaliser")


def find_person(session: Session, email: str) -> Person | None:
    return session.exec(select(Person).where(Person.email == email.strip().lower())).first()


def set_password(session: Session, email: str, password: str) -> Person:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid("password.too_short", min=MIN_PASSWORD_LENGTH)
    person = find_person(session, email)
    if person is None:
        raise NotFound("person.not_found", email=email)
    person.password_hash = _hasher.hash(password)
    session.add(person)
    session.flush()
    # a new password means whoever knew the old one must not keep a session or token made with it
    end_sessions(session, person.id or 0)
    session.refresh(person)
    return person


def end_sessions(session: Session, person_id: int) -> None:
    """End every session cookie and API token issued to the person so far.

    One UPDATE that adds 1 in the database, so two sign-outs at once both count (a read-modify-write
    of the attribute could lose one)."""
    bump = (
        update(Person).where(col(Person.id) == person_id).values(session_epoch=col(Person.session_epoch) + 1)
    )
    session.exec(bump)


def authenticate(session: Session, email: str, password: str) -> Person | None:
    return check_password(find_person(session, email), password)


def check_password(person: Person | None, password: str) -> Person | None:
    """The person if the password is theirs (slow on purpose: call it with no transaction open)."""
    if person is None or person.password_hash is None or not person.active:
        _hasher.verify(password, _DUMMY_HASH)
        return None
    return person if _hasher.verify(password, person.password_hash) else None


def hash_password(password: str) -> str:
    return _hasher.hash(password)
