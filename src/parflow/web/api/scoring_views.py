"""Turning scoring rows into API response models."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from parflow.domain.roles import AGENCY_ROLES
from parflow.services.common.access import CAMPAIGN_WIDE_READERS, Principal
from parflow.services.lifecycle.submissions import Located
from parflow.services.scoring.score_sheet import Figures, Sheet, load_sheet
from parflow.store.models import CriteriaSet, Dispute, Evidence, Person, Score
from parflow.web.api.schemas import FiguresOut, ScoresSummaryOut
from parflow.web.api.scoring_schemas import (
    DisputeOut,
    EvidenceOut,
    FieldTotalOut,
    NodeOut,
    PersonRefOut,
    ScoreOut,
    SheetOut,
)


def s(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def figures_out(figures: Figures, visible: bool) -> FiguresOut:
    return FiguresOut(
        self_assessed=s(figures.self_assessed),
        survey=s(figures.survey),
        appraised=s(figures.appraised) if visible else None,
        appraised_leaves=figures.appraised_leaves if visible else None,
        agency_leaves=figures.agency_leaves,
        index=s(figures.index) if visible else None,
    )


def score_out(row: Score, *, appraisal_visible: bool = True) -> ScoreOut:
    return ScoreOut(
        criterion=row.criterion_code,
        self_score=s(row.self_score),
        explanation=row.explanation,
        self_at=row.self_at,
        appraised_score=s(row.appraised_score) if appraisal_visible else None,
        appraisal_comment=row.appraisal_comment if appraisal_visible else None,
        appraised_at=row.appraised_at if appraisal_visible else None,
        survey_score=s(row.survey_score),
    )


def evidence_out(row: Evidence) -> EvidenceOut:
    return EvidenceOut(
        id=row.id or 0,
        criterion=row.criterion_code,
        kind="file" if row.sha256 else "link",
        filename=row.filename,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        url=row.url,
        title=row.title,
        uploaded_at=row.uploaded_at,
        download_path=f"/api/v1/submissions/{row.submission_id}/evidence/{row.id}" if row.sha256 else None,
    )


def _person(session: Session, person_id: int | None) -> PersonRefOut | None:
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    return PersonRefOut(name=person.name, email=person.email) if person else None


def dispute_out(session: Session, row: Dispute, agency_code: str) -> DisputeOut:
    return DisputeOut(
        id=row.id or 0,
        submission_id=row.submission_id,
        agency=agency_code,
        criterion=row.criterion_code,
        argument=row.argument,
        evidence_id=row.evidence_id,
        filed_at=row.filed_at,
        filed_by=_person(session, row.filed_by),
        owner=_person(session, row.owner_id),
        status=row.status,  # type: ignore[arg-type]
        resolution_score=s(row.resolution_score),
        resolution_reason=row.resolution_reason,
        resolved_at=row.resolved_at,
        resolved_by=_person(session, row.resolved_by),
    )


def appraisal_visible(principal: Principal, found: Located) -> bool:
    """The agency sees appraised scores once they are sent to it; everyone else who may see the
    submission sees them as they are entered."""
    roles = principal.roles_for_submission(found.campaign.id or 0, found.agency.id or 0)
    if roles - AGENCY_ROLES or roles & CAMPAIGN_WIDE_READERS:
        return True
    return found.submission.results_sent_at is not None


def _set_code(session: Session, set_id: int | None) -> str | None:
    row = session.get(CriteriaSet, set_id) if set_id is not None else None
    return row.code if row else None


def sheet_out(session: Session, principal: Principal, found: Located, sheet: Sheet) -> SheetOut:
    visible = appraisal_visible(principal, found)
    index = sheet.index()
    self_index = sheet.self_index()
    nodes = []
    for c in sheet.criteria:
        node = NodeOut(
            code=c.code,
            parent=c.parent_code,
            field=c.field_code,
            level=c.level,
            is_leaf=c.is_leaf,
            title_vi=c.title_vi,
            title_en=c.title_en,
            max=f"{c.max_score:.2f}",
            scored_by=c.scored_by,  # type: ignore[arg-type]
            method=c.method,
            evidence_required=c.evidence_required,
        )
        if c.is_leaf:
            row = sheet.scores.get(c.code)
            node.score = score_out(row, appraisal_visible=visible) if row else None
            node.evidence = [evidence_out(e) for e in sheet.evidence.get(c.code, [])]
            node.disputes = [
                dispute_out(session, d, found.agency.code) for d in sheet.disputes.get(c.code, [])
            ]
        nodes.append(node)
    figures = sheet.figures()
    fields = [
        FieldTotalOut(
            code=c.code,
            max=f"{c.max_score:.2f}",
            self_assessed=f"{self_index.by_field.get(c.code, Decimal(0)):.2f}",
            index=f"{index.by_field.get(c.code, Decimal(0)):.2f}" if visible else None,
            self_assessed_agency=s(figures.by_field_self.get(c.code)),
            appraised=s(figures.by_field_appraised.get(c.code)) if visible else None,
        )
        for c in sheet.criteria
        if c.level == 1
    ]
    return SheetOut(
        submission_id=found.submission.id or 0,
        agency=found.agency.code,
        state=found.submission.state,
        version=found.submission.version,
        criteria_set=_set_code(session, found.submission.criteria_set_id),
        appraisal_visible=visible,
        self_assessed_total=f"{self_index.total:.2f}",
        index_total=f"{index.total:.2f}" if visible else None,
        appraised_part=f"{index.appraised_part:.2f}" if visible else None,
        survey_part=f"{index.survey_part:.2f}",
        sipas_percent=s(found.submission.sipas_percent),
        complete=index.complete,
        fields=fields,
        nodes=nodes,
        figures=figures_out(figures, visible),
    )


def scores_summary(session: Session, principal: Principal, found: Located) -> ScoresSummaryOut:
    sheet = load_sheet(session, found.submission, with_attachments=False)
    visible = appraisal_visible(principal, found)
    agency_leaves = [c for c in sheet.criteria if c.is_leaf and c.scored_by == "agency"]
    scored = sum(1 for c in agency_leaves if (row := sheet.scores.get(c.code)) and row.self_score is not None)
    return ScoresSummaryOut(
        criteria_set=_set_code(session, found.submission.criteria_set_id),
        leaves_self_scored=scored,
        leaves_to_self_score=len(agency_leaves),
        self_assessed_total=f"{sheet.self_index().total:.2f}",
        index_total=f"{sheet.index().total:.2f}" if visible else None,
        sipas_percent=s(found.submission.sipas_percent),
        excluded_reason=found.submission.excluded_reason,
        sheet_path=f"/api/v1/submissions/{found.submission.id}/scores",
        figures=figures_out(sheet.figures(), visible),
    )
