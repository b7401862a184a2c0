"""What the deadline rules need to know about campaigns, loaded in bulk once per batch.

A tick may touch submissions of many campaigns; loading each campaign's calendar, milestones,
extensions and people one by one would make its cost follow the number of campaigns. `load_plans`
reads them for a whole batch with a handful of `IN (...)` queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, Integer, String, bindparam, cast, event, func, literal, null, union_all
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from parflow.domain.calendar import WorkingCalendar
from parflow.domain.reminders import EscalationRung, Rule, Step, series_steps, workflow_rules
from parflow.domain.roles import AGENCY_ROLES
from parflow.domain.season import season_over
from parflow.domain.workflow import WorkflowDefinition
from parflow.services.common.runtime import Runtime
from parflow.store.db import read_connection
from parflow.store.models import Agency, CalendarDay, Campaign, Extension, Milestone, Person, RoleAssignment


@dataclass
class People:
    """Active role holders of one campaign (agency roles only for the agencies asked for)."""

    campaign_wide: dict[str, list[Person]] = field(default_factory=dict)
    by_agency: dict[int, dict[str, list[Person]]] = field(default_factory=dict)
    council_fields: dict[int, set[str]] = field(default_factory=dict)
    by_id: dict[int, Person] = field(default_factory=dict)

    def add(self, person: Person, assignment: RoleAssignment) -> None:
        assert person.id is not None
        self.by_id[person.id] = person
        if assignment.role in AGENCY_ROLES:
            if assignment.agency_id is not None:
                self.by_agency.setdefault(assignment.agency_id, {}).setdefault(assignment.role, []).append(
                    person
                )
        else:
            self.campaign_wide.setdefault(assignment.role, []).append(person)
            if assignment.role == "council":
                self.council_fields.setdefault(person.id, set()).update(assignment.fields or [])

    def holders(self, roles: Iterable[str], agency_id: int | None) -> list[tuple[Person, str]]:
        """People holding any of `roles` (agency roles within `agency_id`), each once, first role."""
        found: dict[int, tuple[Person, str]] = {}
        for role in roles:
            if role in AGENCY_ROLES:
                people = self.by_agency.get(agency_id, {}).get(role, []) if agency_id is not None else []
            else:
                people = self.campaign_wide.get(role, [])
            for person in people:
                assert person.id is not None
                found.setdefault(person.id, (person, role))
        return sorted(found.values(), key=lambda pr: pr[0].id or 0)

    def all_agency_holders(self, roles: Iterable[str]) -> list[tuple[Person, str]]:
        found: dict[int, tuple[Person, str]] = {}
        for agency_id in self.by_agency:
            for person, role in self.holders(roles, agency_id):
                found.setdefault(person.id or 0, (person, role))
        for person, role in self.holders([r for r in roles if r not in AGENCY_ROLES], None):
            found.setdefault(person.id or 0, (person, role))
        return sorted(found.values(), key=lambda pr: pr[0].id or 0)


class CampaignPlan:
    """One campaign's rules, calendar and dates; step lists are computed once per (rule, due)."""

    def __init__(
        self,
        campaign: Campaign,
        definition: WorkflowDefinition,
        calendar: WorkingCalendar,
        base: dict[str, date],
        extensions: dict[int, dict[str, date]],
        people: People,
    ) -> None:
        self.campaign = campaign
        self.definition = definition
        self.calendar = calendar
        self.base = base
        self.extensions = extensions
        self.people = people
        self.rules = workflow_rules(definition)
        self._series: dict[tuple[str, str, date], list[Step]] = {}
        self.agencies: dict[int, Agency] = {}
        self._over: dict[date, bool] = {}

    def season_over(self, now: datetime) -> bool:
        """A past season (`domain.season`): its deadlines chase nobody any more (asked once per
        submission of a batch: answered once per day)."""
        today = self.calendar.local_date(now)
        if today not in self._over:
            self._over[today] = season_over(self.campaign.published_at, self.base.values(), today)
        return self._over[today]

    def due(self, agency_id: int, milestone: str) -> date | None:
        return self.extensions.get(agency_id, {}).get(milestone) or self.base.get(milestone)

    def dates_for(self, agency_id: int) -> dict[str, date]:
        return {**self.base, **self.extensions.get(agency_id, {})}

    def due_dates(self, milestone: str) -> set[date]:
        """Every date this milestone has in the campaign: the plan's and each extension's."""
        dates = {d for ext in self.extensions.values() if (d := ext.get(milestone)) is not None}
        if milestone in self.base:
            dates.add(self.base[milestone])
        return dates

    def series(self, rule: Rule, rungs: tuple[EscalationRung, ...], due: date) -> list[Step]:
        key = (rule.milestone, rule.rule_id, due)
        steps = self._series.get(key)
        if steps is None:
            steps = _shared_series(rule, rungs, due, self.calendar)
            self._series[key] = steps
        return steps


@lru_cache(maxsize=4096)
def _shared_series(
    rule: Rule, rungs: tuple[EscalationRung, ...], due: date, calendar: WorkingCalendar
) -> list[Step]:
    """Steps depend only on the rule, the date and the calendar, and calendars with the same days
    are one shared object (`shared_calendar`): every transaction of the process reuses them, so an
    event's re-planning does not walk the working days again. Callers must not mutate the list."""
    return series_steps(rule, rungs, due, calendar)


@lru_cache(maxsize=256)
def shared_calendar(
    timezone: str, days_off: frozenset[date], working_days: frozenset[date]
) -> WorkingCalendar:
    """One immutable calendar per distinct content, for the whole process."""
    return WorkingCalendar(timezone, extra_days_off=days_off, extra_working_days=working_days)


@dataclass(frozen=True)
class CampaignDates:
    """A campaign's calendar and dates as stored: the input of every deadline computation."""

    calendar: WorkingCalendar
    base: dict[str, date]
    extensions: dict[int, dict[str, date]]  # agency id -> milestone -> date, the latest grant wins

    def due(self, agency_id: int, milestone: str) -> date | None:
        return self.extensions.get(agency_id, {}).get(milestone) or self.base.get(milestone)


_DATES = "parflow.campaign_dates"  # per-transaction cache in Session.info
# The three tables in one round trip (a row's `part` says which), built once: composing a
# statement costs more than running it on SQLite, and each round trip counts on PostgreSQL.
_NO_INT, _NO_TEXT, _NO_BOOL = cast(null(), Integer), cast(null(), String), cast(null(), Boolean)


def _dates_query(campaigns: Callable[[Any], Any]) -> Any:
    """`campaigns(column)` is the condition on each table's campaign_id column."""
    return union_all(
        select(
            literal("d").label("part"),
            col(CalendarDay.campaign_id).label("campaign_id"),
            _NO_INT.label("agency_id"),
            _NO_TEXT.label("key"),
            col(CalendarDay.day).label("day"),
            col(CalendarDay.working).label("working"),
            _NO_INT.label("grant_order"),
        ).where(campaigns(col(CalendarDay.campaign_id))),
        select(
            literal("m"),
            col(Milestone.campaign_id),
            _NO_INT,
            col(Milestone.key),
            col(Milestone.due_date),
            _NO_BOOL,
            _NO_INT,
        ).where(campaigns(col(Milestone.campaign_id))),
        select(
            literal("e"),
            col(Extension.campaign_id),
            col(Extension.agency_id),
            col(Extension.milestone_key),
            col(Extension.new_date),
            _NO_BOOL,
            # the latest grant wins: rank the grants by (granted_at, id) and apply them in that order
            func.row_number().over(order_by=(col(Extension.granted_at), col(Extension.id))),
        ).where(campaigns(col(Extension.campaign_id))),
    )


# one campaign (every event) by plain equality: an expanding IN is re-rendered at each execution
_DATES_OF_ONE = _dates_query(lambda column: column == bindparam("id"))
_DATES_OF_MANY = _dates_query(lambda column: column.in_(bindparam("ids", expanding=True)))


def campaign_dates(
    session: Session, campaigns: Iterable[Campaign], *, fresh: bool = False
) -> dict[int, CampaignDates]:
    """Calendar days, milestones and extensions of `campaigns`, one column-only query for the
    whole batch, loaded once per transaction: a state change re-plans with what the transaction
    already read. Writing any of them through the session drops the cache (listeners below);
    `fresh=True` reads again regardless."""
    by_id = {c.id: c for c in campaigns if c.id is not None}
    cache: dict[int, CampaignDates] = session.info.setdefault(_DATES, {})
    wanted = [cid for cid in by_id if fresh or cid not in cache]
    if wanted:
        off: dict[int, set[date]] = {}
        on: dict[int, set[date]] = {}
        base: dict[int, dict[str, date]] = {}
        grants = []
        query, params = (
            (_DATES_OF_ONE, {"id": wanted[0]}) if len(wanted) == 1 else (_DATES_OF_MANY, {"ids": wanted})
        )
        for part, cid, agency_id, key, day, working, order in read_connection(session).execute(query, params):
            if part == "d":
                (on if working else off).setdefault(cid, set()).add(day)
            elif part == "m":
                base.setdefault(cid, {})[key] = day
            else:
                grants.append((order, cid, agency_id, key, day))
        extensions: dict[int, dict[int, dict[str, date]]] = {}
        for _order, cid, agency_id, key, new_date in sorted(grants):
            extensions.setdefault(cid, {}).setdefault(agency_id, {})[key] = new_date
        for cid in wanted:
            calendar = shared_calendar(
                by_id[cid].timezone, frozenset(off.get(cid, ())), frozenset(on.get(cid, ()))
            )
            cache[cid] = CampaignDates(calendar, base.get(cid, {}), extensions.get(cid, {}))
    return {cid: cache[cid] for cid in by_id}


_DATED = (CalendarDay, Milestone, Extension)


@event.listens_for(OrmSession, "after_flush")
def _forget_written_dates(session: OrmSession, _context: object) -> None:
    """A transaction that writes dates reads them again: the cache never outlives a change."""
    if _DATES in session.info and any(
        isinstance(row, _DATED) for row in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info.pop(_DATES, None)


@event.listens_for(OrmSession, "do_orm_execute")
def _forget_bulk_written_dates(state: ORMExecuteState) -> None:
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and _DATES in state.session.info and any(m.class_ in _DATED for m in state.all_mappers):
        state.session.info.pop(_DATES, None)


def load_plans(
    session: Session,
    rt: Runtime,
    campaigns: Iterable[Campaign],
    agency_ids: Iterable[int] | None = None,
    *,
    all_agencies: bool = False,
    with_people: bool = True,
    fresh: bool = True,
) -> dict[int, CampaignPlan]:
    """Plans for `campaigns`; people of agency roles for `agency_ids` (or every agency).

    `fresh=False` reuses the calendar and dates this transaction already read (`campaign_dates`)."""
    by_id = {c.id: c for c in campaigns if c.id is not None}
    if not by_id:
        return {}
    ids = list(by_id)
    dates = campaign_dates(session, by_id.values(), fresh=fresh)
    people: dict[int, People] = {cid: People() for cid in ids}
    if not with_people:
        return _plans(rt, by_id, dates, people)
    role_query = (
        select(Person, RoleAssignment)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
        .where(col(RoleAssignment.campaign_id).in_(ids), Person.active)
        .order_by(col(Person.id))
    )
    if not all_agencies:
        wanted = list(set(agency_ids or ()))
        role_query = role_query.where(
            col(RoleAssignment.agency_id).is_(None) | col(RoleAssignment.agency_id).in_(wanted or [-1])
        )
    for person, assignment in session.exec(role_query):
        people[assignment.campaign_id].add(person, assignment)
    return _plans(rt, by_id, dates, people)


def _plans(
    rt: Runtime, by_id: dict[int, Campaign], dates: dict[int, CampaignDates], people: dict[int, People]
) -> dict[int, CampaignPlan]:
    plans = {}
    for cid, campaign in by_id.items():
        plans[cid] = CampaignPlan(
            campaign,
            rt.workflows.definition(campaign.workflow_name),
            dates[cid].calendar,
            dates[cid].base,
            dates[cid].extensions,
            people[cid],
        )
    return plans
