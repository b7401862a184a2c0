"""Evidence from the browser: upload a file or give a link, take it back, download it.

The upload form is multipart; its body is streamed to disk by `web/uploads.py` (size limit while the
bytes arrive), so the CSRF token is read from the streamed fields rather than by FastAPI's form
parser. Who may add evidence, and when, is checked before a byte of the file is read.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from parflow.domain.errors import Conflict, Invalid, TooLarge, Unmet
from parflow.i18n import t
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.evidence import service as service
from parflow.services.evidence.types import ACCEPTED_LABELS, sniff
from parflow.services.lifecycle.submissions import locate
from parflow.services.scoring.score_sheet import load_sheet
from parflow.web.deps import RuntimeDep, run_write
from parflow.web.downloads import attachment
from parflow.web.pages.deps import CsrfChecked, SignedIn, check_csrf_value
from parflow.web.pages.forms import FormState, refused
from parflow.web.templating import flash, page_language, render
from parflow.web.uploads import receive_multipart

router = APIRouter(include_in_schema=False)
SubmissionId = Path(ge=1, le=2**31 - 1)
EvidenceId = Path(ge=1, le=2**31 - 1)
FIELDS = {"criterion", "file", "url", "title"}
MAX_FILES = 10


def _view(session: Session, rt: Runtime, user: Principal, submission_id: int) -> dict[str, Any]:
    found, _role = service.check_evidence_allowed(session, rt, user, submission_id, None, lock=False)
    sheet = load_sheet(session, found.submission)
    return {
        "found": found,
        "campaign": found.campaign,
        "agency": found.agency,
        "leaves": [c for c in sheet.criteria if c.is_leaf and c.scored_by == "agency"],
        "evidence": sheet.evidence,
        "accepted": ACCEPTED_LABELS,
        "max_mb": rt.settings.evidence_max_bytes // (1024 * 1024),
        "max_files": MAX_FILES,
        "self_assessment": found.definition.in_phase(found.submission.state, "self_assessment"),
    }


def _render(
    request: Request, rt: Runtime, user: Principal, submission_id: int, form: FormState, status: int = 200
) -> Response:
    with rt.db.read() as session:
        context = _view(session, rt, user, submission_id)
    context["form"] = form
    return render(request, "pages/evidence_form.html", context, status_code=status)


@router.get("/submissions/{submission_id}/evidence/new")
def evidence_form(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    submission_id: int = SubmissionId,
    criterion: str = Query(default="", max_length=32),
) -> Response:
    form = FormState(values={"criterion": criterion, "criteria": criterion})
    return _render(request, rt, user, submission_id, form)


@router.post("/submissions/{submission_id}/evidence")
async def add_evidence(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    def precheck() -> None:
        with rt.db.read() as session:
            service.check_evidence_allowed(session, rt, user, submission_id, None, lock=False)

    await run_in_threadpool(precheck)
    lang = page_language(request)
    try:
        upload = await receive_multipart(
            request, rt.settings.evidence_dir, rt.settings.evidence_max_bytes, max_files=MAX_FILES
        )
    except TooLarge as exc:
        form = refused(exc, lang)
        return await run_in_threadpool(_render, request, rt, user, submission_id, form, exc.status)
    try:
        check_csrf_value(request, upload.fields.get("csrf_token"))
        values = {k: upload.fields.get(k, "") for k in ("criterion", "url", "title")}
        # one upload may carry several files, and each goes to every criterion ticked
        criteria = list(dict.fromkeys(c.strip() for c in upload.lists.get("criterion", []) if c.strip()))
        values["criterion"] = criteria[0] if criteria else ""
        values["criteria"] = " ".join(criteria)  # what the form shows ticked if it comes back
        url = values["url"].strip()
        files = [(r, name) for r, name in upload.files if r.size > 0 and name]
        form = FormState(values=values)
        if not criteria:
            form.add("criterion", t("evidence.criterion_required", lang))
        if bool(files) == bool(url):
            form.add("file", t("web.file_or_link", lang))
        if form.failed:
            form.headline = t("web.form_invalid", lang)
            return await run_in_threadpool(_render, request, rt, user, submission_id, form, 422)
        files_in: list[service.FileIn] = []
        for received, name in files:
            try:
                kind = await run_in_threadpool(sniff, received.path, received.head)
                problem = (
                    None
                    if kind is not None
                    else Unmet("evidence.unsupported_type", {"accepted": ACCEPTED_LABELS}, "file")
                )
            except Invalid as zip_refusal:  # a zip bomb, said next to the file field
                kind, problem = None, Unmet(zip_refusal.key, zip_refusal.params, "file")
            if kind is None:
                assert problem is not None
                exc = Invalid("evidence.rejected", unmet=[problem])
                form = refused(exc, lang, values, FIELDS)
                if len(files) > 1:
                    form.headline = f"{name}: {form.headline}"
                return await run_in_threadpool(_render, request, rt, user, submission_id, form, 422)
            files_in.append(service.FileIn(received, kind, name))

        def attach_all(session: Session) -> None:
            """Every file (or the link) to every criterion ticked, in one transaction."""
            for code in criteria:
                for file_in in files_in or [None]:
                    service.add_evidence(
                        session,
                        rt,
                        user,
                        submission_id,
                        code,
                        file=file_in,
                        url=url or None,
                        title=values["title"],
                    )

        try:
            await run_in_threadpool(run_write, rt, attach_all)
        except (Invalid, Conflict) as exc:
            form = refused(_about_url(exc), lang, values, FIELDS)
            if not form.errors and not form.problems and isinstance(exc, Invalid):
                form.add("url" if url else "file", form.headline or "")
            return await run_in_threadpool(_render, request, rt, user, submission_id, form, exc.status)
    finally:
        upload.discard()
    criterion = criteria[0]
    if len(criteria) == 1 and len(files_in) <= 1:
        flash(request, "web.evidence_added", criterion=criterion)
    else:
        flash(
            request,
            "web.evidence_added_many",
            files=str(max(1, len(files_in))),
            criteria=", ".join(criteria),
        )
    with rt.db.read() as session:
        found = locate(session, rt, submission_id, user)
        in_form = found.definition.in_phase(found.submission.state, "self_assessment")
    target = (
        f"/submissions/{submission_id}/self-assessment#leaf-{criterion}"
        if in_form
        else f"/submissions/{submission_id}"
    )
    return RedirectResponse(target, status_code=303)


def _about_url(exc: Invalid | Conflict) -> Invalid | Conflict:
    """A refused link is about the link field: say so, so the message sits next to it."""
    if isinstance(exc, Invalid) and exc.key == "evidence.bad_url" and not exc.unmet:
        return Invalid("evidence.rejected", unmet=[Unmet(exc.key, exc.params, "url")])
    return exc


@router.post("/submissions/{submission_id}/evidence/{evidence_id}/remove", dependencies=[CsrfChecked])
def remove_evidence(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    submission_id: int = SubmissionId,
    evidence_id: int = EvidenceId,
) -> Response:
    run_write(rt, lambda s: service.remove_evidence(s, rt, user, submission_id, evidence_id))
    flash(request, "web.evidence_removed")
    return RedirectResponse(f"/submissions/{submission_id}/self-assessment", status_code=303)


@router.get("/submissions/{submission_id}/evidence/{evidence_id}")
def download_evidence(
    rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId, evidence_id: int = EvidenceId
) -> FileResponse:
    """The file, as an attachment (never rendered inline): for anyone who may see the submission."""
    with rt.db.read() as session:
        row = service.evidence_of(session, rt, user, submission_id, evidence_id)
    path = service.evidence_file(rt, row)
    return attachment(path, service.download_media_type(row), service.download_name(row))
