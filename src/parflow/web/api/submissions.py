"""One submission: read it, fire workflow events on it, read its history."""

from __future__ import annotations

from fastapi import APIRouter, Body, Path, Request, Response
from sqlmodel import Session

from parflow.services.common import paging
from parflow.services.lifecycle import submissions as service
from parflow.store.models import AuditEntry
from parflow.web.api.paging import CURSOR, announce_next, limit_query
from parflow.web.api.schemas import ErrorOut, EventIn, FiredOut, HistoryEntryOut, SubmissionOut
from parflow.web.api.views import history_out, submission_out
from parflow.web.deps import CurrentPrincipal, RuntimeDep, run_write

router = APIRouter(prefix="/api/v1/submissions", tags=["submissions"])
SubmissionId = Path(ge=1, le=2**31 - 1)
ERRORS = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut},
    422: {"model": ErrorOut},
}


@router.get("/{submission_id}", response_model=SubmissionOut, responses=ERRORS)
def read_submission(
    rt: RuntimeDep, principal: CurrentPrincipal, submission_id: int = SubmissionId
) -> SubmissionOut:
    with rt.db.read() as session:
        return submission_out(session, rt, principal, service.locate(session, rt, submission_id, principal))


@router.post("/{submission_id}/events/{trigger}", response_model=FiredOut, responses=ERRORS)
def fire_event(
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    submission_id: int = SubmissionId,
    trigger: str = Path(max_length=64, pattern=r"^[a-z][a-z0-9_]*$"),
    body: EventIn | None = Body(default=None),
) -> FiredOut:
    payload = body or EventIn()

    def use_case(session: Session) -> tuple[service.Located, AuditEntry]:
        return service.fire_event(
            session,
            rt,
            principal,
            submission_id,
            trigger,
            comment=payload.comment or None,
            expected_version=payload.expected_version,
        )

    found, entry = run_write(rt, use_case)
    # the answer is composed after the commit, from the rows as the event left them: composing it
    # inside kept every other writer waiting (SQLite's one write lock, the audit chain's row lock)
    with rt.db.read() as session:
        return FiredOut(
            submission=submission_out(session, rt, principal, found), history_entry=history_out(entry)
        )


@router.get("/{submission_id}/history", response_model=list[HistoryEntryOut], responses=ERRORS)
def read_history(
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    submission_id: int = SubmissionId,
    limit: int = limit_query(500, 1000),
    cursor: str | None = CURSOR,
) -> list[HistoryEntryOut]:
    """The audit trail of one submission, oldest first, `limit` entries at a time (see `Link`)."""
    after = paging.decode(cursor, (int,))[0] if cursor else None
    with rt.db.read() as session:
        page = service.history_page(session, rt, principal, submission_id, after_seq=after, limit=limit)
        announce_next(request, response, page)
        return [history_out(e) for e in page.rows]
