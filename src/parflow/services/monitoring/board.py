"""Home Affairs' board: every agency of a campaign in one table, with where it stands.

Built for large campaigns: everything is read in a fixed number of queries (campaign, submissions
with their agencies, lateness record and self-assessment progress counters, the calendar,
milestones and extensions through `CampaignDeadlines`, the last reminder of each submission with
its recipients, the leaves to score per criteria set, and one grouped query over the audit trail
for the last activity), whatever the number of agencies. Work that depends only on a state or a
due date is computed once and shared by every row with it. Search, filters and sorting run on the
rows in memory (Vietnamese collation from `parflow.i18n.collation`); the exports write exactly the
rows the page shows, in its order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlencode

from sqlalchemy import and_, case, func, or_, type_coerce
from sqlmodel import Session, col, select

from parflow.domain.deadlines import Deadline, open_milestones
from parflow.domain.errors import Forbidden, NotFound
from parflow.domain.reminders import SubmissionView, remaining_working_days
from parflow.domain.season import Standing, standing
from parflow.domain.workflow import Label, WorkflowDefinition
from parflow.i18n.collation import matches, vietnamese_key
from parflow.services.common.access import CAMPAIGN_WIDE_READERS, Principal
from parflow.services.common.joins import AGENCY_OF_SUBMISSION
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.due import MILESTONE_STAMPS, CampaignDeadlines
from parflow.services.results.service import GROUPS
from parflow.store.models import (
    Agency,
    AuditEntry,
    Campaign,
    CriteriaSet,
    Criterion,
    Notification,
    Submission,
)
from parflow.store.types import UTCDateTime

CHASING_KINDS = ("reminder", "escalation")
REMIND_NOW = "remind_now"
# audit actions that are not the agency's own work: they do not count as its last activity
NOT_ACTIVITY = ("remind",)
SORTS = ("", "name", "days", "progress")
QUERY_MAX = 100


@dataclass(frozen=True)
class LastReminder:
    kind: str  # reminder | escalation | remind_now
    sent_at: datetime  # delivered (reminder, escalation) or queued (remind_now)
    recipients: tuple[str, ...] = ()  # names, in the order the rows were written


@dataclass(frozen=True, slots=True)
class Progress:
    """The agency's self-assessment: leaves scored of those it must score, scored leaves with
    neither evidence nor explanation, and what the submit guard would still list (both)."""

    scored: int
    total: int
    evidence_missing: int

    @property
    def blockers(self) -> int:
        return self.total - self.scored + self.evidence_missing

    @property
    def percent(self) -> int:
        return round(100 * self.scored / self.total) if self.total else 100


@dataclass(frozen=True)
class BoardFilters:
    group: str | None = None
    state: str | None = None
    q: str = ""
    overdue: bool = False
    at_risk: bool = False
    sort: str = ""

    def query_string(self, **changes: object) -> str:
        """The filters as a URL query (for links that keep them, the exports and remind-now)."""
        values = {
            "group": self.group or "",
            "state": self.state or "",
            "q": self.q,
            "overdue": "1" if self.overdue else "",
            "at_risk": "1" if self.at_risk else "",
            "sort": self.sort,
        }
        values.update({k: str(v) for k, v in changes.items()})
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def active(self) -> bool:
        return bool(self.group or self.state or self.q or self.overdue or self.at_risk)


@lru_cache(maxsize=65536)
def _name_key(name: str) -> tuple[bytes, ...]:
    # agency names hardly change between requests: their collation keys are made once
    return vietnamese_key(name)


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
    progress: Progress | None = None
    last_activity: datetime | None = None
    at_risk: bool = False
    self_late_days: int | None = None
    appraisal_late_days: int | None = None
    standing: Standing = Standing.running  # only a running row has a next deadline


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
    filters: BoardFilters = field(default_factory=BoardFilters)
    at_risk: int = 0  # in the selected group
    # a past season (`domain.season`): no row counts days, the page says the season is over
    season_over: bool = False


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
    """The latest chasing of each submission, with every recipient of it (one query): a reminder
    or escalation once delivered, or a remind-now as soon as Home Affairs queued it (it shows
    at once that the agency was reminded today). Rows of one chasing share their `created_at`."""
    chasing = and_(
        Notification.campaign_id == campaign_id,
        col(Notification.submission_id).is_not(None),
        or_(
            and_(col(Notification.kind).in_(CHASING_KINDS), Notification.status == "sent"),
            and_(Notification.kind == REMIND_NOW, col(Notification.status).not_in(("cancelled", "dead"))),
        ),
    )
    # one instant per row, converted once: when a remind-now was queued, when the others went out
    when = type_coerce(
        case(
            (Notification.kind == REMIND_NOW, Notification.created_at),
            else_=func.coalesce(Notification.sent_at, Notification.created_at),
        ),
        UTCDateTime,
    )
    # a window, not a join on max(created_at): PostgreSQL planned that join as a nested loop over
    # every chasing row (4 s at 2,205 agencies); the window is one pass on both databases
    ranked = (
        select(
            Notification.id,
            Notification.submission_id,
            Notification.kind,
            when.label("at"),
            Notification.recipient_name,
            func.rank()
            .over(partition_by=Notification.submission_id, order_by=col(Notification.created_at).desc())
            .label("place"),
        )
        .where(chasing)
        .subquery()
    )
    query = (
        select(ranked.c.submission_id, ranked.c.kind, ranked.c.at, ranked.c.recipient_name)
        .where(ranked.c.place == 1)
        .order_by(ranked.c.submission_id, ranked.c.id)
    )
    found: dict[int, tuple[str, datetime, list[str]]] = {}
    for submission_id, kind, at, name in session.exec(query).all():
        current = found.get(submission_id)
        if current is None:
            found[submission_id] = (kind, at, [name])
        else:
            if name not in current[2]:
                current[2].append(name)
            if at > current[1]:
                found[submission_id] = (current[0], at, current[2])
    return {sid: LastReminder(kind, at, tuple(names)) for sid, (kind, at, names) in found.items()}


def leaves_to_score(session: Session, campaign_id: int) -> dict[int, int]:
    """Per criteria set of the campaign, the leaves its agencies score themselves (one query)."""
    rows = session.exec(
        select(Criterion.set_id, func.count())  # type: ignore[call-overload]
        .join(CriteriaSet, col(CriteriaSet.id) == col(Criterion.set_id))
        .where(
            CriteriaSet.campaign_id == campaign_id,
            col(Criterion.is_leaf),
            Criterion.scored_by == "agency",
        )
        .group_by(col(Criterion.set_id))
    ).all()
    return {set_id: count for set_id, count in rows}


def last_activity(session: Session, campaign_id: int) -> dict[int, datetime]:
    """The last audited change to each submission (scores, evidence, transitions), Home Affairs'
    reminders left out: they are not the agency's work (one grouped query)."""
    rows = session.exec(
        select(AuditEntry.submission_id, func.max(AuditEntry.at))  # type: ignore[call-overload]
        .where(
            AuditEntry.campaign_id == campaign_id,
            col(AuditEntry.submission_id).is_not(None),
            col(AuditEntry.action).not_in(NOT_ACTIVITY),
        )
        .group_by(col(AuditEntry.submission_id))
    ).all()
    return {sid: at for sid, at in rows if sid is not None and at is not None}


def campaign_board(
    session: Session,
    rt: Runtime,
    principal: Principal,
    code: str,
    *,
    group: str | None = None,
    state: str | None = None,
    filters: BoardFilters | None = None,
) -> Board:
    """The board of a campaign with `filters` applied (unknown values are ignored, not refused:
    they come from links and typed URLs). `group` and `state` are shorthands for the filters."""
    campaign = board_campaign(session, principal, code)
    definition = rt.workflows.definition(campaign.workflow_name)
    f = filters or BoardFilters()
    if group is not None or state is not None:
        f = replace(f, group=group, state=state)
    f = replace(
        f,
        group=f.group if f.group in GROUPS else None,
        state=f.state if f.state in definition.states else None,
        q=" ".join(f.q.split())[:QUERY_MAX],
        sort=f.sort if f.sort in SORTS else "",
    )
    now = rt.clock.now()
    deadlines = CampaignDeadlines(session, campaign)
    calendar = deadlines.calendar
    today = calendar.local_date(now)
    over = deadlines.season_over(now)
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
            Submission.criteria_set_id,
            Submission.self_assessment_late_days,
            Submission.appraisal_late_days,
            Submission.self_scored,
            Submission.self_unsupported,
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
    cid = campaign.id or 0
    reminders = last_reminders(session, cid)
    in_self_assessment = [s for s in definition.states if definition.in_phase(s, "self_assessment")]
    to_score = leaves_to_score(session, cid)
    activity = last_activity(session, cid)
    self_phase = frozenset(in_self_assessment)
    publication_key = list(definition.milestones)[-1] if definition.milestones else None

    # memoised per state and per due date: thousands of rows share a few of each
    stamp_keys = list(MILESTONE_STAMPS)
    # per (state, which milestones are stamped): the milestones still open, those done, and the
    # working days the remaining steps need at least
    open_cache: dict[tuple[str, tuple[bool, ...]], tuple[list[str], list[str], int]] = {}
    deadline_cache: dict[tuple[str, date], Deadline] = {}
    left_cache: dict[date, int] = {}
    progress_cache: dict[tuple[int, int, int], Progress] = {}

    def still_open(state_key: str, flags: tuple[bool, ...]) -> tuple[list[str], list[str], int]:
        key = (state_key, flags)
        if key not in open_cache:
            answered = frozenset(k for k, flag in zip(stamp_keys, flags, strict=True) if flag)
            pending = open_milestones(definition, state_key, answered)
            needed = remaining_working_days(
                definition, SubmissionView(state_key, answered), campaign.dispute_window_days
            )
            open_cache[key] = (pending, [k for k in definition.milestones if k not in pending], needed)
        return open_cache[key]

    def deadline(milestone: str, due: date) -> Deadline:
        key = (milestone, due)
        if key not in deadline_cache:
            days = calendar.working_days_between(today, due)
            deadline_cache[key] = Deadline(milestone, due, days, today > due)
        return deadline_cache[key]

    def days_until(due: date) -> int:
        if due not in left_cache:
            left_cache[due] = calendar.working_days_between(today, due)
        return left_cache[due]

    def progress(scored: int, total: int, missing: int) -> Progress:
        key = (scored, total, missing)
        if key not in progress_cache:
            progress_cache[key] = Progress(scored, total, missing)
        return progress_cache[key]

    group_counts = dict.fromkeys(GROUPS, 0)
    state_counts = dict.fromkeys(definition.states, 0)
    done = dict.fromkeys(definition.milestones, 0)
    counted = 0
    overdue = 0
    at_risk_count = 0
    rows: list[BoardRow] = []
    stamps_end = 10 + len(stamp_keys)
    # tuples by position: attribute access on thousands of result rows is what would cost here
    for r in rows_in:
        sid, agency_id, state_key, version, excluded, set_id = r[:6]
        self_late, appraisal_late, scored, missing = r[6:10]
        code, name, name_en, agency_group = r[stamps_end:]
        group_counts[agency_group] = group_counts.get(agency_group, 0) + 1
        pending, finished, needed = still_open(state_key, tuple(r[10:stamps_end]))
        if not excluded:
            counted += 1
            for key in finished:
                done[key] += 1
        if f.group and agency_group != f.group:
            continue
        state_counts[state_key] += 1
        dates = deadlines.dates_for(agency_id)
        where = standing(campaign.published_at, state_key in definition.final, over)
        running = where is Standing.running
        nxt = deadline(pending[0], dates[pending[0]]) if running and pending and pending[0] in dates else None
        late_now = nxt is not None and nxt.overdue and not excluded
        if late_now:
            overdue += 1
        risky = (
            running
            and not excluded
            and state_key not in definition.final
            and publication_key is not None
            and publication_key in dates
            and needed > days_until(dates[publication_key])
        )
        if risky:
            at_risk_count += 1
        if f.state and state_key != f.state:
            continue
        if f.overdue and not late_now:
            continue
        if f.at_risk and not risky:
            continue
        if f.q and not (matches(f.q, name) or matches(f.q, code) or (name_en and matches(f.q, name_en))):
            continue
        total = to_score.get(set_id or 0, 0)
        # once sent, the submit guard saw every leaf scored and supported
        prog = progress(scored, total, missing) if state_key in self_phase else progress(total, total, 0)
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
                progress=prog,
                last_activity=activity.get(sid),
                at_risk=risky,
                self_late_days=self_late,
                appraisal_late_days=appraisal_late,
                standing=where,
            )
        )
    rows = sort_rows(rows, f.sort)
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
        group=f.group,
        state=f.state,
        filters=f,
        at_risk=at_risk_count,
        season_over=over,
    )


def sort_rows(rows: list[BoardRow], sort: str) -> list[BoardRow]:
    """`name`: Vietnamese alphabetical order; `days`: the least working days left first (the most
    overdue at the top, rows without a deadline last); `progress`: the nearest to done first
    (fewest blockers, then most scored). The default: departments, then urban, then rural
    districts, as results are published, each in Vietnamese alphabetical order. Ties by name."""
    if sort == "days":
        return sorted(
            rows,
            key=lambda r: (
                r.next is None,
                r.next.working_days_left if r.next else 0,
                _name_key(r.agency_name),
            ),
        )
    if sort == "progress":
        return sorted(
            rows,
            key=lambda r: (
                r.progress.blockers if r.progress else 1 << 30,
                -(r.progress.percent if r.progress else 0),
                _name_key(r.agency_name),
            ),
        )
    if sort == "name":
        return sorted(rows, key=lambda r: _name_key(r.agency_name))
    group_order = {key: i for i, key in enumerate(GROUPS)}
    return sorted(rows, key=lambda r: (group_order.get(r.group, len(group_order)), _name_key(r.agency_name)))
