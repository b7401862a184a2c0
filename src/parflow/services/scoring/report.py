"""The paper documents of a submission: the agency's self-assessment report (báo cáo tự đánh giá,
chấm điểm), signed by its head, and the council's appraisal record (biên bản thẩm định).

One read model for both, built from the score sheet; the web layer prints it as a page and as a
Word document. What is on the paper is what the reader may see on screen (appraised scores only
when they are visible to the reader).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from parflow.domain.roles import Role
from parflow.services.common.calendars import campaign_calendar
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle.submissions import Located
from parflow.services.scoring.score_sheet import Figures, load_sheet
from parflow.store.models import Person, RoleAssignment


@dataclass(frozen=True)
class PaperRow:
    code: str
    title: str
    level: int
    is_leaf: bool
    scored_by: str
    max_score: Decimal
    self_score: Decimal | None = None
    appraised_score: Decimal | None = None
    explanation: str | None = None
    comment: str | None = None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldLine:
    code: str
    title: str
    max_score: Decimal  # the part the agency scores
    self_subtotal: Decimal | None
    appraised_subtotal: Decimal | None


@dataclass
class Paper:
    kind: str  # "self_assessment" | "appraisal"
    campaign_title: str
    index_year: int
    agency_name: str
    place: str
    on: date
    head_name: str | None
    figures: Figures
    appraisal_visible: bool
    rows: list[PaperRow] = field(default_factory=list)
    fields: list[FieldLine] = field(default_factory=list)
    # leaves scored with no evidence: the report must carry their explanation (or say none was given)
    without_evidence: list[PaperRow] = field(default_factory=list)
    council: list[str] = field(default_factory=list)


def _title(lang: str, vi: str, en: str | None) -> str:
    return (en or vi) if lang == "en" else vi


def build_paper(
    session: Session, rt: Runtime, found: Located, kind: str, *, appraisal_visible: bool, lang: str = "vi"
) -> Paper:
    submission, campaign, agency = found.submission, found.campaign, found.agency
    sheet = load_sheet(session, submission)
    figures = sheet.figures()
    head = session.exec(
        select(Person.name)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
        .where(
            RoleAssignment.campaign_id == campaign.id,
            RoleAssignment.role == Role.agency_head,
            RoleAssignment.agency_id == agency.id,
        )
        .order_by(col(Person.name))
    ).first()
    council = list(
        session.exec(
            select(Person.name)
            .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
            .where(RoleAssignment.campaign_id == campaign.id, RoleAssignment.role == Role.council)
            .order_by(col(Person.name))
        )
    )
    paper = Paper(
        kind=kind,
        campaign_title=campaign.title,
        index_year=campaign.index_year,
        agency_name=_title(lang, agency.name, agency.name_en),
        place=campaign.place or "",
        on=campaign_calendar(session, campaign).local_date(rt.clock.now()),
        head_name=head,
        figures=figures,
        appraisal_visible=appraisal_visible,
        council=council if kind == "appraisal" else [],
    )
    for c in sheet.criteria:
        s = sheet.scores.get(c.code)
        evidence = tuple(
            (e.filename or "") if e.sha256 else (e.title or e.url or "")
            for e in sheet.evidence.get(c.code, [])
        )
        row = PaperRow(
            code=c.code,
            title=_title(lang, c.title_vi, c.title_en),
            level=c.level,
            is_leaf=c.is_leaf,
            scored_by=c.scored_by,
            max_score=c.max_score,
            self_score=(s.survey_score if c.scored_by == "survey" else s.self_score) if s else None,
            appraised_score=(
                (s.survey_score if c.scored_by == "survey" else s.appraised_score)
                if s and appraisal_visible
                else None
            ),
            explanation=s.explanation if s else None,
            comment=s.appraisal_comment if s and appraisal_visible else None,
            evidence=evidence,
        )
        paper.rows.append(row)
        if c.is_leaf and c.scored_by == "agency" and row.self_score is not None and not evidence:
            paper.without_evidence.append(row)
        if c.level == 1:
            agency_max = sum(
                (
                    x.max_score
                    for x in sheet.criteria
                    if x.is_leaf and x.field_code == c.code and x.scored_by == "agency"
                ),
                Decimal(0),
            )
            paper.fields.append(
                FieldLine(
                    c.code,
                    row.title,
                    agency_max,
                    figures.by_field_self.get(c.code),
                    figures.by_field_appraised.get(c.code) if appraisal_visible else None,
                )
            )
    return paper
