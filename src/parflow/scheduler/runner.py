"""`parflow scheduler`: an AsyncIOScheduler ticking every PARFLOW_TICK_INTERVAL_SECONDS and
delivering the outbox, until SIGTERM or SIGINT.

Never start this inside web workers (each worker would run every job): it is its own process, or
the demo's background thread. Correctness does not depend on there being only one: messages are
unique by key in the database and due rows are claimed with SKIP LOCKED on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from parflow.scheduler.jobs import Lifecycle, delivery_job, sweep_job, tick_job
from parflow.services.common.runtime import Runtime

log = logging.getLogger("parflow.scheduler")

# on SIGTERM, running jobs get this long to finish (a delivery run stops after the message it is
# sending); within the usual 90 s a service manager waits before killing
STOP_GRACE_SECONDS = 30.0
TICK_JOB = "parflow-tick"
DELIVERY_JOB = "parflow-deliver"
SWEEP_JOB = "parflow-evidence-sweep"
SWEEP_SECONDS = 3600  # unreferenced evidence files (services/evidence/sweep.py)


def build_scheduler(
    rt: Runtime, interval_seconds: int | None = None, lifecycle: Lifecycle | None = None
) -> AsyncIOScheduler:
    interval = max(1, interval_seconds or rt.settings.tick_interval_seconds)
    scheduler = AsyncIOScheduler(timezone=UTC)
    # APScheduler plans runs on the machine's clock; the jobs themselves read rt.clock
    first = datetime.now(UTC)
    common = {"replace_existing": True, "max_instances": 1, "coalesce": True, "misfire_grace_time": interval}
    scheduler.add_job(
        tick_job,
        "interval",
        seconds=interval,
        id=TICK_JOB,
        args=[rt, lifecycle],
        next_run_time=first,
        **common,
    )
    scheduler.add_job(
        delivery_job,
        "interval",
        seconds=max(1, interval // 2),
        id=DELIVERY_JOB,
        args=[rt, lifecycle],
        next_run_time=first,
        **common,
    )
    scheduler.add_job(
        sweep_job,
        "interval",
        seconds=SWEEP_SECONDS,
        id=SWEEP_JOB,
        args=[rt],
        next_run_time=first + timedelta(seconds=300),
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
    return scheduler


async def serve(
    rt: Runtime,
    stop: asyncio.Event | None = None,
    *,
    interval_seconds: int | None = None,
    handle_signals: bool = True,
) -> None:
    """Run the scheduler until `stop` is set (or SIGTERM/SIGINT arrives)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    if handle_signals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    lifecycle = Lifecycle()
    scheduler = build_scheduler(rt, interval_seconds, lifecycle)
    scheduler.start()
    log.info("scheduler started: tick every %s s", interval_seconds or rt.settings.tick_interval_seconds)
    try:
        await stop.wait()
    finally:
        # no new runs; running ones finish (delivery: the message on the wire, then stop), then
        # whatever still runs is cancelled, which is safe: every job may be re-run
        scheduler.pause()
        await lifecycle.wind_down(STOP_GRACE_SECONDS)
        scheduler.shutdown(wait=False)
        log.info("scheduler stopped")


class BackgroundScheduler:
    """The scheduler on its own event loop in a daemon thread: `parflow demo` runs it in-process."""

    def __init__(self, rt: Runtime, interval_seconds: int | None = None) -> None:
        self.rt = rt
        self.interval_seconds = interval_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="parflow-scheduler", daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await serve(self.rt, self._stop, interval_seconds=self.interval_seconds, handle_signals=False)

        asyncio.run(main())

    def start(self) -> BackgroundScheduler:
        self._thread.start()
        self._ready.wait(timeout=10)
        return self

    def stop(self, timeout: float = 30) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
