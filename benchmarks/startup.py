"""Start-up of the `parflow` command: `parflow --help` beside Python's and Typer's own start-up, the
imports each kind of command pays before it does anything, and the demo season's `parflow simulate`
beside its 5 s target. Every figure is the median wall time of fresh processes, measured in the
same run, round-robin (one of each per round), so a busy machine slows them all alike.

    .venv/bin/python benchmarks/startup.py                    # 15 rounds; 3 of simulate
    .venv/bin/python benchmarks/startup.py --runs 5 --simulate-runs 1

Baselines: `python -c pass` (the interpreter), `python -c "import typer"` (the floor of any Typer
command) and a two-command Typer app's --help and its command's --help (Typer and Rich printing a
help page: the floors of `parflow --help` and `parflow simulate --help`). The simulate run works in
a scratch PARFLOW_DATA_DIR migrated and loaded with examples/haiphong-2021 first (not timed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# the installed console script, as people run it; `python -m parflow.cli` where there is none
_SCRIPT = Path(PYTHON).with_name("parflow")
PARFLOW = [str(_SCRIPT)] if _SCRIPT.exists() else [PYTHON, "-m", "parflow.cli"]

HELP_TARGET = 0.3
SIMULATE_TARGET = 5.0
SIMULATE = [
    "simulate",
    "haiphong-2021",
    "--from",
    "2021-12-01",
    "--to",
    "2022-03-31",
    "--behaviour",
    "examples/haiphong-2021/behaviour.yaml",
]
# a Typer app of two commands, one with an option: its --help and its command's --help are what Typer
# and Rich cost to print a help page (a command's page also loads pydantic, which Typer coerces with)
BARE_TYPER = (
    "import sys, typer\n"
    "app = typer.Typer(add_completion=False)\n"
    "@app.command()\n"
    "def one(day: str = typer.Option('2022-01-14', help='Hải Phòng')) -> None:\n"
    "    'Hải Phòng.'\n"
    "@app.command()\n"
    "def two() -> None:\n"
    "    'Hải Phòng.'\n"
    "app(sys.argv[1:], prog_name='bare')\n"
)


def imports_of(*modules: str) -> list[str]:
    """The imports a command makes before its work starts (the CLI, then the command's modules)."""
    return [PYTHON, "-c", "; ".join(f"import {m}" for m in ("parflow.cli", *modules))]


# label, command, target (seconds) or None
START_UP: list[tuple[str, list[str], float | None]] = [
    ("python -c pass", [PYTHON, "-c", "pass"], None),
    ('python -c "import typer"', [PYTHON, "-c", "import typer"], None),
    ("bare Typer app --help", [PYTHON, "-c", BARE_TYPER, "--help"], None),
    ("parflow --help", [*PARFLOW, "--help"], HELP_TARGET),
    ("bare Typer app one --help", [PYTHON, "-c", BARE_TYPER, "one", "--help"], None),
    ("parflow simulate --help", [*PARFLOW, *SIMULATE[:1], "--help"], None),
    (
        "imports of simulate",
        imports_of("parflow.services.simulation.run", "parflow.services.simulation.behaviour"),
        None,
    ),
    (
        "imports of tick",
        imports_of("parflow.services.deadlines.tick", "parflow.notify.delivery", "parflow.notify.catcher"),
        None,
    ),
    ("imports of status", imports_of("parflow.services.monitoring.status"), None),
    (
        "imports of campaign load",
        imports_of("parflow.services.campaigns.input", "parflow.services.campaigns.load"),
        None,
    ),
    ("imports of serve (web stack)", imports_of("uvicorn", "parflow.web.app"), None),
]


def wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr.decode()}")
    return elapsed


def prepare(env: dict[str, str]) -> None:
    for args in (["db", "upgrade"], ["campaign", "load", "examples/haiphong-2021"]):
        subprocess.run([*PARFLOW, *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def row(label: str, times: list[float], floor: float, target: float | None) -> str:
    median = statistics.median(times)
    goal = "" if target is None else f"target < {target:.1f} s: {'met' if median < target else 'NOT met'}"
    return f"{label:<32} {median:8.3f} {min(times):8.3f} {median / floor:11.2f}x  {goal}".rstrip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds of the start-up commands")
    parser.add_argument("--simulate-runs", type=int, default=3, help="runs of the demo-season simulate")
    args = parser.parse_args()

    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PARFLOW_")}
    times: dict[str, list[float]] = {label: [] for label, _, _ in START_UP}
    simulate_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="parflow-startup-") as data:
        env = {**base_env, "PARFLOW_DATA_DIR": data}
        prepare(env)
        for _label, command, _ in START_UP:  # warm the file cache and the bytecode once, untimed
            wall(command, env)
        for _ in range(args.runs):
            for label, command, _ in START_UP:
                times[label].append(wall(command, env))
        for _ in range(args.simulate_runs):
            simulate_times.append(wall([*PARFLOW, *SIMULATE], env))

    floor = statistics.median(times["bare Typer app --help"])
    print(f"python {sys.version.split()[0]}; {args.runs} rounds; wall time of fresh processes")
    print(f"{'':<32} {'median s':>8} {'min s':>8} {'/ Typer help':>12}")
    for label, _, target in START_UP:
        print(row(label, times[label], floor, target))
    if simulate_times:
        median = statistics.median(simulate_times)
        print()
        print(f"parflow {' '.join(SIMULATE)}")
        print(
            f"{'demo season, start-up included':<32} {median:8.3f} {min(simulate_times):8.3f} "
            f"{median / SIMULATE_TARGET:11.2f}x  of the {SIMULATE_TARGET:.0f} s target: "
            f"{'met' if median < SIMULATE_TARGET else 'NOT met'} ({len(simulate_times)} runs)"
        )


if __name__ == "__main__":
    main()
