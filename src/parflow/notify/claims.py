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

from sqlalchemy import Connection, and_, update
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
    query = (
        select(Row)
        .where(_due(now))
        .order_by(col(Row.next_attempt_at), col(Row.id))
        .limit(limit)
        # PostgreSQL: skip rows another deliverer holds; SQLite ignores this (BEGIN IMMEDIATE).
        .with_for_update(skip_locked=True)
    )
    claimed = []
    for row in session.exec(query).all():
        assert row.id is not None
        claimed.append(
            Claimed(
                id=row.id,
                key=row.key,
                kind=row.kind,
                language=row.language,
                context=dict(row.context or {}),
                recipient_name=row.recipient_name,
                recipient_email=row.recipient_email,
                thread_key=row.thread_key,
                campaign_id=row.campaign_id,
                attempts=row.attempts,
                prior_status=row.status,
            )
        )
        row.status = "sending"
        row.next_attempt_at = lease_until
        session.add(row)
    session.flush()
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


def locked(session: Session, row_id: int) -> Row | None:
    """The row, locked, if it is still ours to record (still `sending`)."""
    row = session.exec(
        select(Row).where(Row.id == row_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    return row if row is not None and row.status == "sending" else None


def _due(now: datetime) -> Any:
    return and_(col(Row.status).in_(CLAIMABLE), col(Row.next_attempt_at) <= now)
