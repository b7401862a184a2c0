"""The campaign's workflow: its state diagram drawn from the YAML and the table of transitions (who
may fire each, which conditions it needs), in people's words; the code names and the Mermaid text
only for the campaign's staff (Home Affairs, council, city leaders, viewers)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from parflow.domain.errors import NotFound
from parflow.domain.workflow import mermaid
from parflow.services.common.access import CAMPAIGN_WIDE_READERS
from parflow.services.common.lookups import get_campaign
from parflow.web.deps import RuntimeDep
from parflow.web.pages.deps import PageUser, SignInRequired
from parflow.web.pages.diagram import layout
from parflow.web.templating import page_language, render

router = APIRouter(include_in_schema=False)
Code = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)


@router.get("/campaigns/{code}/workflow")
def workflow_page(request: Request, rt: RuntimeDep, user: PageUser, code: str = Code) -> Response:
    """For the campaign's participants; for everyone once its results are published."""
    with rt.db.read() as session:
        campaign = get_campaign(session, code)
    if campaign.published_at is None:
        if user is None:
            raise SignInRequired(request.url.path)
        if campaign.id not in user.campaign_ids():
            raise NotFound("campaign.not_found", code=code)
    definition = rt.workflows.definition(campaign.workflow_name)
    lang = page_language(request)
    # code names and the Mermaid text are for the people who run the campaign; agencies and the
    # public read the labels only
    technical = user is not None and bool(user.roles_in(campaign.id or 0) & CAMPAIGN_WIDE_READERS)
    return render(
        request,
        "pages/workflow.html",
        {
            "campaign": campaign,
            "definition": definition,
            "diagram": layout(definition, lang),
            "mermaid": mermaid(definition, lang),
            "technical": technical,
        },
    )
