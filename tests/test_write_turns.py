"""SQLite writers' turns (`store/write_turns.py`): served in arrival order, and a waiter that is
interrupted gives its turn up instead of leaving everyone behind it waiting forever."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from parflow.store.write_turns import WriteTurns, _Tickets


def until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll `condition` until it holds (True) or `timeout` passes (False)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            return False
        pause.wait(0.001)
    return True


def test_turns_are_served_in_arrival_order() -> None:
    tickets = _Tickets()
    tickets.acquire()  # held, so that the others queue
    order: list[str] = []
    threads = []
    for name in ("first", "second", "third"):
        queued = tickets._next + 1

        def take(name: str = name) -> None:
            tickets.acquire()
            order.append(name)
            tickets.release()

        thread = threading.Thread(target=take)
        thread.start()
        threads.append(thread)
        # the thread holds its ticket before the next one asks
        assert until(lambda queued=queued: tickets._next == queued)
    tickets.release()
    for thread in threads:
        thread.join(30)
    assert order == ["first", "second", "third"]


def test_an_interrupted_waiter_gives_its_turn_up() -> None:
    tickets = _Tickets()
    assert tickets.acquire() == 0
    waiting = tickets._cond.wait

    def interrupted(timeout: float | None = None) -> bool:
        raise KeyboardInterrupt

    tickets._cond.wait = interrupted  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        tickets.acquire()  # ticket 1, given up while 0 is served
    tickets._cond.wait = waiting  # type: ignore[method-assign]
    tickets.release()
    assert tickets.acquire() == 2  # served at once: ticket 1 is skipped


def test_a_turn_that_came_up_while_interrupted_is_passed_on() -> None:
    tickets = _Tickets()
    tickets.acquire()

    def released_then_interrupted(timeout: float | None = None) -> bool:
        tickets._serving += 1  # the holder released just as the waiter was interrupted
        raise KeyboardInterrupt

    tickets._cond.wait = released_then_interrupted  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        tickets.acquire()
    assert tickets._serving == 2  # ticket 1's turn went on to whoever comes next


def test_a_write_inside_a_write_on_one_thread_does_not_wait_for_itself(tmp_path: Path) -> None:
    turns = WriteTurns(tmp_path / "parflow.db")
    with turns.turn(), turns.turn():
        assert (tmp_path / "parflow.db.write-lock").exists()
