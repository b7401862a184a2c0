"""Record delivery outcomes, each row its own statement, while the connections go on sending.

Several connections hand in outcomes at once. One worker thread writes them on a connection held
for the run: whatever was handed in while the previous write was under way goes into the next
transaction (a group commit), one UPDATE per row as before, so each row's status, attempts and
Message-ID are exactly what a transaction per row would write, and a row that is no longer ours
(our lease ran out) is told apart. A connection waits for its outcome to be committed before it
sends its next message (see `delivery`): a crash leaves at most one accepted message per
connection unrecorded, and `claims.release_stale` resends it once with the same Message-ID.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from parflow.notify import alerts, claims
from parflow.notify.claims import Claimed
from parflow.notify.render import Rendered
from parflow.services.common.runtime import Runtime


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | retry | dead | untried
    attempts: int = 0
    error: str | None = None
    rendered: Rendered | None = None
    message_id: str | None = None
    stop: bool = False  # the server is gone: hand the rest of the batch back


@dataclass(frozen=True)
class Entry:
    item: Claimed
    outcome: Outcome
    now: datetime


class RecordPolicy(Protocol):
    """What recording needs of `delivery.DeliveryPolicy` (named here to avoid an import cycle)."""

    max_attempts: int

    def backoff(self, attempts: int) -> timedelta: ...


Result = tuple[str, int]  # the row's final status (or "lost") and the alerts it caused


class Recorder:
    """Hands outcomes to one writer thread; `record` answers once the outcome is committed."""

    def __init__(self, rt: Runtime, policy: RecordPolicy) -> None:
        self.rt = rt
        self.policy = policy
        self.connection: Connection | None = None
        self.waiting: list[tuple[Entry, asyncio.Future[Result]]] = []
        self.writer: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.connection = await asyncio.to_thread(self.rt.db.write_connection)

    def record(self, entry: Entry) -> asyncio.Future[Result]:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self.waiting.append((entry, future))
        if self.writer is None:
            self.writer = asyncio.ensure_future(self._write_all())
        return future

    async def idle(self) -> None:
        while self.writer is not None:
            await asyncio.shield(self.writer)

    async def close(self) -> None:
        try:
            await self.idle()
        finally:
            if self.connection is not None:
                await asyncio.to_thread(self.connection.close)
                self.connection = None

    async def _write_all(self) -> None:
        try:
            while self.waiting:
                group, self.waiting = self.waiting, []
                try:
                    assert self.connection is not None
                    results = await asyncio.to_thread(
                        record_outcomes, self.rt, self.connection, [e for e, _ in group], self.policy
                    )
                except Exception as exc:  # handed to every sender waiting on this group
                    for _, future in group:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(group, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self.writer = None


def record_outcomes(
    rt: Runtime, recorder: Connection, group: list[Entry], policy: RecordPolicy
) -> list[Result]:
    """Write a group of outcomes (runs on the writer thread).

    Messages accepted by the server, the common case, go in one transaction on the held
    connection, one UPDATE each. Anything else, or a group the database refused (e.g. SQLite busy
    for longer than its timeout), is written row by row through the general path.
    """
    results: dict[int, Result] = {}
    plain = [e for e in group if e.outcome.status == "sent" and e.outcome.rendered is not None]
    if plain:
        delivered = [
            claims.Delivered(e.item.id, e.outcome.attempts, e.now, e.outcome.message_id, e.outcome.rendered)
            for e in plain
            if e.outcome.rendered is not None
        ]
        try:
            with recorder.begin() as transaction:
                if claims.mark_all_sent(recorder, delivered) == len(delivered):
                    results.update((id(e), ("sent", 0)) for e in plain)
                else:  # some lease ran out: undo, and learn row by row which rows are lost
                    transaction.rollback()
        except OperationalError:
            results.clear()  # rolled back as a whole: the general path writes each again
    for e in group:
        if id(e) not in results:
            results[id(e)] = rt.db.run(lambda s, e=e: _record(s, e, policy))  # type: ignore[misc]
    return [results[id(e)] for e in group]


def _record(session: Session, entry: Entry, policy: RecordPolicy) -> Result:
    item, outcome, now = entry.item, entry.outcome, entry.now
    if outcome.status == "sent" and outcome.rendered is not None:
        written = claims.mark_sent(
            session, item.id, outcome.attempts, now, outcome.message_id, outcome.rendered
        )
        return ("sent" if written else "lost"), 0
    # retry or dead: load the row, since what happens depends on its attempts so far
    row = claims.locked(session, item.id)
    if row is None:
        return "lost", 0  # our lease ran out and another deliverer has it now
    row.attempts += outcome.attempts
    if outcome.message_id:
        row.message_id = outcome.message_id
    if outcome.rendered is not None:
        row.subject = outcome.rendered.subject
        row.body_text = outcome.rendered.text
        row.body_html = outcome.rendered.html
    alerted = 0
    if outcome.status == "retry" and row.attempts < policy.max_attempts:
        row.status = "failed"
        row.last_error = outcome.error
        row.next_attempt_at = now + policy.backoff(row.attempts)
    else:
        row.status = "dead"
        row.next_attempt_at = now
        row.last_error = outcome.error
        if outcome.status == "retry":
            row.last_error = f"{outcome.error} (gave up after {row.attempts} attempts)"
        session.add(row)
        session.flush()
        alerted = alerts.record_dead(session, row, row.last_error or "", now)
    session.add(row)
    return row.status, alerted
