"""Request and response models of the scoring API (scores, evidence, appraisal, disputes, results).

Scores travel as decimal strings ("9.50") in responses; requests accept a JSON number or a string
("9.5" or "9,5"), checked by the domain so that a refusal names the leaf and its maximum.
"""

from __future__ import annotations

from datetime import date as date_
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

from parflow.web.api.schemas import FiguresOut, LabelOut, Text

CriterionCode = Annotated[str, Field(pattern=r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$", max_length=32)]
ScoreValue = StrictStr | StrictInt | StrictFloat
Version = Annotated[int, Field(ge=1)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- self-assessment ---------------------------------------------------------------------------


class SelfScoreIn(_In):
    score: ScoreValue | None = Field(
        description="0 ≤ score ≤ the leaf's max, at most 2 decimals; null clears it"
    )
    explanation: Annotated[Text, Field(max_length=4000)] | None = Field(
        default=None, description="giải trình: required when the leaf has no evidence"
    )
    expected_version: Version | None = None


class SelfScoreItem(_In):
    criterion: CriterionCode
    score: ScoreValue | None
    explanation: Annotated[Text, Field(max_length=4000)] | None = None


class SelfScoresIn(_In):
    scores: list[SelfScoreItem] = Field(min_length=1, max_length=500)
    expected_version: Version | None = None


class AppraisalIn(_In):
    score: ScoreValue
    comment: Annotated[Text, Field(max_length=4000)] | None = Field(
        default=None, description="required when the appraised score differs from the self-score"
    )
    expected_version: Version | None = None


class AppraisalItem(_In):
    criterion: CriterionCode
    score: ScoreValue
    comment: Annotated[Text, Field(max_length=4000)] | None = None


class AppraisalsIn(_In):
    appraisals: list[AppraisalItem] = Field(min_length=1, max_length=500)
    expected_version: Version | None = None


class ScoreOut(BaseModel):
    criterion: str
    self_score: str | None
    explanation: str | None
    self_at: datetime | None
    appraised_score: str | None
    appraisal_comment: str | None
    appraised_at: datetime | None
    survey_score: str | None


class SavedOut(BaseModel):
    submission_id: int
    version: int
    changed: list[str]
    scores: list[ScoreOut]


# --- evidence ------------------------------------------------------------------------------------


class EvidenceLinkIn(_In):
    criterion: CriterionCode
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    title: Annotated[Text, Field(max_length=500)] | None = None
    expected_version: Version | None = None


class EvidenceOut(BaseModel):
    id: int
    criterion: str
    kind: Literal["file", "link"]
    filename: str | None
    media_type: str | None
    size: int | None
    sha256: str | None
    url: str | None
    title: str | None
    uploaded_at: datetime
    download_path: str | None


class EvidenceAddedOut(EvidenceOut):
    submission_version: int


# --- disputes ------------------------------------------------------------------------------------


class DisputeItem(_In):
    criterion: CriterionCode
    argument: Annotated[Text, Field(min_length=1, max_length=4000)]
    evidence_id: Annotated[int, Field(ge=1)] | None = None


class DisputesIn(_In):
    disputes: list[DisputeItem] = Field(min_length=1, max_length=200)
    expected_version: Version | None = None


class ResolutionIn(_In):
    outcome: Literal["accepted", "rejected"]
    reason: Annotated[Text, Field(min_length=1, max_length=4000)]
    score: ScoreValue | None = Field(default=None, description="the new appraised score; only when accepted")
    expected_version: Version | None = None


class PersonRefOut(BaseModel):
    name: str
    email: str


class DisputeOut(BaseModel):
    id: int
    submission_id: int
    agency: str
    criterion: str
    argument: str
    evidence_id: int | None
    filed_at: datetime
    filed_by: PersonRefOut | None
    owner: PersonRefOut | None
    status: Literal["open", "accepted", "rejected"]
    resolution_score: str | None
    resolution_reason: str | None
    resolved_at: datetime | None
    resolved_by: PersonRefOut | None


class DisputesFiledOut(BaseModel):
    submission_id: int
    state: str
    version: int
    disputes: list[DisputeOut]


class ResolvedOut(BaseModel):
    dispute: DisputeOut
    submission_state: str
    submission_version: int
    all_resolved: bool


# --- score sheet ---------------------------------------------------------------------------------


class NodeOut(BaseModel):
    code: str
    parent: str | None
    field: str
    level: int
    is_leaf: bool
    title_vi: str
    title_en: str | None
    max: str
    scored_by: Literal["agency", "survey"]
    method: str | None = None
    evidence_required: str | None = None
    score: ScoreOut | None = None
    evidence: list[EvidenceOut] = []
    disputes: list[DisputeOut] = []


class FieldTotalOut(BaseModel):
    code: str
    max: str
    self_assessed: str
    index: str | None  # hidden from the agency until appraisal results are sent
    # over the agency-scored leaves only, null while none has a score (issue 15)
    self_assessed_agency: str | None = None
    appraised: str | None = None


class SheetOut(BaseModel):
    submission_id: int
    agency: str
    state: str
    version: int
    criteria_set: str | None
    appraisal_visible: bool = Field(description="false for the agency until appraisal results are sent")
    self_assessed_total: str
    index_total: str | None
    appraised_part: str | None
    survey_part: str
    sipas_percent: str | None
    complete: bool
    fields: list[FieldTotalOut]
    nodes: list[NodeOut]
    figures: FiguresOut | None = None


# --- survey, exclusion, publication, progress ----------------------------------------------------


class SurveyImportedOut(BaseModel):
    campaign: str
    agencies: list[str]
    leaves: int
    sha256: str
    without_results: list[str]


class ExclusionIn(_In):
    reason: Annotated[Text, Field(min_length=1, max_length=2000)]
    expected_version: Version | None = None


class ExclusionOut(BaseModel):
    submission_id: int
    agency: str
    excluded: bool
    reason: str | None
    version: int


class DecisionIn(_In):
    """The decision approving the results: number (903/QĐ-UBND), date, who signed it."""

    number: Annotated[Text, Field(min_length=1, max_length=200)]
    date: date_ | None = None
    signer: Annotated[Text, Field(max_length=200)] = ""


class PublishIn(_In):
    comment: Annotated[Text, Field(max_length=4000)] | None = None
    decision: DecisionIn | None = None


class AuditHeadOut(BaseModel):
    seq: int
    hash: str
    results_sha256: str


class PublishedOut(BaseModel):
    campaign: str
    published_at: datetime
    audit_head: AuditHeadOut
    results_path: str


class MemberProgressOut(BaseModel):
    name: str
    email: str
    fields: list[str]
    leaves_total: int
    leaves_appraised: int
    finished: bool
    pending_agencies: list[str]


class FieldProgressOut(BaseModel):
    code: str
    title_vi: str
    title_en: str | None
    members: list[str]
    submissions: int
    finished_submissions: int
    leaves_total: int
    leaves_appraised: int
    finished: bool
    pending_agencies: list[str]


class ProgressOut(BaseModel):
    campaign: str
    submissions: int
    fields: list[FieldProgressOut]
    members: list[MemberProgressOut]


# --- results (the published payload) ------------------------------------------------------------


class ResultAgencyOut(BaseModel):
    code: str
    name: str
    name_en: str | None


class ResultRowOut(BaseModel):
    rank: int
    agency: ResultAgencyOut
    criteria_set: str | None
    total: str
    appraised: str
    survey: str
    fields: dict[str, str]
    sipas_percent: str | None
    classification: LabelOut | None
    # the head's level under the campaign's rule (absent: the campaign declares none)
    head_classification: LabelOut | None = None
    complete: bool
    state: dict[str, str] | None = None
    change: ResultChangeOut | None = None


class ResultChangeOut(BaseModel):
    """Since the previous year: `rank` places gained (2 = up two), `total` and `fields` points gained."""

    previous_rank: int | None
    previous_total: str | None
    rank: int | None
    total: str | None
    fields: dict[str, str]


class ResultGroupOut(BaseModel):
    key: str
    label: LabelOut
    criteria_set: str | None
    rows: list[ResultRowOut]


class ResultFieldOut(BaseModel):
    code: str
    title_vi: str
    title_en: str | None
    max: str


class ResultSetOut(BaseModel):
    code: str
    title: str
    total: str
    groups: list[str]
    fields: list[ResultFieldOut]


class ExcludedOut(BaseModel):
    agency: ResultAgencyOut
    group: str
    reason: str


class BandOut(BaseModel):
    label: LabelOut
    min: str


class HeadConditionsOut(BaseModel):
    """Each given condition must hold: every field at least `min_field_share` of its maximum, the
    unit not among the last `not_in_last` of its group, SIPAS at least `min_sipas` percent."""

    min_field_share: str | None = None
    not_in_last: int | None = None
    min_sipas: str | None = None


class HeadBandOut(BaseModel):
    label: LabelOut
    min: str
    conditions: HeadConditionsOut


class HeadRuleOut(BaseModel):
    """How heads are classified from their unit's results: levels best first; `basis` names where
    the rule comes from."""

    basis: str
    bands: list[HeadBandOut]


class ResultCampaignOut(BaseModel):
    code: str
    title: str
    index_year: int


class ResultsOut(BaseModel):
    campaign: ResultCampaignOut
    published_at: datetime | None
    published_by: str | None = None
    audit_head: AuditHeadOut | None = None
    preview: bool = False
    classification: list[BandOut]
    head_classification: HeadRuleOut | None = None
    criteria_sets: list[ResultSetOut]
    groups: list[ResultGroupOut]
    excluded: list[ExcludedOut]
    decision: DecisionOut | None = None
    authority: AuthorityOut | None = None
    previous: PreviousOut | None = None


class DecisionOut(BaseModel):
    """Recorded at publication; only `text` when it was typed as one line (older publications)."""

    number: str | None
    date: date_ | None
    signer: str | None
    text: str | None


class AuthorityOut(BaseModel):
    province: LabelOut
    department: LabelOut


class PreviousOut(BaseModel):
    """What the changes compare with: another campaign's published results, or imported figures."""

    index_year: int
    campaign: str | None
    source: Literal["campaign", "import"]
    note: str | None


class DemoClockIn(_In):
    to: datetime | None = None
    working_days: Annotated[int, Field(ge=1, le=120)] | None = None


class DemoClockOut(BaseModel):
    now: datetime
    local: str
