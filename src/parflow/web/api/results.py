"""Campaign-level scoring: survey import, appraisal progress, disputes, exclusion, publication and the
published results (JSON, CSV, XLSX), which anyone may read once published and nobody before."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from parflow.domain.errors import Forbidden, Invalid, NotFound
from parflow.domain.roles import Role
from parflow.services.common.lookups import get_campaign
from parflow.services.results import exports as result_exports
from parflow.services.results import report as result_report
from parflow.services.results import service as results
from parflow.services.results import survey
from parflow.services.scoring import appraisal, disputes
from parflow.web.api.schemas import ErrorOut
from parflow.web.api.scoring_schemas import (
    DisputeOut,
    FieldProgressOut,
    MemberProgressOut,
    ProgressOut,
    PublishedOut,
    PublishIn,
    ResultsOut,
    SurveyImportedOut,
)
from parflow.web.api.scoring_views import dispute_out
from parflow.web.deps import CurrentPrincipal, RuntimeDep, run_write
from parflow.web.uploads import receive_multipart

router = APIRouter(prefix="/api/v1/campaigns", tags=["results"])
Code = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
ERRORS = {code: {"model": ErrorOut} for code in (401, 403, 404, 409, 413, 422)}
SURVEY_DOC = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
        "required": True,
    }
}


@router.post(
    "/{code}/survey",
    response_model=SurveyImportedOut,
    responses=ERRORS,
    openapi_extra=SURVEY_DOC,
)
async def import_survey(
    request: Request, rt: RuntimeDep, principal: CurrentPrincipal, code: str = Code
) -> SurveyImportedOut:
    """Import survey results (CSV or XLSX, one row per agency): all rows stored, or none."""

    def precheck() -> None:
        with rt.db.read() as session:
            campaign = get_campaign(session, code)
            if not principal.roles_in(campaign.id or 0):
                raise NotFound("campaign.not_found", code=code)
            if Role.home_affairs not in principal.roles_in(campaign.id or 0):
                raise Forbidden("survey.home_affairs_only")

    await run_in_threadpool(precheck)
    upload = await receive_multipart(
        request, rt.settings.evidence_dir, rt.settings.evidence_max_bytes, too_large_key="evidence.too_large"
    )
    try:
        if upload.file is None:
            raise Invalid("survey.file_required")
        data = upload.file.path.read_bytes()
        source = upload.filename or "survey"

        def use_case(session: Session) -> SurveyImportedOut:
            report = survey.import_survey(session, rt, principal, code, data, source)
            return SurveyImportedOut(
                campaign=report.campaign,
                agencies=report.agencies,
                leaves=report.leaves,
                sha256=report.sha256,
                without_results=report.without_results,
            )

        return await run_in_threadpool(run_write, rt, use_case)
    finally:
        upload.discard()


@router.get("/{code}/appraisal-progress", response_model=ProgressOut, responses=ERRORS)
def appraisal_progress(rt: RuntimeDep, principal: CurrentPrincipal, code: str = Code) -> ProgressOut:
    """Per field and per council member: leaves appraised, and which agencies still wait."""
    with rt.db.read() as session:
        p = appraisal.appraisal_progress(session, rt, principal, code)
    return ProgressOut(
        campaign=p.campaign,
        submissions=p.submissions,
        fields=[
            FieldProgressOut(
                code=f.code,
                title_vi=f.title_vi,
                title_en=f.title_en,
                members=f.members,
                submissions=f.submissions,
                finished_submissions=f.finished_submissions,
                leaves_total=f.leaves_total,
                leaves_appraised=f.leaves_appraised,
                finished=f.finished,
                pending_agencies=f.pending_agencies,
            )
            for f in p.fields
        ],
        members=[
            MemberProgressOut(
                name=m.name,
                email=m.email,
                fields=m.fields,
                leaves_total=m.leaves_total,
                leaves_appraised=m.leaves_appraised,
                finished=m.finished,
                pending_agencies=m.pending_agencies,
            )
            for m in p.members
        ],
    )


@router.get("/{code}/disputes", response_model=list[DisputeOut], responses=ERRORS)
def list_disputes(
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    code: str = Code,
    status: Literal["open", "accepted", "rejected"] | None = Query(default=None),
) -> list[DisputeOut]:
    """Disputes the caller deals with: all for Home Affairs, owned ones for a council member,
    its own for an agency."""
    with rt.db.read() as session:
        rows = disputes.list_disputes(session, rt, principal, code, status)
        return [dispute_out(session, d, a.code) for d, _s, a in rows]


@router.get("/{code}/results/preview", response_model=ResultsOut, responses=ERRORS)
def preview_results(rt: RuntimeDep, principal: CurrentPrincipal, code: str = Code) -> ResultsOut:
    """The live table before publication (Home Affairs, city leaders, viewers), with each row's state."""
    with rt.db.read() as session:
        return ResultsOut.model_validate(results.preview(session, rt, principal, code))


@router.post("/{code}/publish", response_model=PublishedOut, responses=ERRORS)
def publish(
    rt: RuntimeDep, principal: CurrentPrincipal, code: str = Code, body: PublishIn | None = None
) -> PublishedOut:
    """Publish the campaign: every submission approved (or excluded with a reason) moves to
    published, and the results table is frozen and opened to everyone."""
    payload = body or PublishIn()

    def use_case(session: Session) -> PublishedOut:
        decision = (
            results.Decision(payload.decision.number, payload.decision.date, payload.decision.signer)
            if payload.decision
            else None
        )
        snapshot = results.publish(session, rt, principal, code, payload.comment, decision)
        return PublishedOut(
            campaign=code,
            published_at=snapshot.published_at,
            audit_head=snapshot.payload["audit_head"],
            results_path=f"/api/v1/campaigns/{code}/results",
        )

    return run_write(rt, use_case)


def _published(rt: RuntimeDep, code: str) -> dict:  # type: ignore[type-arg]
    with rt.db.read() as session:
        return results.published(session, code)


@router.get("/{code}/results", response_model=ResultsOut, responses={404: {"model": ErrorOut}})
def read_results(rt: RuntimeDep, code: str = Code) -> ResultsOut:
    """Published results: index per agency and field, rank within group, classification, SIPAS.
    Open to anyone once published; 404 before."""
    return ResultsOut.model_validate(_published(rt, code))


@router.get(
    "/{code}/results.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, 404: {"model": ErrorOut}},
)
def read_results_csv(rt: RuntimeDep, code: str = Code) -> Response:
    return StreamingResponse(
        result_exports.csv_chunks(_published(rt, code)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{code}-ket-qua.csv"'},
    )


@router.get(
    "/{code}/results.xlsx",
    response_class=Response,
    responses={
        200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}},
        404: {"model": ErrorOut},
    },
)
def read_results_xlsx(rt: RuntimeDep, code: str = Code) -> Response:
    return StreamingResponse(
        result_exports.xlsx_chunks(_published(rt, code)),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{code}-ket-qua.xlsx"'},
    )


@router.get(
    "/{code}/results.docx",
    response_class=Response,
    responses={
        200: {"content": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document": {}}},
        404: {"model": ErrorOut},
    },
)
def read_results_docx(rt: RuntimeDep, code: str = Code) -> Response:
    """The results report (Word): summary, tables per group, field analysis, the decision."""
    payload = _published(rt, code)
    return Response(
        result_report.to_docx(payload),
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f'attachment; filename="{result_report.report_filename(payload)}"'},
    )
