"""Events per second through the service layer (audit row and outbox rows included), beside a
raw-SQL baseline doing the same writes, measured in the same run.

    .venv/bin/python benchmarks/transitions.py                       # SQLite file in a temp dir
    .venv/bin/python benchmarks/transitions.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Each event is its own transaction in both runs: lock the submission, check state, move it (with
its lateness record and next deadline), append a hash-chained audit row, update the chain head,
queue the event's messages with their full context (submit: two Home Affairs notices and the
head's sign-off notice; reopen: the focal point's and the head's). Rounds of the two alternate;
the verdict is the median of the rounds' ratios, so a busy moment in one round does not decide it.
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
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta

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


# The event's notices carry the context their e-mails are rendered from; the baseline writes a
# context of the same shape and size (labels in both languages), built per message as the event does.
_LABELS = {
    "submit": {"vi": "Gửi báo cáo tự đánh giá", "en": "Submit self-assessment"},
    "reopen": {"vi": "Mở lại để chỉnh sửa", "en": "Reopen for changes"},
}
_STATES = {
    "draft": {"key": "draft", "vi": "Đang tự đánh giá", "en": "Self-assessment in progress"},
    "self_scored": {"key": "self_scored", "vi": "Đã gửi tự đánh giá", "en": "Self-assessment submitted"},
}


def _context(
    code: str, name: str, sid: int, trigger: str, source: str, dest: str, actor: str, at: datetime, role: str
) -> str:
    return json.dumps(
        {
            "campaign": {"code": "bench", "title": "Benchmark campaign", "timezone": "Asia/Ho_Chi_Minh"},
            "agency": {"code": code, "name": name, "name_en": name, "group": "department"},
            "submission_id": sid,
            "trigger": trigger,
            "event_label": _LABELS[trigger],
            "from_state": _STATES[source],
            "to_state": _STATES[dest],
            "actor_name": actor,
            "comment": None if trigger == "submit" else "bổ sung",
            "at": at.isoformat(),
            "action_path": f"/submissions/{sid}",
            "recipient_role": role,
        }
    )


_SUBMITTED = sa.text(
    "UPDATE submission SET state=:s, version=:v, state_changed_at=:t, submitted_at=:t,"
    " self_assessment_sent_at=:t, self_assessment_due_date=:d, self_assessment_late_days=0,"
    " next_due_at=:n WHERE id=:id"
)
_REOPENED = sa.text(
    "UPDATE submission SET state=:s, version=:v, state_changed_at=:t, submitted_at=NULL, next_due_at=:n,"
    " head_confirmation_requested_at=NULL, head_confirmation_requested_by=NULL WHERE id=:id"
)
_AUDIT_ROW = sa.text(
    "INSERT INTO audit_entry (campaign_id, seq, submission_id, at, actor_id, actor_role, action, trigger,"
    " from_state, to_state, comment, data, prev_hash, hash)"
    " VALUES (:c, :seq, :sid, :at, :actor, :role, 'transition', :tr, :f, :to, :cm, :d, :p, :h)"
)
_NOTICE_ROW = sa.text(
    "INSERT INTO notification (key, campaign_id, submission_id, person_id, recipient_email,"
    " recipient_name, language, kind, context, status, attempts, next_attempt_at, thread_key, late,"
    " created_at)"
    " VALUES (:k, :c, :sid, :pid, :e, :n, 'vi', :kind, :ctx, :status, 0, :t, :thread, false, :t)"
)


def baseline_run(db: Database, rounds: int, now: datetime) -> tuple[int, float]:
    """The event's writes in hand-written SQL: no ORM, no workflow engine, no guards, no reads
    beyond the locked rows. Per event, as `fire_event` writes them: the submission's move with its
    lateness record and next deadline, a hash-chained audit entry and the chain head, and the
    same messages (submit: the two Home Affairs notices, held for the digest, and the head's
    sign-off notice; reopen: the focal point's and the head's), each with its full context."""
    engine = db.engine
    lock = "" if db.is_sqlite else " FOR UPDATE"
    with engine.connect() as conn:
        campaign_id = conn.execute(sa.text("SELECT id FROM campaign WHERE code='bench'")).scalar_one()
        subs = conn.execute(
            sa.text(
                "SELECT s.id, a.id, a.code, a.name FROM submission s JOIN agency a ON a.id = s.agency_id"
                " WHERE s.campaign_id=:c"
            ),
            {"c": campaign_id},
        ).all()
        people = conn.execute(
            sa.text(
                "SELECT r.agency_id, r.role, p.id, p.email, p.name FROM role_assignment r"
                " JOIN person p ON p.id = r.person_id WHERE r.campaign_id=:c"
            ),
            {"c": campaign_id},
        ).all()
    ha = [(pid, email, name) for agency, role, pid, email, name in people if role == "home_affairs"]
    editor = {
        agency: (pid, email, name) for agency, role, pid, email, name in people if role == "agency_editor"
    }
    head = {agency: (pid, email, name) for agency, role, pid, email, name in people if role == "agency_head"}
    moves = [("submit", "draft", "self_scored"), ("reopen", "self_scored", "draft")]
    at = now.replace(tzinfo=None)
    due_date = date(2022, 1, 14)  # the campaign's self-assessment deadline
    next_due = datetime(2022, 1, 12, 1, 0)
    events = 0
    start = time.perf_counter()
    for _ in range(rounds):
        for sid, agency_id, code, name in subs:
            for trigger, source, dest in moves:
                with engine.begin() as conn:
                    if db.is_sqlite:
                        conn.exec_driver_sql("SELECT 1")  # the engine's BEGIN is deferred; keep it cheap
                    state, version = conn.execute(
                        sa.text(f"SELECT state, version FROM submission WHERE id=:id{lock}"), {"id": sid}
                    ).one()
                    assert state == source
                    if trigger == "submit":
                        conn.execute(
                            _SUBMITTED,
                            {"s": dest, "v": version + 1, "t": at, "d": due_date, "n": next_due, "id": sid},
                        )
                        actor = editor[agency_id]
                        data = {
                            "version": version + 1,
                            "milestone": "self_assessment_due",
                            "working_days_late": 0,
                        }
                        told = [(*p, "submitted", "held", "home_affairs") for p in ha]
                        told.append((*head[agency_id], "head_sign_off", "pending", "agency_head"))
                    else:
                        conn.execute(
                            _REOPENED,
                            {"s": dest, "v": version + 1, "t": at, "n": next_due, "id": sid},
                        )
                        actor = ha[0]
                        data = {"version": version + 1, "milestone": None}
                        told = [
                            (*editor[agency_id], "reopened", "pending", "agency_editor"),
                            (*head[agency_id], "reopened", "pending", "agency_head"),
                        ]
                    data |= {"agency": code, "actor": actor[1]}
                    head_row = conn.execute(
                        sa.text(f"SELECT seq, hash FROM audit_head WHERE campaign_id=:c{lock}"),
                        {"c": campaign_id},
                    ).one()
                    payload = json.dumps(
                        [campaign_id, head_row.seq + 1, code, trigger, source, dest, data, head_row.hash]
                    )
                    digest = hashlib.sha256(payload.encode()).hexdigest()
                    conn.execute(
                        _AUDIT_ROW,
                        {
                            "c": campaign_id,
                            "seq": head_row.seq + 1,
                            "sid": sid,
                            "at": at,
                            "actor": actor[0],
                            "role": "agency_editor" if trigger == "submit" else "home_affairs",
                            "tr": trigger,
                            "f": source,
                            "to": dest,
                            "cm": None if trigger == "submit" else "bổ sung",
                            "d": json.dumps(data),
                            "p": head_row.hash,
                            "h": digest,
                        },
                    )
                    conn.execute(
                        sa.text("UPDATE audit_head SET seq=:seq, hash=:h WHERE campaign_id=:c"),
                        {"seq": head_row.seq + 1, "h": digest, "c": campaign_id},
                    )
                    conn.execute(
                        _NOTICE_ROW,
                        [
                            {
                                "k": f"raw:{uuid.uuid4()}",
                                "c": campaign_id,
                                "sid": sid,
                                "pid": pid,
                                "e": email,
                                "n": person_name,
                                "kind": kind,
                                "ctx": _context(code, name, sid, trigger, source, dest, actor[2], now, role),
                                "status": status,
                                "t": at,
                                "thread": f"submission-{sid}",
                            }
                            for pid, email, person_name, kind, status, role in told
                        ],
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
    shares: list[float] = []
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
                base_events, base_seconds = baseline_run(baseline_rt.db, 1, baseline_rt.clock.now())
                totals["raw SQL baseline"][0] += base_events
                totals["raw SQL baseline"][1] += base_seconds
                shares.append((events / seconds) / (base_events / base_seconds))
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
    median = statistics.median(shares)
    print("per round: " + ", ".join(f"{s:.2f}" for s in shares))
    print(
        f"service layer = {median:.2f} of the raw-SQL baseline, median of {len(shares)} rounds"
        f" ({share:.2f} over all of them; target: at least 0.33); the baseline is {1 / median:.2f}× faster"
    )


if __name__ == "__main__":
    main()
