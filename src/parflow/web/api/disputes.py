"""One dispute: read it, resolve it (accepted with a new score, or rejected; always with a reason)."""

from __future__ import annotations

from fastapi import APIRouter, Path
from sqlmodel import Session

from parflow.services.scoring import disputes as service
from parflow.store.models import Agency
from parflow.web.api.schemas import ErrorOut
from parflow.web.api.scoring_schemas import DisputeOut, ResolutionIn, ResolvedOut
from parflow.web.api.scoring_views import dispute_out
from parflow.web.deps import CurrentPrincipal, RuntimeDep, run_write

router = APIRouter(prefix="/api/v1/disputes", tags=["disputes"])
DisputeId = Path(ge=1, le=2**31 - 1)
ERRORS = {code: {"model": ErrorOut} for code in (401, 403, 404, 409, 422)}


@router.get("/{dispute_id}", response_model=DisputeOut, responses=ERRORS)
def read_dispute(rt: RuntimeDep, principal: CurrentPrincipal, dispute_id: int = DisputeId) -> DisputeOut:
    with rt.db.read() as session:
        found, row = service.locate_dispute(session, rt, dispute_id, principal)
        return dispute_out(session, row, found.agency.code)


@router.post("/{dispute_id}/resolution", response_model=ResolvedOut, responses=ERRORS)
def resolve(
    body: ResolutionIn, rt: RuntimeDep, principal: CurrentPrincipal, dispute_id: int = DisputeId
) -> ResolvedOut:
    """Resolve a dispute (its council member, or Home Affairs). When it was the submission's last
    open dispute, the submission goes back to appraisal in the same transaction."""

    def use_case(session: Session) -> ResolvedOut:
        found, row, last = service.resolve_dispute(
            session,
            rt,
            principal,
            dispute_id,
            body.outcome,
            body.reason,
            body.score,
            expected_version=body.expected_version,
        )
        agency = session.get(Agency, found.submission.agency_id)
        return ResolvedOut(
            dispute=dispute_out(session, row, agency.code if agency else ""),
            submission_state=found.submission.state,
            submission_version=found.submission.version,
            all_resolved=last,
        )

    return run_write(rt, use_case)
