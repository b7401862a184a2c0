"""Evidence of a submission: upload a file or add a link, list, download, remove.

`POST /api/v1/submissions/{id}/evidence` takes either multipart/form-data (`criterion`, `file`,
optional `title`) or JSON `{"criterion", "url", "title"?}`. The file is streamed to disk while it
arrives (size limit `PARFLOW_EVIDENCE_MAX_BYTES`, default 20 MB → 413), its type is judged by its
content, and it is stored under its SHA-256.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import ValidationError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from parflow.domain.errors import Invalid
from parflow.services.evidence import service as service
from parflow.services.evidence.types import ACCEPTED_LABELS, sniff
from parflow.services.lifecycle.submissions import Located
from parflow.store.models import Evidence
from parflow.web.api.schemas import ErrorOut
from parflow.web.api.scoring_schemas import EvidenceAddedOut, EvidenceLinkIn, EvidenceOut
from parflow.web.api.scoring_views import evidence_out
from parflow.web.deps import CurrentPrincipal, RuntimeDep, run_write
from parflow.web.downloads import attachment
from parflow.web.fields import version_field
from parflow.web.uploads import read_small_body, receive_multipart

router = APIRouter(prefix="/api/v1/submissions", tags=["evidence"])
SubmissionId = Path(ge=1, le=2**31 - 1)
EvidenceId = Path(ge=1, le=2**31 - 1)
ERRORS = {code: {"model": ErrorOut} for code in (401, 403, 404, 409, 413, 422)}

UPLOAD_DOC = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["criterion", "file"],
                    "properties": {
                        "criterion": {"type": "string", "example": "3.3.2"},
                        "file": {"type": "string", "format": "binary"},
                        "title": {"type": "string"},
                        "expected_version": {"type": "integer"},
                    },
                }
            },
            "application/json": {"schema": EvidenceLinkIn.model_json_schema()},
        },
        "required": True,
    }
}


def _added(found: Located, row: Evidence) -> EvidenceAddedOut:
    return EvidenceAddedOut(**evidence_out(row).model_dump(), submission_version=found.submission.version)


@router.post(
    "/{submission_id}/evidence",
    response_model=EvidenceAddedOut,
    status_code=201,
    responses=ERRORS,
    openapi_extra=UPLOAD_DOC,
)
async def add_evidence(
    request: Request, rt: RuntimeDep, principal: CurrentPrincipal, submission_id: int = SubmissionId
) -> EvidenceAddedOut:
    """Attach evidence to one agency-scored leaf: a file (PDF, Office, OpenDocument, image) or a link."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            link = EvidenceLinkIn.model_validate_json(await read_small_body(request))
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from None

        def add_link(session: Session) -> EvidenceAddedOut:
            found, row = service.add_evidence(
                session,
                rt,
                principal,
                submission_id,
                link.criterion,
                url=link.url,
                title=link.title,
                expected_version=link.expected_version,
            )
            return _added(found, row)

        return await run_in_threadpool(run_write, rt, add_link)

    # who, when and for what, before reading a byte of the file
    def precheck(session: Session) -> None:
        service.check_evidence_allowed(session, rt, principal, submission_id, None, lock=False)

    await run_in_threadpool(_read, rt, precheck)
    upload = await receive_multipart(request, rt.settings.evidence_dir, rt.settings.evidence_max_bytes)
    try:
        criterion = upload.fields.get("criterion", "").strip()
        if not criterion:
            raise Invalid("evidence.criterion_required")
        if upload.file is None:
            raise Invalid("evidence.file_or_url")
        expected = version_field(upload.fields.get("expected_version"))
        kind = await run_in_threadpool(sniff, upload.file.path, upload.file.head)
        if kind is None:
            raise Invalid("evidence.unsupported_type", accepted=ACCEPTED_LABELS)
        file_in = service.FileIn(upload.file, kind, upload.filename)

        def add_file(session: Session) -> EvidenceAddedOut:
            found, row = service.add_evidence(
                session,
                rt,
                principal,
                submission_id,
                criterion,
                file=file_in,
                title=upload.fields.get("title"),
                expected_version=expected,
            )
            return _added(found, row)

        return await run_in_threadpool(run_write, rt, add_file)
    finally:
        upload.discard()  # no-op once the file has moved into the store


def _read(rt, check) -> None:  # type: ignore[no-untyped-def]
    with rt.db.read() as session:
        check(session)


@router.get("/{submission_id}/evidence", response_model=list[EvidenceOut], responses=ERRORS)
def list_evidence(
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    submission_id: int = SubmissionId,
    criterion: str | None = Query(default=None, max_length=32),
) -> list[EvidenceOut]:
    with rt.db.read() as session:
        return [
            evidence_out(e) for e in service.list_evidence(session, rt, principal, submission_id, criterion)
        ]


@router.get(
    "/{submission_id}/evidence/{evidence_id}",
    response_class=FileResponse,
    responses={**ERRORS, 200: {"content": {"application/octet-stream": {}}}},
)
def download_evidence(
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    submission_id: int = SubmissionId,
    evidence_id: int = EvidenceId,
) -> FileResponse:
    """The file itself, as an attachment (never rendered inline by the browser)."""
    with rt.db.read() as session:
        row = service.evidence_of(session, rt, principal, submission_id, evidence_id)
    path = service.evidence_file(rt, row)
    return attachment(path, service.download_media_type(row), service.download_name(row))


@router.delete("/{submission_id}/evidence/{evidence_id}", status_code=204, responses=ERRORS)
def remove_evidence(
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    submission_id: int = SubmissionId,
    evidence_id: int = EvidenceId,
) -> None:
    """Take back evidence added by mistake (self-assessment only)."""
    run_write(rt, lambda s: service.remove_evidence(s, rt, principal, submission_id, evidence_id))
