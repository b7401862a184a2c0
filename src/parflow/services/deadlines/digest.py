"""The daily digest: one message a day for each person who watches every agency (Home Affairs
officers and the city leadership) instead of one per agency and event.

`enqueue_due_digests` is called by every scheduler tick. On each working day of a running campaign
(not yet published), from 07:00 local time, it queues one `daily_digest` row per Home Affairs
and city leadership person, keyed `daily_digest:<campaign>:<person>:<yyyy-mm-dd>`: ticks that
come again the same day, or from a second scheduler, write nothing. The digest is skipped on a
day with nothing to say (no submission overdue, none due within 7 working days, no state change
and no held message since the last digest). Messages held for the person (`outbox.HELD`: the
escalations, reminders and event notices that would each have been an e-mail) become the digest's
`events` and are marked `digested` in the same transaction. After publication one last digest
still goes out to whoever has held messages (the "published" notice among them).

The city leadership's digest (`audience` "city_leader") is the short one: the templates show its
held events, the overdue agencies and the submissions whose publication is at risk.

What it summarises (context documented in notifications/README.md): how many submissions are in
each state; how many state changes happened since the previous working day's digest; which
submissions became overdue since then; every submission overdue now; and which have at most 7
working days left (counted like every deadline in parflow: a horizon in calendar days hid a
deadline five working days away behind a weekend, and stretched over Tết).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import String, bindparam, cast, literal
from sqlmodel import Session, col, func, select

from parflow.domain.calendar import WorkingCalendar
from parflow.domain.reminders import SubmissionView, remaining_working_days
from parflow.domain.roles import Role
from parflow.i18n.collation import vietnamese_key
from parflow.services.common import outbox
from parflow.services.common.joins import AGENCY_OF_SUBMISSION
from parflow.services.common.notices import agency_ref, campaign_ref, submission_path
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.due import CampaignDeadlines, answered_milestones
from parflow.store.models import (
    Agency,
    AuditEntry,
    CalendarDay,
    Campaign,
    Notification,
    Person,
    RoleAssignment,
    Submission,
)

KIND = "daily_digest"
SEND_FROM = time(7, 0)
DUE_SOON_WORKING_DAYS = 7
READERS = (Role.home_affairs.value, Role.city_leader.value)


def digest_key(campaign_id: int, person_id: int, day: date) -> str:
    return f"{KIND}:{campaign_id}:{person_id}:{day.isoformat()}"


def enqueue_due_digests(session: Session, rt: Runtime, now: datetime, campaign_id: int | None = None) -> int:
    """Queue today's digest for every Home Affairs person whose digest is due; returns rows written.

    Runs on every tick, so what it costs when nothing is due must not follow the number of
    campaigns or submissions: per time zone, one query finds the Home Affairs people of running
    campaigns who have no digest key for today yet (usually none after the first tick of the
    day); only their campaigns are then read in full.
    """
    written = 0
    zones = session.exec(_zones_query()).all()
    for zone in zones:
        national = WorkingCalendar(zone)
        today = national.local_date(now)
        if now < national.at_local(today, SEND_FROM):
            continue
        exceptions = dict(session.exec(_exceptions_query(), params={"day": today}).all())
        if not national.is_working_day(today) and not any(exceptions.values()):
            continue
        owed = _owed(session, zone, today, campaign_id)
        by_campaign: dict[int, list[int]] = defaultdict(list)
        # not `campaign_id`: that is the caller's filter, and the next zone still needs it
        for owed_campaign, person_id in owed:
            if exceptions.get(owed_campaign, national.is_working_day(today)):
                by_campaign[owed_campaign].append(person_id)
        if not by_campaign:
            continue
        ids = sorted({p for ps in by_campaign.values() for p in ps})
        people = {p.id: p for p in session.exec(_people_query(), params={"ids": ids})}
        for campaign in session.exec(_campaigns_query(), params={"ids": list(by_campaign)}).all():
            cid = campaign.id or 0
            roles = _reader_roles(session, cid, by_campaign[cid])
            held = _held(session, cid, by_campaign[cid])
            shared = digest_context(session, rt, campaign, CampaignDeadlines(session, campaign), now)
            digests: list[dict[str, Any]] = []
            listed: dict[str, list[Notification]] = {}
            for person_id in by_campaign[cid]:
                rows = held.get(person_id, [])
                if shared is None and not rows:
                    continue
                if shared is None or campaign.published_at is not None:
                    context = _events_only(campaign, now)
                else:
                    context = dict(shared)
                context["audience"] = roles.get(person_id, Role.home_affairs.value)
                # every held message, for the record (and `parflow simulate`); the templates show
                # them grouped
                context["events"] = [_event(row) for row in rows]
                context["events_total"] = len(rows)
                context["event_groups"] = group_events(context["events"], board_path(campaign))
                key = digest_key(cid, person_id, today)
                digests.append(
                    outbox.message(
                        key=key,
                        kind=KIND,
                        person=people[person_id],
                        now=now,
                        context=context,
                        campaign_id=cid,
                        role=context["audience"],
                    )
                )
                listed[key] = rows
            # the campaign's digests in one statement; a digest another tick wrote first is
            # skipped, and only the events of a digest written here are marked as listed
            for key in outbox.enqueue_new(session, digests):
                written += 1
                for row in listed[key]:
                    row.status = outbox.DIGESTED
                    session.add(row)
    return written


# Every tick runs the queries below; built once with bind parameters, they cost their execution
# only (building the `_owed` statement took ten times longer than running it).


@cache
def _zones_query() -> Any:
    return select(Campaign.timezone).where(_running_or_held()).distinct()


@cache
def _people_query() -> Any:
    return select(Person).where(col(Person.id).in_(bindparam("ids", expanding=True)))


@cache
def _campaigns_query() -> Any:
    return select(Campaign).where(col(Campaign.id).in_(bindparam("ids", expanding=True)))


@cache
def _exceptions_query() -> Any:
    return select(CalendarDay.campaign_id, CalendarDay.working).where(CalendarDay.day == bindparam("day"))


def _running_or_held() -> Any:
    """Campaigns that still owe digests: not yet published, or with held messages left over."""
    held = (
        select(Notification.id)
        .where(Notification.campaign_id == Campaign.id, Notification.status == outbox.HELD)
        .exists()
    )
    return col(Campaign.published_at).is_(None) | held


def _reader_roles(session: Session, campaign_id: int, person_ids: list[int]) -> dict[int, str]:
    """Each reader's role; Home Affairs wins for someone holding both (the fuller digest)."""
    found: dict[int, str] = {}
    params = {"campaign_id": campaign_id, "ids": person_ids}
    for person_id, role in session.exec(_reader_roles_query(), params=params).all():
        if found.get(person_id) != Role.home_affairs.value:
            found[person_id] = role
    return found


@cache
def _reader_roles_query() -> Any:
    return select(RoleAssignment.person_id, RoleAssignment.role).where(
        RoleAssignment.campaign_id == bindparam("campaign_id"),
        col(RoleAssignment.person_id).in_(bindparam("ids", expanding=True)),
        col(RoleAssignment.role).in_(READERS),
    )


def _held(session: Session, campaign_id: int, person_ids: list[int]) -> dict[int, list[Notification]]:
    out: dict[int, list[Notification]] = defaultdict(list)
    for row in session.exec(_held_query(), params={"campaign_id": campaign_id, "ids": person_ids}):
        out[row.person_id or 0].append(row)
    return out


@cache
def _held_query() -> Any:
    return (
        select(Notification)
        .where(
            Notification.campaign_id == bindparam("campaign_id"),
            Notification.status == outbox.HELD,
            col(Notification.person_id).in_(bindparam("ids", expanding=True)),
        )
        .order_by(col(Notification.created_at), col(Notification.id))
    )


def _event(row: Notification) -> dict[str, Any]:
    """One held message as a line of the digest: what, about whom, when, and where to look."""
    ctx = row.context or {}
    item: dict[str, Any] = {"kind": row.kind, "at": row.created_at.isoformat(), "key": row.key}
    for name in ("agency", "milestone", "due_date", "working_days_overdue", "working_days_left"):
        if name in ctx:
            item[name] = ctx[name]
    if "agencies" in ctx and "agency" not in ctx:
        item["agencies"] = ctx["agencies"]
    if "event_label" in ctx:
        item["label"] = ctx["event_label"]
    elif "reason" in ctx and isinstance(ctx["reason"], dict):
        item["label"] = ctx["reason"]
    elif "milestone" in ctx:
        item["label"] = {k: ctx["milestone"][k] for k in ("vi", "en")}
    else:
        item["label"] = None
    item["action_path"] = ctx.get("action_path") or "/"
    return item


def group_events(events: list[dict[str, Any]], board: str) -> list[dict[str, Any]]:
    """Events that say the same thing about different agencies, as one line each: 35 escalations
    "three working days overdue" of one milestone are one line naming 35 agencies. In order of
    the first event of each group; agencies in Vietnamese alphabetical order."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for event in events:
        milestone = (event.get("milestone") or {}).get("key")
        per_agency = event["kind"] in ("reminder", "escalation")
        label = event.get("label") or {}
        key = (
            event["kind"],
            milestone,
            event.get("due_date"),
            event.get("working_days_overdue"),
            event.get("working_days_left"),
            None if per_agency else label.get("vi"),
        )
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "kind": event["kind"],
                "at": event["at"],
                "label": None if per_agency else event.get("label"),
                "agencies": [],
                "count": 0,
                "action_path": event["action_path"],
            }
            for name in ("milestone", "due_date", "working_days_overdue", "working_days_left"):
                if name in event:
                    group[name] = event[name]
        group["count"] += 1
        for agency in [event["agency"]] if "agency" in event else event.get("agencies", []):
            if all(a["code"] != agency["code"] for a in group["agencies"]):
                group["agencies"].append(agency)
    for group in groups.values():
        group["agencies"].sort(key=lambda a: vietnamese_key(a["name"]))
        if len(group["agencies"]) > 1:
            group["action_path"] = board
    return list(groups.values())


def _events_only(campaign: Campaign, now: datetime) -> dict[str, Any]:
    """The digest of a day with nothing but held events (or after publication)."""
    return {
        "campaign": campaign_ref(campaign),
        "action_path": board_path(campaign),
        "date": WorkingCalendar(campaign.timezone).local_date(now).isoformat(),
        "since": None,
        "total": 0,
        "changes": 0,
        "states": [],
        "became_overdue": [],
        "overdue": [],
        "at_risk": [],
        "publication_date": None,
        "due_soon": [],
    }


def board_path(campaign: Campaign) -> str:
    return f"/campaigns/{campaign.code}/board"


def _owed(session: Session, zone: str, today: date, campaign_id: int | None) -> list[tuple[int, int]]:
    """(campaign, person) of active Home Affairs people of running campaigns in `zone` without
    today's digest key; the key's unique index answers each NOT EXISTS."""
    params: dict[str, Any] = {"zone": zone, "day_suffix": f":{today.isoformat()}"}
    if campaign_id is not None:
        params["campaign_id"] = campaign_id
    rows = session.exec(_owed_query(campaign_id is not None), params=params).all()
    return [(c, p) for c, p in rows]


@cache
def _owed_query(one_campaign: bool) -> Any:
    key = (
        literal(f"{KIND}:")
        + cast(RoleAssignment.campaign_id, String)
        + literal(":")
        + cast(RoleAssignment.person_id, String)
        + bindparam("day_suffix", type_=String)
    )
    written = select(Notification.id).where(Notification.key == key).exists()
    query = select(RoleAssignment.campaign_id, RoleAssignment.person_id)
    if one_campaign:
        query = query.where(RoleAssignment.campaign_id == bindparam("campaign_id"))
    return (
        query.join(Campaign, col(Campaign.id) == col(RoleAssignment.campaign_id))
        .join(Person, col(Person.id) == col(RoleAssignment.person_id))
        .where(
            col(RoleAssignment.role).in_(READERS),
            col(Campaign.published_at).is_(None) | _has_held(RoleAssignment.person_id),
            Campaign.timezone == bindparam("zone"),
            col(Person.active),
            ~written,
        )
        .distinct()
        .order_by(col(RoleAssignment.campaign_id), col(RoleAssignment.person_id))
    )


def _has_held(person: Any) -> Any:
    return (
        select(Notification.id)
        .where(
            Notification.campaign_id == RoleAssignment.campaign_id,
            Notification.person_id == person,
            Notification.status == outbox.HELD,
        )
        .exists()
    )


def previous_working_day(calendar: WorkingCalendar, day: date) -> date:
    current = day - timedelta(days=1)
    while not calendar.is_working_day(current):
        current -= timedelta(days=1)
    return current


def digest_context(
    session: Session, rt: Runtime, campaign: Campaign, deadlines: CampaignDeadlines, now: datetime
) -> dict[str, Any] | None:
    """The digest's plain-JSON context, or None when there is nothing worth a message."""
    definition = rt.workflows.definition(campaign.workflow_name)
    calendar = deadlines.calendar
    today = calendar.local_date(now)
    since = previous_working_day(calendar, today)
    rows = session.exec(_submissions_query(), params={"campaign_id": campaign.id}).all()
    counts: Counter[str] = Counter()
    publication = calendar_publication(definition, deadlines)
    at_risk: list[dict[str, Any]] = []
    overdue: list[dict[str, Any]] = []
    became_overdue: list[dict[str, Any]] = []
    due_soon: list[dict[str, Any]] = []
    # labels as plain dicts, made once per state and milestone rather than once per submission
    state_labels: dict[str, dict[str, Any]] = {}
    milestone_labels: dict[str, dict[str, Any]] = {}
    for submission, agency in rows:
        counts[submission.state] += 1
        if submission.excluded_reason:
            continue
        nxt = deadlines.for_submission(submission, definition, now).next
        if nxt is None:
            continue
        if submission.state not in state_labels:
            state_labels[submission.state] = definition.states[submission.state].model_dump()
        if nxt.milestone not in milestone_labels:
            milestone_labels[nxt.milestone] = definition.milestones[nxt.milestone].label.model_dump()
        item = {
            "agency": agency_ref(agency),
            "submission_id": submission.id,
            "state": {"key": submission.state, **state_labels[submission.state]},
            "milestone": {"key": nxt.milestone, **milestone_labels[nxt.milestone]},
            "due_date": nxt.due.isoformat(),
            "working_days": abs(nxt.working_days_left),
            "action_path": submission_path(submission),
        }
        if publication is not None and submission.state not in definition.final:
            view = SubmissionView(submission.state, frozenset(answered_milestones(submission)))
            needed = remaining_working_days(definition, view, campaign.dispute_window_days)
            if needed > calendar.working_days_between(today, publication):
                at_risk.append({**item, "needed": needed})
        if nxt.overdue:
            overdue.append(item)
            if nxt.due >= since:  # overdue since the end of its due date, after the last digest
                became_overdue.append(item)
        elif nxt.working_days_left <= DUE_SOON_WORKING_DAYS:
            due_soon.append(item)
    for items in (overdue, became_overdue, due_soon, at_risk):
        items.sort(key=lambda i: (i["agency"]["group"], vietnamese_key(i["agency"]["name"])))
    changes = _transitions_since(session, campaign, calendar.at_local(since, SEND_FROM), now)
    if not overdue and not due_soon and not changes:
        return None
    return {
        "campaign": campaign_ref(campaign),
        "action_path": board_path(campaign),
        "date": today.isoformat(),
        "since": since.isoformat(),
        "total": len(rows),
        "changes": changes,
        "states": [
            {"key": key, **label.model_dump(), "count": counts[key]}
            for key, label in definition.states.items()
            if counts[key]
        ],
        "became_overdue": became_overdue,
        "overdue": overdue,
        "at_risk": at_risk,
        "publication_date": publication.isoformat() if publication else None,
        "due_soon": due_soon,
    }


@cache
def _submissions_query() -> Any:
    return (
        select(Submission, Agency)
        .join(Agency, AGENCY_OF_SUBMISSION)
        .where(Submission.campaign_id == bindparam("campaign_id"))
        .order_by(col(Agency.group), col(Agency.code))
    )


def calendar_publication(definition: Any, deadlines: CampaignDeadlines) -> date | None:
    """The workflow's last milestone (publication), as the monitoring board reads it."""
    if not definition.milestones:
        return None
    return deadlines.base.get(list(definition.milestones)[-1])


def _transitions_since(session: Session, campaign: Campaign, start: datetime, end: datetime) -> int:
    params = {"campaign_id": campaign.id, "start": start, "end": end}
    return int(session.exec(_transitions_query(), params=params).one())


@cache
def _transitions_query() -> Any:
    return (
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.campaign_id == bindparam("campaign_id"),
            AuditEntry.action == "transition",
            col(AuditEntry.at) >= bindparam("start", type_=AuditEntry.__table__.c.at.type),  # type: ignore[attr-defined]
            col(AuditEntry.at) <= bindparam("end", type_=AuditEntry.__table__.c.at.type),  # type: ignore[attr-defined]
        )
    )
