"""How long Home Affairs waits for the board, at 35 and at 2,205 agencies in one campaign.

Builds one campaign of each size with bulk inserts (agencies in the three groups, submissions in
every state, some extensions, two delivered reminders per agency still in draft), signs in through
the real sign-in form, then times whole requests through the ASGI app (middleware, session,
queries, rendering): the board page, the board filtered to one group, and — the baseline, measured
in the same run on the same data — the JSON API's list of the same submissions. Medians of
`--runs` requests after one warm-up; the service part (queries and row building, no HTML) is
shown beside the page.

    .venv/bin/python benchmarks/board.py                      # SQLite files in a temporary folder
    .venv/bin/python benchmarks/board.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

# ruff: noqa: E402  (imports follow the sys.path fix below on purpose)
from __future__ import annotations

import sys
from pathlib import Path

# Running a script puts its folder first on sys.path, where benchmarks/transitions.py would shadow
# the `transitions` library. Take the folder off again; this folder's modules import as `benchmarks.`.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from benchmarks.season_fixture import scratch_database
from fastapi.testclient import TestClient

from parflow.clock import FixedClock
from parflow.services.accounts import users
from parflow.services.common.access import load_principal
from parflow.services.common.runtime import Runtime
from parflow.services.monitoring.board import campaign_board
from parflow.settings import Settings
from parflow.store.db import Database
from parflow.store.migrate import upgrade
from parflow.store.models import (
    Agency,
    Campaign,
    Extension,
    Milestone,
    Notification,
    Person,
    RoleAssignment,
    Submission,
)
from parflow.web.app import create_app

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SIZES = (35, 2_205)
GROUPS = ("department", "urban_district", "rural_district")
STATES = ("draft", "self_scored", "under_appraisal", "disputed", "approved")
NOW = datetime(2022, 1, 19, 9, 0, tzinfo=VN).astimezone(UTC)  # after the self-assessment deadline
MILESTONES = {
    "self_assessment_due": date(2022, 1, 14),
    "appraisal_due": date(2022, 2, 28),
    "approval_due": date(2022, 3, 23),
    "publication": date(2022, 3, 28),
}
EMAIL = "cchc@example.org"
PASSWORD = "benchmark password"


def build(db: Database, agencies: int) -> None:
    at = datetime(2021, 12, 1, tzinfo=UTC)
    sent = datetime(2022, 1, 12, 1, 0, tzinfo=UTC)
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(Campaign.__table__),  # type: ignore[attr-defined]
            [
                dict(
                    code="board",
                    title="Chỉ số cải cách hành chính (benchmark)",
                    index_year=2021,
                    timezone="Asia/Ho_Chi_Minh",
                    workflow_name="par-index",
                    dispute_window_days=5,
                    classification=[],
                    source_digest="",
                    created_at=at,
                    updated_at=at,
                )
            ],
        )
        cid = conn.execute(sa.select(Campaign.id)).scalar_one()
        conn.execute(
            sa.insert(Milestone.__table__),  # type: ignore[attr-defined]
            [dict(campaign_id=cid, key=k, due_date=d) for k, d in MILESTONES.items()],
        )
        conn.execute(
            sa.insert(Agency.__table__),  # type: ignore[attr-defined]
            [
                dict(
                    campaign_id=cid,
                    code=f"a{a:05d}",
                    name=f"Sở thử nghiệm số {a}",
                    name_en=f"Test department {a}",
                    group=GROUPS[a % 3],
                    calendar_token=uuid.uuid4().hex,
                )
                for a in range(agencies)
            ],
        )
        ids = [r[0] for r in conn.execute(sa.select(Agency.id).order_by(Agency.id))]
        conn.execute(
            sa.insert(Person.__table__),  # type: ignore[attr-defined]
            [
                dict(
                    email=EMAIL,
                    name="Cán bộ Sở Nội vụ",
                    language="vi",
                    active=True,
                    created_at=at,
                    password_hash=users.hash_password(PASSWORD),
                )
            ],
        )
        person = conn.execute(sa.select(Person.id)).scalar_one()
        conn.execute(
            sa.insert(RoleAssignment.__table__),  # type: ignore[attr-defined]
            [dict(person_id=person, campaign_id=cid, role="home_affairs", agency_id=None, fields=[])],
        )
        rows = []
        for i, aid in enumerate(ids):
            state = STATES[i % len(STATES)]
            rows.append(
                dict(
                    campaign_id=cid,
                    agency_id=aid,
                    state=state,
                    version=1,
                    state_changed_at=at,
                    submitted_at=None if state == "draft" else at,
                    results_sent_at=at if state in ("disputed", "approved") else None,
                    created_at=at,
                )
            )
        conn.execute(sa.insert(Submission.__table__), rows)  # type: ignore[attr-defined]
        subs = conn.execute(sa.select(Submission.id, Submission.agency_id, Submission.state)).all()
        conn.execute(
            sa.insert(Extension.__table__),  # type: ignore[attr-defined]
            [
                dict(
                    campaign_id=cid,
                    agency_id=aid,
                    milestone_key="self_assessment_due",
                    new_date=date(2022, 1, 21),
                    reason="Gia hạn thử nghiệm",
                    granted_by=person,
                    granted_at=at,
                )
                for sid, aid, state in subs
                if state == "draft" and aid % 4 == 0
            ],
        )
        notes = []
        for sid, _aid, state in subs:
            if state != "draft":
                continue
            for step, kind in enumerate(("reminder", "escalation")):
                notes.append(
                    dict(
                        key=f"bench:{sid}:{kind}",
                        campaign_id=cid,
                        submission_id=sid,
                        person_id=person,
                        recipient_email=EMAIL,
                        recipient_name="Đầu mối",
                        language="vi",
                        kind=kind,
                        context={},
                        status="sent",
                        attempts=1,
                        next_attempt_at=sent + timedelta(days=step * 4),
                        sent_at=sent + timedelta(days=step * 4),
                        late=False,
                        created_at=sent,
                    )
                )
        if notes:
            conn.execute(sa.insert(Notification.__table__), notes)  # type: ignore[attr-defined]


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def timed(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up: templates compiled, caches filled
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(rt: Runtime, runs: int) -> dict[str, float]:
    with TestClient(create_app(rt)) as client:
        page = client.get("/login")
        signed = client.post(
            "/login",
            data={"email": EMAIL, "password": PASSWORD, "next": "/", "csrf_token": csrf(page.text)},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        token = client.post("/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD}).json()
        bearer = {"Authorization": f"Bearer {token['access_token']}"}

        def board() -> None:
            response = client.get("/campaigns/board/board")
            assert response.status_code == 200

        def board_group() -> None:
            assert client.get("/campaigns/board/board?group=urban_district").status_code == 200

        def api() -> None:
            # the API on its bearer token alone; every page (1,000 rows each), following Link
            url: str | None = "/api/v1/campaigns/board/submissions?limit=1000"
            while url:
                response = client.get(url, headers=bearer)
                assert response.status_code == 200
                link = response.headers.get("link")
                url = link[1 : link.index(">")] if link else None

        with rt.db.read() as session:
            principal = load_principal(session, 1)
        assert principal is not None

        def service() -> None:
            with rt.db.read() as session:
                campaign_board(session, rt, principal, "board")

        return {
            "board": timed(board, runs),
            "board_group": timed(board_group, runs),
            "service": timed(service, runs),
            "api": timed(api, runs),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: SQLite files)")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            with scratch_database(args.database_url, Path(tmp) / f"board-{size}.db") as url:
                db = Database(url)
                upgrade(db)
                settings = Settings(
                    data_dir=Path(tmp),
                    database_url=db.url,
                    secret_key="benchmark-secret-key-0123456789abcdef",
                    _env_file=None,  # type: ignore[call-arg]
                )
                rt = Runtime(settings=settings, db=db, clock=FixedClock(NOW))
                started = time.perf_counter()
                build(db, size)
                built = time.perf_counter() - started
                try:
                    results.append((size, built, measure(rt, args.runs)))
                finally:
                    db.dispose()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"Board server time ({backend}; median of {args.runs} requests after a warm-up, milliseconds)")
    print()
    print(
        f"{'agencies':>9} {'built (s)':>10} {'board page':>11} {'one group':>10} "
        f"{'service only':>13} {'JSON API list':>14} {'page / API':>11}"
    )
    for size, built, m in results:
        print(
            f"{size:>9,} {built:>10.2f} {m['board']:>11.1f} {m['board_group']:>10.1f} "
            f"{m['service']:>13.1f} {m['api']:>14.1f} {m['board'] / m['api']:>11.2f}"
        )
    largest = results[-1][2]["board"]
    verdict = "within" if largest < 300 else "OVER"
    print()
    print(f"2,205-agency board: {largest:.0f} ms ({verdict} the 300 ms target)")


if __name__ == "__main__":
    main()
