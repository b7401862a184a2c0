"""One scheduler pass: queue every reminder and escalation due at a given instant.

The tick reads only what is due: submissions and campaigns whose indexed `next_due_at` has
arrived. Each batch is one transaction that writes the messages and moves `next_due_at` on, so a
crash loses nothing (the batch is redone) and repeats add nothing (message keys are unique in the
database). On PostgreSQL concurrent ticks split the due rows between them with
`FOR UPDATE SKIP LOCKED`; on SQLite write transactions queue (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import logging
import time as _time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.digest import enqueue_due_digests
from parflow.services.deadlines.plan import load_plans
from parflow.services.deadlines.reminders import MessageBatch, evaluate_campaign, evaluate_submission
from parflow.store.models import Agency, Campaign, Submission

log = logging.getLogger("parflow.tick")

BATCH_SIZE = 500


@dataclass
class TickReport:
    now: datetime
    submissions_examined: int = 0
    campaigns_examined: int = 0
    queued: Counter[str] = field(default_factory=Counter)
    digests: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(v for k, v in self.queued.items() if k != "late")

    @property
    def late(self) -> int:
        return self.queued.get("late", 0)

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.queued.items()) if k != "late") or "nothing"
        late = f" ({self.late} late)" if self.late else ""
        return (
            f"tick at {self.now.isoformat()}: queued {kinds}{late}; looked at "
            f"{self.submissions_examined} submissions and {self.campaigns_examined} campaigns "
            f"in {self.seconds * 1000:.0f} ms"
        )


def _due(query: Any, session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        # another scheduler may be working on some rows: take the others, leave those to it
        return query.with_for_update(skip_locked=True)
    return query


def _campaign_batch(
    session: Session, rt: Runtime, now: datetime, size: int, only: int | None = None
) -> tuple[int, dict[str, int]]:
    query = select(Campaign).where(col(Campaign.next_due_at) <= now)
    if only is not None:
        query = query.where(Campaign.id == only)
    query = query.order_by(col(Campaign.next_due_at), col(Campaign.id)).limit(size)
    campaigns = list(session.exec(_due(query, session)))
    if not campaigns:
        return 0, {}
    plans = load_plans(session, rt, campaigns, all_agencies=True)
    batch = MessageBatch()
    for campaign in campaigns:
        campaign.next_due_at = evaluate_campaign(session, plans[campaign.id or 0], now, batch)
        session.add(campaign)
    written = batch.write(session, now)
    session.flush()
    return len(campaigns), written


def _submission_batch(
    session: Session, rt: Runtime, now: datetime, size: int, only: int | None = None
) -> tuple[int, dict[str, int]]:
    query = select(Submission).where(col(Submission.next_due_at) <= now)
    if only is not None:
        query = query.where(Submission.campaign_id == only)
    query = query.order_by(col(Submission.next_due_at), col(Submission.id)).limit(size)
    submissions = list(session.exec(_due(query, session)))
    if not submissions:
        return 0, {}
    agencies = {
        a.id: a
        for a in session.exec(select(Agency).where(col(Agency.id).in_({s.agency_id for s in submissions})))
    }
    campaigns = session.exec(
        select(Campaign).where(col(Campaign.id).in_({s.campaign_id for s in submissions}))
    ).all()
    plans = load_plans(session, rt, campaigns, list(agencies))
    batch = MessageBatch()
    for submission in submissions:
        plan = plans[submission.campaign_id]
        submission.next_due_at = evaluate_submission(
            plan, submission, agencies[submission.agency_id], now, batch
        )
        session.add(submission)
    written = batch.write(session, now)
    session.flush()
    return len(submissions), written


def tick(
    rt: Runtime, now: datetime | None = None, *, batch_size: int = BATCH_SIZE, campaign_id: int | None = None
) -> TickReport:
    """Queue everything due at `now` (default: the runtime's clock). Safe to repeat and to run in
    several processes at once. `campaign_id` limits the pass to one campaign (the simulation of
    one province must not do the work of the 62 others)."""
    started = _time.perf_counter()
    now = now or rt.clock.now()
    report = TickReport(now)
    for step, counter in (
        (_campaign_batch, "campaigns_examined"),
        (_submission_batch, "submissions_examined"),
    ):
        while True:
            count, written = rt.db.run(lambda s, step=step: step(s, rt, now, batch_size, campaign_id))
            setattr(report, counter, getattr(report, counter) + count)
            report.queued.update(written)
            if count < batch_size:
                break
    report.digests = _digests(rt, now, campaign_id)
    report.seconds = _time.perf_counter() - started
    return report


def _digests(rt: Runtime, now: datetime, campaign_id: int | None = None) -> int:
    """Queue the daily digests that are due (their keys keep them to one a day per person)."""
    return rt.db.run(lambda s: enqueue_due_digests(s, rt, now, campaign_id))
