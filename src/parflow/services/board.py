"""Home Affairs' board: every agency of a campaign in one table, with where it stands.

Built for large campaigns: everything is read in a fixed number of queries (campaign, submissions
with their agencies, the calendar, milestones and extensions through `CampaignDeadlines`, and one
grouped query for the last reminder of each submission), whatever the number of agencies. Work
that depends only on a state or a due date is computed once and shared by every row with it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from parflow.domain.deadlines import Deadline, open_milestones
from parflow.domain.errors import Forbidden, NotFound
from parflow.domain.workflow import Label, WorkflowDefinition
from parflow.services.access import CAMPAIGN_WIDE_READERS, Principal
from parflow.services.campaigns import get_campaign
from parflow.services.deadlines import MILESTONE_STAMPS, CampaignDeadlines
from parflow.services.results import GROUPS
from parflow.services.runtime import Runtime
from parflow.store.models import Agency, Campaign, Notification, Submission

CHASING_KINDS = ("reminder", "escalation")


@dataclass(frozen=True)
class LastReminder:
    kind: str
    sent_at: datetime


@dataclass(frozen=True)
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
    pairs = session.exec(
        select(Submission, Agency)
        .join(Agency, col(Agency.id) == col(Submission.agency_id))
        .where(Submission.campaign_id == campaign.id)
        .order_by(col(Agency.code))
    ).all()
    # departments, then urban, then rural districts, as the results are published
    group_order = {key: i for i, key in enumerate(GROUPS)}
    pairs = sorted(pairs, key=lambda pair: group_order.get(pair[1].group, len(group_order)))
    reminders = last_reminders(session, campaign.id or 0)

    # memoised per (state, answered milestones) and per due date: thousands of rows share a few
    open_cache: dict[tuple[str, frozenset[str]], list[str]] = {}
    days_cache: dict[date, int] = {}

    def still_open(submission: Submission) -> list[str]:
        answered = frozenset(k for k, attr in MILESTONE_STAMPS.items() if getattr(submission, attr))
        key = (submission.state, answered)
        if key not in open_cache:
            open_cache[key] = open_milestones(definition, submission.state, answered)
        return open_cache[key]

    def working_days_left(due: date) -> int:
        if due not in days_cache:
            days_cache[due] = calendar.working_days_between(today, due)
        return days_cache[due]

    group_counts: Counter[str] = Counter()
    state_counts: Counter[str] = Counter()
    done: Counter[str] = Counter()
    counted = 0
    overdue = 0
    rows: list[BoardRow] = []
    for submission, agency in pairs:
        group_counts[agency.group] += 1
        pending = still_open(submission)
        excluded = submission.excluded_reason is not None
        if not excluded:
            counted += 1
            for key in definition.milestones:
                if key not in pending:
                    done[key] += 1
        if group and agency.group != group:
            continue
        state_counts[submission.state] += 1
        dates = deadlines.dates_for(submission.agency_id)
        nxt = None
        if pending and pending[0] in dates:
            due = dates[pending[0]]
            nxt = Deadline(pending[0], due, working_days_left(due), today > due)
        if nxt is not None and nxt.overdue and not excluded:
            overdue += 1
        if state and submission.state != state:
            continue
        rows.append(
            BoardRow(
                submission_id=submission.id or 0,
                agency_code=agency.code,
                agency_name=agency.name,
                agency_name_en=agency.name_en,
                group=agency.group,
                state=submission.state,
                version=submission.version,
                next=nxt,
                extended=nxt is not None and nxt.due != deadlines.base.get(nxt.milestone),
                last_reminder=reminders.get(submission.id or 0),
                excluded=excluded,
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
        state_counts={s: state_counts[s] for s in definition.states},
        group_counts={g: group_counts[g] for g in GROUPS},
        overdue=overdue,
        milestones=milestones,
        group=group,
        state=state,
    )
