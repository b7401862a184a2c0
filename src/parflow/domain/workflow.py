"""Workflow definitions: read from YAML, validated, then immutable.

A definition is data only. Guard and pending-party names refer to entries of explicit registries
(see `guards.py`); an unknown name is a load-time error, never a dotted import.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from parflow.domain.roles import ALL_ROLES
from parflow.yamlsource import Problem, SourceDoc, SourceError, load_yaml, validate

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
WorkflowName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]

# Phases tell the scoring rules which states allow which kind of edit, so a variant workflow
# (say, with a `returned_for_revision` state) keeps scores editable where it should.
PHASES = {
    "self_assessment": "states in which the agency may edit self-scores and evidence",
    "appraisal": "states in which council members may enter appraised scores",
}


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


class Label(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


class NotifySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Name
    to: Annotated[tuple[Name, ...], BeforeValidator(_as_list)] = Field(min_length=1)


class TransitionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    trigger: Name
    source: Annotated[tuple[Name, ...], BeforeValidator(_as_list)] = Field(min_length=1)
    dest: Name
    roles: Annotated[tuple[Name, ...], BeforeValidator(_as_list)] = Field(min_length=1)
    guards: tuple[Name, ...] = ()
    milestone: Name | None = None
    label: Label
    confirm: Label | None = None
    notify: tuple[NotifySpec, ...] = ()


ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class ReminderSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # working days before the due date; 0 means on the due day itself
    days_before: tuple[Annotated[int, Field(ge=0, le=60)], ...] = (5, 2, 1, 0)
    to: Annotated[tuple[Name, ...], BeforeValidator(_as_list)] = Field(min_length=1)
    # local time of day at which a reminder of that day goes out
    at: ClockTime = "08:00"
    # who is reminded, when not the milestone's own pending party (e.g. dispute owners)
    pending: Name | None = None


class EscalationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    after: Annotated[int, Field(ge=1, le=120)]
    to: Annotated[tuple[Name, ...], BeforeValidator(_as_list)] = Field(min_length=1)
    calendar_days: bool = False
    # local time of day at which the step goes out
    at: ClockTime = "08:00"
    # whose miss is escalated, when not the milestone's own pending party
    pending: Name | None = None


def _as_rule_list(value: object) -> object:
    return [value] if isinstance(value, dict) else value


class MilestoneSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: Label
    # who still owes work for this milestone: a name from the pending-party registry
    pending: Name | None = None
    # one reminder rule, or several (each may name its own pending party)
    reminders: Annotated[tuple[ReminderSpec, ...], BeforeValidator(_as_rule_list)] = ()
    escalations: tuple[EscalationSpec, ...] = ()
    # the least number of working days the step ending at this milestone needs, counted from the
    # milestone before it: `parflow status` flags agencies that can no longer make publication
    min_working_days: Annotated[int, Field(ge=0, le=250)] = 0


class WorkflowSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: WorkflowName
    title: Label
    initial: Name | None = None
    states: dict[Name, Label] = Field(min_length=1)
    final: Annotated[tuple[Name, ...], BeforeValidator(_as_list)] = ()
    milestones: dict[Name, MilestoneSpec] = {}
    phases: dict[Name, Annotated[tuple[Name, ...], BeforeValidator(_as_list)]] = {}
    transitions: tuple[TransitionSpec, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Transition:
    trigger: str
    source: str
    dest: str
    roles: tuple[str, ...]
    guards: tuple[str, ...]
    milestone: str | None
    label: Label
    confirm: Label | None
    notify: tuple[NotifySpec, ...]


@dataclass(frozen=True, eq=False)  # identity hash: definitions are loaded once
class WorkflowDefinition:
    name: str
    title: Label
    initial: str
    states: dict[str, Label]
    final: tuple[str, ...]
    milestones: dict[str, MilestoneSpec]
    phases: dict[str, tuple[str, ...]]
    transitions: tuple[Transition, ...]
    source: str

    def in_phase(self, state: str, phase: str) -> bool:
        return state in self.phases.get(phase, ())

    def transition(self, state: str, trigger: str) -> Transition | None:
        for t in self.transitions:
            if t.source == state and t.trigger == trigger:
                return t
        return None

    def triggers(self) -> list[str]:
        return list(dict.fromkeys(t.trigger for t in self.transitions))

    def trigger_label(self, trigger: str) -> Label:
        return next(t.label for t in self.transitions if t.trigger == trigger)

    def roles_for(self, trigger: str) -> set[str]:
        return {r for t in self.transitions if t.trigger == trigger for r in t.roles}

    def from_state(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == state]

    def answering(self, milestone: str) -> list[Transition]:
        return [t for t in self.transitions if t.milestone == milestone]


class WorkflowError(SourceError):
    """A workflow file that cannot be used; every problem names the file and line."""


def load_workflow(
    path: Path,
    guard_names: Collection[str],
    pending_names: Collection[str] = (),
    notification_kinds: Collection[str] | None = None,
) -> WorkflowDefinition:
    try:
        doc = load_yaml(path)
        spec = validate(doc, WorkflowSpec)
    except SourceError as exc:
        raise WorkflowError(exc.problems) from None
    problems = _check(doc, spec, guard_names, pending_names, notification_kinds)
    if problems:
        raise WorkflowError(problems)
    assert spec.initial is not None
    return WorkflowDefinition(
        name=spec.name,
        title=spec.title,
        initial=spec.initial,
        states=dict(spec.states),
        final=spec.final,
        milestones=dict(spec.milestones),
        phases={
            "self_assessment": (spec.initial,),
            "appraisal": tuple(s for s in ("under_appraisal",) if s in spec.states),
            **spec.phases,
        },
        transitions=tuple(
            Transition(t.trigger, src, t.dest, t.roles, t.guards, t.milestone, t.label, t.confirm, t.notify)
            for t in spec.transitions
            for src in t.source
        ),
        source=str(path),
    )


def _check(
    doc: SourceDoc,
    spec: WorkflowSpec,
    guard_names: Collection[str],
    pending_names: Collection[str],
    notification_kinds: Collection[str] | None,
) -> list[Problem]:
    problems: list[Problem] = []
    states = set(spec.states)

    def problem(loc: tuple[str | int, ...], reason: str) -> None:
        problems.append(doc.problem(loc, reason))

    def check_roles(loc: tuple[str | int, ...], roles: tuple[str, ...]) -> None:
        for j, role in enumerate(roles):
            if role not in ALL_ROLES:
                known = ", ".join(sorted(ALL_ROLES))
                problem((*loc, j), f"unknown role '{role}' (known roles: {known})")

    if spec.initial is None:
        problem(("name",), "missing initial state: add 'initial: <state>'")
    elif spec.initial not in states:
        problem(("initial",), f"unknown state '{spec.initial}' as initial state")
    for j, state in enumerate(spec.final):
        if state not in states:
            problem(("final", j), f"unknown state '{state}' in final")

    seen: dict[tuple[str, str], int] = {}
    edges: dict[str, set[str]] = {s: set() for s in states}
    for i, t in enumerate(spec.transitions):
        loc = ("transitions", i)
        for j, src in enumerate(t.source):
            if src not in states:
                problem((*loc, "source", j), f"unknown state '{src}' in transition '{t.trigger}'")
                continue
            if (src, t.trigger) in seen:
                problem(
                    (*loc, "trigger"),
                    f"duplicate trigger '{t.trigger}' from state '{src}' "
                    f"(also at transition {seen[(src, t.trigger)] + 1})",
                )
            seen[(src, t.trigger)] = i
            if t.dest in states:
                edges[src].add(t.dest)
        if t.dest not in states:
            problem((*loc, "dest"), f"unknown state '{t.dest}' in transition '{t.trigger}'")
        check_roles((*loc, "roles"), t.roles)
        for j, guard in enumerate(t.guards):
            if guard not in guard_names:
                problem(
                    (*loc, "guards", j),
                    f"unknown guard '{guard}' (known guards: {', '.join(sorted(guard_names))})",
                )
        if t.milestone is not None and t.milestone not in spec.milestones:
            problem((*loc, "milestone"), f"unknown milestone '{t.milestone}'")
        for j, note in enumerate(t.notify):
            check_roles((*loc, "notify", j, "to"), note.to)
            if notification_kinds is not None and note.kind not in notification_kinds:
                problem((*loc, "notify", j, "kind"), f"unknown notification kind '{note.kind}'")

    for phase, phase_states in spec.phases.items():
        if phase not in PHASES:
            problem(("phases", phase), f"unknown phase '{phase}' (known phases: {', '.join(PHASES)})")
        for j, state in enumerate(phase_states):
            if state not in states:
                problem(("phases", phase, j), f"unknown state '{state}' in phase '{phase}'")

    for key, milestone in spec.milestones.items():
        loc = ("milestones", key)
        if milestone.pending is not None and milestone.pending not in pending_names:
            problem((*loc, "pending"), f"unknown pending party '{milestone.pending}'")
        rules = [("reminders", j, r) for j, r in enumerate(milestone.reminders)]
        rules += [("escalations", j, e) for j, e in enumerate(milestone.escalations)]
        seen_rules: set[tuple[str, str | None, int | str]] = set()
        for section, j, rule in rules:
            rloc: tuple[str | int, ...] = (*loc, section, j)
            check_roles((*rloc, "to"), rule.to)
            if rule.pending is not None and rule.pending not in pending_names:
                problem((*rloc, "pending"), f"unknown pending party '{rule.pending}'")
            party = rule.pending or milestone.pending
            ident = (section, party, rule.after if isinstance(rule, EscalationSpec) else "r")
            if ident in seen_rules:
                what = "reminder rule" if section == "reminders" else f"escalation after {ident[2]}"
                problem(rloc, f"a second {what} for pending party '{party}': merge them into one")
            seen_rules.add(ident)
        if not any(t.milestone == key for t in spec.transitions):
            problem(loc, f"milestone '{key}' is answered by no transition")

    if spec.initial in states:
        reached = _reachable(spec.initial, edges)
        for state in spec.states:
            if state not in reached:
                problem(
                    ("states", state),
                    f"unreachable state '{state}': no transition leads to it from '{spec.initial}'",
                )
    for state in spec.states:
        if not edges[state] and state not in spec.final and state in states:
            problem(("states", state), f"state '{state}' has no way out and is not listed under 'final'")
    return problems


def _reachable(initial: str, edges: dict[str, set[str]]) -> set[str]:
    seen = {initial}
    queue = deque([initial])
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def mermaid(definition: WorkflowDefinition, lang: str = "en") -> str:
    """The workflow as a Mermaid state diagram (one edge per trigger and source)."""
    lines = ["stateDiagram-v2"]
    for state, label in definition.states.items():
        lines.append(f"    {state}: {label.get(lang)}")
    lines.append(f"    [*] --> {definition.initial}")
    for t in definition.transitions:
        roles = ", ".join(t.roles)
        lines.append(f"    {t.source} --> {t.dest}: {t.trigger} ({roles})")
    for state in definition.final:
        lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"
