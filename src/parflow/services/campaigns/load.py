"""Creating and updating a campaign from its input. Loading the same input twice changes nothing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, delete, func, select

from parflow.domain.errors import Conflict
from parflow.services.campaigns.input import CampaignInput
from parflow.services.common import audit
from parflow.services.common.calendars import milestone_dates
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import milestones
from parflow.store.models import (
    Agency,
    CalendarDay,
    Campaign,
    CriteriaSet,
    Criterion,
    Milestone,
    Person,
    RoleAssignment,
    Score,
    Submission,
)


@dataclass
class LoadReport:
    campaign_code: str
    created: bool = False
    unchanged: bool = False
    changes: list[str] = field(default_factory=list)
    # milestone dates the load moved: who was told, reminders cancelled and rescheduled
    moved: str | None = None


def load_campaign(session: Session, rt: Runtime, data: CampaignInput) -> LoadReport:
    now = rt.clock.now()
    spec = data.spec
    report = LoadReport(spec.code)
    campaign = session.exec(select(Campaign).where(Campaign.code == spec.code)).first()
    if campaign is not None and campaign.source_digest == data.digest:
        report.unchanged = True
        return report
    definition = rt.workflows.definition(spec.workflow)
    if campaign is None:
        campaign = Campaign(
            code=spec.code,
            title=spec.title,
            index_year=spec.index_year,
            timezone=spec.timezone,
            workflow_name=spec.workflow,
            created_at=now,
            updated_at=now,
        )
        report.created = True
    elif campaign.workflow_name != spec.workflow and _has_progress(session, campaign, definition.initial):
        raise Conflict("campaign.workflow_locked", code=spec.code)
    campaign.title = spec.title
    campaign.index_year = spec.index_year
    campaign.timezone = spec.timezone
    campaign.workflow_name = spec.workflow
    campaign.dispute_window_days = spec.dispute_window_days
    campaign.place = spec.place
    campaign.require_head_confirmation = spec.require_head_confirmation
    campaign.classification = [b.model_dump(mode="json") for b in spec.classification]
    campaign.authority = spec.authority.model_dump(mode="json") if spec.authority else {}
    campaign.previous_campaign = spec.previous_campaign
    campaign.head_classification = (
        spec.head_classification.model_dump(mode="json") if spec.head_classification else None
    )
    identity = {
        part: value.model_dump(mode="json")
        for part, value in (("sender", spec.sender), ("contact", spec.contact))
        if value is not None
    }
    campaign.mail_identity = identity or None
    campaign.source_digest = data.digest
    campaign.updated_at = now
    session.add(campaign)
    session.flush()
    assert campaign.id is not None

    dates_before = milestone_dates(session, campaign) if not report.created else {}
    _apply_calendar(session, campaign, data)
    report.changes += _apply_milestones(session, campaign, data)
    set_ids = _apply_criteria(session, campaign, data, report)
    agencies = _apply_agencies(session, campaign, data, report)
    _apply_people(session, campaign, data, agencies, report)
    # one query for the submissions that exist, not one per agency (a province may list hundreds)
    existing = {
        s.agency_id: s for s in session.exec(select(Submission).where(Submission.campaign_id == campaign.id))
    }
    for agency in agencies.values():
        _ensure_submission(
            session,
            campaign,
            agency,
            set_ids.get(agency.group),
            definition.initial,
            now,
            existing.get(agency.id or 0),
        )
    audit.append(
        session,
        campaign,
        action="campaign_load",
        at=now,
        data={"digest": data.digest, "source": data.source, "changes": report.changes[:50]},
    )
    session.flush()
    # moved milestones are logged and announced; every deadline is re-planned
    outcome = milestones.after_load(session, rt, campaign, dates_before)
    if outcome is not None:
        report.moved = outcome.describe()
    return report


def _has_progress(session: Session, campaign: Campaign, initial: str) -> bool:
    moved = session.exec(
        select(func.count())
        .select_from(Submission)
        .where(Submission.campaign_id == campaign.id, Submission.state != initial)
    ).one()
    return moved > 0


def _apply_calendar(session: Session, campaign: Campaign, data: CampaignInput) -> None:
    session.exec(delete(CalendarDay).where(col(CalendarDay.campaign_id) == campaign.id))
    for d in data.spec.extra_days_off:
        session.add(CalendarDay(campaign_id=campaign.id, day=d.day, working=False, note=d.note))
    for d in data.spec.extra_working_days:
        session.add(CalendarDay(campaign_id=campaign.id, day=d.day, working=True, note=d.note))


def _apply_milestones(session: Session, campaign: Campaign, data: CampaignInput) -> list[str]:
    existing = {m.key: m for m in session.exec(select(Milestone).where(Milestone.campaign_id == campaign.id))}
    changes = []
    for plan in data.milestones:
        row = existing.pop(plan.key, None)
        if row is None:
            row = Milestone(campaign_id=campaign.id, key=plan.key, due_date=plan.due_date)
        elif row.due_date != plan.due_date:
            changes.append(f"milestone {plan.key}: {row.due_date.isoformat()} → {plan.due_date.isoformat()}")
        row.due_date = plan.due_date
        row.base_key = plan.base_key
        row.offset_working_days = plan.offset
        session.add(row)
    for row in existing.values():
        session.delete(row)
    return changes


def _apply_criteria(
    session: Session, campaign: Campaign, data: CampaignInput, report: LoadReport
) -> dict[str, int]:
    by_group: dict[str, int] = {}
    existing = {
        s.code: s for s in session.exec(select(CriteriaSet).where(CriteriaSet.campaign_id == campaign.id))
    }
    for criteria, groups in data.criteria:
        row = existing.get(criteria.code)
        if row is None:
            row = CriteriaSet(
                campaign_id=campaign.id, code=criteria.code, title=criteria.title, total=criteria.total
            )
            session.add(row)
            session.flush()
        else:
            current = [
                (c.code, c.max_score, c.scored_by, c.is_leaf)
                for c in session.exec(
                    select(Criterion).where(Criterion.set_id == row.id).order_by(col(Criterion.position))
                )
            ]
            wanted = [(n.code, n.max_score, n.scored_by, n.is_leaf) for n in criteria.nodes]
            if current != wanted and _set_has_scores(session, row.id or 0):
                raise Conflict("criteria.locked", code=criteria.code)
        row.title = criteria.title
        row.total = criteria.total
        row.groups = list(groups)
        session.add(row)
        session.exec(delete(Criterion).where(col(Criterion.set_id) == row.id))
        for node in criteria.nodes:
            session.add(
                Criterion(
                    set_id=row.id,
                    code=node.code,
                    parent_code=node.parent_code,
                    field_code=node.field_code,
                    level=node.level,
                    position=node.position,
                    is_leaf=node.is_leaf,
                    title_vi=node.title_vi,
                    title_en=node.title_en,
                    max_score=node.max_score,
                    scored_by=node.scored_by,
                    method=node.method,
                    evidence_required=node.evidence_required,
                )
            )
        for g in groups:
            by_group[g] = row.id or 0
    return by_group


def _set_has_scores(session: Session, set_id: int) -> bool:
    count = session.exec(
        select(func.count())
        .select_from(Score)
        .join(Submission, col(Submission.id) == col(Score.submission_id))
        .where(Submission.criteria_set_id == set_id)
    ).one()
    return count > 0


def _apply_agencies(
    session: Session, campaign: Campaign, data: CampaignInput, report: LoadReport
) -> dict[str, Agency]:
    existing = {a.code: a for a in session.exec(select(Agency).where(Agency.campaign_id == campaign.id))}
    wanted = {a.code for a in data.agencies}
    removed = sorted(set(existing) - wanted)
    if removed:
        raise Conflict("campaign.agency_removed", codes=", ".join(removed))
    result = {}
    for spec in data.agencies:
        row = existing.get(spec.code)
        if row is None:
            row = Agency(
                campaign_id=campaign.id,
                code=spec.code,
                name=spec.name,
                group=spec.group,
                calendar_token=secrets.token_urlsafe(24),
            )
            report.changes.append(f"agency {spec.code} added")
        elif (row.name, row.name_en, row.group, row.head_title) != (
            spec.name,
            spec.name_en,
            spec.group,
            spec.head_title,
        ):
            report.changes.append(f"agency {spec.code} updated")
        row.name = spec.name
        row.name_en = spec.name_en
        row.group = spec.group
        row.head_title = spec.head_title
        session.add(row)
        result[spec.code] = row
    session.flush()
    return result


def _apply_people(
    session: Session, campaign: Campaign, data: CampaignInput, agencies: dict[str, Agency], report: LoadReport
) -> None:
    wanted: dict[str, tuple[str, str]] = {}  # email -> (name, language)
    roles: set[tuple[str, str, int | None, tuple[str, ...]]] = set()
    for a in data.agencies:
        agency_id = agencies[a.code].id
        wanted.setdefault(a.focal_point.email, (a.focal_point.name, a.focal_point.language))
        wanted.setdefault(a.head.email, (a.head.name, a.head.language))
        roles.add((a.focal_point.email, "agency_editor", agency_id, ()))
        roles.add((a.head.email, "agency_head", agency_id, ()))
    for p in data.people:
        wanted[p.email] = (p.name, p.language)
        for r in p.roles:
            agency_id = agencies[r.agency].id if r.agency else None
            roles.add((p.email, str(r.role), agency_id, tuple(sorted(r.fields))))
    emails = sorted(wanted)
    people = {p.email: p for p in session.exec(select(Person).where(col(Person.email).in_(emails)))}
    for email in emails:
        name, language = wanted[email]
        person = people.get(email)
        if person is None:
            person = Person(email=email, name=name, language=language, created_at=campaign.updated_at)
            people[email] = person
        person.name = name
        person.language = language
        session.add(person)
    session.flush()
    current = {
        (r.person_id, r.role, r.agency_id, tuple(sorted(r.fields))): r
        for r in session.exec(select(RoleAssignment).where(RoleAssignment.campaign_id == campaign.id))
    }
    target = {(people[e].id, role, agency_id, fields) for e, role, agency_id, fields in roles}
    for key, row in current.items():
        if key not in target:
            session.delete(row)
    session.flush()
    for person_id, role, agency_id, fields in sorted(target - set(current), key=str):
        session.add(
            RoleAssignment(
                person_id=person_id,
                campaign_id=campaign.id,
                role=role,
                agency_id=agency_id,
                fields=list(fields),
            )
        )


def _ensure_submission(
    session: Session,
    campaign: Campaign,
    agency: Agency,
    set_id: int | None,
    initial: str,
    now: datetime,
    row: Submission | None,
) -> None:
    if row is None:
        session.add(
            Submission(
                campaign_id=campaign.id,
                agency_id=agency.id,
                criteria_set_id=set_id,
                state=initial,
                state_changed_at=now,
                created_at=now,
            )
        )
    elif row.criteria_set_id != set_id:
        row.criteria_set_id = set_id
        session.add(row)
