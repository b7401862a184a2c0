"""`parflow tick --now` exactly as docs/deadlines.md and the README show it, on a fresh database.

The campaign is loaded on the wall clock (years after the 2021 season), so its deadlines are
planned from today; a tick at an instant of the season must still see what was due then.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from parflow.settings import PROJECT_ROOT

PARFLOW = [sys.executable, "-m", "parflow.cli"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PARFLOW, *args], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=180
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # only what the docs ask for: no test clock, the default SQLite database in the data directory
    plain = {k: v for k, v in os.environ.items() if not k.startswith("PARFLOW_")}
    return {**plain, "PARFLOW_DATA_DIR": str(tmp_path / "data"), "PARFLOW_SECRET_KEY": "x" * 40}


def queued(data_dir: Path) -> Counter[str]:
    with sqlite3.connect(data_dir / "parflow.db") as db:
        return Counter(kind for (kind,) in db.execute("SELECT kind FROM notification"))


def test_the_documented_tick_queues_what_was_due_then(env: dict[str, str]) -> None:
    assert run(["db", "upgrade"], env).returncode == 0
    loaded = run(["campaign", "load", "examples/haiphong-2021"], env)
    assert loaded.returncode == 0, loaded.stderr
    # a first load lists twenty of its changes and says how many more there are
    lines = loaded.stdout.splitlines()
    assert lines[0] == "campaign haiphong-2021: created" and len(lines) == 22
    assert lines[-1] == "  and 15 more"  # 35 agencies added
    data_dir = Path(env["PARFLOW_DATA_DIR"])
    before = queued(data_dir)

    first = run(["tick", "--now", "2022-01-17T08:00", "--no-send"], env)
    assert first.returncode == 0, first.stderr
    # Monday 17/01/2022 08:00: nobody sent the self-assessment due Friday 14/01; the first
    # escalation step (+1 working day) goes to each of the 35 agency heads, and both Home Affairs
    # officers and the city leader get their daily digest (35 overdue)
    assert queued(data_dir) - before == Counter({"escalation": 35, "daily_digest": 3})
    assert first.stdout.strip() == (
        "Tick at 17/01/2022 08:00 (Asia/Ho_Chi_Minh): 35 submissions and 1 campaign looked at, "
        "0 reminders and 35 escalations queued, 3 digests; not delivered (--no-send)"
    )

    again = run(["tick", "--now", "2022-01-17T08:00", "--no-send"], env)
    assert again.returncode == 0 and "0 reminders and 0 escalations queued, 0 digests" in again.stdout
    assert queued(data_dir) - before == Counter({"escalation": 35, "daily_digest": 3})

    # Wednesday 19/01 08:00: the second step (+3 working days) goes to Home Affairs, one row per
    # officer per agency, held for their next digest rather than sent one by one
    later = run(["tick", "--now", "2022-01-19T08:00", "--no-send"], env)
    assert later.returncode == 0, later.stderr
    assert queued(data_dir)["escalation"] == 35 + 2 * 35
    assert "70 escalations queued (70 of them for the digests)" in later.stdout
