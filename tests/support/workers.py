"""Threads in tests that always report back.

A test that starts threads and only counts what the survivors did passes even when a worker died of
an unexpected exception: pytest merely warns about it, and the worker's share just goes missing.
`Workers` runs each target in a thread of its own and keeps every outcome, what it returned or what
it raised; `join` waits for all of them against one deadline and fails the test, naming the worker
and showing its traceback, when one raised or is still running.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    name: str
    value: Any = None
    error: BaseException | None = None
    finished: bool = False

    def describe(self) -> str:
        if not self.finished:
            return f"{self.name}: still running"
        if self.error is not None:
            trace = "".join(traceback.format_exception(self.error))
            return f"{self.name} raised {self.error!r}\n{trace}"
        return f"{self.name} returned {self.value!r}"


@dataclass
class Workers:
    outcomes: list[Outcome] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self, name: str, target: Callable[..., Any], *args: Any) -> Outcome:
        outcome = Outcome(name)

        def run() -> None:
            # catch everything (BaseException too): the point is that nothing a worker does is lost
            try:
                outcome.value = target(*args)
            except BaseException as exc:
                outcome.error = exc
            finally:
                outcome.finished = True

        thread = threading.Thread(target=run, name=name, daemon=True)
        self.outcomes.append(outcome)
        self._threads.append(thread)
        thread.start()
        return outcome

    def join(self, timeout: float) -> list[Any]:
        """Wait for every worker (one deadline for all); return their values in start order, or fail
        the test if one raised or did not finish in time."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        failed = [o for o in self.outcomes if not o.finished or o.error is not None]
        assert not failed, "\n".join(o.describe() for o in failed)
        assert len(self.outcomes) == len(self._threads)  # every worker reported
        return [o.value for o in self.outcomes]
