# ruff: noqa: E402  (imports follow the sys.path fix on purpose)
"""National scale on one database: pages, lists, the tick and the season simulation on the
generated data sets of benchmarks/generate.py (63 provinces, each a campaign).

For each size (`national` = 2,205 submissions, `communes` = 22,050) it generates the set (or
reuses it with `--reuse`), then times, for one province in the middle of the list:
  - the board page, the results preview (what publication freezes), the first page of the JSON
    list and the submission page, whole requests through the ASGI app;
  - the baseline, in the same run on the same data: the raw indexed SELECT of that province's
    submissions joined with their agencies;
  - a quiet tick over the whole database (nothing due: the season was played up to AS_OF);
  - `parflow simulate` of that province, and with `--simulate-all` of every province one after
    the other (the national season).
Medians of `--runs` after one warm-up.

    .venv/bin/python benchmarks/scale.py                                    # national, SQLite
    .venv/bin/python benchmarks/scale.py --sizes national,communes \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/scale.py --sizes communes --reuse \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test   # schema bench_communes kept
"""

from __future__ import annotations

import sys
from pathlib import Path

# Running a script puts its folder first on sys.path, where benchmarks/transitions.py would shadow
# the `transitions` library. Take the folder off again; this folder's modules import as `benchmarks.`.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from benchmarks import generate
from fastapi.testclient import TestClient
from sqlmodel import col, select

from parflow.services.accounts import users
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.tick import tick
from parflow.services.simulation.run import simulate
from parflow.store.migrate import upgrade
from parflow.store.models import Agency, Campaign, Person, Submission
from parflow.web.app import create_app

PASSWORD = "benchmark password"


def timed(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def prepare(url: str, folder: Path, size: str, reuse: bool) -> Runtime:
    agencies = generate.SIZES[size]
    if reuse:
        rt = generate.runtime_for(url, folder, generate.AS_OF)
        upgrade(rt.db)
        with rt.db.read() as session:
            if session.exec(select(sa.func.count()).select_from(Campaign)).one() > 0:
                return rt
        rt.db.dispose()
    rt, summary = generate.build(url, folder, agencies=agencies, scores=size != "tick")
    print(f"  {size}: {summary.line()}", flush=True)
    return rt


def measure(rt: Runtime, runs: int, simulate_all: bool) -> dict[str, float]:
    with rt.db.read() as session:
        campaigns = list(session.exec(select(Campaign).order_by(col(Campaign.id))))
        campaign = campaigns[len(campaigns) // 2]
        sid = session.exec(
            select(Submission.id).where(Submission.campaign_id == campaign.id).order_by(col(Submission.id))
        ).first()
        total = session.exec(select(sa.func.count()).select_from(Submission)).one()
        agencies = session.exec(
            select(sa.func.count()).select_from(Submission).where(Submission.campaign_id == campaign.id)
        ).one()
    email = f"cchc.nhung@{campaign.code.removesuffix('-2021')}.example"
    hashed = users.hash_password(PASSWORD)
    with rt.db.write() as session:
        person = session.exec(select(Person).where(Person.email == email)).one()
        person.password_hash = hashed
        session.add(person)
    code = campaign.code
    baseline_query = (
        select(Submission, Agency)
        .join(Agency, col(Agency.id) == col(Submission.agency_id))
        .where(Submission.campaign_id == campaign.id)
        .order_by(col(Agency.group), col(Agency.code))
    )

    def baseline() -> None:
        with rt.db.read() as session:
            session.exec(baseline_query).all()

    out: dict[str, float] = {"total": total, "agencies": agencies}
    with TestClient(create_app(rt)) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "next": "/", "csrf_token": token},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        bearer = {
            "Authorization": "Bearer "
            + client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD}).json()[
                "access_token"
            ]
        }

        def get(url: str, headers: dict[str, str] | None = None) -> Callable[[], None]:
            def run() -> None:
                response = client.get(url, headers=headers or {})
                assert response.status_code == 200, (url, response.status_code)

            return run

        out["baseline"] = timed(baseline, runs)
        out["board"] = timed(get(f"/campaigns/{code}/board"), runs)
        out["results"] = timed(get(f"/api/v1/campaigns/{code}/results/preview", bearer), runs)
        out["list"] = timed(get(f"/api/v1/campaigns/{code}/submissions?limit=100", bearer), runs)
        out["submission"] = timed(get(f"/submissions/{sid}"), runs)
    out["tick"] = timed(lambda: tick(rt, generate.AS_OF + timedelta(minutes=5)), runs)
    started = time.perf_counter()
    one = simulate(rt, code)
    out["simulate_one"] = (time.perf_counter() - started) * 1000
    out["simulate_one_messages"] = len(one.messages)
    if simulate_all:
        started = time.perf_counter()
        count = 0
        for each in campaigns:
            count += len(simulate(rt, each.code).messages)
        out["simulate_all"] = (time.perf_counter() - started) * 1000
        out["simulate_all_messages"] = count
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: SQLite files)")
    parser.add_argument("--sizes", default="national", help="national,communes (comma-separated)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the data sets and reuse them next time")
    parser.add_argument("--simulate-all", action="store_true", help="also simulate every province's season")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            if args.database_url:
                url = generate.postgres_schema_url(args.database_url, f"bench_{size}", fresh=not args.reuse)
            else:
                folder = Path.cwd() if args.reuse else Path(tmp)
                url = f"sqlite:///{folder / f'scale-{size}.db'}"
            rt = prepare(url, Path(tmp), size, args.reuse)
            try:
                results.append((size, measure(rt, args.runs, args.simulate_all)))
            finally:
                rt.db.dispose()
                if args.database_url and not args.reuse:
                    generate.drop_postgres_schema(args.database_url, f"bench_{size}")
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nOne province of the national data set on {backend} (median of {args.runs} after a warm-up, ms)")
    print(
        f"{'submissions':>11} {'province':>8} {'baseline':>9} {'board':>7} {'results':>8} {'list 100':>9} "
        f"{'submission':>10} {'quiet tick':>10} {'simulate 1':>10} {'simulate all':>12}"
    )
    for _size, m in results:
        everyone = f"{m['simulate_all'] / 1000:>10.1f} s" if "simulate_all" in m else f"{'-':>12}"
        print(
            f"{int(m['total']):>11,} {int(m['agencies']):>8} {m['baseline']:>9.1f} {m['board']:>7.1f} "
            f"{m['results']:>8.1f} {m['list']:>9.1f} {m['submission']:>10.1f} {m['tick']:>10.1f} "
            f"{m['simulate_one'] / 1000:>8.1f} s {everyone}"
        )
    print(
        "\nbaseline: the indexed SELECT of the province's submissions with their agencies, alone. "
        "simulate: `parflow simulate` of the province from AS_OF to two weeks after publication."
    )


if __name__ == "__main__":
    main()
