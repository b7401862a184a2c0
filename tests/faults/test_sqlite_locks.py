"""SQLite under concurrent writers, through the real HTTP API, with a 1 ms busy timeout so that
`database is locked` really happens: score writers, workflow events and scheduler ticks all at
once on one database file. parflow's own writers take turns (`store/write_turns.py`) and no longer
collide, so a writer from outside that does not take turns (as the sqlite3 shell or a backup tool
would) holds the write lock now and then.

Every answer must be 200, 409 (a stale `expected_version`: reload and retry) or 503 with a
sentence and Retry-After (the database stayed locked through `db.run`'s retries) — never a 500.
Clients retry as a person would; in the end no update is lost: each leaf holds its writer's last
value, each submission's version and audit trail count exactly the changes that were answered 200,
and the audit chain verifies.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import col, func, select

from parflow.services.common import audit
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.tick import tick
from parflow.store.db import Database, is_lock_error
from parflow.store.models import AuditEntry, Campaign, Criterion, Score, Submission
from tests.faults.live import call, token
from tests.support.lifecycle import submission_id
from tests.support.live_server import serving
from tests.support.passwords import PASSWORD
from tests.support.season import complete_self_assessment
from tests.support.workers import Workers

WRITER_AGENCY = "sgtvt"
EVENT_AGENCIES = ("stp", "sct")
LEAVES = 3
UPDATES = 3
CYCLES = 2  # submit + reopen


@pytest.fixture
def backend() -> str:
    return "sqlite"


def leaves(rt: Runtime, sid: int) -> list[str]:
    with rt.db.read() as session:
        codes = session.exec(
            select(Score.criterion_code).where(Score.submission_id == sid).order_by(col(Score.criterion_code))
        ).all()
        maxima = dict(session.exec(select(Criterion.code, Criterion.max_score)).all())
    return [c for c in codes if maxima.get(c, Decimal(0)) >= Decimal("0.1")][:LEAVES]


def version_and_entries(rt: Runtime, sid: int) -> tuple[int, int]:
    with rt.db.read() as session:
        version = session.exec(select(Submission.version).where(Submission.id == sid)).one()
        entries = session.exec(select(func.count()).where(AuditEntry.submission_id == sid)).one()
    return version, entries


def test_locked_sqlite_never_answers_500_and_loses_no_update(rt: Runtime, campaign: str) -> None:
    writer_sid = submission_id(rt, WRITER_AGENCY)
    complete_self_assessment(rt, writer_sid)
    event_sids = {code: submission_id(rt, code) for code in EVENT_AGENCIES}
    for sid in event_sids.values():
        complete_self_assessment(rt, sid)
    codes = leaves(rt, writer_sid)
    start = {sid: version_and_entries(rt, sid) for sid in [writer_sid, *event_sids.values()]}

    busy_db = Database(rt.db.url, busy_timeout_seconds=0.001)
    holding, collided = threading.Event(), threading.Event()
    locks = Counter[str]()

    @event.listens_for(busy_db.engine, "handle_error")
    def count_locks(context) -> None:  # type: ignore[no-untyped-def]
        if is_lock_error(context.sqlalchemy_exception or context.original_exception):
            locks["lock errors"] += 1
            collided.set()

    busy = Runtime(settings=rt.settings, db=busy_db, clock=rt.clock)
    statuses: Counter[int] = Counter()
    bad: list[str] = []
    lock = threading.Lock()
    done = threading.Event()

    def record(reply) -> None:  # type: ignore[no-untyped-def]
        with lock:
            statuses[reply.status] += 1
            if reply.status not in (200, 409, 503):
                bad.append(f"{reply.status}: {reply.body}")
                return
            elif reply.status == 503 and not (
                reply.body.get("code") == "database_busy"
                and reply.body.get("detail", "").endswith(".")
                and reply.headers.get("retry-after")
            ):
                bad.append(f"503 without a sentence: {reply.body}")

    def until_done(base: str, tok: str, sid: int, method: str, path: str, body: dict) -> None:  # type: ignore[type-arg]
        """Read the version, send the change; on 409 or 503 read again and retry, as a person would."""
        for _ in range(200):
            current = call(base, "GET", f"/api/v1/submissions/{sid}", token=tok)
            record(current)
            if current.status != 200:
                time.sleep(0.01)
                continue
            reply = call(
                base, method, path, token=tok, json_body={**body, "expected_version": current.body["version"]}
            )
            record(reply)
            if reply.status not in (409, 503):
                return
            time.sleep(random.uniform(0.01, 0.05))
        bad.append(f"gave up on {method} {path}")

    with serving(busy) as base:
        focal = token(base, f"dau-moi.{WRITER_AGENCY}@haiphong.example", PASSWORD)
        editors = {c: token(base, f"dau-moi.{c}@haiphong.example", PASSWORD) for c in EVENT_AGENCIES}
        heads = {c: token(base, f"lanh-dao.{c}@haiphong.example", PASSWORD) for c in EVENT_AGENCIES}

        def write_scores(leaf: str) -> None:
            for i in range(1, UPDATES + 1):
                until_done(
                    base, focal, writer_sid, "PUT", f"/api/v1/submissions/{writer_sid}/scores/{leaf}",
                    {"score": f"0.0{i}", "explanation": f"Lần cập nhật {i}"},
                )  # fmt: skip

        def fire_events(code: str) -> None:
            sid = event_sids[code]
            for _ in range(CYCLES):
                until_done(base, editors[code], sid, "POST", f"/api/v1/submissions/{sid}/events/submit", {})
                until_done(
                    base,
                    heads[code],
                    sid,
                    "POST",
                    f"/api/v1/submissions/{sid}/events/reopen",
                    {"comment": "Bổ sung tài liệu kiểm chứng."},
                )

        def ticks() -> int:
            runs = 0
            while not done.is_set():
                try:
                    tick(busy)
                    locks["ticks"] += 1
                except sa.exc.OperationalError as exc:
                    # any other error ends this worker with it, and Workers.join fails the test
                    assert is_lock_error(exc), exc
                    locks["ticks cut short by a lock (the next run redoes them)"] += 1
                runs += 1
                done.wait(0.2)  # the real scheduler ticks once a minute; this is plenty of contention
            return runs

        def outside_writer() -> int:
            holds = 0
            outside = sqlite3.connect(rt.db.url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
            try:
                # the first hold lasts until parflow has met it, so the fault surely happens
                outside.execute("BEGIN IMMEDIATE")
                holding.set()
                collided.wait(60)
                outside.execute("ROLLBACK")
                holds += 1
                while not done.is_set():
                    outside.execute("BEGIN IMMEDIATE")
                    done.wait(random.uniform(0.02, 0.08))
                    outside.execute("ROLLBACK")
                    holds += 1
                    done.wait(random.uniform(0.02, 0.08))
            finally:
                outside.close()
            return holds

        def progress() -> None:
            while not done.wait(10):
                print(f"  ... answers so far {dict(statuses)}, {dict(locks)}", flush=True)

        background = Workers()
        for n in range(2):
            background.start(f"ticker-{n}", ticks)
        background.start("outside writer", outside_writer)
        background.start("progress", progress)
        assert holding.wait(30)
        clients = Workers()
        for leaf in codes:
            clients.start(f"scores {leaf}", write_scores, leaf)
        for code in EVENT_AGENCIES:
            clients.start(f"events {code}", fire_events, code)
        try:
            # generous: on a loaded machine each client may retry many times
            clients.join(timeout=240)
        finally:
            done.set()
            runs = background.join(timeout=60)
        assert len(clients.outcomes) == LEAVES + len(EVENT_AGENCIES)
        # both tickers and the outside writer really ran alongside the clients
        assert all(n >= 1 for n in runs[:3]), runs
    busy_db.dispose()

    print(f"\nSQLite lock figures: answers {dict(statuses)}, {dict(locks)}")
    assert not bad, bad[:5]
    assert locks["lock errors"] > 0  # the fault was really there
    assert statuses[500] == 0
    # no lost update: every leaf holds its writer's last value ...
    with rt.db.read() as session:
        final = dict(
            session.exec(
                select(Score.criterion_code, Score.self_score).where(
                    Score.submission_id == writer_sid, col(Score.criterion_code).in_(codes)
                )
            ).all()
        )
    assert final == {leaf: Decimal(f"0.0{UPDATES}") for leaf in codes}
    # ... and versions and audit entries count exactly the changes answered 200
    version, entries = version_and_entries(rt, writer_sid)
    assert (version - start[writer_sid][0], entries - start[writer_sid][1]) == (LEAVES * UPDATES,) * 2
    for sid in event_sids.values():
        version, entries = version_and_entries(rt, sid)
        assert (version - start[sid][0], entries - start[sid][1]) == (2 * CYCLES,) * 2
        with rt.db.read() as session:
            assert session.get(Submission, sid).state == "draft"  # type: ignore[union-attr]
    with rt.db.read() as session:
        assert audit.verify(session, session.exec(select(Campaign)).one()).ok
