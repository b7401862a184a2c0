"""The start page: what each person has to do, or published results for the public."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import col, select

from parflow.services.deadlines.due import CampaignDeadlines
from parflow.services.lifecycle import submissions as submission_service
from parflow.store.models import Campaign
from parflow.web.deps import RuntimeDep
from parflow.web.pages.deps import PageUser
from parflow.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    with rt.db.read() as session:
        query = select(Campaign).order_by(col(Campaign.index_year).desc(), col(Campaign.code))
        campaigns = list(session.exec(query))
        published = [c for c in campaigns if c.published_at is not None]
        mine = []
        if user is not None:
            now = rt.clock.now()
            for campaign in campaigns:
                if campaign.id not in user.campaign_ids():
                    continue
                definition = rt.workflows.definition(campaign.workflow_name)
                deadlines = CampaignDeadlines(session, campaign)
                rows = submission_service.visible_submissions(session, rt, user, campaign)
                mine.append(
                    {
                        "campaign": campaign,
                        "roles": sorted(user.roles_in(campaign.id or 0)),
                        "rows": [
                            (
                                s,
                                a,
                                definition.states[s.state],
                                deadlines.for_submission(s, definition, now).next,
                            )
                            for s, a in rows
                        ],
                    }
                )
    return render(request, "pages/home.html", {"mine": mine, "published": published})
