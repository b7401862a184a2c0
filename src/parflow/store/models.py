"""The tables. One module so that Alembic sees the whole schema in one import.

Conventions: instants are `UTCDateTime`; scores are `Numeric(6, 2)` decimals; a campaign owns its
agencies, milestones and submissions; people are global (identified by e-mail) and hold roles per
campaign. Tables whose rows are history (audit log, outbox, snapshots) are only ever appended to
by the application.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, Numeric, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from parflow.store.types import UTCDateTime

# Named constraints, so that SQLite batch migrations can find and alter them later.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _instant(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _score() -> Any:
    return Field(default=None, sa_type=Numeric(6, 2), nullable=True)


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    title: str = Field(max_length=300)
    index_year: int
    timezone: str = Field(max_length=64)
    workflow_name: str = Field(max_length=64)
    dispute_window_days: int = 5
    # the place printed on paper documents ("Hải Phòng, ngày ...")
    place: str | None = Field(default=None, max_length=120)
    # the agency head confirms the self-assessment before it counts as sent (issue 15)
    require_head_confirmation: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    # [{"label": {"vi":..,"en":..}, "min": "90"} ...] best band first
    classification: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source_digest: str = Field(default="", max_length=64)
    # who publishes: {"province": {"vi","en"}, "department": {"vi","en"}} (page headers, the report)
    authority: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # the campaign whose published results these are compared with (rank and score change)
    previous_campaign: str | None = Field(default=None, max_length=64)
    # or last year's published figures imported from a file (services/results/previous.py)
    previous_results: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # the heads' classification rule from the campaign YAML ({"basis", "bands": [{label, min,
    # conditions}]}), or None when the campaign publishes none
    head_classification: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # who the e-mails come from and whom to call: {"sender": {name, email}, "contact": {name,
    # phone, email}}, either part absent when the campaign YAML names none
    mail_identity: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    published_at: datetime | None = _instant()
    # earliest instant at which campaign-level deadline work (council, Home Affairs) may be due
    next_due_at: datetime | None = _instant(index=True)
    created_at: datetime = _instant(nullable=False)
    updated_at: datetime = _instant(nullable=False)


class CalendarDay(SQLModel, table=True):
    """A campaign's exception to the national calendar: an extra day off or a make-up working day."""

    __tablename__ = "calendar_day"
    __table_args__ = (UniqueConstraint("campaign_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    day: date
    working: bool
    note: str = Field(default="", max_length=300)


class Milestone(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("campaign_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str = Field(max_length=64)
    due_date: date
    # planned backwards: due = due_date(base_key) + offset working days (negative = before)
    base_key: str | None = Field(default=None, max_length=64)
    offset_working_days: int | None = None


class CriteriaSet(SQLModel, table=True):
    __tablename__ = "criteria_set"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    code: str = Field(max_length=64)
    title: str = Field(max_length=300)
    total: Decimal = Field(sa_type=Numeric(6, 2))
    # the agency groups this set applies to
    groups: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Criterion(SQLModel, table=True):
    """A node of a criteria tree: field (level 1), criterion (2) or sub-criterion (3)."""

    __table_args__ = (UniqueConstraint("set_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    set_id: int = Field(foreign_key="criteria_set.id", index=True)
    code: str = Field(max_length=32)
    parent_code: str | None = Field(default=None, max_length=32)
    field_code: str = Field(max_length=32)
    level: int
    position: int
    is_leaf: bool
    title_vi: str = Field(sa_type=Text)
    title_en: str | None = Field(default=None, sa_type=Text)
    max_score: Decimal = Field(sa_type=Numeric(6, 2))
    # "agency" (self-scored, appraised) or "survey" (imported)
    scored_by: str = Field(default="agency", max_length=16)
    method: str | None = Field(default=None, sa_type=Text)
    evidence_required: str | None = Field(default=None, sa_type=Text)


class Agency(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("campaign_id", "code"),
        # lists of a campaign's submissions are ordered, and paged, by (group, code)
        Index("ix_agency_campaign_group_code", "campaign_id", "group", "code"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    code: str = Field(max_length=64)
    name: str = Field(max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    group: str = Field(max_length=32)
    # how its head is addressed, before the agency's name: "Giám đốc" (Sở …), "Chủ tịch" (UBND …)
    head_title: str | None = Field(default=None, max_length=100)
    # secret path component of the agency's calendar feed (subscribe without a password)
    calendar_token: str = Field(max_length=64, unique=True)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    language: str = Field(default="vi", max_length=2)
    password_hash: str | None = Field(default=None, max_length=300)
    active: bool = True
    created_at: datetime = _instant(nullable=False)
    # Carried in API tokens and session cookies and compared on every request; sign-out and a
    # password change move it on, which ends every token and session issued before.
    session_epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class RoleAssignment(SQLModel, table=True):
    __tablename__ = "role_assignment"
    __table_args__ = (
        UniqueConstraint("person_id", "campaign_id", "role", "agency_id"),
        # campaign-wide roles (e.g. every Home Affairs officer, for the daily digest) among the
        # many agency roles
        Index("ix_role_assignment_role_campaign", "role", "campaign_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    role: str = Field(max_length=32)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    # council members: the field codes they appraise
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Submission(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("campaign_id", "agency_id"),
        Index("ix_submission_campaign_state", "campaign_id", "state"),
        # the tick reads due rows in (next_due_at, id) order, a batch at a time: no sort needed
        Index("ix_submission_due", "next_due_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    agency_id: int = Field(foreign_key="agency.id")
    criteria_set_id: int | None = Field(default=None, foreign_key="criteria_set.id")
    state: str = Field(max_length=32)
    # bumped by every write to the submission or its scores; clients send it back to detect races
    version: int = 1
    state_changed_at: datetime = _instant(nullable=False)
    submitted_at: datetime | None = _instant()
    results_sent_at: datetime | None = _instant()
    # The record of each sending against its deadline (the agency's own date, extensions
    # included): kept through later transitions, unlike the stamps above, which a return clears.
    # `*_late_days` is 0 when sent on time, the working days after the due date otherwise.
    self_assessment_sent_at: datetime | None = _instant()
    self_assessment_due_date: date | None = None
    self_assessment_late_days: int | None = None
    appraisal_sent_at: datetime | None = _instant()
    appraisal_due_date: date | None = None
    appraisal_late_days: int | None = None
    # the self-assessment's progress, kept by services/lifecycle/progress.py: leaves self-scored,
    # and of those, leaves with neither evidence nor explanation (what the board shows per agency)
    self_scored: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    self_unsupported: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    excluded_reason: str | None = Field(default=None, sa_type=Text)
    sipas_percent: Decimal | None = _score()
    # earliest instant at which a reminder or escalation for this submission may fall due
    next_due_at: datetime | None = _instant()
    created_at: datetime = _instant(nullable=False)
    # the focal point asked the head to confirm the self-assessment (campaigns that require it)
    head_confirmation_requested_at: datetime | None = _instant()
    head_confirmation_requested_by: int | None = Field(default=None, foreign_key="person.id")
    # the scan of the self-assessment report signed by the head, in the evidence store
    signed_report_sha256: str | None = Field(default=None, max_length=64)
    signed_report_filename: str | None = Field(default=None, max_length=255)
    signed_report_media_type: str | None = Field(default=None, max_length=128)
    signed_report_at: datetime | None = _instant()


class AuditEntry(SQLModel, table=True):
    """Append-only history, hash-chained per campaign (seq 1, 2, ...)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        UniqueConstraint("campaign_id", "seq"),
        Index("ix_audit_submission", "submission_id", "id"),
        # a submission's history, paged by seq
        Index("ix_audit_submission_seq", "submission_id", "seq"),
        # the daily digest counts a campaign's transitions of the last day
        Index("ix_audit_campaign_action_at", "campaign_id", "action", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    seq: int
    submission_id: int | None = Field(default=None, foreign_key="submission.id")
    at: datetime = _instant(nullable=False)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    actor_role: str | None = Field(default=None, max_length=32)
    # "transition", "score", "appraisal", "evidence", "dispute", "resolution", "extension",
    # "milestone_moved", "survey_import", "publish", "campaign_load", ...
    action: str = Field(max_length=32)
    trigger: str | None = Field(default=None, max_length=64)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str | None = Field(default=None, max_length=32)
    comment: str | None = Field(default=None, sa_type=Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The last link of each campaign's chain; locked while appending so links never fork."""

    __tablename__ = "audit_head"
    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)


class Score(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("submission_id", "criterion_code"),)
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    criterion_code: str = Field(max_length=32)
    self_score: Decimal | None = _score()
    explanation: str | None = Field(default=None, sa_type=Text)
    self_by: int | None = Field(default=None, foreign_key="person.id")
    self_at: datetime | None = _instant()
    appraised_score: Decimal | None = _score()
    appraisal_comment: str | None = Field(default=None, sa_type=Text)
    appraised_by: int | None = Field(default=None, foreign_key="person.id")
    appraised_at: datetime | None = _instant()
    survey_score: Decimal | None = _score()


class Evidence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    criterion_code: str = Field(max_length=32)
    # a stored file (by content hash) or a link to a published document
    sha256: str | None = Field(default=None, max_length=64, index=True)
    size: int | None = None
    media_type: str | None = Field(default=None, max_length=128)
    filename: str | None = Field(default=None, max_length=255)
    url: str | None = Field(default=None, max_length=2000)
    title: str | None = Field(default=None, max_length=500)
    uploaded_by: int | None = Field(default=None, foreign_key="person.id")
    uploaded_at: datetime = _instant(nullable=False)


class Dispute(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    criterion_code: str = Field(max_length=32)
    argument: str = Field(sa_type=Text)
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    filed_by: int | None = Field(default=None, foreign_key="person.id")
    filed_at: datetime = _instant(nullable=False)
    # the council member responsible for the disputed leaf's field
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    status: str = Field(default="open", max_length=16)  # open | accepted | rejected
    resolution_score: Decimal | None = _score()
    resolution_reason: str | None = Field(default=None, sa_type=Text)
    resolved_by: int | None = Field(default=None, foreign_key="person.id")
    resolved_at: datetime | None = _instant()


class Extension(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    milestone_key: str = Field(max_length=64)
    new_date: date
    reason: str = Field(sa_type=Text)
    granted_by: int | None = Field(default=None, foreign_key="person.id")
    granted_at: datetime = _instant(nullable=False)


class Notification(SQLModel, table=True):
    """The transactional outbox: written with the change that causes it, delivered later."""

    __table_args__ = (
        Index("ix_notification_due", "status", "next_attempt_at"),
        # a submission's messages and a campaign's message log, both paged by (created_at, id)
        Index("ix_notification_submission_created", "submission_id", "created_at", "id"),
        Index("ix_notification_campaign_created", "campaign_id", "created_at", "id"),
        # the board's "last reminder sent" per submission
        Index("ix_notification_campaign_kind_status", "campaign_id", "kind", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # (submission or person, rule, milestone, occurrence): the database refuses a second copy
    key: str = Field(max_length=255, unique=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    recipient_email: str = Field(max_length=254)
    recipient_name: str = Field(max_length=200)
    language: str = Field(default="vi", max_length=2)
    kind: str = Field(max_length=32)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    subject: str | None = Field(default=None, sa_type=Text)
    body_text: str | None = Field(default=None, sa_type=Text)
    body_html: str | None = Field(default=None, sa_type=Text)
    # pending|sending|sent|failed|dead|cancelled (cancelled: a reminder whose recipient finished
    # their part before it went out; never delivered, see services/deadlines/sync.py)|held|digested
    # (held: to Home Affairs or the city leadership, waiting for their daily digest, which lists it
    # and marks it digested; never delivered on its own, see services/common/outbox.py)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = _instant(nullable=False)
    last_error: str | None = Field(default=None, sa_type=Text)
    sent_at: datetime | None = _instant()
    message_id: str | None = Field(default=None, max_length=255)
    # messages about one submission share a thread (In-Reply-To / References)
    thread_key: str | None = Field(default=None, max_length=128)
    late: bool = False
    due_at: datetime | None = _instant()
    created_at: datetime = _instant(nullable=False)


class ResultSnapshot(SQLModel, table=True):
    """Published results, frozen: later edits to scores cannot change what was published."""

    __tablename__ = "result_snapshot"
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", unique=True)
    published_at: datetime = _instant(nullable=False)
    published_by: int | None = Field(default=None, foreign_key="person.id")
    audit_head_hash: str = Field(max_length=64)
    audit_head_seq: int
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class LoginFailure(SQLModel, table=True):
    """Failed sign-ins, kept for a while to slow down password guessing (per account and address)."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_email_at", "email", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    address: str = Field(max_length=64)
    at: datetime = _instant(nullable=False)
