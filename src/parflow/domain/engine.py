"""The workflow engine: a `transitions` state machine built from a definition.

transitions cannot carry state on a SQLModel row (it adds attributes pydantic refuses), so there
is one static machine per definition (`model=None`) and every event is fired on a throw-away token
holding the current state. The service layer writes the resulting state back to the row, in the
same transaction as the audit row.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from transitions import EventData, Machine, MachineError

from parflow.domain.errors import Forbidden, GuardFailed, IllegalTransition, NotFound, Unmet
from parflow.domain.guards import Guard, GuardContext
from parflow.domain.workflow import Transition, WorkflowDefinition


@dataclass(frozen=True)
class Fired:
    transition: Transition
    role: str
    source: str
    dest: str


class _Token:
    def __init__(self, state: str) -> None:
        self.state = state


class WorkflowEngine:
    def __init__(self, definition: WorkflowDefinition, guards: Mapping[str, Guard]) -> None:
        missing = {g for t in definition.transitions for g in t.guards} - set(guards)
        if missing:
            raise ValueError(f"guards not registered: {sorted(missing)}")
        self.definition = definition
        self._guards = guards
        self._machine = Machine(
            model=None,
            states=list(definition.states),
            initial=definition.initial,
            auto_transitions=False,
            send_event=True,
        )
        for t in definition.transitions:
            self._machine.add_transition(
                trigger=t.trigger, source=t.source, dest=t.dest, conditions=[self._guard_check(t)]
            )

    def _guard_check(self, transition: Transition) -> Any:
        def check(event: EventData) -> bool:
            unmet: list[Unmet] = event.kwargs["unmet"]
            ctx: GuardContext = event.kwargs["ctx"]
            for name in transition.guards:
                unmet.extend(self._guards[name](ctx))
            return not unmet

        return check

    def allowed(self, state: str, roles: Collection[str]) -> list[Transition]:
        """Transitions from `state` that someone holding `roles` may attempt (guards not run)."""
        return [t for t in self.definition.from_state(state) if set(t.roles) & set(roles)]

    def fire(self, state: str, trigger: str, roles: Collection[str], ctx: GuardContext) -> Fired:
        """Check role, state and guards, in that order; return the move or raise why not."""
        if trigger not in self.definition.triggers():
            raise NotFound("event.unknown", trigger=trigger)
        label = self.definition.trigger_label(trigger)
        if not self.definition.roles_for(trigger) & set(roles):
            raise Forbidden("event.role_not_allowed", trigger=label)
        transition = self.definition.transition(state, trigger)
        if transition is None:
            raise IllegalTransition("event.illegal", trigger=label, state=self.definition.states[state])
        role = next((r for r in transition.roles if r in roles), None)
        if role is None:
            raise Forbidden("event.role_not_allowed", trigger=label)
        token = _Token(state)
        unmet: list[Unmet] = []
        try:
            moved = self._machine.events[trigger].trigger(token, ctx=ctx, unmet=unmet)
        except MachineError:
            raise IllegalTransition(
                "event.illegal", trigger=label, state=self.definition.states[state]
            ) from None
        if not moved:
            raise GuardFailed("event.guard_failed", unmet=unmet, trigger=label)
        return Fired(transition, role, state, token.state)
