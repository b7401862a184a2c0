"""The scheduler's jobs. Each is safe to re-run at any moment: the tick writes messages under
unique keys and moves `next_due_at` in the same transaction; delivery claims rows it sends."""

from __future__ import annotations

import asyncio
import logging

from parflow.notify.delivery import deliver_pending
from parflow.services.runtime import Runtime
from parflow.services.tick import TickReport, tick

log = logging.getLogger("parflow.scheduler")


def tick_once(rt: Runtime) -> TickReport:
    report = tick(rt)
    if report.total or report.digests:
        log.info(report.summary())
    return report


async def tick_job(rt: Runtime) -> None:
    # the tick is synchronous database work: keep it off the event loop
    try:
        await asyncio.to_thread(tick_once, rt)
    except Exception:
        log.exception("tick failed; the next run retries it")


async def delivery_job(rt: Runtime) -> None:
    try:
        report = await deliver_pending(rt)
        log.debug("delivery: %s", report)
    except Exception:
        log.exception("delivery failed; the next run retries it")
