"""One submission's score sheet: self-scores, appraisals, disputes, exclusion from the ranking."""

from __future__ import annotations

from fastapi import APIRouter, Path
from sqlmodel import Session

from parflow.services.lifecycle.submissions import locate
from parflow.services.results import service as results
from parflow.services.scoring import appraisal, disputes, self_assessment
from parflow.services.scoring.score_sheet import load_sheet
from parflow.store.models import Agency
from parflow.web.api.schemas import ErrorOut
from parflow.web.api.scoring_schemas import (
    AppraisalIn,
    AppraisalsIn,
    CriterionCode,
    DisputeOut,
    DisputesFiledOut,
    DisputesIn,
    ExclusionIn,
    ExclusionOut,
    SavedOut,
    SelfScoreIn,
    SelfScoresIn,
    SheetOut,
)
from parflow.web.api.scoring_views import dispute_out, score_out, sheet_out
from parflow.web.deps import CurrentPrincipal, RuntimeDep, run_write

router = APIRouter(prefix="/api/v1/submissions", tags=["scoring"])
SubmissionId = Path(ge=1, le=2**31 - 1)
Criterion = Path(pattern=r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$", max_length=32)
ERRORS = {code: {"model": ErrorOut} for code in (401, 403, 404, 409, 422)}


@router.get("/{submission_id}/scores", response_model=SheetOut, responses=ERRORS)
def read_scores(rt: RuntimeDep, principal: CurrentPrincipal, submission_id: int = SubmissionId) -> SheetOut:
    """The criteria tree with every leaf's scores, evidence and disputes, and the totals so far."""
    with rt.db.read() as session:
        found = locate(session, rt, submission_id, principal)
        return sheet_out(session, principal, found, load_sheet(session, found.submission))


def _saved(result: self_assessment.Saved | appraisal.Appraised) -> SavedOut:
    return SavedOut(
        submission_id=result.found.submission.id or 0,
        version=result.found.submission.version,
        changed=result.changed,
        scores=[score_out(s) for s in result.scores],
    )


@router.put("/{submission_id}/scores/{criterion}", response_model=SavedOut, responses=ERRORS)
def put_self_score(
    body: SelfScoreIn,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    submission_id: int = SubmissionId,
    criterion: str = Criterion,
) -> SavedOut:
    """Self-score and explanation of one agency-scored leaf (agency editor or head, self-assessment)."""
    entry = self_assessment.SelfScoreIn(criterion, body.score, body.explanation)
    return run_write(
        rt,
        lambda s: _saved(
            self_assessment.save_self_scores(
                s, rt, principal, submission_id, [entry], expected_version=body.expected_version, single=True
            )
        ),
    )


@router.put("/{submission_id}/scores", response_model=SavedOut, responses=ERRORS)
def put_self_scores(
    body: SelfScoresIn, rt: RuntimeDep, principal: CurrentPrincipal, submission_id: int = SubmissionId
) -> SavedOut:
    """Many leaves at once (a whole form or sheet): all saved, or none and every problem listed."""
    entries = [self_assessment.SelfScoreIn(i.criterion, i.score, i.explanation) for i in body.scores]
    return run_write(
        rt,
        lambda s: _saved(
            self_assessment.save_self_scores(
                s, rt, principal, submission_id, entries, expected_version=body.expected_version
            )
        ),
    )


@router.put("/{submission_id}/appraisals/{criterion}", response_model=SavedOut, responses=ERRORS)
def put_appraisal(
    body: AppraisalIn,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    submission_id: int = SubmissionId,
    criterion: str = Criterion,
) -> SavedOut:
    """Appraised score (and comment) of one leaf, by the council member who holds its field."""
    entry = appraisal.AppraisalIn(criterion, body.score, body.comment)
    return run_write(
        rt,
        lambda s: _saved(
            appraisal.save_appraisals(
                s, rt, principal, submission_id, [entry], expected_version=body.expected_version, single=True
            )
        ),
    )


@router.put("/{submission_id}/appraisals", response_model=SavedOut, responses=ERRORS)
def put_appraisals(
    body: AppraisalsIn, rt: RuntimeDep, principal: CurrentPrincipal, submission_id: int = SubmissionId
) -> SavedOut:
    """Many appraisals at once, all in the caller's fields: all saved, or none."""
    entries = [appraisal.AppraisalIn(i.criterion, i.score, i.comment) for i in body.appraisals]
    return run_write(
        rt,
        lambda s: _saved(
            appraisal.save_appraisals(
                s, rt, principal, submission_id, entries, expected_version=body.expected_version
            )
        ),
    )


@router.get("/{submission_id}/disputes", response_model=list[DisputeOut], responses=ERRORS)
def read_disputes(
    rt: RuntimeDep, principal: CurrentPrincipal, submission_id: int = SubmissionId
) -> list[DisputeOut]:
    with rt.db.read() as session:
        found = locate(session, rt, submission_id, principal)
        sheet = load_sheet(session, found.submission)
        rows = sorted((d for ds in sheet.disputes.values() for d in ds), key=lambda d: d.id or 0)
        return [dispute_out(session, d, found.agency.code) for d in rows]


@router.post("/{submission_id}/disputes", response_model=DisputesFiledOut, status_code=201, responses=ERRORS)
def post_disputes(
    body: DisputesIn, rt: RuntimeDep, principal: CurrentPrincipal, submission_id: int = SubmissionId
) -> DisputesFiledOut:
    """Dispute appraised scores of one or more leaves while the dispute window is open."""
    items = [disputes.DisputeIn(d.criterion, d.argument, d.evidence_id) for d in body.disputes]

    def use_case(session: Session) -> DisputesFiledOut:
        found, rows = disputes.file_disputes(
            session, rt, principal, submission_id, items, expected_version=body.expected_version
        )
        return DisputesFiledOut(
            submission_id=found.submission.id or 0,
            state=found.submission.state,
            version=found.submission.version,
            disputes=[dispute_out(session, r, found.agency.code) for r in rows],
        )

    return run_write(rt, use_case)


def _exclusion_out(session: Session, found) -> ExclusionOut:  # type: ignore[no-untyped-def]
    agency = session.get(Agency, found.submission.agency_id)
    return ExclusionOut(
        submission_id=found.submission.id or 0,
        agency=agency.code if agency else "",
        excluded=found.submission.excluded_reason is not None,
        reason=found.submission.excluded_reason,
        version=found.submission.version,
    )


@router.post("/{submission_id}/exclusion", response_model=ExclusionOut, responses=ERRORS)
def exclude(
    body: ExclusionIn, rt: RuntimeDep, principal: CurrentPrincipal, submission_id: int = SubmissionId
) -> ExclusionOut:
    """Leave this agency out of ranking and publication, with the reason (Home Affairs)."""
    return run_write(
        rt,
        lambda s: _exclusion_out(
            s,
            results.set_exclusion(
                s, rt, principal, submission_id, body.reason, expected_version=body.expected_version
            ),
        ),
    )


@router.delete("/{submission_id}/exclusion", response_model=ExclusionOut, responses=ERRORS)
def include(rt: RuntimeDep, principal: CurrentPrincipal, submission_id: int = SubmissionId) -> ExclusionOut:
    """Take an exclusion back: the agency is ranked and published again."""
    return run_write(
        rt, lambda s: _exclusion_out(s, results.set_exclusion(s, rt, principal, submission_id, None))
    )


__all__ = ["CriterionCode", "router"]
