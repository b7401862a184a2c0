"""Run by the concurrency test in a separate OS process: the scheduler's tick job, over and over.

argv: database URL, settings data dir, barrier prefix, worker number (0 or 1), then ISO instants.
Both workers tick each instant three times, then wait for each other before the next instant, as
two schedulers reading the same wall clock would: neither runs ahead into the other's future.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from parflow.clock import FixedClock
from parflow.scheduler.jobs import tick_once
from parflow.services.common.runtime import Runtime
from parflow.settings import Settings
from parflow.store.db import Database


def main() -> None:
    url, data_dir, barrier, me, *instants = sys.argv[1:]
    other = "1" if me == "0" else "0"
    settings = Settings(data_dir=Path(data_dir), database_url=url, secret_key="x" * 40, _env_file=None)  # type: ignore[call-arg]
    clock = FixedClock(datetime.fromisoformat(instants[0]))
    rt = Runtime(settings=settings, db=Database(url), clock=clock)
    wait_for(Path(barrier))  # start together with the other process
    total = 0
    for i, text in enumerate(instants):
        for _ in range(3):
            clock.set(datetime.fromisoformat(text))
            total += tick_once(rt).total
        Path(f"{barrier}.{me}.{i}").touch()
        wait_for(Path(f"{barrier}.{other}.{i}"))
    print(total)


def wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {path}")
        time.sleep(0.005)


if __name__ == "__main__":
    main()
