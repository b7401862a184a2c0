"""Turning service results into API response models."""

from __future__ import annotations

from sqlmodel import Session

from parflow.domain.deadlines import open_milestones
from parflow.domain.season import Standing
from parflow.domain.workflow import WorkflowDefinition
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.calendar_feed import feed_path
from parflow.services.deadlines.due import CampaignDeadlines, SubmissionDeadlines, answered_milestones
from parflow.services.deadlines.lateness import Lateness, lateness_of
from parflow.services.lifecycle.submissions import Located
from parflow.store.models import Agency, AuditEntry, Submission
from parflow.web.api.schemas import (
    AgencyOut,
    DeadlineOut,
    EventOut,
    HistoryEntryOut,
    LabelOut,
    SendingOut,
    SubmissionOut,
    SubmissionSummary,
)
from parflow.web.api.scoring_views import scores_summary


def label(definition: WorkflowDefinition, state: str) -> LabelOut:
    return LabelOut(**definition.states[state].model_dump())


def deadline_out(definition: WorkflowDefinition, deadlines: SubmissionDeadlines) -> DeadlineOut | None:
    d = deadlines.next
    if d is None:
        return None
    return DeadlineOut(
        milestone=d.milestone,
        label=LabelOut(**definition.milestones[d.milestone].label.model_dump()),
        due_date=d.due,
        working_days_left=d.working_days_left,
        overdue=d.overdue,
        extended=d.milestone in deadlines.extended,
    )


def summary_out(
    submission: Submission, agency: Agency, definition: WorkflowDefinition, deadlines: SubmissionDeadlines
) -> SubmissionSummary:
    return SubmissionSummary(
        id=submission.id or 0,
        agency=AgencyOut(code=agency.code, name=agency.name, name_en=agency.name_en, group=agency.group),
        state=submission.state,
        state_label=label(definition, submission.state),
        version=submission.version,
        state_changed_at=submission.state_changed_at,
        next_deadline=deadline_out(definition, deadlines),
        deadline_status=deadlines.standing.value,
    )


def submission_out(session: Session, rt: Runtime, principal: Principal, found: Located) -> SubmissionOut:
    submission, campaign, definition = found.submission, found.campaign, found.definition
    now = rt.clock.now()
    calendar_view = CampaignDeadlines(session, campaign, [submission.agency_id])
    deadlines = calendar_view.for_submission(submission, definition, now)
    summary = summary_out(submission, found.agency, definition, deadlines)
    today = calendar_view.calendar.local_date(now)
    still_open = set(open_milestones(definition, submission.state, answered_milestones(submission)))
    if deadlines.standing is not Standing.running:
        still_open = set()  # done, or a past season: nothing is owed any more, nothing overdue
    all_deadlines = [
        DeadlineOut(
            milestone=key,
            label=LabelOut(**spec.label.model_dump()),
            due_date=deadlines.dates[key],
            working_days_left=calendar_view.calendar.working_days_between(today, deadlines.dates[key]),
            # overdue: still owed by this submission and its (possibly extended) date has passed
            overdue=key in still_open and today > deadlines.dates[key],
            extended=key in deadlines.extended,
        )
        for key, spec in definition.milestones.items()
        if key in deadlines.dates
    ]
    roles = principal.roles_for_submission(campaign.id or 0, found.agency.id or 0)
    engine = rt.workflows.get(campaign.workflow_name)
    events = [
        EventOut(
            trigger=t.trigger,
            label=LabelOut(**t.label.model_dump()),
            dest=t.dest,
            confirm=LabelOut(**t.confirm.model_dump()) if t.confirm else None,
        )
        for t in engine.allowed(submission.state, roles)
    ]
    lateness = lateness_of(submission)
    feed = None
    if roles & {"agency_editor", "agency_head", "home_affairs"}:
        feed = rt.settings.base_url.rstrip("/") + feed_path(found.agency)
    return SubmissionOut(
        **summary.model_dump(),
        campaign=campaign.code,
        submitted_at=submission.submitted_at,
        results_sent_at=submission.results_sent_at,
        self_assessment_sent=sending_out(lateness.get("self_assessment")),
        appraisal_sent=sending_out(lateness.get("appraisal")),
        deadlines=all_deadlines,
        allowed_events=events,
        calendar_feed=feed,
        scores=scores_summary(session, principal, found),
    )


def sending_out(lateness: Lateness | None) -> SendingOut | None:
    if lateness is None:
        return None
    return SendingOut(
        sent_at=lateness.sent_at, due_date=lateness.due_date, working_days_late=lateness.late_days
    )


def history_out(entry: AuditEntry) -> HistoryEntryOut:
    data = entry.data if isinstance(entry.data, dict) else {}
    return HistoryEntryOut(
        seq=entry.seq,
        at=entry.at,
        action=entry.action,
        actor=data.get("actor"),
        actor_role=entry.actor_role,
        trigger=entry.trigger,
        from_state=entry.from_state,
        to_state=entry.to_state,
        comment=entry.comment,
    )
