"""The messages parflow queued or sent, with how their delivery went."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from parflow.i18n import t
from parflow.services.common import paging
from parflow.services.lifecycle import notification_log
from parflow.store.models import Notification
from parflow.web.api.paging import CURSOR, announce_next, limit_query
from parflow.web.api.schemas import ErrorOut, LabelOut
from parflow.web.deps import CurrentPrincipal, RuntimeDep

router = APIRouter(prefix="/api/v1", tags=["notifications"])
ERRORS = {401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}}
Status = Literal["pending", "sending", "sent", "failed", "dead", "cancelled", "held", "digested"]


class RecipientOut(BaseModel):
    name: str
    email: str
    language: str


class NotificationOut(BaseModel):
    id: int
    kind: str
    kind_label: LabelOut
    recipient: RecipientOut
    status: str
    status_label: LabelOut
    attempts: int
    created_at: datetime
    # when the next delivery attempt is due (only while pending or failed)
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str | None
    message_id: str | None
    # the subject as sent (null until the message has been rendered for delivery)
    subject: str | None
    submission_id: int | None
    late: bool
    due_at: datetime | None


def _label(key: str) -> LabelOut:
    return LabelOut(vi=t(key, "vi"), en=t(key, "en"))


def notification_out(row: Notification) -> NotificationOut:
    return NotificationOut(
        id=row.id or 0,
        kind=row.kind,
        kind_label=_label(f"notice.kind.{row.kind}"),
        recipient=RecipientOut(name=row.recipient_name, email=row.recipient_email, language=row.language),
        status=row.status,
        status_label=_label(f"notice.status.{row.status}"),
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at if row.status in ("pending", "failed") else None,
        sent_at=row.sent_at,
        last_error=row.last_error,
        message_id=row.message_id,
        subject=row.subject,
        submission_id=row.submission_id,
        late=row.late,
        due_at=row.due_at,
    )


@router.get(
    "/submissions/{submission_id}/notifications", response_model=list[NotificationOut], responses=ERRORS
)
def submission_notifications(
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    submission_id: int = Path(ge=1, le=2**31 - 1),
    limit: int = limit_query(500, 1000),
    cursor: str | None = CURSOR,
) -> list[NotificationOut]:
    """Every message queued or sent about one submission, oldest first, with its delivery status
    (`limit` at a time; the `Link` header leads to the next page)."""
    after = paging.decode(cursor, (datetime, int)) if cursor else None
    with rt.db.read() as session:
        page = notification_log.for_submission_page(
            session,
            rt,
            principal,
            submission_id,
            after=after,
            limit=limit,
        )
        announce_next(request, response, page)
        return [notification_out(r) for r in page.rows]


@router.get("/campaigns/{code}/notifications", response_model=list[NotificationOut], responses=ERRORS)
def campaign_notifications(
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    code: str = Path(max_length=64),
    status: Status | None = Query(default=None),
    kind: str | None = Query(default=None, max_length=32, pattern=r"^[a-z_]+$"),
    limit: int = limit_query(200, 1000),
    cursor: str | None = CURSOR,
) -> list[NotificationOut]:
    """A campaign's messages, newest first (Home Affairs and city leaders), e.g. `?status=dead`;
    `limit` at a time, the `Link` header leads to older ones."""
    before = paging.decode(cursor, (datetime, int)) if cursor else None
    with rt.db.read() as session:
        found = notification_log.for_campaign(
            session,
            principal,
            code,
            status=status,
            kind=kind,
            limit=limit + 1,
            before=before,
        )
        page = paging.page_of(found, limit, lambda n: (n.created_at, n.id))
        announce_next(request, response, page)
        return [notification_out(r) for r in page.rows]
