"""Reminder and escalation rules, evaluated: which steps fall due when, and which to send now.

A milestone's rules come from the workflow YAML (`reminders`, `escalations`). For one *series* —
one milestone, one pending party, one due date (extensions give an agency its own date) — every
step has an instant: reminders at `at` o'clock local time N working days before the due date,
escalations N working days (or calendar days) after it. The tick asks which steps of a series lie
in the window since it last looked; this module answers, without any database:

- every escalation step in the window goes out once (each climbs to different people);
- of the reminder steps in the window only the latest goes out, and only while the deadline has
  not passed: after an outage nobody receives "5 days left", "2 days left" and "1 day left" at once;
- a step that goes out more than `LATE_AFTER` after its instant is marked late.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

from parflow.domain.calendar import WorkingCalendar
from parflow.domain.deadlines import open_milestones
from parflow.domain.workflow import MilestoneSpec, WorkflowDefinition

# A step that goes out this long after its instant is flagged `late` (the scheduler ticks every
# minute; an hour means it was down, not merely busy).
LATE_AFTER = timedelta(hours=1)

# Pending parties whose owed work belongs to one submission (its agency, or the staff handling it),
# and those that are people across the campaign. A rule without a party belongs to the campaign.
SUBMISSION_PARTIES = frozenset({"agency_in_draft", "results_unsent", "approval_pending"})
PERSON_PARTIES = frozenset({"council_unappraised", "dispute_owner"})

StepKind = Literal["reminder", "escalation"]


@dataclass(frozen=True)
class Rule:
    """One reminder rule or one escalation ladder of a milestone, for one pending party."""

    milestone: str
    kind: StepKind
    party: str | None
    to: tuple[str, ...]
    # reminder: working days before the due date; escalation: (after, calendar_days, to) per step
    offsets: tuple[int, ...]
    at: time

    @property
    def rule_id(self) -> str:
        """Stable name of the rule inside keys: 'r' or 'e', then the pending party."""
        return f"{self.kind[0]}-{self.party or 'campaign'}"


@dataclass(frozen=True)
class EscalationRung:
    after: int
    calendar_days: bool
    to: tuple[str, ...]
    at: time


@dataclass(frozen=True)
class Step:
    milestone: str
    kind: StepKind
    party: str | None
    rule_id: str
    due: date
    # reminder: working days before due; escalation: working (or calendar) days after due
    offset: int
    # escalation: 1-based position on the ladder; reminder: 0
    rung: int
    to: tuple[str, ...]
    day: date
    at: datetime

    @property
    def occurrence(self) -> str:
        """Identifies the step among all steps of its rule: due date and offset."""
        sign = "d" if self.kind == "reminder" else "e"
        return f"{self.due.isoformat()}:{sign}{self.offset}"


@dataclass(frozen=True)
class Selected:
    step: Step
    late: bool


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def party_scope(party: str | None) -> Literal["submission", "person", "campaign"]:
    if party in SUBMISSION_PARTIES:
        return "submission"
    if party in PERSON_PARTIES:
        return "person"
    return "campaign"


def milestone_rules(key: str, spec: MilestoneSpec) -> list[tuple[Rule, tuple[EscalationRung, ...]]]:
    """The milestone's reminder rules and escalation ladders, one per pending party."""
    out: list[tuple[Rule, tuple[EscalationRung, ...]]] = []
    for reminder in spec.reminders:
        party = reminder.pending or spec.pending
        days = tuple(sorted(set(reminder.days_before), reverse=True))
        out.append((Rule(key, "reminder", party, reminder.to, days, _clock(reminder.at)), ()))
    ladders: dict[str | None, list[EscalationRung]] = {}
    for esc in spec.escalations:
        party = esc.pending or spec.pending
        ladders.setdefault(party, []).append(
            EscalationRung(esc.after, esc.calendar_days, esc.to, _clock(esc.at))
        )
    for party, rungs in ladders.items():
        rungs.sort(key=lambda r: (r.after, r.calendar_days))
        to = tuple(dict.fromkeys(role for r in rungs for role in r.to))
        rule = Rule(key, "escalation", party, to, tuple(r.after for r in rungs), rungs[0].at)
        out.append((rule, tuple(rungs)))
    return out


@lru_cache(maxsize=32)  # definitions are immutable and hashed by identity
def workflow_rules(definition: WorkflowDefinition) -> tuple[tuple[Rule, tuple[EscalationRung, ...]], ...]:
    return tuple(r for key, spec in definition.milestones.items() for r in milestone_rules(key, spec))


def reminder_day(calendar: WorkingCalendar, due: date, days_before: int) -> date:
    """The working day `days_before` working days before `due` (0: the due day, or the working
    day before it when the due date is a day off)."""
    if days_before == 0:
        return calendar.previous_working_day(due)
    return calendar.add_working_days(due, -days_before)


def escalation_day(calendar: WorkingCalendar, due: date, rung: EscalationRung) -> date:
    if rung.calendar_days:
        return due + timedelta(days=rung.after)
    return calendar.add_working_days(due, rung.after)


def series_steps(
    rule: Rule, rungs: tuple[EscalationRung, ...], due: date, calendar: WorkingCalendar
) -> list[Step]:
    """Every step of one series, in time order. Two reminders landing on the same day (a due date
    on a day off) collapse into the later one."""
    steps: list[Step] = []
    if rule.kind == "reminder":
        by_day: dict[date, int] = {}
        for days in rule.offsets:
            by_day[reminder_day(calendar, due, days)] = days  # smaller `days` wins: sorted descending
        for day, days in by_day.items():
            steps.append(
                Step(
                    rule.milestone,
                    "reminder",
                    rule.party,
                    rule.rule_id,
                    due,
                    days,
                    0,
                    rule.to,
                    day,
                    calendar.at_local(day, rule.at),
                )
            )
    else:
        for position, rung in enumerate(rungs, start=1):
            day = escalation_day(calendar, due, rung)
            steps.append(
                Step(
                    rule.milestone,
                    "escalation",
                    rule.party,
                    rule.rule_id,
                    due,
                    rung.after,
                    position,
                    rung.to,
                    day,
                    calendar.at_local(day, rung.at),
                )
            )
    steps.sort(key=lambda s: s.at)
    return steps


def select_due(
    steps: Iterable[Step],
    calendar: WorkingCalendar,
    since: datetime | None,
    now: datetime,
    late_after: timedelta = LATE_AFTER,
) -> list[Selected]:
    """The steps of one series to send at `now`, having last looked just before `since`."""
    window = [s for s in steps if (since is None or s.at >= since) and s.at <= now]
    chosen: list[Step] = [s for s in window if s.kind == "escalation"]
    reminders = [s for s in window if s.kind == "reminder"]
    if reminders:
        latest = max(reminders, key=lambda s: s.at)
        if now <= calendar.end_of_day(latest.due):
            chosen.append(latest)
    return [Selected(s, now - s.at > late_after) for s in sorted(chosen, key=lambda s: s.at)]


def next_after(steps: Iterable[Step], after: datetime, *, inclusive: bool = False) -> datetime | None:
    """The instant of the first step after `after` (or at it, when inclusive); None when over."""
    if inclusive:
        return min((s.at for s in steps if s.at >= after), default=None)
    return min((s.at for s in steps if s.at > after), default=None)


# --- who is pending, for parties that depend on the submission alone ---------------------------


@dataclass(frozen=True)
class SubmissionView:
    state: str
    # milestones this submission has met (self-assessment sent, appraisal results sent, ...)
    answered: frozenset[str]
    excluded: bool = False


def submission_pending(
    definition: WorkflowDefinition, view: SubmissionView, party: str | None, milestone: str
) -> bool:
    """Whether the submission still owes `party`'s part of `milestone`."""
    if view.excluded or view.state in definition.final:
        return False
    is_open = milestone in open_milestones(definition, view.state, view.answered)
    if party == "agency_in_draft":
        return is_open and definition.in_phase(view.state, "self_assessment")
    if party == "results_unsent":
        return is_open and not definition.in_phase(view.state, "self_assessment")
    # approval_pending, and any party judged by the milestone alone
    return is_open


# --- publication at risk -------------------------------------------------------------------------


def remaining_working_days(
    definition: WorkflowDefinition, view: SubmissionView, dispute_window_days: int
) -> int:
    """The least number of working days this submission's remaining steps still need: the sum of
    `min_working_days` of every milestone still open, plus the dispute window while the appraisal
    results are still to come."""
    remaining = open_milestones(definition, view.state, view.answered)
    days = sum(definition.milestones[key].min_working_days for key in remaining)
    if "appraisal_due" in remaining:
        days += dispute_window_days
    return days
