"""Home Affairs' board: every agency of a campaign in one table, with where it stands.

Built for large campaigns: everything is read in a fixed number of queries (campaign, submissions
with their agencies, the calendar, milestones and extensions through `CampaignDeadlines`, and one
grouped query for the last reminder of each submission), whatever the number of agencies. Work
that depends only on a state or a due date is computed once and shared by every row with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from parflow.domain.deadlines import Deadline, open_milestones
from parflow.domain.errors import Forbidden, NotFound
from parflow.domain.workflow import Label, WorkflowDefinition
from parflow.services.common.access import CAMPAIGN_WIDE_READERS, Principal
from parflow.services.common.joins import AGENCY_OF_SUBMISSION
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.due import MILESTONE_STAMPS, CampaignDeadlines
from parflow.services.results.service import GROUPS
from parflow.store.models import Agency, Campaign, Notification, Submission

CHASING_KINDS = ("reminder", "escalation")


@dataclass(frozen=True)
class LastReminder:
    kind: str
    sent_at: datetime


@dataclass(slots=True)
class BoardRow:
    submission_id: int
    agency_code: str
    agency_name: str
    agency_name_en: str | None
    group: str
    state: str
    version: int
    next: Deadline | None
    extended: bool
    last_reminder: LastReminder | None
    excluded: bool


@dataclass(frozen=True)
class MilestoneProgress:
    key: str
    label: Label
    due_date: date | None
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class Board:
    campaign: Campaign
    definition: WorkflowDefinition
    today: date
    rows: list[BoardRow]
    total: int  # submissions in the selected group (before the state filter)
    state_counts: dict[str, int]
    group_counts: dict[str, int]
    overdue: int
    milestones: list[MilestoneProgress]
    group: str | None = None
    state: str | None = None
    groups: dict[str, Label] = field(default_factory=lambda: dict(GROUPS))


def board_campaign(session: Session, principal: Principal, code: str) -> Campaign:
    """The campaign, if the caller has a campaign-wide view of it (Home Affairs, city leaders,
    viewers); 404 for outsiders, 403 for other participants."""
    campaign = get_campaign(session, code)
    roles = principal.roles_in(campaign.id or 0)
    if not roles:
        raise NotFound("campaign.not_found", code=code)
    if not roles & CAMPAIGN_WIDE_READERS:
        raise Forbidden("board.forbidden")
    return campaign


def last_reminders(session: Session, campaign_id: int) -> dict[int, LastReminder]:
    """The most recent reminder or escalation delivered about each submission (one query)."""
    query = (
        select(Notification.submission_id, Notification.kind, func.max(Notification.sent_at))
        .where(
            Notification.campaign_id == campaign_id,
            col(Notification.kind).in_(CHASING_KINDS),
            Notification.status == "sent",
            col(Notification.submission_id).is_not(None),
        )
        .group_by(col(Notification.submission_id), col(Notification.kind))
    )
    latest: dict[int, LastReminder] = {}
    for submission_id, kind, sent_at in session.exec(query).all():  # type: ignore[call-overload]
        if sent_at is None or submission_id is None:
            continue
        current = latest.get(submission_id)
        if current is None or sent_at > current.sent_at:
            latest[submission_id] = LastReminder(kind, sent_at)
    return latest


def campaign_board(
    session: Session,
    rt: Runtime,
    principal: Principal,
    code: str,
    *,
    group: str | None = None,
    state: str | None = None,
) -> Board:
    campaign = board_campaign(session, principal, code)
    definition = rt.workflows.definition(campaign.workflow_name)
    group = group if group in GROUPS else None
    state = state if state in definition.states else None
    now = rt.clock.now()
    deadlines = CampaignDeadlines(session, campaign)
    calendar = deadlines.calendar
    today = calendar.local_date(now)
    # plain columns, not ORM objects: thousands of rows load several times faster this way, and
    # the milestone stamps are only asked whether they are set
    stamps = [col(getattr(Submission, attr)).is_not(None).label(attr) for attr in MILESTONE_STAMPS.values()]
    rows_in = session.exec(
        select(  # type: ignore[call-overload]
            Submission.id,
            Submission.agency_id,
            Submission.state,
            Submission.version,
            col(Submission.excluded_reason).is_not(None).label("excluded"),
            *stamps,
            Agency.code,
            Agency.name,
            Agency.name_en,
            Agency.group,
        )
        .join(Agency, AGENCY_OF_SUBMISSION)
        .where(Submission.campaign_id == campaign.id)
        .order_by(col(Agency.code))
    ).all()
    # in the order of GROUPS (departments first), as the results are published
    group_order = {key: i for i, key in enumerate(GROUPS)}
    rows_in = sorted(rows_in, key=lambda r: group_order.get(r.group, len(group_order)))
    reminders = last_reminders(session, campaign.id or 0)

    # memoised per state and per due date: thousands of rows share a few of each
    stamp_keys = list(MILESTONE_STAMPS)
    # per (state, which milestones are stamped): the milestones still open, and those done
    open_cache: dict[tuple[str, tuple[bool, ...]], tuple[list[str], list[str]]] = {}
    deadline_cache: dict[tuple[str, date], Deadline] = {}

    def still_open(state_key: str, flags: tuple[bool, ...]) -> tuple[list[str], list[str]]:
        key = (state_key, flags)
        if key not in open_cache:
            answered = frozenset(k for k, flag in zip(stamp_keys, flags, strict=True) if flag)
            pending = open_milestones(definition, state_key, answered)
            open_cache[key] = (pending, [k for k in definition.milestones if k not in pending])
        return open_cache[key]

    def deadline(milestone: str, due: date) -> Deadline:
        key = (milestone, due)
        if key not in deadline_cache:
            days = calendar.working_days_between(today, due)
            deadline_cache[key] = Deadline(milestone, due, days, today > due)
        return deadline_cache[key]

    group_counts = dict.fromkeys(GROUPS, 0)
    state_counts = dict.fromkeys(definition.states, 0)
    done = dict.fromkeys(definition.milestones, 0)
    counted = 0
    overdue = 0
    rows: list[BoardRow] = []
    stamps_end = 5 + len(stamp_keys)
    # tuples by position: attribute access on thousands of result rows is what would cost here
    for r in rows_in:
        sid, agency_id, state_key, version, excluded = r[:5]
        code, name, name_en, agency_group = r[stamps_end:]
        group_counts[agency_group] = group_counts.get(agency_group, 0) + 1
        pending, finished = still_open(state_key, tuple(r[5:stamps_end]))
        if not excluded:
            counted += 1
            for key in finished:
                done[key] += 1
        if group and agency_group != group:
            continue
        state_counts[state_key] += 1
        dates = deadlines.dates_for(agency_id)
        nxt = deadline(pending[0], dates[pending[0]]) if pending and pending[0] in dates else None
        if nxt is not None and nxt.overdue and not excluded:
            overdue += 1
        if state and state_key != state:
            continue
        rows.append(
            BoardRow(
                submission_id=sid,
                agency_code=code,
                agency_name=name,
                agency_name_en=name_en,
                group=agency_group,
                state=state_key,
                version=version,
                next=nxt,
                extended=nxt is not None and nxt.due != deadlines.base.get(nxt.milestone),
                last_reminder=reminders.get(sid),
                excluded=bool(excluded),
            )
        )
    milestones = [
        MilestoneProgress(key, spec.label, deadlines.base.get(key), done[key], counted)
        for key, spec in definition.milestones.items()
    ]
    return Board(
        campaign=campaign,
        definition=definition,
        today=today,
        rows=rows,
        total=sum(state_counts.values()),
        state_counts=state_counts,
        group_counts={g: group_counts[g] for g in GROUPS},
        # only the groups this campaign has: a 2021 campaign has no wards, a 2025 one no districts
        groups={g: label for g, label in GROUPS.items() if group_counts[g]},
        overdue=overdue,
        milestones=milestones,
        group=group,
        state=state,
    )
