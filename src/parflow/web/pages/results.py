"""Published results for everyone, without signing in: ranking per group, a bar chart, downloads.

Before publication the page does not exist (404), exactly like the API's results. The frozen
snapshot is what is shown, so later edits cannot change a published page.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from parflow.i18n import format_score
from parflow.services.results import service as results
from parflow.store.models import Campaign
from parflow.web.deps import RuntimeDep
from parflow.web.pages.charts import ranking_chart
from parflow.web.pages.deps import PageUser
from parflow.web.templating import page_language, render

router = APIRouter(include_in_schema=False)
Code = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)


@router.get("/results")
def published_list(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    with rt.db.read() as session:
        campaigns = list(
            session.exec(
                select(Campaign)
                .where(col(Campaign.published_at).is_not(None))
                .order_by(col(Campaign.index_year).desc(), col(Campaign.code))
            )
        )
    return render(request, "pages/results_list.html", {"campaigns": campaigns})


@router.get("/results/{code}")
def results_short(code: str = Code) -> Response:
    return RedirectResponse(f"/campaigns/{code}/results", status_code=307)


@router.get("/campaigns/{code}/results")
def results_page(request: Request, rt: RuntimeDep, user: PageUser, code: str = Code) -> Response:
    with rt.db.read() as session:
        payload = results.published(session, code)
    lang = page_language(request)
    bands = payload.get("classification", [])
    band_index = {(b["label"]["vi"], b["label"]["en"]): i for i, b in enumerate(bands)}
    charts = {
        g["key"]: ranking_chart(g["rows"], bands, lang, lambda v: format_score(v, lang))
        for g in payload.get("groups", [])
    }
    return render(
        request,
        "pages/results.html",
        {"payload": payload, "charts": charts, "band_index": band_index, "code": code},
    )
