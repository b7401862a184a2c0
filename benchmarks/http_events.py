# ruff: noqa: E402  (imports follow the sys.path fix on purpose)
"""Workflow events per second through the HTTP API of a real `parflow serve --workers N`.

Loads a campaign of one agency per client (no criteria set, so `submit` needs no scores), starts
`parflow serve --workers 2` as a subprocess, and drives it from a separate load-generator process
on loopback: `--clients` concurrent clients (asyncio + httpx, one keep-alive connection each), each
on its own submission, so no two clients ever contend for a row. Three phases of `--seconds` each:

- `GET /healthz`: the server's floor (routing, middleware, one `SELECT 1`), the baseline;
- `GET /api/v1/submissions/{id}`: a signed-in read of one submission;
- `POST …/events/submit` then `…/events/reopen` (with a comment), over and over: each is one
  transaction with the row lock, the audit row, the chain head and the outbox rows.

Then, in this process, the same submit/reopen cycle through the service layer without HTTP
(one thread), for what the HTTP stack costs. Prints a table with requests per second and latency.

    .venv/bin/python benchmarks/http_events.py                      # SQLite file in a temporary folder
    .venv/bin/python benchmarks/http_events.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Client and server share the machine's CPUs: on a small machine the figures are the whole box's.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/transitions.py shares its name with the `transitions` library: running a script from
# this folder puts the folder first on sys.path, so take it off before anything imports the library;
# this folder's modules import as `benchmarks.`
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from datetime import timedelta

from benchmarks.season_fixture import load_season, scratch_database
from sqlmodel import select

from parflow.services.accounts import users
from parflow.services.common.access import load_principal
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle import submissions
from parflow.store.models import Agency, Person, RoleAssignment, Submission

PASSWORD = "benchmark-password"
SECRET = "benchmark-secret-key-0123456789abcdefghijklmnop"


# --- the database and the server -------------------------------------------------------------


def prepare(url: str, work: Path, agencies: int) -> tuple[Runtime, list[int]]:
    rt = load_season(
        url, work, agencies, code="bench-http", title="HTTP benchmark campaign", secret_key=SECRET
    )
    hashed = users.hash_password(PASSWORD)  # hashing is slow on purpose: once for everybody

    def give_passwords(session) -> None:  # type: ignore[no-untyped-def]
        for person in session.exec(select(Person)):
            person.password_hash = hashed
            session.add(person)

    rt.db.run(give_passwords)
    with rt.db.read() as session:
        rows = session.exec(
            select(Agency.code, Submission.id)
            .join(Submission, Submission.agency_id == Agency.id)  # type: ignore[arg-type]
            .order_by(Agency.code)
        ).all()
    return rt, [sid for _code, sid in rows]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(url: str, work: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARFLOW_")}
    env.update(
        PARFLOW_DATABASE_URL=url,
        PARFLOW_DATA_DIR=str(work / "data"),
        PARFLOW_SECRET_KEY=SECRET,
        PARFLOW_LOG_FORMAT="json",
        # every client signs in from 127.0.0.1 at once: an in-flight sign-in counts as a failure
        # until its password is checked, and 64 of them from one address would be refused (429)
        PARFLOW_SIGN_IN_MAX_FAILURES_PER_ADDRESS="1000",
    )
    log = (work / "server.log").open("wb")
    command = [str(Path(sys.executable).with_name("parflow")), "serve", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        cwd=work,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_healthy(base: str, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    import httpx2 as httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited while starting")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not answer {base}/healthz within {timeout:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


# --- the load generator (a separate process) ---------------------------------------------------


async def _client(base: str, index: int, sid: int, phases: list[str], out: dict) -> None:
    import httpx2 as httpx

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        tokens = []
        for email in (f"editor{index}@bench.example", f"head{index}@bench.example"):
            response = await client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
            response.raise_for_status()
            tokens.append({"Authorization": f"Bearer {response.json()['access_token']}"})
        editor, head = tokens
        reopen = {"comment": "Bổ sung tài liệu"}
        for phase in phases:
            out["ready"][phase] += 1
            await out["start"][phase].wait()  # every client starts a phase together
            deadline = out["deadline"][phase]
            latencies, step = out["latency"][phase], 0
            while time.monotonic() < deadline:
                started = time.perf_counter()
                if phase == "healthz":
                    response = await client.get("/healthz")
                elif phase == "read":
                    response = await client.get(f"/api/v1/submissions/{sid}", headers=editor)
                elif step % 2 == 0:
                    response = await client.post(f"/api/v1/submissions/{sid}/events/submit", headers=editor)
                else:
                    response = await client.post(
                        f"/api/v1/submissions/{sid}/events/reopen", headers=head, json=reopen
                    )
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    out["failures"][phase] += 1
                step += 1
            out["finished"][phase] = time.monotonic()
            out["done"][phase] += 1
            if phase == "events" and step % 2 == 1:  # untimed: leave the submission in draft
                await client.post(f"/api/v1/submissions/{sid}/events/reopen", headers=head, json=reopen)


async def generate(base: str, sids: list[int], phases: list[str], seconds: float) -> dict:
    """Every client signs in, then the phases run one after the other, all clients together."""
    out: dict = {
        "start": {p: asyncio.Event() for p in phases},
        "ready": dict.fromkeys(phases, 0),
        "done": dict.fromkeys(phases, 0),
        "deadline": {},
        "finished": {},
        "latency": {p: [] for p in phases},
        "failures": dict.fromkeys(phases, 0),
    }
    tasks = [asyncio.create_task(_client(base, i, sid, phases, out)) for i, sid in enumerate(sids)]
    results = {}
    for phase in phases:
        while out["ready"][phase] < len(tasks):
            if any(t.done() for t in tasks):
                await asyncio.gather(*tasks)  # a client failed: raise its error
            await asyncio.sleep(0.05)
        started = time.monotonic()
        out["deadline"][phase] = started + seconds
        out["start"][phase].set()
        while out["done"][phase] < len(tasks):
            await asyncio.sleep(0.05)
        latencies = sorted(out["latency"][phase])
        results[phase] = {
            "requests": len(latencies),
            "failures": out["failures"][phase],
            # until the last answer came back: requests still in flight at the deadline count
            "seconds": out["finished"][phase] - started,
            "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        }
    await asyncio.gather(*tasks)
    return results


def run_load_generator(base: str, sids: list[int], seconds: float) -> dict:
    """Run `generate` in a separate Python process, so the client's CPU is not this process's."""
    command = [
        sys.executable,
        __file__,
        "--generate",
        base,
        "--seconds",
        str(seconds),
        "--sids",
        ",".join(map(str, sids)),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds * 3 + 300)
    if done.returncode != 0:
        raise SystemExit(f"load generator failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the in-process baseline ---------------------------------------------------------------------


def service_rate(rt: Runtime, sids: list[int], seconds: float) -> tuple[int, float]:
    with rt.db.read() as session:
        pairs = session.exec(
            select(Submission.id, RoleAssignment.person_id, RoleAssignment.role)
            .join(RoleAssignment, RoleAssignment.agency_id == Submission.agency_id)
            .where(RoleAssignment.role.in_(("agency_editor", "agency_head")))  # type: ignore[attr-defined]
        ).all()
        people = {(sid, role): load_principal(session, pid) for sid, pid, role in pairs}
        submitted = session.exec(select(Submission.id).where(Submission.state == "self_scored")).all()
    for sid in submitted:  # untimed: every submission starts in draft
        head = people[(sid, "agency_head")]
        rt.db.run(
            lambda s, sid=sid, p=head: submissions.fire_event(s, rt, p, sid, "reopen", comment="bổ sung")
        )
    events = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for sid in sids:
            editor, head = people[(sid, "agency_editor")], people[(sid, "agency_head")]
            rt.db.run(lambda s, sid=sid, p=editor: submissions.fire_event(s, rt, p, sid, "submit"))
            rt.db.run(
                lambda s, sid=sid, p=head: submissions.fire_event(s, rt, p, sid, "reopen", comment="bổ sung")
            )
            events += 2
            rt.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    return events, time.perf_counter() - started


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (one submission each)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--generate", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--sids", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        sids = [int(x) for x in args.sids.split(",")]
        print(
            json.dumps(
                asyncio.run(generate(args.generate, sids, ["healthz", "read", "events"], args.seconds))
            )
        )
        return

    work = Path(tempfile.mkdtemp(prefix="parflow-http-bench-"))
    try:
        with scratch_database(args.database_url, work / "parflow.db") as url:
            rt, sids = prepare(url, work, args.clients)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = start_server(url, work, port, args.workers)
            try:
                wait_healthy(base, server)
                http = run_load_generator(base, sids, args.seconds)
            finally:
                stop_server(server)
            events, seconds = service_rate(rt, sids, min(args.seconds, 10.0))
            rt.db.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    backend = "PostgreSQL" if args.database_url else "SQLite (file, WAL)"
    print(
        f"backend: {backend}; parflow serve --workers {args.workers}; {args.clients} clients on loopback "
        f"(one submission each), {args.seconds:.0f} s per phase; "
        f"{os.cpu_count()} CPUs shared by client and server"
    )
    print(f"{'run':<42} {'requests':>9} {'failed':>7} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8}")
    labels = {
        "healthz": "GET /healthz (baseline)",
        "read": "GET /api/v1/submissions/{id}",
        "events": "POST …/events/submit|reopen",
    }
    for phase, label in labels.items():
        r = http[phase]
        rate = r["requests"] / r["seconds"]
        latency = f"{r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f}"
        print(f"{label:<42} {r['requests']:>9} {r['failures']:>7} {rate:>8.1f} {latency}")
    in_process = "service layer in-process, 1 thread"
    print(f"{in_process:<42} {events:>9} {0:>7} {events / seconds:>8.1f}")
    healthz = http["healthz"]["requests"] / http["healthz"]["seconds"]
    fired = http["events"]["requests"] / http["events"]["seconds"]
    print(
        f"events over HTTP: {fired:.1f}/s = {fired / healthz:.2f}× the /healthz rate, "
        f"{fired / (events / seconds):.2f}× the in-process service layer"
    )


if __name__ == "__main__":
    main()
