"""Two clients firing at once on one submission: exactly one wins, the other gets 409, one log row.

Real threads with their own connections race on the real database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from parflow.domain.errors import Conflict
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle import submissions
from parflow.web.deps import run_write
from tests.support.lifecycle import audit_count, principal, state_and_version, submission_id
from tests.support.workers import Workers

LOSER_CODES = {"illegal_transition", "stale_version"}

# row locks and lost races behave differently per database: both backends
pytestmark = pytest.mark.both_backends


def race(rt: Runtime, actors: list, sid: int, trigger: str, expected_version: int | None) -> Counter[str]:
    """Every actor fires at once; each one's outcome is "ok" or its conflict code. Any other error
    in a worker fails the test (`Workers.join`), so every actor is accounted for."""
    # a timeout on the barrier: a worker that never arrives must break the race, not hang it
    barrier = threading.Barrier(len(actors), timeout=60)

    def attempt(actor) -> str:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            run_write(
                rt,
                lambda s: submissions.fire_event(
                    s, rt, actor, sid, trigger, expected_version=expected_version
                ),
            )
        except Conflict as exc:
            return exc.code
        return "ok"

    workers = Workers()
    for n, actor in enumerate(actors):
        workers.start(f"client-{n}", attempt, actor)
    outcomes = Counter(workers.join(timeout=120))
    assert sum(outcomes.values()) == len(actors), outcomes
    assert set(outcomes) <= {"ok", *LOSER_CODES}, outcomes
    return outcomes


@pytest.mark.parametrize("expected_version", [None, 1])
def test_two_clients_submit_at_once(rt: Runtime, mini: str, expected_version: int | None) -> None:
    sid = submission_id(rt, "dept-a")
    editor = principal(rt, "editor.a@mini.example")
    head = principal(rt, "head.a@mini.example")
    outcomes = race(rt, [editor, head], sid, "submit", expected_version)
    # the loser sees either the new state (illegal from it) or the bumped version (stale)
    assert outcomes["ok"] == 1 and sum(outcomes.values()) == 2, outcomes
    assert state_and_version(rt, sid) == ("self_scored", 2)
    assert audit_count(rt, sid) == 1


def test_many_clients_race_repeatedly(rt: Runtime, mini: str) -> None:
    sid = submission_id(rt, "dept-a")
    editor = principal(rt, "editor.a@mini.example")
    ha = principal(rt, "ha@mini.example")
    for round_no in range(5):
        outcomes = race(rt, [editor] * 4, sid, "submit", None)
        # one winner and three losers with a conflict code: race() already failed on anything else
        assert outcomes["ok"] == 1 and sum(outcomes.values()) == 4, (round_no, outcomes)
        run_write(rt, lambda s: submissions.fire_event(s, rt, ha, sid, "reopen", comment="lại"))
    assert audit_count(rt, sid) == 10
    assert state_and_version(rt, sid) == ("draft", 11)
