"""The scheduler's jobs. Each is safe to re-run at any moment: the tick writes messages under
unique keys and moves `next_due_at` in the same transaction; delivery claims rows it sends."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from parflow.services.runtime import Runtime
from parflow.services.tick import TickReport, tick

log = logging.getLogger("parflow.scheduler")

Deliver = Callable[..., Awaitable[Any]]


def delivery_function() -> Deliver | None:
    """`parflow.notify.delivery.deliver_pending`, or None while that module is not installed."""
    try:
        module = importlib.import_module("parflow.notify.delivery")
    except ModuleNotFoundError as exc:
        if exc.name in ("parflow.notify", "parflow.notify.delivery"):
            return None
        raise
    return module.deliver_pending


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
    deliver = delivery_function()
    if deliver is None:
        return
    try:
        report = await deliver(rt)
        log.debug("delivery: %s", report)
    except Exception:
        log.exception("delivery failed; the next run retries it")
