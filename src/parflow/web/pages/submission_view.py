"""What the submission page shows: deadlines, the criteria tree side by side, the actions the reader
may take, and one timeline of transitions, edits and messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from parflow.domain.deadlines import open_milestones
from parflow.domain.errors import Unmet
from parflow.domain.guards import GUARDS
from parflow.domain.roles import AGENCY_ROLES, Role
from parflow.domain.season import Standing
from parflow.domain.workflow import Label, Transition
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.due import CampaignDeadlines, answered_milestones
from parflow.services.evidence.service import can_add_evidence
from parflow.services.lifecycle import notification_log
from parflow.services.lifecycle.guard_facts import SubmissionFacts
from parflow.services.lifecycle.submissions import Located
from parflow.services.scoring.score_sheet import Figures, Sheet, load_sheet
from parflow.store.models import AuditEntry, Criterion, Dispute, Evidence, Notification, Person, Score
from parflow.web.api.scoring_views import appraisal_visible

# Transitions that are not fired from a confirmation page: filing disputes fires `dispute` itself
# (with the leaves and arguments), and publication is one act for the whole campaign.
DISPUTE_GUARD = "has_open_disputes"
CAMPAIGN_GUARD = "campaign_publication"


@dataclass(frozen=True)
class Action:
    trigger: str
    label: Label
    href: str
    kind: str  # "confirm" | "dispute" | "campaign"


@dataclass(frozen=True)
class DeadlineLine:
    key: str
    label: Label
    due: date
    working_days_left: int
    overdue: bool
    extended: bool
    done: bool
    season_over: bool = False  # a past season (domain.season): nothing is counted any more


@dataclass
class TreeRow:
    node: Criterion
    score: Score | None = None
    evidence: list[Evidence] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)
    self_total: Decimal | None = None
    index_total: Decimal | None = None


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    entry: AuditEntry | None = None
    message: Notification | None = None
    actor: str | None = None


@dataclass(frozen=True)
class StateLine:
    """The state as people say it: the workflow's name for it, and what it means today (results
    sent and until when the agency may respond; waiting for the head's confirmation)."""

    label: Label
    detail: Label | None = None


def state_line(session: Session, rt: Runtime, found: Located) -> StateLine:
    definition, submission = found.definition, found.submission
    label = definition.states[submission.state]
    may_dispute_from = {t.source for t in definition.transitions if t.trigger == "dispute"}
    if submission.results_sent_at is not None and submission.state in may_dispute_from:
        closes = SubmissionFacts(
            session, submission, found.campaign, rt.clock.now()
        ).dispute_window_closes_at()
        if closes is not None:
            local = closes.astimezone(ZoneInfo(found.campaign.timezone))
            when = local.strftime("%H:%M %d/%m/%Y")
            if rt.clock.now() <= closes:
                return StateLine(
                    Label(vi="Đã gửi kết quả thẩm định", en="Appraisal results sent"),
                    Label(
                        vi=f"được giải trình đến {when}",
                        en=f"the agency may respond until {when}",
                    ),
                )
            return StateLine(
                Label(vi="Đã gửi kết quả thẩm định", en="Appraisal results sent"),
                Label(vi=f"hết thời hạn giải trình lúc {when}", en=f"the response window closed at {when}"),
            )
    if submission.head_confirmation_requested_at is not None and definition.in_phase(
        submission.state, "self_assessment"
    ):
        local = submission.head_confirmation_requested_at.astimezone(ZoneInfo(found.campaign.timezone))
        when = local.strftime("%H:%M %d/%m/%Y")
        return StateLine(
            label,
            Label(
                vi=f"chờ Lãnh đạo cơ quan xác nhận (đề nghị lúc {when})",
                en=f"waiting for the head's confirmation (asked {when})",
            ),
        )
    return StateLine(label)


@dataclass
class SubmissionView:
    found: Located
    sheet: Sheet
    rows: list[TreeRow]
    visible: bool  # appraised scores visible to this reader
    self_total: Decimal | None
    index_total: Decimal | None
    figures: Figures
    state_line: StateLine
    deadlines: list[DeadlineLine]
    actions: list[Action]
    links: list[tuple[str, Label]]
    timeline: list[TimelineItem]
    people: dict[int, str]
    roles: set[str]
    my_open_disputes: list[Dispute]


def action_for(t: Transition, submission_id: int, campaign_code: str) -> Action:
    if DISPUTE_GUARD in t.guards:
        return Action(t.trigger, t.label, f"/submissions/{submission_id}/disputes", "dispute")
    if CAMPAIGN_GUARD in t.guards:
        return Action(t.trigger, t.label, f"/campaigns/{campaign_code}/publication", "campaign")
    return Action(t.trigger, t.label, f"/submissions/{submission_id}/events/{t.trigger}", "confirm")


def allowed_actions(rt: Runtime, principal: Principal, found: Located) -> list[Action]:
    """Buttons for the transitions the reader's roles allow from the current state (the engine's
    own rule); guards are checked when the person confirms."""
    roles = principal.roles_for_submission(found.campaign.id or 0, found.agency.id or 0)
    engine = rt.workflows.get(found.campaign.workflow_name)
    return [
        action_for(t, found.submission.id or 0, found.campaign.code)
        for t in engine.allowed(found.submission.state, roles)
    ]


def unmet_guards(
    session: Session, rt: Runtime, found: Located, transition: Transition, comment: str | None = None
) -> list[Unmet]:
    """What would stop `transition` right now (read only; the real check runs when it is fired)."""
    facts = SubmissionFacts(session, found.submission, found.campaign, rt.clock.now(), comment)
    unmet: list[Unmet] = []
    for name in transition.guards:
        if name == "comment_given":
            continue  # the person is about to type the comment
        unmet.extend(GUARDS[name](facts))
    return unmet


def deadline_lines(session: Session, rt: Runtime, found: Located) -> list[DeadlineLine]:
    submission, definition = found.submission, found.definition
    view = CampaignDeadlines(session, found.campaign, [submission.agency_id])
    now = rt.clock.now()
    dates = view.dates_for(submission.agency_id)
    found = view.for_submission(submission, definition, now)
    extended = found.extended
    today = view.calendar.local_date(now)
    still_open = set(open_milestones(definition, submission.state, answered_milestones(submission)))
    if found.standing is Standing.done:
        still_open = set()
    over = found.standing is Standing.season_over
    return [
        DeadlineLine(
            key,
            spec.label,
            dates[key],
            view.calendar.working_days_between(today, dates[key]),
            not over and key in still_open and today > dates[key],
            key in extended,
            key not in still_open,
            over and key in still_open,
        )
        for key, spec in definition.milestones.items()
        if key in dates
    ]


def tree_rows(sheet: Sheet, visible: bool) -> list[TreeRow]:
    figures = sheet.figures()
    rows = []
    for c in sheet.criteria:
        row = TreeRow(c)
        if c.is_leaf:
            row.score = sheet.scores.get(c.code)
            row.evidence = sheet.evidence.get(c.code, [])
            row.disputes = sheet.disputes.get(c.code, [])
        elif c.level == 1:
            # field subtotals over the leaves the agency scores (survey points are shown apart)
            row.self_total = figures.by_field_self.get(c.code)
            row.index_total = figures.by_field_appraised.get(c.code) if visible else None
        rows.append(row)
    return rows


def timeline(session: Session, rt: Runtime, principal: Principal, found: Located) -> list[TimelineItem]:
    entries = list(
        session.exec(
            select(AuditEntry)
            .where(AuditEntry.submission_id == found.submission.id)
            .order_by(col(AuditEntry.seq))
        )
    )
    messages = notification_log.for_submission(session, rt, principal, found.submission.id or 0)
    items = [TimelineItem(e.at, entry=e) for e in entries]
    items += [TimelineItem(m.sent_at or m.created_at, message=m) for m in messages]
    items.sort(key=_order)
    return items


def _order(item: TimelineItem) -> tuple[datetime, int, int]:
    if item.entry is not None:
        return (item.at, 0, item.entry.seq)
    return (item.at, 1, item.message.id or 0 if item.message else 0)


def people_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {p.id or 0: p.name for p in session.exec(select(Person).where(col(Person.id).in_(ids)))}


def build(session: Session, rt: Runtime, principal: Principal, found: Located) -> SubmissionView:
    sheet = load_sheet(session, found.submission)
    figures = sheet.figures()
    visible = appraisal_visible(principal, found)
    items = timeline(session, rt, principal, found)
    ids = {i.entry.actor_id for i in items if i.entry and i.entry.actor_id}
    for disputes in sheet.disputes.values():
        for d in disputes:
            ids.update(x for x in (d.filed_by, d.owner_id, d.resolved_by) if x)
    people = people_names(session, ids)
    roles = principal.roles_for_submission(found.campaign.id or 0, found.agency.id or 0)
    sid = found.submission.id or 0
    links: list[tuple[str, Label]] = []
    definition, state = found.definition, found.submission.state
    if roles & AGENCY_ROLES:
        if definition.in_phase(state, "self_assessment"):
            links.append(
                (
                    f"/submissions/{sid}/self-assessment",
                    Label(vi="Chấm điểm tự đánh giá", en="Self-assessment"),
                )
            )
        if can_add_evidence(session, rt, found):
            links.append(
                (f"/submissions/{sid}/evidence/new", Label(vi="Thêm tài liệu kiểm chứng", en="Add evidence"))
            )
    if Role.council in roles and definition.in_phase(state, "appraisal"):
        links.append((f"/submissions/{sid}/appraisal", Label(vi="Nhập điểm thẩm định", en="Enter appraisal")))
    mine = [
        d
        for ds in sheet.disputes.values()
        for d in ds
        if d.status == "open"
        and ((d.owner_id == principal.person_id and Role.council in roles) or (Role.home_affairs in roles))
    ]
    return SubmissionView(
        found=found,
        sheet=sheet,
        rows=tree_rows(sheet, visible),
        visible=visible,
        self_total=figures.self_assessed,
        index_total=figures.index if visible else None,
        figures=figures,
        state_line=state_line(session, rt, found),
        deadlines=deadline_lines(session, rt, found),
        actions=allowed_actions(rt, principal, found),
        links=links,
        timeline=items,
        people=people,
        roles=roles,
        my_open_disputes=mine,
    )


def describe(entry: AuditEntry, lang: str, definition: Any) -> str:
    """One line in the reader's language saying what an audit entry recorded."""
    data = entry.data if isinstance(entry.data, dict) else {}
    en = lang == "en"
    if entry.action == "transition":
        transition = definition.transition(entry.from_state, entry.trigger) if entry.from_state else None
        name = transition.label.get(lang) if transition else (entry.trigger or "")
        source = definition.states.get(entry.from_state)
        dest = definition.states.get(entry.to_state)
        before = source.get(lang) if source else entry.from_state
        after = dest.get(lang) if dest else entry.to_state
        return f"{name}: {before} → {after}"
    codes = ", ".join(str(c.get("criterion")) for c in data.get("changes", []) if isinstance(c, dict))
    if entry.action == "score":
        return (f"Self-scores saved: {codes}" if en else f"Lưu điểm tự chấm: {codes}") if codes else ""
    if entry.action == "appraisal":
        return f"Appraised: {codes}" if en else f"Thẩm định: {codes}"
    if entry.action == "evidence":
        what = data.get("filename") or data.get("url") or ""
        crit = data.get("criterion")
        return f"Evidence for {crit}: {what}" if en else f"Tài liệu kiểm chứng tiêu chí {crit}: {what}"
    if entry.action == "evidence_removed":
        crit = data.get("criterion")
        return f"Evidence removed from {crit}" if en else f"Gỡ tài liệu kiểm chứng tiêu chí {crit}"
    if entry.action == "dispute":
        disputed = ", ".join(str(d.get("criterion")) for d in data.get("disputes", []) if isinstance(d, dict))
        return f"Disputed: {disputed}" if en else f"Giải trình, đề nghị xem xét lại: {disputed}"
    if entry.action == "resolution":
        crit = data.get("criterion")
        accepted = data.get("outcome") == "accepted"
        if en:
            return f"Dispute on {crit} {'accepted' if accepted else 'rejected'}"
        return f"Giải trình tiêu chí {crit}: {'chấp nhận' if accepted else 'không chấp nhận'}"
    if entry.action == "extension":
        new = _ddmmyyyy(data.get("new_date"))
        milestone = definition.milestones.get(data.get("milestone"))
        name = milestone.label.get(lang) if milestone else data.get("milestone")
        return f"Extension: {name} until {new}" if en else f"Gia hạn: {name} đến {new}"
    if entry.action == "exclusion":
        return "Left out of the ranking" if en else "Không xếp hạng"
    if entry.action == "inclusion":
        return "Included in the ranking again" if en else "Xếp hạng trở lại"
    if entry.action == "survey_import":
        return "Survey results imported" if en else "Nhập kết quả điều tra xã hội học"
    return entry.action


def _ddmmyyyy(value: object) -> str:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value or "")
