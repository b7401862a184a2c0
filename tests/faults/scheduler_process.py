"""The real scheduler loop (APScheduler: tick + outbox delivery, `parflow.scheduler.runner.serve`)
in a process of its own, for the kill -9 test:

    python scheduler_process.py '<json settings>' '<iso instant>'

The process lives on an `OffsetClock` that starts at the given instant and runs in real time:
the test restarts it "later" (past the claim lease of the killed run) without waiting ten
minutes. Everything else is what `parflow scheduler` runs; SIGTERM stops it cleanly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import datetime

from parflow.clock import OffsetClock
from parflow.scheduler.runner import serve
from parflow.services.common.runtime import Runtime
from parflow.settings import Settings
from parflow.store.db import Database


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    settings = Settings(**json.loads(sys.argv[1]), _env_file=None)  # type: ignore[call-arg]
    clock = OffsetClock(datetime.fromisoformat(sys.argv[2]))
    rt = Runtime(settings=settings, db=Database(settings.effective_database_url), clock=clock)
    print("ready", flush=True)
    asyncio.run(serve(rt, interval_seconds=1))


if __name__ == "__main__":
    main()
