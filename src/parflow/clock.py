"""The one place that reads the wall clock.

Every use case asks a `Clock` for the time, so tests and `parflow simulate` can run a season in
seconds and the demo can live inside the 2021 season while the machine's calendar says otherwise.
All instants are timezone-aware UTC; local dates come from `local_date()` in the campaign's zone.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to: tests and simulations."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = ensure_utc(instant)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now


class OffsetClock:
    """Real time shifted to start at a chosen instant: the demo lives inside its season."""

    def __init__(self, start: datetime, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self._offset = ensure_utc(start) - self._base.now()

    def now(self) -> datetime:
        return self._base.now() + self._offset

    def set(self, instant: datetime) -> None:
        """Jump to `instant` and keep running from there (the demo moves forward through a season)."""
        self._offset = ensure_utc(instant) - self._base.now()


class ScaledClock:
    """Real time, shifted and sped up: it reads `start` until the real instant `anchor`, then runs
    `rate` times faster than the machine's clock, and stands still once it reaches `until`.

    For tests and demonstrations only (a whole season's deadlines in a minute). Several processes
    given the same start, anchor and rate read the same time, so web workers and schedulers agree.
    """

    def __init__(
        self,
        start: datetime,
        *,
        rate: float = 1.0,
        anchor: datetime | None = None,
        until: datetime | None = None,
        base: Clock | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("the clock rate must be positive")
        self._base = base or SystemClock()
        self._start = ensure_utc(start)
        self._anchor = ensure_utc(anchor) if anchor is not None else self._base.now()
        self._until = ensure_utc(until) if until is not None else None
        self.rate = rate

    def now(self) -> datetime:
        # before the anchor the clock waits at `start`: processes started early never see the past
        instant = self._start + max(self._base.now() - self._anchor, timedelta(0)) * self.rate
        return min(instant, self._until) if self._until is not None else instant


def clock_span(clock: Clock, real: timedelta) -> timedelta:
    """How much of `clock`'s time passes during `real` machine time (more on a sped-up clock).

    Durations that guard real work, such as the lease on an outbox row being sent, must be
    measured this way: ten minutes of a clock running a day per second pass in milliseconds.
    """
    return real * getattr(clock, "rate", 1.0)


def ensure_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("instants must carry a time zone")
    return instant.astimezone(UTC)


def local_date(instant: datetime, timezone: str) -> date:
    return instant.astimezone(ZoneInfo(timezone)).date()


def parse_instant(text: str, timezone: str) -> datetime:
    """ISO-8601 date or date-time; a value without offset is read in the campaign's zone."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(UTC)
