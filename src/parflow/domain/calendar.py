"""Working days and deadlines in a campaign's time zone.

A deadline is a local date and means the end of that day: work done at 23:59 local time on the due
date is on time, at 00:01 the next day it is late. Working days are Monday to Friday minus
Vietnamese public holidays (from the `holidays` package, Tết included), minus the campaign's extra
days off, plus its extra working days (make-up Saturdays).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=64)
def _holiday_names(country: str, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays(country, years=year))


@lru_cache(maxsize=64)
def _national_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(_holiday_names(country, year))


class WorkingCalendar:
    def __init__(
        self,
        timezone: str = "Asia/Ho_Chi_Minh",
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        country: str = "VN",
    ) -> None:
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self.country = country
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)
        # a digest, a tick or a page asks the same (today, due date) question for every submission
        self._between: dict[tuple[date, date], int] = {}

    def holiday_name(self, day: date) -> str | None:
        return _holiday_names(self.country, day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off or day in _national_holidays(self.country, day.year):
            return False
        return day.weekday() < 5

    def add_working_days(self, day: date, count: int) -> date:
        """The date `count` working days after (or, negative, before) `day`.

        Zero returns `day` itself when it is a working day, else the next working day: a deadline
        never lands on a day off.
        """
        step = 1 if count >= 0 else -1
        current = day
        if count == 0:
            while not self.is_working_day(current):
                current += timedelta(days=1)
            return current
        remaining = abs(count)
        while remaining:
            current += timedelta(days=step)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        return self.add_working_days(day, 0)

    def previous_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        # every page and answer asks "how many working days left" for the same few dates; a
        # calendar never changes, so each pair is walked once (a day at a time) per calendar
        count = self._between.get((start, end))
        if count is None:
            count = 0
            current = start
            while current < end:
                current += timedelta(days=1)
                if self.is_working_day(current):
                    count += 1
            self._between[(start, end)] = count
        return count

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def start_of_day(self, day: date) -> datetime:
        return datetime.combine(day, time.min, self.zone).astimezone(UTC)

    def end_of_day(self, day: date) -> datetime:
        """The last instant that still counts as `day` (the next local midnight, exclusive)."""
        return self.start_of_day(day + timedelta(days=1)) - timedelta(microseconds=1)

    def at_local(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, self.zone).astimezone(UTC)

    def is_on_time(self, instant: datetime, due: date) -> bool:
        return self.local_date(instant) <= due
