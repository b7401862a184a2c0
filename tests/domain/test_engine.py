"""The engine on its own: role, state and guard checks, in that order, for every pair."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from parflow.domain.engine import WorkflowEngine
from parflow.domain.errors import Forbidden, GuardFailed, IllegalTransition, NotFound
from parflow.domain.guards import GUARDS
from parflow.services.common.workflows import load_definition
from parflow.settings import PROJECT_ROOT

NOW = datetime(2022, 2, 15, 3, 0, tzinfo=UTC)


@dataclass
class Facts:
    """Plain facts standing in for the database-backed context: every guard satisfied by default."""

    now: datetime = NOW
    comment: str | None = "lý do"
    campaign_publication: bool = True
    gaps: list = field(default_factory=list)
    unappraised: list[str] = field(default_factory=list)
    open_disputes: int = 0
    sent_at: datetime | None = NOW - timedelta(days=1)
    window_closes: datetime | None = NOW + timedelta(days=3)
    survey_missing: list[str] = field(default_factory=list)

    def self_assessment_gaps(self) -> list:
        return self.gaps

    def unappraised_leaves(self) -> list[str]:
        return self.unappraised

    def open_dispute_count(self) -> int:
        return self.open_disputes

    def results_sent_at(self) -> datetime | None:
        return self.sent_at

    def dispute_window_closes_at(self) -> datetime | None:
        return self.window_closes

    def missing_survey_leaves(self) -> list[str]:
        return self.survey_missing


ENGINE = WorkflowEngine(load_definition(PROJECT_ROOT / "workflows" / "par-index.yaml"), GUARDS)
DEFINITION = ENGINE.definition
PAIRS = [(s, t) for s in DEFINITION.states for t in DEFINITION.triggers()]


def facts_for(trigger: str) -> Facts:
    # `dispute` needs an open dispute on file and the window open; `approve` needs the window
    # closed and no dispute.
    if trigger == "dispute":
        return Facts(open_disputes=1)
    if trigger == "approve":
        return Facts(window_closes=NOW - timedelta(days=1))
    return Facts()


@pytest.mark.parametrize(("state", "trigger"), PAIRS)
def test_every_state_trigger_pair(state: str, trigger: str) -> None:
    roles = DEFINITION.roles_for(trigger)
    transition = DEFINITION.transition(state, trigger)
    if transition is None:
        with pytest.raises(IllegalTransition):
            ENGINE.fire(state, trigger, roles, facts_for(trigger))
    else:
        fired = ENGINE.fire(state, trigger, roles, facts_for(trigger))
        assert (fired.source, fired.dest) == (state, transition.dest)
        assert fired.role in transition.roles


def test_role_is_checked_before_state() -> None:
    with pytest.raises(Forbidden):
        ENGINE.fire("published", "submit", {"council"}, Facts())


def test_unknown_trigger() -> None:
    with pytest.raises(NotFound):
        ENGINE.fire("draft", "to_published", {"home_affairs"}, Facts())


def test_no_auto_transitions() -> None:
    assert not any(t.startswith("to_") for t in DEFINITION.triggers())


def test_guard_failure_lists_every_unmet_condition() -> None:
    facts = Facts(
        unappraised=["1.1", "2.3"], open_disputes=2, survey_missing=["8.1"], sent_at=None, window_closes=None
    )
    with pytest.raises(GuardFailed) as caught:
        ENGINE.fire("under_appraisal", "approve", {"home_affairs"}, facts)
    keys = [u.key for u in caught.value.unmet]
    assert keys == [
        "guard.results_not_sent",
        "guard.leaf_unappraised",
        "guard.leaf_unappraised",
        "guard.open_disputes",
        "guard.survey_missing",
    ]


def test_dispute_window_closed() -> None:
    facts = Facts(open_disputes=1, window_closes=NOW - timedelta(seconds=1))
    with pytest.raises(GuardFailed) as caught:
        ENGINE.fire("under_appraisal", "dispute", {"agency_head"}, facts)
    assert [u.key for u in caught.value.unmet] == ["guard.dispute_window_closed"]


def test_acting_role_is_the_first_allowed_one_the_person_holds() -> None:
    fired = ENGINE.fire("self_scored", "reopen", {"agency_head", "home_affairs"}, Facts())
    assert fired.role == "home_affairs"
