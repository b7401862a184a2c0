"""Two scheduler processes ticking the same PostgreSQL database at once: each message once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from parflow.store.models import Notification

from .conftest import local, outbox

INSTANTS = [
    local("2022-01-12 08:00"),  # 2-day reminders
    local("2022-01-13 08:00"),  # 1-day reminders
    local("2022-01-14 08:00"),  # on the day
    local("2022-01-17 08:00"),  # +1: agency heads
    local("2022-01-19 08:00"),  # +3: Home Affairs
]


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_two_processes_tick_concurrently(rt, campaign, tmp_path: Path) -> None:
    barrier = tmp_path / "go"
    worker = Path(__file__).with_name("tick_worker.py")
    args = [rt.settings.effective_database_url, str(tmp_path / "data"), str(barrier)]
    instants = [i.isoformat() for i in INSTANTS]
    procs = [
        subprocess.Popen(
            [sys.executable, str(worker), *args, str(n), *instants],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    barrier.touch()
    results = [p.communicate(timeout=120) for p in procs]
    for p, (_out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
    queued = [int(out.strip().splitlines()[-1]) for out, _err in results]
    everything: list[Notification] = outbox(rt) + outbox(rt, "daily_digest")
    keys = [r.key for r in everything]
    assert len(keys) == len(set(keys))
    rows = [r for r in everything if r.kind in ("reminder", "escalation")]
    # 35 agencies × (3 reminders to focal points + 1 escalation to heads + 2 to Home Affairs)
    assert len(rows) == 35 * 6
    assert sum(queued) == len(rows)  # what the two processes report adds up: nothing twice
    # the daily digests the ticks queued on the way (one per Home Affairs person and day) are single too
    digests = [r for r in everything if r.kind == "daily_digest"]
    assert len({(r.person_id, r.key) for r in digests}) == len(digests)
