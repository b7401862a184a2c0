"""Campaigns, their milestones, and the submissions a caller may see."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session, col, select

from parflow.domain.errors import NotFound
from parflow.services.common import paging
from parflow.services.common.access import Principal
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.due import CampaignDeadlines
from parflow.services.lifecycle import submissions as submission_service
from parflow.store.models import Campaign, Milestone
from parflow.web.api.paging import CURSOR, announce_next, limit_query
from parflow.web.api.schemas import CampaignOut, ErrorOut, LabelOut, MilestoneOut, SubmissionSummary
from parflow.web.api.views import summary_out
from parflow.web.deps import CurrentPrincipal, MaybePrincipal, RuntimeDep

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])
NOT_FOUND = {404: {"model": ErrorOut}}


def visible_campaign(session: Session, code: str, principal: Principal | None) -> Campaign:
    """A campaign its participants can see; anyone can see it once published. Else 404."""
    campaign = get_campaign(session, code)
    if campaign.published_at is None and (principal is None or campaign.id not in principal.campaign_ids()):
        raise NotFound("campaign.not_found", code=code)
    return campaign


def campaign_out(session: Session, rt: Runtime, campaign: Campaign) -> CampaignOut:
    definition = rt.workflows.definition(campaign.workflow_name)
    rows = {m.key: m for m in session.exec(select(Milestone).where(Milestone.campaign_id == campaign.id))}
    milestones = [
        MilestoneOut(
            key=key,
            label=LabelOut(**spec.label.model_dump()),
            due_date=rows[key].due_date,
            planned_from=rows[key].base_key,
            offset_working_days=rows[key].offset_working_days,
        )
        for key, spec in definition.milestones.items()
        if key in rows
    ]
    return CampaignOut(
        code=campaign.code,
        title=campaign.title,
        index_year=campaign.index_year,
        timezone=campaign.timezone,
        workflow=campaign.workflow_name,
        dispute_window_days=campaign.dispute_window_days,
        published_at=campaign.published_at,
        milestones=milestones,
    )


@router.get("", response_model=list[CampaignOut])
def list_campaigns(rt: RuntimeDep, principal: MaybePrincipal) -> list[CampaignOut]:
    with rt.db.read() as session:
        query = select(Campaign).order_by(col(Campaign.index_year).desc(), col(Campaign.code))
        campaigns = [
            c
            for c in session.exec(query)
            if c.published_at is not None or (principal is not None and c.id in principal.campaign_ids())
        ]
        return [campaign_out(session, rt, c) for c in campaigns]


@router.get("/{code}", response_model=CampaignOut, responses=NOT_FOUND)
def read_campaign(code: str, rt: RuntimeDep, principal: MaybePrincipal) -> CampaignOut:
    with rt.db.read() as session:
        return campaign_out(session, rt, visible_campaign(session, code, principal))


@router.get("/{code}/submissions", response_model=list[SubmissionSummary], responses=NOT_FOUND)
def list_submissions(
    code: str,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    state: str | None = Query(default=None, max_length=32),
    group: Literal["department", "urban_district", "rural_district", "ward", "commune"] | None = None,
    limit: int = limit_query(500, 1000),
    cursor: str | None = CURSOR,
) -> list[SubmissionSummary]:
    """Submissions the caller may see, by group and agency code, `limit` at a time (see `Link`)."""
    after = paging.decode(cursor, (str, str)) if cursor else None
    with rt.db.read() as session:
        campaign = visible_campaign(session, code, principal)
        definition = rt.workflows.definition(campaign.workflow_name)
        page = submission_service.visible_submissions_page(
            session,
            rt,
            principal,
            campaign,
            state=state,
            group=group,
            after=after,
            limit=limit,
        )
        deadlines = CampaignDeadlines(session, campaign, [a.id or 0 for _s, a in page.rows])
        now = rt.clock.now()
        announce_next(request, response, page)
        return [
            summary_out(s, a, definition, deadlines.for_submission(s, definition, now)) for s, a in page.rows
        ]
