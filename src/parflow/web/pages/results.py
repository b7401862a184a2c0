"""Published results for everyone, without signing in: per group the ranking chart, the field chart
(the group's average against each field's maximum) and the table with every field's score, the
change since last year, and the decision; each agency's own page with its fields against the group
average and its history over the years; downloads (CSV, XLSX, the Word report).

Before publication the pages do not exist (404), exactly like the API's results. The frozen
snapshot is what is shown, so later edits cannot change a published page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from parflow.domain.errors import NotFound
from parflow.i18n import format_score
from parflow.services.results import previous as previous_year
from parflow.services.results import service as results
from parflow.services.results.analysis import analyse
from parflow.services.results.exports import decision_text, head_band_text
from parflow.store.models import Campaign
from parflow.web.deps import RuntimeDep
from parflow.web.pages.charts import agency_field_chart, agency_name, field_chart, ranking_chart
from parflow.web.pages.deps import PageUser
from parflow.web.templating import page_language, render

router = APIRouter(include_in_schema=False)
Code = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
# a Path() object of its own: FastAPI ties one to the first parameter that uses it
AgencyCode = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)


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


def _common(payload: dict[str, Any], lang: str) -> dict[str, Any]:
    bands = payload.get("classification", [])
    head_rule = payload.get("head_classification") or {}
    return {
        "payload": payload,
        "band_index": {(b["label"]["vi"], b["label"]["en"]): i for i, b in enumerate(bands)},
        "decision": decision_text(payload.get("decision"), lang),
        "authority": payload.get("authority"),
        "fields_of": {s["code"]: s["fields"] for s in payload.get("criteria_sets", [])},
        # the heads' rule in words (empty for campaigns without one and payloads frozen before it)
        "head_rule": [head_band_text(b, lang) for b in head_rule.get("bands", [])],
        "head_basis": head_rule.get("basis", ""),
    }


@router.get("/campaigns/{code}/results")
def results_page(request: Request, rt: RuntimeDep, user: PageUser, code: str = Code) -> Response:
    with rt.db.read() as session:
        payload = results.published(session, code)
    lang = page_language(request)
    fmt = lambda v: format_score(v, lang)  # noqa: E731
    analysis = {a.key: a for a in analyse(payload)}
    ranking = {}
    fields = {}
    for g in payload.get("groups", []):
        name = g["label"]["en"] if lang == "en" else g["label"]["vi"]
        ranking[g["key"]] = ranking_chart(
            g["rows"],
            payload.get("classification", []),
            lang,
            fmt,
            ("PAR Index ranking: " if lang == "en" else "Xếp hạng Chỉ số CCHC: ") + name,
        )
        fields[g["key"]] = field_chart(
            payload,
            g,
            analysis[g["key"]],
            lang,
            fmt,
            (
                "Fields, group average against the maximum: "
                if lang == "en"
                else "Điểm trung bình theo lĩnh vực so với điểm tối đa: "
            )
            + name,
        )
    return render(
        request,
        "pages/results.html",
        {
            **_common(payload, lang),
            "charts": ranking,
            "field_charts": fields,
            "analysis": analysis,
            "code": code,
        },
    )


@router.get("/campaigns/{code}/results/agencies/{agency}")
def agency_results_page(
    request: Request, rt: RuntimeDep, user: PageUser, code: str = Code, agency: str = AgencyCode
) -> Response:
    """One agency: its fields against the group average, its change, and its history over the years."""
    with rt.db.read() as session:
        payload = results.published(session, code)
        campaign = session.exec(select(Campaign).where(Campaign.code == code)).one()
        years = previous_year.history(session, campaign, agency)
    lang = page_language(request)
    fmt = lambda v: format_score(v, lang)  # noqa: E731
    found = next(
        ((g, r) for g in payload.get("groups", []) for r in g["rows"] if r["agency"]["code"] == agency), None
    )
    if found is None:
        raise NotFound("results.agency_not_ranked", agency=agency, code=code)
    group, row = found
    analysis = {a.key: a for a in analyse(payload)}[group["key"]]
    name = agency_name(row["agency"], lang)
    chart = agency_field_chart(
        payload,
        group,
        row,
        analysis,
        lang,
        fmt,
        (
            f"{name}: fields against the group average"
            if lang == "en"
            else f"{name}: điểm từng lĩnh vực so với trung bình nhóm"
        ),
    )
    return render(
        request,
        "pages/agency_results.html",
        {
            **_common(payload, lang),
            "group": group,
            "row": row,
            "name": name,
            "chart": chart,
            "analysis": analysis,
            "years": years,
            "code": code,
        },
    )
