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
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.digest import enqueue_due_digests
from parflow.services.deadlines.plan import load_plans
from parflow.services.deadlines.reminders import MessageBatch, evaluate_campaign, evaluate_submission
from parflow.services.deadlines.season import seasons_over
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
    held: int = 0  # of the queued, those waiting for a digest rather than sent on their own
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(v for k, v in self.queued.items() if k != "late")

    @property
    def late(self) -> int:
        return self.queued.get("late", 0)

    def describe(self, zone: str) -> str:
        """One sentence for `parflow tick`, the instant in local time (dd/mm/yyyy)."""
        local = self.now.astimezone(ZoneInfo(zone))
        late = f" ({self.late} late)" if self.late else ""
        held = f" ({self.held} of them for the digests)" if self.held else ""
        return (
            f"Tick at {local:%d/%m/%Y %H:%M} ({zone}): {_count(self.submissions_examined, 'submission')} and "
            f"{_count(self.campaigns_examined, 'campaign')} looked at, "
            f"{_count(self.queued.get('reminder', 0), 'reminder')} and "
            f"{_count(self.queued.get('escalation', 0), 'escalation')} queued{late}{held}, "
            f"{_count(self.digests, 'digest')}"
        )

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.queued.items()) if k != "late") or "nothing"
        late = f" ({self.late} late)" if self.late else ""
        return (
            f"tick at {self.now.isoformat()}: queued {kinds}{late}; looked at "
            f"{self.submissions_examined} submissions and {self.campaigns_examined} campaigns "
            f"in {self.seconds * 1000:.0f} ms"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# The due-row queries run twice a tick (and a simulated season ticks a hundred times): built once
# per shape with bind parameters, a tick pays for running them, not for building them.
@cache
def _due_query(model: type[Campaign] | type[Submission], one_campaign: bool, size: int, locking: bool) -> Any:
    query = select(model).where(col(model.next_due_at) <= bindparam("now"))
    if one_campaign:
        owner = Campaign.id if model is Campaign else Submission.campaign_id
        query = query.where(owner == bindparam("only"))
    query = query.order_by(col(model.next_due_at), col(model.id)).limit(size)
    # another scheduler may be working on some rows: take the others, leave those to it
    return query.with_for_update(skip_locked=True) if locking else query


def _due_rows(session: Session, model: Any, now: datetime, size: int, only: int | None) -> list[Any]:
    locking = session.get_bind().dialect.name == "postgresql"
    params: dict[str, Any] = {"now": now} if only is None else {"now": now, "only": only}
    return list(session.exec(_due_query(model, only is not None, size, locking), params=params))


def _campaign_batch(
    session: Session, rt: Runtime, now: datetime, size: int, only: int | None = None
) -> tuple[int, dict[str, int]]:
    campaigns = _due_rows(session, Campaign, now, size, only)
    return len(campaigns), _evaluate_campaigns(session, rt, campaigns, now, from_start=False)


def _evaluate_campaigns(
    session: Session, rt: Runtime, campaigns: list[Campaign], now: datetime, *, from_start: bool
) -> dict[str, int]:
    if not campaigns:
        return {}
    plans = load_plans(session, rt, campaigns, all_agencies=True)
    batch = MessageBatch()
    for campaign in campaigns:
        nxt = evaluate_campaign(session, plans[campaign.id or 0], now, batch, from_start=from_start)
        if not from_start:
            campaign.next_due_at = nxt
            session.add(campaign)
    written = batch.write(session, now)
    session.flush()
    return written


def _submission_batch(
    session: Session, rt: Runtime, now: datetime, size: int, only: int | None = None
) -> tuple[int, dict[str, int]]:
    submissions = _due_rows(session, Submission, now, size, only)
    return len(submissions), _evaluate_submissions(session, rt, submissions, now, from_start=False)


def _evaluate_submissions(
    session: Session, rt: Runtime, submissions: list[Submission], now: datetime, *, from_start: bool
) -> dict[str, int]:
    if not submissions:
        return {}
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
        nxt = evaluate_submission(
            plan, submission, agencies[submission.agency_id], now, batch, from_start=from_start
        )
        if not from_start:
            submission.next_due_at = nxt
            session.add(submission)
    written = batch.write(session, now)
    session.flush()
    return written


def _not_due(model: type[Campaign] | type[Submission], now: datetime) -> Any:
    """Rows a normal tick at `now` skips: planned for later, or with nothing left to plan."""
    return col(model.next_due_at).is_(None) | (col(model.next_due_at) > now)


def _replay_campaigns(
    session: Session, rt: Runtime, now: datetime, size: int, only: int | None, after: int
) -> tuple[int, dict[str, int], int]:
    query = select(Campaign).where(_not_due(Campaign, now), col(Campaign.id) > after)
    if only is not None:
        query = query.where(Campaign.id == only)
    campaigns = list(session.exec(query.order_by(col(Campaign.id)).limit(size)))
    last = campaigns[-1].id or after if campaigns else after
    return len(campaigns), _evaluate_campaigns(session, rt, campaigns, now, from_start=True), last


def _replay_submissions(
    session: Session, rt: Runtime, now: datetime, size: int, only: int | None, after: int
) -> tuple[int, dict[str, int], int]:
    query = select(Submission).where(_not_due(Submission, now), col(Submission.id) > after)
    if only is not None:
        query = query.where(Submission.campaign_id == only)
    submissions = list(session.exec(query.order_by(col(Submission.id)).limit(size)))
    last = submissions[-1].id or after if submissions else after
    return len(submissions), _evaluate_submissions(session, rt, submissions, now, from_start=True), last


def tick(
    rt: Runtime,
    now: datetime | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    campaign_id: int | None = None,
    replay: bool = False,
) -> TickReport:
    """Queue everything due at `now` (default: the runtime's clock). Safe to repeat and to run in
    several processes at once. `campaign_id` limits the pass to one campaign (the simulation of
    one province must not do the work of the 62 others).

    `replay` is for a tick at an instant earlier than the one deadlines were planned at (`parflow
    tick --now` in the past): `next_due_at` was then computed from that later instant and hides
    what was due at `now`. Every submission and campaign a normal pass would skip is evaluated
    from the start of its deadlines up to `now`, as it stands today; message keys drop what was
    queued before, and their `next_due_at` is left alone (it is the live scheduler's plan). The
    scheduler never replays: its cost stays that of the due rows.
    """
    started = _time.perf_counter()
    now = now or rt.clock.now()
    report = TickReport(now)
    if replay:
        # before the normal pass, which moves the due rows' next_due_at past `now`
        _replay(rt, now, batch_size, campaign_id, report)
    for step, counter in (
        (_campaign_batch, "campaigns_examined"),
        (_submission_batch, "submissions_examined"),
    ):
        while True:
            count, written = rt.db.run(lambda s, step=step: step(s, rt, now, batch_size, campaign_id))
            setattr(report, counter, getattr(report, counter) + count)
            report.held += written.pop("held", 0)
            report.queued.update(written)
            if count < batch_size:
                break
    report.digests = _digests(rt, now, campaign_id)
    report.seconds = _time.perf_counter() - started
    return report


def _replay(rt: Runtime, now: datetime, size: int, only: int | None, report: TickReport) -> None:
    for step, counter in (
        (_replay_campaigns, "campaigns_examined"),
        (_replay_submissions, "submissions_examined"),
    ):
        after = 0
        while True:
            count, written, after = rt.db.run(
                lambda s, step=step, after=after: step(s, rt, now, size, only, after)
            )
            setattr(report, counter, getattr(report, counter) + count)
            report.held += written.pop("held", 0)
            report.queued.update(written)
            if count < size:
                break


def _digests(rt: Runtime, now: datetime, campaign_id: int | None = None) -> int:
    """Queue the daily digests that are due (their keys keep them to one a day per person), except
    for past seasons (`domain.season`). Usually there is none and this is one pass over every
    campaign; otherwise one pass per running campaign."""

    def run(session: Session) -> int:
        over = seasons_over(session, now.astimezone(ZoneInfo(rt.settings.timezone)).date())
        if campaign_id is not None:
            return 0 if campaign_id in over else enqueue_due_digests(session, rt, now, campaign_id)
        if not over:
            return enqueue_due_digests(session, rt, now)
        running = session.exec(
            select(Campaign.id).where(col(Campaign.published_at).is_(None), col(Campaign.id).not_in(over))
        ).all()
        return sum(enqueue_due_digests(session, rt, now, cid) for cid in running)

    return rt.db.run(run)
