"""`parflow simulate`: run a campaign's calendar forward on a throw-away copy of the database.

The simulation is event-driven: it jumps from one instant to the next at which something can
happen — a step's `next_due_at` or a scripted action — and runs the real tick and the real
workflow events there, so what it prints is what the scheduler would send. Nothing reaches the
real database (`store.sandbox`). The campaign's queued and sent reminders are set aside in the
copy first, so the timeline shows every message the plan produces in the window.

Messages held for a watcher's digest (`outbox.HELD`) are not e-mails: they are reported apart
(`folded`), and each digest says which of them it lists (`includes`). `busiest` is the most
e-mails any one person received on one local day, and who that was.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, delete, func, select, update

from parflow.clock import FixedClock
from parflow.domain.calendar import WorkingCalendar
from parflow.domain.errors import ParflowError
from parflow.i18n import t
from parflow.services.common.access import Principal, load_principal
from parflow.services.common.calendars import campaign_calendar, milestone_dates
from parflow.services.common.joins import AGENCY_OF_SUBMISSION
from parflow.services.common.lookups import get_campaign
from parflow.services.common.outbox import HELD
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import sync as deadline_sync
from parflow.services.deadlines.digest import SEND_FROM
from parflow.services.deadlines.tick import tick
from parflow.services.lifecycle.submissions import fire_event
from parflow.services.simulation.behaviour import Behaviour
from parflow.store.models import (
    Agency,
    Campaign,
    Criterion,
    Notification,
    RoleAssignment,
    Score,
    Submission,
)
from parflow.store.sandbox import sandbox

REPLAY_LEAD_DAYS = 30


@dataclass(frozen=True)
class SimulatedMessage:
    at: datetime
    day: date
    recipient_name: str
    recipient_email: str
    language: str
    kind: str
    rule: str
    milestone: str | None
    agency: str | None
    reason_vi: str
    reason_en: str
    late: bool
    key: str = ""
    includes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "at": self.at.isoformat(),
            "date": self.day.isoformat(),
            "recipient": {
                "name": self.recipient_name,
                "email": self.recipient_email,
                "language": self.language,
            },
            "kind": self.kind,
            "rule": self.rule,
            "milestone": self.milestone,
            "agency": self.agency,
            "reason": {"vi": self.reason_vi, "en": self.reason_en},
            "late": self.late,
            "key": self.key,
            **({"includes": list(self.includes)} if self.kind == "daily_digest" else {}),
        }


@dataclass(frozen=True)
class Action:
    at: datetime
    what: str  # submit | start_appraisal | appraise | send_results | approve | publish
    agency_id: int | None = None
    field_code: str | None = None


@dataclass
class SimulationResult:
    campaign: str
    start: date
    end: date
    messages: list[SimulatedMessage] = field(default_factory=list)
    folded: list[SimulatedMessage] = field(default_factory=list)  # held for a digest, not sent alone
    actions: list[tuple[datetime, str, str, str]] = field(default_factory=list)  # at, agency, action, outcome
    ticks: int = 0
    seconds: float = 0.0

    def busiest(self) -> tuple[int, str | None, date | None]:
        """(messages, recipient e-mail, local day) of the fullest inbox-day; ties: earliest day."""
        per_day: dict[tuple[str, date], int] = {}
        for m in self.messages:
            per_day[(m.recipient_email, m.day)] = per_day.get((m.recipient_email, m.day), 0) + 1
        if not per_day:
            return 0, None, None
        (email, day), count = min(per_day.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0]))
        return count, email, day


def _rule_of(row: Notification) -> str:
    parts = row.key.split(":")
    if row.kind in ("reminder", "escalation") and len(parts) >= 3:
        occurrence = parts[-1]
        if occurrence.startswith("d"):
            return f"{parts[-3]} {occurrence[1:]} working days before"
        step = row.context.get("step")
        return f"{parts[-3]} step {step} (+{occurrence[1:]})"
    return row.kind


def _reason(row: Notification) -> tuple[str, str]:
    ctx = row.context or {}
    reason = ctx.get("reason")
    if isinstance(reason, dict):
        return str(reason.get("vi", "")), str(reason.get("en", ""))
    label = ctx.get("event_label")
    if isinstance(label, dict):
        return str(label.get("vi", "")), str(label.get("en", ""))
    milestone = ctx.get("milestone")
    if isinstance(milestone, dict):
        return str(milestone.get("vi", "")), str(milestone.get("en", ""))
    return row.kind, row.kind


def _message(row: Notification, zone_calendar: Callable[[datetime], date]) -> SimulatedMessage:
    ctx = row.context or {}
    vi, en = _reason(row)
    agency = ctx.get("agency")
    agencies = ctx.get("agencies")
    if isinstance(agency, dict):
        agency_text: str | None = str(agency.get("code"))
    elif isinstance(agencies, list) and agencies:
        agency_text = ", ".join(str(a.get("code")) for a in agencies[:3]) + (
            f" (+{len(agencies) - 3})" if len(agencies) > 3 else ""
        )
    else:
        agency_text = None
    milestone = ctx.get("milestone")
    events = ctx.get("events") if row.kind == "daily_digest" else None
    includes = tuple(str(e.get("key")) for e in events) if isinstance(events, list) else ()
    return SimulatedMessage(
        at=row.created_at,
        day=zone_calendar(row.created_at),
        recipient_name=row.recipient_name,
        recipient_email=row.recipient_email,
        language=row.language,
        kind=row.kind,
        rule=_rule_of(row),
        milestone=str(milestone.get("key")) if isinstance(milestone, dict) else None,
        agency=agency_text,
        reason_vi=vi,
        reason_en=en,
        late=row.late,
        key=row.key,
        includes=includes,
    )


def plan_actions(session: Session, campaign: Campaign, behaviour: Behaviour) -> list[Action]:
    """Turn the behaviour file into dated actions per agency, in the order the workflow needs."""
    calendar = campaign_calendar(session, campaign)
    hh, mm = (int(x) for x in behaviour.at.split(":"))

    def at(day: date) -> datetime:
        return calendar.at_local(day, time(hh, mm))

    rows = session.exec(
        select(Submission, Agency)
        .join(Agency, AGENCY_OF_SUBMISSION)
        .where(Submission.campaign_id == campaign.id)
        .order_by(col(Agency.code))
    ).all()
    fields_of: dict[int | None, list[str]] = {}
    for set_id, field_code in session.exec(
        select(Criterion.set_id, Criterion.field_code).where(Criterion.level == 1)
    ).all():
        fields_of.setdefault(set_id, []).append(field_code)
    actions: list[Action] = []
    for submission, agency in rows:
        submit = behaviour.submit.agencies.get(agency.code, behaviour.submit.default)
        if submit == "never":
            continue
        actions.append(Action(at(submit), "submit", agency.id))
        if behaviour.start_appraisal == "never":
            continue
        start = behaviour.start_appraisal
        if submit >= start:
            start = calendar.add_working_days(submit, 1)
        actions.append(Action(at(start), "start_appraisal", agency.id))
        last = start
        for field_code in fields_of.get(submission.criteria_set_id, []):
            day = behaviour.appraise.fields.get(field_code, behaviour.appraise.default)
            if day == "never":
                continue
            day = max(day, start)
            last = max(last, day)
            actions.append(Action(at(day), "appraise", agency.id, field_code))
        if behaviour.send_results == "never":
            continue
        sent = max(behaviour.send_results, last)
        actions.append(Action(at(sent) + timedelta(minutes=1), "send_results", agency.id))
        if behaviour.approve != "never":
            actions.append(
                Action(at(max(behaviour.approve, sent)) + timedelta(minutes=2), "approve", agency.id)
            )
    if behaviour.publish != "never":
        actions.append(Action(at(behaviour.publish) + timedelta(minutes=3), "publish"))
    return sorted(actions, key=lambda a: (a.at, a.agency_id or 0, a.what))


def _first_holder(session: Session, campaign_id: int, role: str, agency_id: int | None) -> int | None:
    query = select(RoleAssignment.person_id).where(
        RoleAssignment.campaign_id == campaign_id, RoleAssignment.role == role
    )
    if agency_id is not None:
        query = query.where(RoleAssignment.agency_id == agency_id)
    return session.exec(query.order_by(col(RoleAssignment.person_id))).first()


ScoreRow = tuple[int, Decimal | None, Decimal | None, Decimal | None]


@dataclass
class RunMemo:
    """What a run reads again and again and never changes during it: leaves and who acts."""

    leaves: dict[tuple[int, str, str | None], list[tuple[str, Decimal]]] = field(default_factory=dict)
    actors: dict[tuple[str, int | None], Principal | None] = field(default_factory=dict)
    # submission → leaf code → (score id, self, appraised, survey): only `_fill_scores` writes
    # scores during a run, so it keeps this up to date; a refused action (its savepoint rolled
    # back) forgets it all
    scores: dict[int, dict[str, ScoreRow]] = field(default_factory=dict)


def _actor(
    session: Session, memo: RunMemo, campaign_id: int, role: str, agency_id: int | None
) -> Principal | None:
    key = (role, agency_id)
    if key not in memo.actors:
        person_id = _first_holder(session, campaign_id, role, agency_id)
        memo.actors[key] = load_principal(session, person_id) if person_id else None
    return memo.actors[key]


def _fill_scores(
    session: Session,
    submission: Submission,
    now: datetime,
    kind: str,
    field_code: str | None,
    memo: RunMemo,
) -> None:
    """Simulated work: the agency scores every leaf (max score, with an explanation), a council
    member appraises the leaves of a field (accepting the self-score), the survey fills its leaves.

    Thousands of rows per season: written with executemany statements rather than one ORM object
    per leaf (that alone took half of a simulated season)."""
    if submission.criteria_set_id is None:
        return
    wanted = "survey" if kind == "survey" else "agency"
    key = (submission.criteria_set_id, wanted, field_code)
    if key not in memo.leaves:  # criteria sets do not change during a run
        query = select(Criterion.code, Criterion.max_score).where(
            Criterion.set_id == submission.criteria_set_id,
            col(Criterion.is_leaf),
            Criterion.scored_by == wanted,
        )
        if field_code is not None:
            query = query.where(Criterion.field_code == field_code)
        memo.leaves[key] = [(code, max_score) for code, max_score in session.exec(query)]
    sid = submission.id or 0
    existing = memo.scores.get(sid)
    if existing is None:
        existing = memo.scores[sid] = {
            code: (score_id or 0, self_score, appraised, survey)
            for score_id, code, self_score, appraised, survey in session.exec(
                select(
                    Score.id,
                    Score.criterion_code,
                    Score.self_score,
                    Score.appraised_score,
                    Score.survey_score,
                ).where(Score.submission_id == submission.id)
            )
        }
    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    codes: dict[int, str] = {}  # score id → leaf code, of the updates
    for code, max_score in memo.leaves[key]:
        row = existing.get(code)
        score_id, self_score, appraised, survey = row or (None, None, None, None)
        if kind == "self" and self_score is None:
            values: dict[str, object] = {
                "self_score": max_score,
                "explanation": "(simulated)",
                "self_at": now,
            }
        elif kind == "appraise" and appraised is None:
            values = {
                "appraised_score": self_score if self_score is not None else Decimal(0),
                "appraised_at": now,
            }
        elif kind == "survey" and survey is None:
            values = {"survey_score": max_score}
        else:
            continue
        if row is None:
            inserts.append({"submission_id": submission.id, "criterion_code": code, **values})
        else:
            updates.append({"score_id": score_id, **values})
            codes[score_id] = code
    table = Score.__table__  # type: ignore[attr-defined]
    ids: dict[str, int] = {}
    if inserts:
        returned = session.execute(insert(table).returning(table.c.criterion_code, table.c.id), inserts)
        ids = {code: score_id for code, score_id in returned}
    for change in inserts + updates:
        code = str(change.get("criterion_code") or codes[change["score_id"]])  # type: ignore[index]
        score_id, self_score, appraised, survey = existing.get(code) or (ids[code], None, None, None)
        existing[code] = (
            score_id,
            change.get("self_score", self_score),  # type: ignore[arg-type]
            change.get("appraised_score", appraised),  # type: ignore[arg-type]
            change.get("survey_score", survey),  # type: ignore[arg-type]
        )
    if updates:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("score_id"))
            .values({name: bindparam(name) for name in updates[0] if name != "score_id"}),
            updates,
        )
        # Score objects other steps loaded in this session must not keep the old values
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Score):
                session.expire(obj)


def _do(
    session: Session,
    srt: Runtime,
    campaign: Campaign,
    action: Action,
    memo: RunMemo,
    submissions: dict[int, Submission],
) -> str:
    now = srt.clock.now()
    if action.what == "publish":
        approved = session.exec(
            select(Submission).where(Submission.campaign_id == campaign.id, Submission.state == "approved")
        ).all()
        principal = _actor(session, memo, campaign.id or 0, "home_affairs", None)
        if principal is None:
            return "skipped: nobody holds home_affairs"
        for submission in approved:
            fire_event(session, srt, principal, submission.id or 0, "publish", campaign_publication=True)
        row = session.get(Campaign, campaign.id)
        assert row is not None
        row.published_at = now
        session.add(row)
        return f"published ({len(approved)} approved agencies)"
    submission = submissions[action.agency_id or 0]
    if action.what == "appraise":
        appraisal = srt.workflows.definition(campaign.workflow_name).phases.get("appraisal", ())
        if submission.state not in appraisal:
            return f"skipped: field {action.field_code} not appraisable in state {submission.state}"
        _fill_scores(session, submission, now, "appraise", action.field_code, memo)
        return f"field {action.field_code} appraised"
    role = "agency_editor" if action.what == "submit" else "home_affairs"
    holder_agency = action.agency_id if role == "agency_editor" else None
    principal = _actor(session, memo, campaign.id or 0, role, holder_agency)
    if principal is None:
        return f"skipped: nobody holds {role}"
    if action.what == "submit":
        _fill_scores(session, submission, now, "self", None, memo)
    if action.what == "approve":
        _fill_scores(session, submission, now, "survey", None, memo)
    fire_event(session, srt, principal, submission.id or 0, action.what, comment="(simulated)")
    return "done"


def _apply_all(
    srt: Runtime, campaign: Campaign, actions: list[Action], result: SimulationResult, memo: RunMemo
) -> None:
    """Actions of one instant in one transaction, each in its own savepoint: a refused one (a
    guard not met) leaves the others standing, as separate requests would."""

    def use_case(session: Session) -> None:
        codes = {a.id: a.code for a in session.exec(select(Agency).where(Agency.campaign_id == campaign.id))}
        # read once for the instant rather than once per action: the session's identity map hands
        # every action the same (current) objects a query per action would
        submissions = {
            s.agency_id: s
            for s in session.exec(select(Submission).where(Submission.campaign_id == campaign.id))
        }
        for action in actions:
            try:
                with session.begin_nested():
                    outcome = _do(session, srt, campaign, action, memo, submissions)
            except ParflowError as exc:
                memo.scores.clear()  # the savepoint took back whatever `_fill_scores` wrote
                unmet = " ".join(t(u.key, "en", **u.params) for u in getattr(exc, "unmet", []))
                outcome = f"refused: {t(exc.key, 'en', **exc.params)} {unmet}".strip()
            agency = codes.get(action.agency_id, "") if action.agency_id is not None else ""
            result.actions.append((srt.clock.now(), agency, action.what, outcome))
        if any(a.what == "appraise" for a in actions):
            # council reminders re-planned once for the instant, not once per appraised field
            deadline_sync.after_work_change(session, srt, campaign)

    srt.db.run(use_case)


def simulate(
    rt: Runtime,
    code: str,
    start: date | None = None,
    end: date | None = None,
    behaviour: Behaviour | None = None,
    progress: Callable[[date, date, date], None] | None = None,
) -> SimulationResult:
    """Run `code`'s calendar from `start` to `end` (local dates, inclusive) on a copy; report every
    message. Defaults: from today (the runtime's clock), or from a month before the first milestone
    when the season is already over, to two weeks after the last milestone."""
    started = _time.perf_counter()
    with rt.db.read() as session:
        campaign = get_campaign(session, code)
        calendar = campaign_calendar(session, campaign)
        dates = milestone_dates(session, campaign)
    today = calendar.local_date(rt.clock.now())
    season_end = max(dates.values(), default=today) + timedelta(days=14)
    if start is not None:
        first = start
    elif today <= season_end or not dates:
        first = today
    else:
        # the season is over: a dry run of "the campaign calendar" then means replaying all of it,
        # from early enough that the first milestone's reminders fall inside the run
        first = min(dates.values()) - timedelta(days=REPLAY_LEAD_DAYS)
    last = end or max(season_end, first)
    result = SimulationResult(campaign.code, first, last)
    if last < first:
        return result
    with sandbox(rt.db) as sdb:
        clock = FixedClock(calendar.start_of_day(first))
        srt = Runtime(settings=rt.settings, db=sdb, clock=clock)
        srt.workflows = rt.workflows

        def reset(session: Session) -> int:
            session.exec(delete(Notification).where(col(Notification.campaign_id) == campaign.id))
            row = session.get(Campaign, campaign.id)
            assert row is not None
            row.next_due_at = None
            subs = list(session.exec(select(Submission).where(Submission.campaign_id == campaign.id)))
            for s in subs:
                s.next_due_at = None
            session.flush()
            deadline_sync.refresh(session, srt, row, subs)
            return session.exec(select(func.max(Notification.id))).one() or 0

        last_id = sdb.run(reset)
        with sdb.read() as session:
            actions = plan_actions(session, campaign, behaviour) if behaviour else []
            nxt = _next_due(session, campaign.id or 0)
        finish = calendar.end_of_day(last)
        memo = RunMemo()
        index = 0
        day = first
        last_tick: datetime | None = None
        digested: date | None = None  # the last working day a tick ran from 07:00 on
        while True:
            action_at = actions[index].at if index < len(actions) else None
            # the scheduler ticks every minute, so each working day's digest goes out at 07:00
            # even on a day without a reminder step: wake for it too
            digest_at = _next_digest(calendar, clock.now(), digested)
            candidates = [x for x in (nxt, action_at, digest_at) if x is not None]
            instant = max(min(candidates), clock.now()) if candidates else None
            if instant is None or instant > finish:
                break
            clock.set(instant)
            today = calendar.local_date(instant)
            if progress and today != day:
                day = today
                progress(first, last, day)
            if action_at is not None and action_at <= instant:
                group = []
                while index < len(actions) and actions[index].at <= instant:
                    group.append(actions[index])
                    index += 1
                _apply_all(srt, campaign, group, result, memo)
            else:
                if instant == last_tick:
                    # a tick always moves next_due_at past its instant; never spin on one instant
                    raise RuntimeError(f"simulation stuck at {instant.isoformat()}")
                tick(srt, instant, campaign_id=campaign.id)
                last_tick = instant
                if calendar.is_working_day(today) and instant >= calendar.at_local(today, SEND_FROM):
                    digested = today
                result.ticks += 1
            last_id, nxt = sdb.run(
                lambda s, after=last_id: _collect(s, campaign.id or 0, after, calendar.local_date, result)
            )
    if progress:
        progress(first, last, last)
    result.seconds = _time.perf_counter() - started
    return result


def _next_digest(calendar: WorkingCalendar, now: datetime, digested: date | None) -> datetime:
    """07:00 on the first working day from `now`'s day whose digest no tick has covered yet."""
    day = calendar.local_date(now)
    while not calendar.is_working_day(day) or (digested is not None and day <= digested):
        day += timedelta(days=1)
    return max(calendar.at_local(day, SEND_FROM), now)


def _next_due(session: Session, campaign_id: int) -> datetime | None:
    """The campaign's next planned instant: its own or its earliest submission's (one query)."""
    subs, camp = session.execute(_next_due_query(), {"campaign_id": campaign_id}).one()
    found = [_aware(x) for x in (subs, camp) if x is not None]
    return min(found, default=None)


# The queries of every step of the run, built once with bind parameters (building them cost more
# than running them).


@cache
def _next_due_query() -> Any:
    return sa_select(
        select(func.min(Submission.next_due_at))
        .where(Submission.campaign_id == bindparam("campaign_id"))
        .scalar_subquery(),
        select(Campaign.next_due_at).where(Campaign.id == bindparam("campaign_id")).scalar_subquery(),
    )


@cache
def _new_messages_query() -> Any:
    return (
        select(Notification)
        .where(
            Notification.campaign_id == bindparam("campaign_id"),
            col(Notification.id) > bindparam("after"),
        )
        .order_by(col(Notification.id))
    )


def _aware(value: datetime | str) -> datetime:
    # an aggregate (MIN) skips the column type, so SQLite hands back text and naive values
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _collect(
    session: Session,
    campaign_id: int,
    last_id: int,
    local: Callable[[datetime], date],
    result: SimulationResult,
) -> tuple[int, datetime | None]:
    """Report the messages queued since `last_id`, mark them sent (the scheduler delivers within a
    minute) and read the next planned instant, all in one transaction; (last id, next instant)."""
    rows = session.exec(_new_messages_query(), params={"campaign_id": campaign_id, "after": last_id}).all()
    for row in rows:
        (result.folded if row.status == HELD else result.messages).append(_message(row, local))
        last_id = max(last_id, row.id or 0)
    if rows:
        session.exec(
            update(Notification)
            .where(col(Notification.id).in_([r.id for r in rows]), Notification.status == "pending")
            .values(status="sent", sent_at=rows[-1].created_at)
        )
    return last_id, _next_due(session, campaign_id)
