"""Working-day arithmetic and rule evaluation, without a database."""

from __future__ import annotations

from datetime import date, timedelta

from parflow.domain.calendar import WorkingCalendar
from parflow.domain.reminders import (
    EscalationRung,
    Rule,
    select_due,
    series_steps,
)

from .conftest import local

# 29/01/2022 (Saturday) made a working day, as a province does to make up a bridge day off
MAKE_UP_SATURDAY = date(2022, 1, 29)


def cal(**kw) -> WorkingCalendar:  # type: ignore[no-untyped-def]
    return WorkingCalendar("Asia/Ho_Chi_Minh", **kw)


def test_tet_2022_is_not_working_time() -> None:
    c = cal()
    for day in range(31, 32):
        assert not c.is_working_day(date(2022, 1, day))
    for day in range(1, 5):
        assert not c.is_working_day(date(2022, 2, day)), f"{day}/02/2022 is Tết"
    assert c.holiday_name(date(2022, 2, 1))
    # Friday 28/01 + 1 working day jumps the weekend and the Tết week: Monday 07/02
    assert c.add_working_days(date(2022, 1, 28), 1) == date(2022, 2, 7)
    assert c.add_working_days(date(2022, 2, 7), -1) == date(2022, 1, 28)
    assert c.working_days_between(date(2022, 1, 28), date(2022, 2, 7)) == 1
    assert c.working_days_between(date(2022, 2, 7), date(2022, 1, 28)) == -1


def test_make_up_saturday_and_extra_day_off() -> None:
    c = cal(extra_working_days=[MAKE_UP_SATURDAY], extra_days_off=[date(2022, 1, 28)])
    assert c.is_working_day(MAKE_UP_SATURDAY)
    assert not c.is_working_day(date(2022, 1, 28))
    # Thursday 27/01 + 1 → the make-up Saturday; + 2 → after Tết
    assert c.add_working_days(date(2022, 1, 27), 1) == MAKE_UP_SATURDAY
    assert c.add_working_days(date(2022, 1, 27), 2) == date(2022, 2, 7)
    # planning backwards: publication 28/03 − 20 working days stays after Tết ...
    assert cal().add_working_days(date(2022, 3, 28), -20) == date(2022, 2, 28)
    # ... 28/02 − 20 crosses it: 15 working days back to 07/02, then Tết and two weekends, then
    # five more in the week of 24/01 (31/01 if Tết counted)
    assert cal().add_working_days(date(2022, 2, 28), -20) == date(2022, 1, 24)
    # a deadline on a day off lands on the next working day when planned with offset 0
    assert c.next_working_day(date(2022, 1, 30)) == date(2022, 2, 7)
    assert c.previous_working_day(date(2022, 2, 6)) == MAKE_UP_SATURDAY


def test_end_of_day_is_the_deadline() -> None:
    c = cal()
    due = date(2022, 1, 14)
    assert c.is_on_time(local("2022-01-14 23:59"), due)
    assert c.is_on_time(local("2022-01-14 23:59:59.999999"), due)
    assert not c.is_on_time(local("2022-01-15 00:01"), due)
    assert c.end_of_day(due) < local("2022-01-15 00:00") <= c.end_of_day(due) + timedelta(microseconds=1)


REMINDER = Rule(
    "self_assessment_due",
    "reminder",
    "agency_in_draft",
    ("agency_editor",),
    (5, 2, 1, 0),
    local("2022-01-01 08:00").timetz(),
)
RUNGS = (
    EscalationRung(1, False, ("agency_head",), local("2022-01-01 08:00").timetz()),
    EscalationRung(3, False, ("home_affairs",), local("2022-01-01 08:00").timetz()),
    EscalationRung(7, False, ("city_leader",), local("2022-01-01 08:00").timetz()),
)
ESCALATION = Rule(
    "self_assessment_due", "escalation", "agency_in_draft", ("agency_head",), (1, 3, 7), RUNGS[0].at
)


def test_steps_are_working_days_around_the_due_date() -> None:
    c = cal()
    due = date(2022, 1, 28)  # the Friday before Tết
    reminders = series_steps(REMINDER, (), due, c)
    assert [s.day for s in reminders] == [date(2022, 1, 21), date(2022, 1, 26), date(2022, 1, 27), due]
    assert reminders[0].at == local("2022-01-21 08:00")
    escalations = series_steps(ESCALATION, RUNGS, due, c)
    # +1, +3 and +7 working days: Tết (31/01–04/02) does not count
    assert [s.day for s in escalations] == [date(2022, 2, 7), date(2022, 2, 9), date(2022, 2, 15)]
    assert [s.rung for s in escalations] == [1, 2, 3]


def test_catch_up_sends_the_latest_reminder_and_every_escalation_once() -> None:
    c = cal()
    due = date(2022, 1, 14)
    reminders = series_steps(REMINDER, (), due, c)
    # down since before the 2-day reminder; back on the due day at 08:30
    chosen = select_due(reminders, c, local("2022-01-12 08:00"), local("2022-01-14 08:30"))
    assert [(s.step.offset, s.late) for s in chosen] == [(0, False)]
    # back in the afternoon: the same reminder, now late
    chosen = select_due(reminders, c, local("2022-01-12 08:00"), local("2022-01-14 15:00"))
    assert [(s.step.offset, s.late) for s in chosen] == [(0, True)]
    # back after the deadline: reminders are moot
    assert select_due(reminders, c, local("2022-01-12 08:00"), local("2022-01-15 00:01")) == []
    escalations = series_steps(ESCALATION, RUNGS, due, c)
    chosen = select_due(escalations, c, local("2022-01-17 08:00"), local("2022-01-20 09:30"))
    assert [(s.step.rung, s.late) for s in chosen] == [(1, True), (2, True)]
