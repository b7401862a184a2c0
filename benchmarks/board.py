"""How long Home Affairs waits for the board, at 35 and at 2,205 agencies in one campaign.

Builds one campaign of each size with bulk inserts (agencies in the three groups, submissions in
every state — six in ten still in self-assessment, as in late January — a 65-leaf criteria set,
self-scores for every submission (drafts part-way, some without explanation), evidence for part of
them, three audit entries per submission, lateness records on the sent ones, some extensions, two
delivered reminders per draft and a remind-now for one in ten), signs in through the real sign-in
form, then times whole requests through the ASGI app (middleware, session, queries, rendering):
the board page, the board filtered to one group, searched without accents, overdue only sorted by
name (Vietnamese collation), sorted by progress, its CSV and XLSX exports, and — the baseline,
measured in the same run on the same data — the JSON API's list of the same submissions. Medians
of `--runs` requests after one warm-up; the service part (queries and row building, no HTML) is
shown beside the page. It also counts the SQL statements of one board request at each size and
fails if they differ (a query per agency would show here).

    .venv/bin/python benchmarks/board.py                      # SQLite files in a temporary folder
    .venv/bin/python benchmarks/board.py --sizes 35,127              # a province, one real campaign
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
from decimal import Decimal
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
    AuditEntry,
    Campaign,
    CriteriaSet,
    Criterion,
    Evidence,
    Extension,
    Milestone,
    Notification,
    Person,
    RoleAssignment,
    Score,
    Submission,
)
from parflow.web.app import create_app

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SIZES = (35, 2_205)
GROUPS = ("department", "urban_district", "rural_district")
STATES = ("draft",) * 6 + ("self_scored", "under_appraisal", "disputed", "approved")
LEAVES = 65
NOW = datetime(2022, 1, 19, 9, 0, tzinfo=VN).astimezone(UTC)  # after the self-assessment deadline
MILESTONES = {
    "self_assessment_due": date(2022, 1, 14),
    "appraisal_due": date(2022, 2, 28),
    "approval_due": date(2022, 3, 23),
    "publication": date(2022, 3, 28),
}
EMAIL = "cchc@example.org"
# Vietnamese names, so the collation works on real diacritics (Đ, tones) and not on plain ASCII
NAMES = ("Giao thông vận tải", "Giáo dục và Đào tạo", "Đồ Sơn", "Dương Kinh", "Hải An", "Ân Thi", "Yên Lãng")
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
            sa.insert(CriteriaSet.__table__),  # type: ignore[attr-defined]
            [dict(campaign_id=cid, code="all", title="Bộ tiêu chí", total=Decimal(100), groups=list(GROUPS))],
        )
        set_id = conn.execute(sa.select(CriteriaSet.id)).scalar_one()
        conn.execute(
            sa.insert(Criterion.__table__),  # type: ignore[attr-defined]
            [
                dict(
                    set_id=set_id,
                    code=f"1.{n}",
                    parent_code=None,
                    field_code="1",
                    level=1,
                    position=n,
                    is_leaf=True,
                    title_vi=f"Tiêu chí {n}",
                    max_score=Decimal(1),
                    scored_by="agency",
                )
                for n in range(LEAVES)
            ],
        )
        conn.execute(
            sa.insert(Agency.__table__),  # type: ignore[attr-defined]
            [
                dict(
                    campaign_id=cid,
                    code=f"a{a:05d}",
                    name=f"{('Sở', 'UBND quận', 'UBND huyện')[a % 3]} {NAMES[a % len(NAMES)]} {a}",
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
            late = None if state == "draft" else i % 4
            rows.append(
                dict(
                    campaign_id=cid,
                    agency_id=aid,
                    criteria_set_id=set_id,
                    self_assessment_sent_at=None if state == "draft" else at,
                    self_assessment_due_date=None if state == "draft" else MILESTONES["self_assessment_due"],
                    self_assessment_late_days=late,
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
        for sid, _aid, _state in subs[::10]:
            notes.append(
                dict(
                    key=f"remind_now:c{cid}:s{sid}:p{person}:2022-01-18",
                    campaign_id=cid,
                    submission_id=sid,
                    person_id=person,
                    recipient_email=EMAIL,
                    recipient_name="Đầu mối",
                    language="vi",
                    kind="remind_now",
                    context={},
                    status="pending",
                    attempts=0,
                    next_attempt_at=sent + timedelta(days=6),
                    sent_at=None,
                    late=False,
                    created_at=sent + timedelta(days=6),
                )
            )
        if notes:
            conn.execute(sa.insert(Notification.__table__), notes)  # type: ignore[attr-defined]
        scores, evidence, audit = [], [], []
        for n, (sid, _aid, state) in enumerate(subs):
            # drafts part-way (0 to all 65 leaves), the others complete
            count = (n * 7) % (LEAVES + 1) if state == "draft" else LEAVES
            for leaf in range(count):
                scores.append(
                    dict(
                        submission_id=sid,
                        criterion_code=f"1.{leaf}",
                        self_score=Decimal("0.5"),
                        explanation="" if leaf % 5 == 0 else "Đã thực hiện.",
                        self_at=at,
                    )
                )
                if leaf % 3 == 0:
                    evidence.append(
                        dict(
                            submission_id=sid,
                            criterion_code=f"1.{leaf}",
                            url=f"https://example.org/{sid}/{leaf}",
                            title="QĐ",
                            uploaded_at=at,
                        )
                    )
        for n, (sid, _aid, _state) in enumerate(subs):
            for step in range(3):
                audit.append(
                    dict(
                        campaign_id=cid,
                        seq=3 * n + step + 1,
                        submission_id=sid,
                        at=at + timedelta(hours=n % 50, minutes=step),
                        action="self_scores",
                        data={},
                        prev_hash="0" * 64,
                        hash="0" * 64,
                    )
                )
        for table, batch in ((Score, scores), (Evidence, evidence), (AuditEntry, audit)):
            for start in range(0, len(batch), 20_000):
                conn.execute(sa.insert(table.__table__), batch[start : start + 20_000])  # type: ignore[attr-defined]
        # the progress counters the services keep (services/lifecycle/progress.py), counted as the
        # migration counts them for rows that predate it
        conn.execute(
            sa.text(
                "UPDATE submission SET self_scored = (SELECT count(*) FROM score WHERE "
                "score.submission_id = submission.id AND score.self_score IS NOT NULL), "
                "self_unsupported = (SELECT count(*) FROM score WHERE score.submission_id = submission.id "
                "AND score.self_score IS NOT NULL AND coalesce(trim(score.explanation), '') = '' AND NOT "
                "EXISTS (SELECT 1 FROM evidence WHERE evidence.submission_id = score.submission_id "
                "AND evidence.criterion_code = score.criterion_code))"
            )
        )


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


def count_statements(rt: Runtime, fn: Callable[[], object]) -> int:
    """SQL statements one call sends (transaction control and pragmas left out)."""
    statements: list[str] = []
    skip = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(skip):
            statements.append(statement)

    sa.event.listen(rt.db.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        sa.event.remove(rt.db.engine, "before_cursor_execute", record)
    return len(statements)


def measure(rt: Runtime, runs: int) -> dict[str, float]:
    """Median milliseconds per kind of request, and `queries`: statements of one board request."""
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

        def get(url: str) -> Callable[[], None]:
            def fetch() -> None:
                response = client.get(url)
                assert response.status_code == 200, response.text[:300]

            return fetch

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
            "search": timed(get("/campaigns/board/board?q=giao+thong"), runs),
            "overdue_name": timed(get("/campaigns/board/board?overdue=1&sort=name"), runs),
            "progress": timed(get("/campaigns/board/board?sort=progress&state=draft"), runs),
            "csv": timed(get("/campaigns/board/board.csv"), runs),
            "xlsx": timed(get("/campaigns/board/board.xlsx"), runs),
            "service": timed(service, runs),
            "api": timed(api, runs),
            "queries": count_statements(rt, board),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: SQLite files)")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="agencies per campaign, comma-separated (127: one real campaign, Hải Phòng 2025)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
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
    print()
    print(
        f"{'agencies':>9} {'search':>8} {'overdue, by name':>17} {'by progress':>12} "
        f"{'CSV':>8} {'XLSX':>8} {'queries/board':>14}"
    )
    for size, _built, m in results:
        print(
            f"{size:>9,} {m['search']:>8.1f} {m['overdue_name']:>17.1f} {m['progress']:>12.1f} "
            f"{m['csv']:>8.1f} {m['xlsx']:>8.1f} {m['queries']:>14.0f}"
        )
    counts = {int(m["queries"]) for _size, _built, m in results}
    if len(counts) != 1:
        raise SystemExit(f"the board's query count depends on the number of agencies: {counts}")
    largest = results[-1][2]["board"]
    verdict = "within" if largest < 300 else "OVER"
    print()
    print(f"{results[-1][0]:,}-agency board: {largest:.0f} ms ({verdict} the 300 ms target)")


if __name__ == "__main__":
    main()
