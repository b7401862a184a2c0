"""Request and response models of the JSON API (separate from the tables, which skip validation)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value.strip()


Text = Annotated[str, AfterValidator(_clean_text)]


class Problem(BaseModel):
    code: str
    field: str | None = None
    message: str


class ErrorOut(BaseModel):
    detail: str
    code: str
    errors: list[Problem] | None = None


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class RoleOut(BaseModel):
    campaign: str
    role: str
    agency: str | None = None
    fields: list[str] = []


class MeOut(BaseModel):
    email: str
    name: str
    language: str
    roles: list[RoleOut]


class LabelOut(BaseModel):
    vi: str
    en: str


class MilestoneOut(BaseModel):
    key: str
    label: LabelOut
    due_date: date
    planned_from: str | None = None
    offset_working_days: int | None = None


class CampaignOut(BaseModel):
    code: str
    title: str
    index_year: int
    timezone: str
    workflow: str
    dispute_window_days: int
    published_at: datetime | None
    milestones: list[MilestoneOut]


class DeadlineOut(BaseModel):
    milestone: str
    label: LabelOut
    due_date: date
    working_days_left: int
    overdue: bool
    extended: bool = False


class AgencyOut(BaseModel):
    code: str
    name: str
    name_en: str | None
    group: str


class SubmissionSummary(BaseModel):
    id: int
    agency: AgencyOut
    state: str
    state_label: LabelOut
    version: int
    state_changed_at: datetime
    next_deadline: DeadlineOut | None
    # running | done (published) | season_over (a past season): only running has a next deadline
    deadline_status: str = "running"


class EventOut(BaseModel):
    trigger: str
    label: LabelOut
    dest: str
    confirm: LabelOut | None = None


class FiguresOut(BaseModel):
    """The separate figures of a submission, each null while it does not exist yet."""

    self_assessed: str | None = Field(
        description="sum of the agency's self-scores over the leaves it scores (survey leaves excluded)"
    )
    survey: str | None = Field(description="survey points imported by Home Affairs")
    appraised: str | None = Field(
        description="sum of the council's scores over the agency-scored leaves; hidden from the "
        "agency until results are sent"
    )
    appraised_leaves: int | None
    agency_leaves: int
    index: str | None = Field(
        description="appraised + survey, once every leaf has its counting score; hidden from the "
        "agency until results are sent"
    )


class ScoresSummaryOut(BaseModel):
    """Totals so far; the leaf-by-leaf sheet is at `sheet_path`."""

    criteria_set: str | None
    leaves_self_scored: int
    leaves_to_self_score: int
    self_assessed_total: str
    index_total: str | None  # appraised + survey; hidden from the agency until results are sent
    sipas_percent: str | None
    excluded_reason: str | None
    sheet_path: str
    # the totals above predate these: `self_assessed_total` includes survey points and
    # `index_total` counts a missing score as 0; `figures` keeps each figure apart
    figures: FiguresOut | None = None


class SendingOut(BaseModel):
    """When a part was sent, against the due date that applied to this agency (extensions
    included), and how many working days late (0 when on time). Kept after later transitions."""

    sent_at: datetime
    due_date: date | None
    working_days_late: int


class SubmissionOut(SubmissionSummary):
    campaign: str
    submitted_at: datetime | None
    results_sent_at: datetime | None
    # absent (null) until the part is sent; a return to the agency does not erase it
    self_assessment_sent: SendingOut | None = None
    appraisal_sent: SendingOut | None = None
    deadlines: list[DeadlineOut]
    allowed_events: list[EventOut]
    # the agency's calendar feed (secret link), shown to the agency and to Home Affairs
    calendar_feed: str | None = None
    scores: ScoresSummaryOut | None = None


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: Text | None = Field(default=None, max_length=4000)
    expected_version: int | None = Field(default=None, ge=1)


class HistoryEntryOut(BaseModel):
    seq: int
    at: datetime
    action: str
    actor: str | None
    actor_role: str | None
    trigger: str | None
    from_state: str | None
    to_state: str | None
    comment: str | None


class FiredOut(BaseModel):
    submission: SubmissionOut
    history_entry: HistoryEntryOut
