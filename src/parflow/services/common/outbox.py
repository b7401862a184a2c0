"""The transactional outbox: messages are rows written in the same transaction as the change that
causes them, and delivered later by the scheduler. Nothing in a request talks to a mail server.

Each row has a key; the database refuses a second row with the same key, which is what makes
repeated ticks, retries and concurrent schedulers safe.

People who watch every agency (Home Affairs, the city leadership) would otherwise get one e-mail
per agency and event: 30 "submitted" notices on a busy morning. A message to them selected
through such a role is written `held` instead of `pending`: delivery never sends it, and the
next daily digest lists it and marks it `digested` (services/deadlines/digest.py). Only the kinds
in `IMMEDIATE_FOR_WATCHERS` still reach them on their own (docs/email.md lists them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import and_, bindparam, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from parflow.domain.roles import AGENCY_ROLES
from parflow.services.common.audit import Actor
from parflow.store.db import read_connection
from parflow.store.models import Notification as Row
from parflow.store.models import Person, RoleAssignment, Submission

WATCHER_ROLES = frozenset({"home_affairs", "city_leader"})
# what asks a watcher to act the same day: an undeliverable message (an address to fix) and a
# dispute on a field no council member appraises (Home Affairs settles it within the window)
IMMEDIATE_FOR_WATCHERS = frozenset({"daily_digest", "delivery_failure", "dispute_filed"})
HELD = "held"
DIGESTED = "digested"


def held_for_digest(kind: str, role: str | None) -> bool:
    """Whether a message of `kind` to someone selected through `role` waits for the digest."""
    return role in WATCHER_ROLES and kind not in IMMEDIATE_FOR_WATCHERS


_HOLDERS: dict[tuple[tuple[str, ...], tuple[str, ...]], Any] = {}


def _holders(wide: tuple[str, ...], local: tuple[str, ...]) -> Any:
    """Active holders of the campaign-wide roles `wide`, and of the agency roles `local` in one
    agency only: loading every agency's editors to keep one agency's would cost a row per agency
    on each event. One statement per combination of roles, built once (the roles are part of it,
    so nothing is expanded per execution); the campaign and agency are its parameters."""
    statement = _HOLDERS.get((wide, local))
    if statement is None:
        role = col(RoleAssignment.role)
        chosen = [role == r for r in wide]
        if local:
            chosen.append(
                and_(or_(*(role == r for r in local)), RoleAssignment.agency_id == bindparam("agency"))
            )
        statement = (
            select(Person.id, Person.email, Person.name, Person.language, RoleAssignment.role)
            .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
            .where(RoleAssignment.campaign_id == bindparam("campaign"), Person.active, or_(*chosen))
            .order_by(col(Person.id))
        )
        _HOLDERS[(wide, local)] = statement
    return statement


class Recipient(NamedTuple):
    """Who a message goes to: the columns of `Person` a message is addressed with."""

    id: int
    email: str
    name: str
    language: str


class Addressee(Actor, Protocol):
    """A `Person` row or a `Recipient`: someone with an address and a language."""

    @property
    def language(self) -> str: ...


def recipients(
    session: Session, campaign_id: int, roles: Iterable[str], agency_id: int | None = None
) -> list[tuple[Recipient, str]]:
    """Active people holding any of `roles` in the campaign, with the role that selected them.

    Agency roles are taken from `agency_id` only; other roles are campaign-wide. One person is
    listed once even when several roles select them.
    """
    return recipients_for(session, campaign_id, [roles], agency_id)[0]


def recipients_for(
    session: Session, campaign_id: int, role_lists: Sequence[Iterable[str]], agency_id: int | None = None
) -> list[list[tuple[Recipient, str]]]:
    """`recipients` for several lists of roles at once (one query): an event that tells more
    than one audience reads them together. Plain rows, not `Person` objects: a message needs four
    columns, and loading people through the ORM on every event cost more than reading them."""
    lists = [list(dict.fromkeys(roles)) for roles in role_lists]
    every = list(dict.fromkeys(r for roles in lists for r in roles))
    if not every:
        return [[] for _ in lists]
    wide = tuple(str(r) for r in every if r not in AGENCY_ROLES)
    local = tuple(str(r) for r in every if r in AGENCY_ROLES)
    params = {"campaign": campaign_id, "agency": agency_id} if local else {"campaign": campaign_id}
    held = [
        (Recipient(pid, email, name, language), role)
        for pid, email, name, language, role in read_connection(session).execute(
            _holders(wide, local), params
        )
    ]
    chosen = []
    for wanted in lists:
        found: dict[int, tuple[Recipient, str]] = {}
        for person, role in held:
            if role not in wanted:
                continue
            current = found.get(person.id)
            if current is None or wanted.index(role) < wanted.index(current[1]):
                found[person.id] = (person, role)
        chosen.append(list(found.values()))
    return chosen


def message(
    *,
    key: str,
    kind: str,
    person: Addressee,
    now: datetime,
    context: dict[str, Any],
    campaign_id: int | None = None,
    submission: Submission | None = None,
    due_at: datetime | None = None,
    late: bool = False,
    send_after: datetime | None = None,
    role: str | None = None,
) -> dict[str, Any]:
    """One outbox row's values, for `enqueue_all`.

    `role` is the role that selected the recipient: it decides how the message addresses them
    (an agency head by title) and whether it waits for the digest (`held_for_digest`)."""
    if role is not None:
        context = {**context, "recipient_role": role}
    return {
        "key": key,
        "campaign_id": campaign_id
        if campaign_id is not None
        else (submission.campaign_id if submission else None),
        "submission_id": submission.id if submission else None,
        "person_id": person.id,
        "recipient_email": person.email,
        "recipient_name": person.name,
        "language": person.language,
        "kind": kind,
        "context": context,
        "status": HELD if held_for_digest(kind, role) else "pending",
        "attempts": 0,
        "next_attempt_at": send_after or now,
        "thread_key": f"submission-{submission.id}" if submission else None,
        "late": late,
        "due_at": due_at,
        "created_at": now,
    }


def enqueue(session: Session, **fields: Any) -> bool:
    """Queue one message (the arguments of `message`); False when a message with this key already
    exists (nothing written)."""
    return enqueue_all(session, [message(**fields)]) == 1


def enqueue_all(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Queue several messages (`message` values) in one statement; how many were new."""
    if not rows:
        return 0
    if session.get_bind().dialect.name == "sqlite":
        # SQLite counts the rows an INSERT wrote, also over several (PostgreSQL's driver does
        # not): no RETURNING, so SQLAlchemy hands the rows to sqlite3's own executemany, at half
        # the cost
        return int(_insert(session, rows, returning=False).rowcount)
    return len(_insert(session, rows, returning=True).scalars().all())


def enqueue_new(session: Session, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Queue the rows whose key is not in the outbox yet, in the order given; the keys written.

    One `INSERT … ON CONFLICT (key) DO NOTHING RETURNING key` for all of them (SQLAlchemy sends
    multi-row VALUES pages): the unique key still decides row by row, so a message an earlier or a
    concurrent tick queued is skipped, never doubled, and the outbox ids keep the given order."""
    if not rows:
        return set()
    return set(_insert(session, rows, returning=True).scalars())


def _insert(session: Session, rows: Sequence[dict[str, Any]], *, returning: bool) -> Any:
    if session.new:
        session.flush()  # a row may refer to a submission created in this transaction
    connection = session.connection()
    # a single row goes as one plain execution: a list, even of one, takes SQLAlchemy's batched
    # insert path, which costs more than the INSERT itself for the one message most events queue
    parameters = rows[0] if len(rows) == 1 else list(rows)
    return connection.execute(_insert_once(connection.dialect.name, returning=returning), parameters)


_INSERT_ONCE: dict[tuple[str, bool], Any] = {}


def _insert_once(dialect: str, *, returning: bool) -> Any:
    """INSERT … ON CONFLICT (key) DO NOTHING [RETURNING key], built once per dialect: the values go
    as parameters, so the compiled statement is reused instead of rebuilt and re-keyed per row."""
    statement = _INSERT_ONCE.get((dialect, returning))
    if statement is None:
        table = Row.__table__  # type: ignore[attr-defined]
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(table).on_conflict_do_nothing(index_elements=["key"])
        if returning:
            statement = statement.returning(table.c.key)
        _INSERT_ONCE[(dialect, returning)] = statement
    return statement


def for_submission(session: Session, submission_id: int) -> list[Row]:
    return list(
        session.exec(
            select(Row).where(Row.submission_id == submission_id).order_by(col(Row.created_at), col(Row.id))
        )
    )


def requeue_dead(
    session: Session, now: datetime, *, campaign_id: int | None = None, ids: Iterable[int] = ()
) -> list[Row]:
    """Give undeliverable ('dead') messages a fresh start once the cause is fixed (the mail server
    is back, an address corrected): pending now, attempts from zero. Their keys are unchanged, so
    no message is duplicated; the last error stays on the row for the record until the next try."""
    query = select(Row).where(Row.status == "dead")
    if campaign_id is not None:
        query = query.where(Row.campaign_id == campaign_id)
    wanted = list(ids)
    if wanted:
        query = query.where(col(Row.id).in_(wanted))
    rows = list(session.exec(query.order_by(col(Row.id)).with_for_update()).all())
    for row in rows:
        row.status = "pending"
        row.attempts = 0
        # due at once: its last attempt is in the past on any clock that saw it fail
        row.next_attempt_at = min(row.next_attempt_at, now)
        session.add(row)
    session.flush()
    return rows
