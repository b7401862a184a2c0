"""Events per second through the service layer (audit row and outbox rows included), beside a
raw-SQL baseline doing the same writes, measured in the same run.

    .venv/bin/python benchmarks/transitions.py                       # SQLite file in a temp dir
    .venv/bin/python benchmarks/transitions.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Each event is its own transaction in both runs: lock the submission, check state, update it, append
a hash-chained audit row, update the chain head, queue one message per Home Affairs person.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below on purpose)
from __future__ import annotations

import sys
from pathlib import Path

# This file shares its name with the `transitions` library; running it as a script puts this
# folder first on sys.path, which would shadow the library. Take the folder off again; this
# folder's modules import as `benchmarks.`.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse
import hashlib
import json
import shutil
import tempfile
import time
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from benchmarks.season_fixture import load_season, scratch_database
from sqlmodel import select

from parflow.services.common.access import load_principal
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle import submissions
from parflow.store.db import Database
from parflow.store.models import Person, RoleAssignment, Submission


def prepare(url: str, work: Path, agencies: int) -> Runtime:
    # baseline_run finds the campaign by its code
    return load_season(url, work, agencies, code="bench", title="Benchmark campaign", secret_key="x" * 40)


def service_run(rt: Runtime, rounds: int) -> tuple[int, float]:
    with rt.db.read() as session:
        pairs = session.exec(
            select(Submission.id, RoleAssignment.person_id)
            .join(RoleAssignment, RoleAssignment.agency_id == Submission.agency_id)
            .where(RoleAssignment.role == "agency_editor")
        ).all()
        editors = {sid: load_principal(session, pid) for sid, pid in pairs}
        ha_id = session.exec(select(Person.id).where(Person.email == "ha1@bench.example")).one()
        ha = load_principal(session, ha_id)
    events = 0
    start = time.perf_counter()
    for _ in range(rounds):
        for sid, editor in editors.items():
            rt.db.run(lambda s, sid=sid, p=editor: submissions.fire_event(s, rt, p, sid, "submit"))
            rt.db.run(lambda s, sid=sid: submissions.fire_event(s, rt, ha, sid, "reopen", comment="bổ sung"))
            events += 2
            rt.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    return events, time.perf_counter() - start


def baseline_run(db: Database, rounds: int, now: datetime) -> tuple[int, float]:
    """The same writes in hand-written SQL: no ORM, no workflow engine, no guards."""
    engine = db.engine
    lock = "" if db.is_sqlite else " FOR UPDATE"
    with engine.connect() as conn:
        campaign_id = conn.execute(sa.text("SELECT id FROM campaign WHERE code='bench'")).scalar_one()
        subs = conn.execute(
            sa.text(
                "SELECT s.id, a.code FROM submission s JOIN agency a ON a.id = s.agency_id"
                " WHERE s.campaign_id=:c"
            ),
            {"c": campaign_id},
        ).all()
        ha = conn.execute(
            sa.text("SELECT id, email, name FROM person WHERE email LIKE 'ha%@bench.example'")
        ).all()
    moves = [("submit", "draft", "self_scored"), ("reopen", "self_scored", "draft")]
    events = 0
    start = time.perf_counter()
    for _ in range(rounds):
        for sid, code in subs:
            for trigger, source, dest in moves:
                with engine.begin() as conn:
                    if db.is_sqlite:
                        conn.exec_driver_sql("SELECT 1")  # the engine's BEGIN is deferred; keep it cheap
                    state, version = conn.execute(
                        sa.text(f"SELECT state, version FROM submission WHERE id=:id{lock}"), {"id": sid}
                    ).one()
                    assert state == source
                    conn.execute(
                        sa.text(
                            "UPDATE submission SET state=:s, version=:v, state_changed_at=:t WHERE id=:id"
                        ),
                        {"s": dest, "v": version + 1, "t": now.replace(tzinfo=None), "id": sid},
                    )
                    head = conn.execute(
                        sa.text(f"SELECT seq, hash FROM audit_head WHERE campaign_id=:c{lock}"),
                        {"c": campaign_id},
                    ).one()
                    payload = json.dumps([campaign_id, head.seq + 1, code, trigger, source, dest, head.hash])
                    digest = hashlib.sha256(payload.encode()).hexdigest()
                    conn.execute(
                        sa.text(
                            "INSERT INTO audit_entry (campaign_id, seq, submission_id, at, action, trigger,"
                            " from_state, to_state, data, prev_hash, hash)"
                            " VALUES (:c, :seq, :sid, :at, 'transition', :tr, :f, :to, :d, :p, :h)"
                        ),
                        {
                            "c": campaign_id,
                            "seq": head.seq + 1,
                            "sid": sid,
                            "at": now.replace(tzinfo=None),
                            "tr": trigger,
                            "f": source,
                            "to": dest,
                            "d": json.dumps({"agency": code}),
                            "p": head.hash,
                            "h": digest,
                        },
                    )
                    conn.execute(
                        sa.text("UPDATE audit_head SET seq=:seq, hash=:h WHERE campaign_id=:c"),
                        {"seq": head.seq + 1, "h": digest, "c": campaign_id},
                    )
                    if trigger == "submit":
                        for person_id, email, name in ha:
                            conn.execute(
                                sa.text(
                                    "INSERT INTO notification (key, campaign_id, submission_id, person_id,"
                                    " recipient_email, recipient_name, language, kind, context, status,"
                                    " attempts, next_attempt_at, late, created_at)"
                                    " VALUES (:k, :c, :sid, :pid, :e, :n, 'vi', 'submitted', '{}', 'pending',"
                                    " 0, :t, false, :t)"
                                ),
                                {
                                    "k": f"raw:{uuid.uuid4()}",
                                    "c": campaign_id,
                                    "sid": sid,
                                    "pid": person_id,
                                    "e": email,
                                    "n": name,
                                    "t": now.replace(tzinfo=None),
                                },
                            )
                events += 1
    return events, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--agencies", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="parflow-bench-"))
    totals = {"service layer": [0, 0.0], "raw SQL baseline": [0, 0.0]}
    try:
        # a database for each run, so neither pays for the other's rows
        with (
            scratch_database(args.database_url, work / "service.db") as service_url,
            scratch_database(args.database_url, work / "baseline.db") as baseline_url,
        ):
            service_rt = prepare(service_url, work / "service", args.agencies)
            baseline_rt = prepare(baseline_url, work / "baseline", args.agencies)
            # rounds alternate, so a busy moment on a shared machine falls on both runs alike
            for _ in range(args.rounds):
                events, seconds = service_run(service_rt, 1)
                totals["service layer"][0] += events
                totals["service layer"][1] += seconds
                events, seconds = baseline_run(baseline_rt.db, 1, baseline_rt.clock.now())
                totals["raw SQL baseline"][0] += events
                totals["raw SQL baseline"][1] += seconds
            service_rt.db.dispose()
            baseline_rt.db.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    backend = "PostgreSQL" if args.database_url else "SQLite (file, WAL)"
    print(
        f"backend: {backend}; {args.agencies} submissions × {args.rounds} rounds × 2 events,"
        " one transaction each; service and baseline rounds alternate"
    )
    print(f"{'run':<18} {'events':>8} {'seconds':>9} {'events/s':>10}")
    rates = {}
    for label, (events, seconds) in totals.items():
        rates[label] = events / seconds
        print(f"{label:<18} {events:>8} {seconds:>9.2f} {rates[label]:>10.1f}")
    share = rates["service layer"] / rates["raw SQL baseline"]
    print(
        f"service layer = {share:.2f} of the raw-SQL baseline (target: at least 0.33); "
        f"the baseline is {1 / share:.2f}× faster"
    )


if __name__ == "__main__":
    main()
