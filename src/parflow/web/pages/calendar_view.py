"""Month grids of a campaign's working calendar: weekends, Vietnamese holidays (Tết), the
campaign's extra days off and make-up working days, and its milestones."""

from __future__ import annotations

import calendar as stdlib_calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays

from parflow.domain.calendar import WorkingCalendar


@dataclass(frozen=True)
class Day:
    day: date
    working: bool
    weekend: bool
    holiday: str | None
    extra_off: bool
    extra_working: bool
    milestones: tuple[str, ...]
    today: bool


@dataclass
class Month:
    year: int
    month: int
    weeks: list[list[Day | None]] = field(default_factory=list)


@lru_cache(maxsize=32)
def holiday_names(year: int, lang: str) -> dict[date, str]:
    """Public holidays of Vietnam in one year, named in Vietnamese or English."""
    language = "en_US" if lang == "en" else "vi"
    return dict(holidays.country_holidays("VN", years=year, language=language))


def months_between(first: date, last: date) -> list[tuple[int, int]]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_grids(
    cal: WorkingCalendar,
    first: date,
    last: date,
    milestones: dict[date, list[str]],
    today: date,
    lang: str,
) -> list[Month]:
    """Weeks from Monday to Sunday for every month from `first` to `last`."""
    result = []
    for year, month in months_between(first, last):
        grid = Month(year, month)
        names = holiday_names(year, lang)
        for week in stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[Day | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                row.append(
                    Day(
                        day=day,
                        working=cal.is_working_day(day),
                        weekend=day.weekday() >= 5,
                        holiday=names.get(day),
                        extra_off=day in cal.extra_days_off,
                        extra_working=day in cal.extra_working_days,
                        milestones=tuple(milestones.get(day, ())),
                        today=day == today,
                    )
                )
            grid.weeks.append(row)
        result.append(grid)
    return result


def days_off_between(cal: WorkingCalendar, first: date, last: date, lang: str) -> list[tuple[date, str]]:
    """Weekdays that are not working days (holidays, extra days off) in the period, with a name."""
    found = []
    day = first
    while day <= last:
        if day.weekday() < 5 and not cal.is_working_day(day):
            name = holiday_names(day.year, lang).get(day)
            found.append((day, name or ("Extra day off" if lang == "en" else "Ngày nghỉ bổ sung")))
        day += timedelta(days=1)
    return found
