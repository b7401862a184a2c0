"""Which milestone a submission is working towards, and how far away it is."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from parflow.domain.calendar import WorkingCalendar
from parflow.domain.workflow import WorkflowDefinition


@dataclass(frozen=True)
class Deadline:
    milestone: str
    due: date
    working_days_left: int
    overdue: bool


@lru_cache(maxsize=256)
def _reachable(definition: WorkflowDefinition, state: str) -> frozenset[str]:
    seen = {state}
    queue = deque([state])
    while queue:
        for t in definition.from_state(queue.popleft()):
            if t.dest not in seen:
                seen.add(t.dest)
                queue.append(t.dest)
    return frozenset(seen)


def open_milestones(
    definition: WorkflowDefinition, state: str, answered: set[str] | frozenset[str]
) -> list[str]:
    """Milestones, in the workflow's order, that are neither answered nor out of reach."""
    reachable = _reachable(definition, state)
    return [
        key
        for key in definition.milestones
        if key not in answered and any(t.source in reachable for t in definition.answering(key))
    ]


def next_milestone(definition: WorkflowDefinition, state: str, answered: set[str]) -> str | None:
    """The first milestone, in the workflow's order, that is neither answered nor out of reach.

    `answered` holds milestones the submission has already met (e.g. results already sent while
    it stays under appraisal). A milestone is out of reach when no transition answering it can
    still fire from the current state.
    """
    remaining = open_milestones(definition, state, answered)
    return remaining[0] if remaining else None


def deadline_for(
    milestone: str | None, dates: dict[str, date], calendar: WorkingCalendar, now: datetime
) -> Deadline | None:
    if milestone is None or milestone not in dates:
        return None
    due = dates[milestone]
    today = calendar.local_date(now)
    return Deadline(milestone, due, calendar.working_days_between(today, due), today > due)


def working_days_late(calendar: WorkingCalendar, due: date, sent_at: datetime) -> int:
    """Working days after `due` on which something was sent: 0 when sent by the end of the due
    day. Sent on a weekend or holiday after the due date, it counts as received on the next
    working day (so a Saturday sending after a Friday deadline is 1 working day late, never 0)."""
    sent = calendar.local_date(sent_at)
    if sent <= due:
        return 0
    if not calendar.is_working_day(sent):
        sent = calendar.next_working_day(sent)
    return max(1, calendar.working_days_between(due, sent))
