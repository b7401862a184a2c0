"""Paper: the self-assessment report the head signs and the appraisal record, as a printable page
and as a Word document; and the signed scan the agency attaches back to its submission."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from parflow.domain.errors import Invalid, NotFound, TooLarge
from parflow.domain.roles import AGENCY_ROLES
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.evidence import signed_report
from parflow.services.evidence.store import blob_path
from parflow.services.evidence.types import sniff
from parflow.services.lifecycle.submissions import locate
from parflow.services.scoring.report import Paper, build_paper
from parflow.web.api.scoring_views import appraisal_visible
from parflow.web.deps import RuntimeDep, run_write
from parflow.web.docx_paper import DOCX_MEDIA_TYPE, paper_docx
from parflow.web.downloads import attachment
from parflow.web.pages.deps import SignedIn, check_csrf_value
from parflow.web.pages.forms import FormState, refused
from parflow.web.templating import flash, page_language, render
from parflow.web.uploads import receive_multipart

router = APIRouter(include_in_schema=False)
SubmissionId = Path(ge=1, le=2**31 - 1)
KINDS = {"self-assessment": "self_assessment", "appraisal": "appraisal"}


def _paper(rt: Runtime, user: Principal, submission_id: int, kind: str, lang: str) -> tuple[Any, Paper]:
    with rt.db.read() as session:
        found = locate(session, rt, submission_id, user)
        paper = build_paper(
            session, rt, found, kind, appraisal_visible=appraisal_visible(user, found), lang=lang
        )
    return found, paper


def _page(
    request: Request,
    rt: Runtime,
    user: Principal,
    submission_id: int,
    kind: str,
    form: FormState,
    status: int = 200,
) -> Response:
    lang = page_language(request)
    found, paper = _paper(rt, user, submission_id, kind, lang)
    roles = user.roles_for_submission(found.campaign.id or 0, found.agency.id or 0)
    return render(
        request,
        "pages/paper.html",
        {
            "found": found,
            "campaign": found.campaign,
            "agency": found.agency,
            "paper": paper,
            "docx_path": f"{request.url.path}.docx",
            "agency_reader": bool(roles & AGENCY_ROLES),
            "form": form,
        },
        status_code=status,
    )


@router.get("/submissions/{submission_id}/self-assessment/report")
def self_assessment_paper(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    return _page(request, rt, user, submission_id, "self_assessment", FormState())


@router.get("/submissions/{submission_id}/appraisal/report")
def appraisal_paper(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    return _page(request, rt, user, submission_id, "appraisal", FormState())


def _docx(request: Request, rt: Runtime, user: Principal, submission_id: int, kind: str) -> Response:
    lang = page_language(request)
    found, paper = _paper(rt, user, submission_id, kind, lang)
    name = "bao-cao-tu-danh-gia" if kind == "self_assessment" else "bien-ban-tham-dinh"
    filename = f"{name}-{found.agency.code}-{found.campaign.index_year}.docx"
    return Response(
        paper_docx(paper, lang),
        media_type=DOCX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/submissions/{submission_id}/self-assessment/report.docx")
def self_assessment_docx(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    return _docx(request, rt, user, submission_id, "self_assessment")


@router.get("/submissions/{submission_id}/appraisal/report.docx")
def appraisal_docx(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    return _docx(request, rt, user, submission_id, "appraisal")


@router.post("/submissions/{submission_id}/self-assessment/signed")
async def attach_signed_report(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    def precheck() -> None:
        with rt.db.read() as session:
            signed_report.check_allowed(session, rt, user, submission_id)

    await run_in_threadpool(precheck)
    lang = page_language(request)
    try:
        upload = await receive_multipart(request, rt.settings.evidence_dir, rt.settings.evidence_max_bytes)
    except TooLarge as exc:
        form = refused(exc, lang)
        return await run_in_threadpool(
            _page, request, rt, user, submission_id, "self_assessment", form, exc.status
        )
    try:
        check_csrf_value(request, upload.fields.get("csrf_token"))
        if upload.file is None or upload.file.size == 0:
            exc = Invalid("report.signed_scan_missing")
            return await run_in_threadpool(
                _page, request, rt, user, submission_id, "self_assessment", refused(exc, lang), exc.status
            )
        received, filename = upload.file, upload.filename
        kind = await run_in_threadpool(sniff, received.path, received.head)
        try:
            await run_in_threadpool(
                run_write,
                rt,
                lambda s: signed_report.attach(s, rt, user, submission_id, received, kind, filename),
            )
        except Invalid as exc:
            return await run_in_threadpool(
                _page, request, rt, user, submission_id, "self_assessment", refused(exc, lang), exc.status
            )
    finally:
        upload.discard()
    flash(request, "web.signed_report_added")
    return RedirectResponse(f"/submissions/{submission_id}", status_code=303)


@router.get("/submissions/{submission_id}/self-assessment/signed")
def download_signed_report(rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId) -> FileResponse:
    with rt.db.read() as session:
        found = locate(session, rt, submission_id, user)
    sub = found.submission
    if sub.signed_report_sha256 is None:
        raise NotFound("report.signed_scan_missing")
    path = blob_path(rt.settings.evidence_dir, sub.signed_report_sha256)
    if not path.exists():
        raise NotFound("report.signed_scan_missing")
    return attachment(
        path,
        sub.signed_report_media_type or "application/octet-stream",
        sub.signed_report_filename or "signed-report",
    )
