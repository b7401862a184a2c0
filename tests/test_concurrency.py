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

# row locks and lost races behave differently per database: both backends
pytestmark = pytest.mark.both_backends


def race(rt: Runtime, actors: list, sid: int, trigger: str, expected_version: int | None) -> Counter[str]:
    barrier = threading.Barrier(len(actors))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(actor) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            run_write(
                rt,
                lambda s: submissions.fire_event(
                    s, rt, actor, sid, trigger, expected_version=expected_version
                ),
            )
            result = "ok"
        except Conflict as exc:
            result = exc.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(a,)) for a in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(outcomes)


@pytest.mark.parametrize("expected_version", [None, 1])
def test_two_clients_submit_at_once(rt: Runtime, mini: str, expected_version: int | None) -> None:
    sid = submission_id(rt, "dept-a")
    editor = principal(rt, "editor.a@mini.example")
    head = principal(rt, "head.a@mini.example")
    outcomes = race(rt, [editor, head], sid, "submit", expected_version)
    assert outcomes["ok"] == 1, outcomes
    assert sum(outcomes.values()) == 2
    # the loser sees either the new state (illegal from it) or the bumped version (stale)
    assert set(outcomes) - {"ok"} <= {"illegal_transition", "stale_version"}
    assert state_and_version(rt, sid) == ("self_scored", 2)
    assert audit_count(rt, sid) == 1


def test_many_clients_race_repeatedly(rt: Runtime, mini: str) -> None:
    sid = submission_id(rt, "dept-a")
    editor = principal(rt, "editor.a@mini.example")
    ha = principal(rt, "ha@mini.example")
    for round_no in range(5):
        outcomes = race(rt, [editor] * 4, sid, "submit", None)
        assert outcomes["ok"] == 1, (round_no, outcomes)
        run_write(rt, lambda s: submissions.fire_event(s, rt, ha, sid, "reopen", comment="lại"))
    assert audit_count(rt, sid) == 10
    assert state_and_version(rt, sid) == ("draft", 11)
