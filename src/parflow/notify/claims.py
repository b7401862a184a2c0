"""The outbox rows' side of delivery: claim due rows, hand back untried ones, record outcomes.

Every function here runs inside one short write transaction of its own (`rt.db.run`).

Claiming: on PostgreSQL concurrent deliverers each lock a disjoint set of due rows with
`SELECT ... FOR UPDATE SKIP LOCKED` and mark them `sending`; on SQLite the write transaction begins
IMMEDIATE, so claims are serialised and one deliverer at a time takes rows. Only `pending` rows and
`failed` rows whose retry time has come are ever claimed; any other status (`sent`, `dead`, and
`cancelled` from the deadline engine) is left alone.

A claimed row's `next_attempt_at` holds its lease: if the deliverer dies (a crash between the SMTP
send and recording it), the lease runs out and `release_stale` returns the row to `failed`, due
now, counting the interrupted attempt. It is then sent again with the same Message-ID: at most one
duplicate, which receiving servers and clients can recognise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, update
from sqlmodel import Session, col, select

from parflow.notify.render import Rendered
from parflow.store.models import Notification as Row

CLAIMABLE = ("pending", "failed")
INTERRUPTED = (
    "delivery was interrupted before its result was recorded; sending again with the same Message-ID"
)


@dataclass(frozen=True)
class Claimed:
    """A detached copy of a claimed row: everything needed to render and send it."""

    id: int
    key: str
    kind: str
    language: str
    context: dict[str, Any]
    recipient_name: str
    recipient_email: str
    thread_key: str | None
    campaign_id: int | None
    attempts: int
    prior_status: str


def release_stale(session: Session, now: datetime) -> int:
    """Rows left `sending` by a deliverer that died: due again now, the lost attempt counted."""
    result = session.execute(
        update(Row)
        .where(col(Row.status) == "sending", col(Row.next_attempt_at) <= now)
        .values(status="failed", attempts=Row.attempts + 1, next_attempt_at=now, last_error=INTERRUPTED)
    )
    return int(result.rowcount or 0)


def has_due(session: Session, now: datetime) -> bool:
    return (
        session.exec(select(Row.id).where(_due(now)).limit(1)).first()  # type: ignore[call-overload]
        is not None
    )


def claim(session: Session, now: datetime, limit: int, lease_until: datetime) -> list[Claimed]:
    # plain columns and one UPDATE for the chunk: the ORM's per-object bookkeeping cost more than
    # the SQL, on the thread that shares the interpreter with the sending connections
    query = (
        select(  # type: ignore[call-overload]
            Row.id,
            Row.key,
            Row.kind,
            Row.language,
            Row.context,
            Row.recipient_name,
            Row.recipient_email,
            Row.thread_key,
            Row.campaign_id,
            Row.attempts,
            Row.status,
        )
        .where(_due(now))
        .order_by(col(Row.next_attempt_at), col(Row.id))
        .limit(limit)
        # PostgreSQL: skip rows another deliverer holds; SQLite ignores this (BEGIN IMMEDIATE).
        .with_for_update(skip_locked=True)
    )
    claimed = [
        Claimed(
            id=r.id,
            key=r.key,
            kind=r.kind,
            language=r.language,
            context=dict(r.context or {}),
            recipient_name=r.recipient_name,
            recipient_email=r.recipient_email,
            thread_key=r.thread_key,
            campaign_id=r.campaign_id,
            attempts=r.attempts,
            prior_status=r.status,
        )
        for r in session.execute(query).all()
    ]
    if claimed:
        session.execute(
            update(Row)
            .where(col(Row.id).in_([c.id for c in claimed]))
            .values(status="sending", next_attempt_at=lease_until)
        )
    return claimed


def give_back(session: Session, items: list[Claimed], retry_at: datetime, reason: str) -> None:
    """Claimed rows never handed to a server (no attempt counted): due again at `retry_at`."""
    for status in {i.prior_status for i in items}:
        ids = [i.id for i in items if i.prior_status == status]
        session.execute(
            update(Row)
            .where(col(Row.id).in_(ids), col(Row.status) == "sending")
            .values(status=status, next_attempt_at=retry_at, last_error=reason)
        )


def mark_sent(
    session: Session | Connection,
    row_id: int,
    attempts: int,
    now: datetime,
    message_id: str | None,
    rendered: Rendered,
) -> bool:
    """Record a delivered message, if it is still ours; what went out is kept on the row."""
    result = session.execute(
        update(Row)
        .where(col(Row.id) == row_id, col(Row.status) == "sending")
        .values(
            status="sent",
            attempts=Row.attempts + attempts,
            sent_at=now,
            next_attempt_at=now,
            message_id=message_id,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
        )
    )
    return bool(result.rowcount)


@dataclass(frozen=True)
class Delivered:
    """One message the server accepted, as `mark_all_sent` records it."""

    row_id: int
    attempts: int
    now: datetime
    message_id: str | None
    rendered: Rendered


_MARK_SENT = (
    update(Row)
    .where(col(Row.id) == bindparam("b_id"), col(Row.status) == "sending")
    .values(
        status="sent",
        attempts=Row.attempts + bindparam("b_attempts"),
        sent_at=bindparam("b_now"),
        next_attempt_at=bindparam("b_now"),
        message_id=bindparam("b_message_id"),
        subject=bindparam("b_subject"),
        body_text=bindparam("b_text"),
        body_html=bindparam("b_html"),
    )
)


def mark_all_sent(connection: Connection, delivered: list[Delivered]) -> int:
    """`mark_sent` for several rows: the same UPDATE for each row, executed as one batch.

    Returns how many rows were still ours; the caller rolls back and goes row by row when that is
    not all of them, to learn which.
    """
    result = connection.execute(
        _MARK_SENT,
        [
            {
                "b_id": d.row_id,
                "b_attempts": d.attempts,
                "b_now": d.now,
                "b_message_id": d.message_id,
                "b_subject": d.rendered.subject,
                "b_text": d.rendered.text,
                "b_html": d.rendered.html,
            }
            for d in delivered
        ],
    )
    return int(result.rowcount)


def locked(session: Session, row_id: int) -> Row | None:
    """The row, locked, if it is still ours to record (still `sending`)."""
    row = session.exec(
        select(Row).where(Row.id == row_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    return row if row is not None and row.status == "sending" else None


def _due(now: datetime) -> Any:
    return and_(col(Row.status).in_(CLAIMABLE), col(Row.next_attempt_at) <= now)
