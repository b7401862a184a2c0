"""Run `deliver_pending` in a process that dies right after the first SMTP send is accepted.

Used by the crash test: `python crashing_deliverer.py '<json settings>' '<iso instant>'`. The
process ends with os._exit (no cleanup, no rollback from Python: like a power cut or kill -9)
at the moment the first outcome is about to be recorded, i.e. after the server accepted the
message and before the row says `sent`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime

from parflow.clock import FixedClock
from parflow.notify import delivery, recorder
from parflow.services.common.runtime import Runtime
from parflow.settings import Settings
from parflow.store.db import Database

CRASH_EXIT = 3


def main() -> None:
    settings = Settings(**json.loads(sys.argv[1]), _env_file=None)  # type: ignore[call-arg]
    clock = FixedClock(datetime.fromisoformat(sys.argv[2]))
    rt = Runtime(settings=settings, db=Database(settings.effective_database_url), clock=clock)

    def crash(*_args: object, **_kwargs: object) -> None:
        os._exit(CRASH_EXIT)

    recorder.record_outcomes = crash  # type: ignore[assignment]
    asyncio.run(delivery.deliver_pending(rt))
    sys.exit(0)  # not reached when there was anything to send


if __name__ == "__main__":
    main()
