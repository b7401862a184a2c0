"""Prometheus metrics: per-process counters and histograms, plus outbox figures read from the
database at scrape time.

Several processes serve one installation (API workers, schedulers), so each figure has one
source of truth that holds across them:
- the outbox backlog is whatever the database says when Prometheus asks (`OutboxCollector`), so
  any worker answers the same;
- request, event, tick and delivery counters live in the process that counts them. `parflow
  serve` runs prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, one file per
  worker), so whichever worker answers `/metrics` sums every worker's counts; a scheduler is its
  own process and answers on its own port (`parflow scheduler --metrics-port`).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, func, select

from parflow.store.models import Notification

log = logging.getLogger("parflow.metrics")

DATABASE_UP = "1 when the outbox figures below could be read from the database, 0 when not"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "dead", "cancelled", "held", "digested")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "parflow_http_requests", "HTTP requests answered, by route template", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "parflow_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_FIRED = Counter("parflow_workflow_events", "Workflow events fired and committed", ["trigger"])
TICKS = Counter("parflow_ticks", "Scheduler ticks run", ["outcome"])
TICK_SECONDS = Histogram(
    "parflow_tick_duration_seconds", "Time one scheduler tick took", buckets=LATENCY_BUCKETS
)
TICK_QUEUED = Counter("parflow_tick_messages", "Messages the ticks queued", ["kind"])
DELIVERY_RUNS = Counter("parflow_delivery_runs", "Outbox delivery runs", ["outcome"])
DELIVERIES = Counter(
    "parflow_deliveries",
    "Outbox messages handled by delivery: sent, retry (failed for now), dead, recovered",
    ["outcome"],
)


_FIRED = "parflow.events_fired"  # triggers fired in a transaction, in Session.info


def count_event_on_commit(session: Session, trigger: str) -> None:
    """Count a fired event once its transaction commits (a rolled-back one never happened)."""
    session.info.setdefault(_FIRED, []).append(trigger)


# One listener for every session, registered once: listening on each session anew cost more
# than the rest of the counting.
@event.listens_for(OrmSession, "after_commit")
def _count_committed(session: OrmSession) -> None:
    for trigger in session.info.pop(_FIRED, ()):
        EVENTS_FIRED.labels(trigger).inc()


@event.listens_for(OrmSession, "after_rollback")
def _forget_rolled_back(session: OrmSession) -> None:
    session.info.pop(_FIRED, None)


class OutboxCollector(Collector):
    """Messages in the outbox by status, and how long the oldest due one has waited, as the
    database has them now."""

    def __init__(self, read: Callable[[], Session], now: Callable[[], datetime]) -> None:
        self._read = read
        self._now = now

    def collect(self) -> Iterator[Metric]:
        now = self._now()
        try:
            counts, oldest = self._read_figures(now)
        except SQLAlchemyError as exc:
            # the rest of the scrape is still worth having; say that this part is missing
            log.warning("metrics: cannot read the outbox (%s)", exc.__class__.__name__)
            yield GaugeMetricFamily("parflow_database_up", DATABASE_UP, value=0)
            return
        yield GaugeMetricFamily("parflow_database_up", DATABASE_UP, value=1)
        backlog = GaugeMetricFamily(
            "parflow_outbox_messages",
            "Outbox messages by delivery status (from the database)",
            labels=["status"],
        )
        for status in sorted(set(OUTBOX_STATUSES) | set(counts)):
            backlog.add_metric([status], counts.get(status, 0))
        yield backlog
        waited = 0.0
        if oldest is not None:
            if oldest.tzinfo is None:  # SQLite hands instants back without their zone (they are UTC)
                oldest = oldest.replace(tzinfo=now.tzinfo)
            waited = max(0.0, (now - oldest).total_seconds())
        yield GaugeMetricFamily(
            "parflow_outbox_oldest_due_seconds",
            "How long the oldest message due for delivery has been waiting (0: none waiting)",
            value=waited,
        )

    def _read_figures(self, now: datetime) -> tuple[dict[str, int], datetime | None]:
        with self._read() as session:
            counts = dict(
                session.exec(select(Notification.status, func.count()).group_by(Notification.status)).all()  # type: ignore[call-overload]
            )
            oldest = session.exec(
                select(func.min(Notification.next_attempt_at)).where(
                    col(Notification.status).in_(("pending", "failed")),
                    col(Notification.next_attempt_at) <= now,
                )
            ).one()
        return counts, oldest


def exposition(outbox: OutboxCollector | None = None, *, multiprocess: bool | None = None) -> bytes:
    """The text Prometheus reads: this process's (or every worker's) metrics, then the outbox."""
    if multiprocess is None:
        multiprocess = bool(os.environ.get(MULTIPROC_ENV))
    if multiprocess:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    if outbox is not None:
        extra = CollectorRegistry(auto_describe=False)
        extra.register(outbox)
        text += generate_latest(extra)
    return text


def allowed(authorization: str | None, client_host: str | None, token: str | None) -> bool:
    """With a token set, only `Authorization: Bearer <token>`; without one, only loopback callers."""
    if token:
        scheme, _, given = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(given.strip().encode(), token.encode())
    try:
        return ipaddress.ip_address(client_host or "").is_loopback
    except ValueError:
        return False
