"""The scheduler's jobs. Each is safe to re-run at any moment: the tick writes messages under
unique keys and moves `next_due_at` in the same transaction; delivery claims rows it sends.

Each run is counted in the process's metrics and summed up in one log line with fields (JSON when
PARFLOW_LOG_FORMAT=json) whenever it did something.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from parflow.notify.delivery import DeliveryReport, deliver_pending
from parflow.observability import metrics
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.tick import TickReport, tick
from parflow.services.evidence.sweep import sweep

log = logging.getLogger("parflow.scheduler")


@dataclass
class Lifecycle:
    """Lets a stopping scheduler finish what it is doing: a delivery run stops taking messages,
    the one on the wire is recorded, and the rest go back to the queue for another scheduler
    (instead of being cancelled mid-send, which could send one twice after its lease ran out)."""

    stopping: bool = False
    running: set[asyncio.Task[None]] = field(default_factory=set)

    async def wind_down(self, grace: float) -> None:
        self.stopping = True
        pending = {t for t in self.running if not t.done()}
        if pending:
            await asyncio.wait(pending, timeout=grace)

    def track(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.running.add(task)  # type: ignore[arg-type]
            task.add_done_callback(self.running.discard)


def tick_once(rt: Runtime) -> TickReport:
    started = time.perf_counter()
    try:
        report = tick(rt)
    except Exception:
        metrics.TICKS.labels("error").inc()
        metrics.TICK_SECONDS.observe(time.perf_counter() - started)
        raise
    metrics.TICKS.labels("ok").inc()
    metrics.TICK_SECONDS.observe(report.seconds)
    for kind, count in report.queued.items():
        if kind != "late":
            metrics.TICK_QUEUED.labels(kind).inc(count)
    if report.digests:
        metrics.TICK_QUEUED.labels("daily_digest").inc(report.digests)
    if report.total or report.digests:
        log.info(
            report.summary(),
            extra={
                "fields": {
                    "event": "tick",
                    "clock": report.now.isoformat(),
                    "queued": report.total,
                    "late": report.late,
                    "digests": report.digests,
                    "submissions_examined": report.submissions_examined,
                    "duration_ms": round(report.seconds * 1000, 1),
                }
            },
        )
    return report


async def tick_job(rt: Runtime, lifecycle: Lifecycle | None = None) -> None:
    if lifecycle is not None:
        lifecycle.track()
    # the tick is synchronous database work: keep it off the event loop
    try:
        await asyncio.to_thread(tick_once, rt)
    except Exception:
        log.exception("tick failed; the next run retries it")


def record_delivery(report: DeliveryReport) -> None:
    metrics.DELIVERY_RUNS.labels("ok").inc()
    for outcome, count in (
        ("sent", report.sent),
        ("retry", report.retrying),
        ("dead", report.dead),
        ("recovered", report.recovered),
    ):
        if count:
            metrics.DELIVERIES.labels(outcome).inc(count)
    if report.claimed or report.recovered:
        log.info(
            report.summary(),
            extra={
                "fields": {
                    "event": "delivery",
                    "claimed": report.claimed,
                    "sent": report.sent,
                    "retry": report.retrying,
                    "dead": report.dead,
                    "returned": report.returned,
                    "recovered": report.recovered,
                    "connections": report.connections,
                    "duration_ms": round(report.seconds * 1000, 1),
                }
            },
        )


async def delivery_job(rt: Runtime, lifecycle: Lifecycle | None = None) -> None:
    if lifecycle is not None:
        lifecycle.track()
    stopping = (lambda: lifecycle.stopping) if lifecycle is not None else None
    try:
        record_delivery(await deliver_pending(rt, stopping=stopping))
    except Exception:
        metrics.DELIVERY_RUNS.labels("error").inc()
        log.exception("delivery failed; the next run retries it")


async def sweep_job(rt: Runtime) -> None:
    """Hourly: delete evidence files no row refers to any more (services/evidence/sweep.py)."""
    try:
        report = await asyncio.to_thread(sweep, rt)
    except Exception:
        log.exception("evidence sweep failed; the next run retries it")
        return
    if report.removed or report.leftovers:
        log.info(
            "evidence files swept",
            extra={
                "fields": {
                    "removed": report.removed,
                    "freed_bytes": report.freed_bytes,
                    "leftovers": report.leftovers,
                }
            },
        )
