"""Messages of a campaign for Home Affairs and the city leadership: what was sent, what is waiting,
and what could not be delivered (the delivery-failure alert links to `?status=dead`)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlmodel import col, select

from parflow.domain.notices import NOTIFICATION_KINDS
from parflow.services.common.lookups import get_campaign
from parflow.services.lifecycle import notification_log
from parflow.store.models import Agency, Submission
from parflow.web.deps import RuntimeDep
from parflow.web.pages.deps import SignedIn
from parflow.web.templating import render

router = APIRouter(include_in_schema=False)
Code = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
STATUSES = ("pending", "sending", "sent", "failed", "dead", "cancelled", "held", "digested")
LIMIT = 500


@router.get("/campaigns/{code}/notifications")
def notifications_page(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    code: str = Code,
    status: str | None = Query(default=None, max_length=16),
    kind: str | None = Query(default=None, max_length=32),
) -> Response:
    status = status if status in STATUSES else None
    kind = kind if kind in NOTIFICATION_KINDS else None
    with rt.db.read() as session:
        campaign = get_campaign(session, code)
        rows = notification_log.for_campaign(session, user, code, status=status, kind=kind, limit=LIMIT)
        ids = {r.submission_id for r in rows if r.submission_id}
        agencies = {}
        if ids:
            agencies = {
                s.id: a
                for s, a in session.exec(
                    select(Submission, Agency)
                    .join(Agency, col(Agency.id) == col(Submission.agency_id))
                    .where(col(Submission.id).in_(ids))
                ).all()
            }
    return render(
        request,
        "pages/notifications.html",
        {
            "campaign": campaign,
            "rows": rows,
            "agencies": agencies,
            "status": status,
            "kind": kind,
            "statuses": STATUSES,
            "kinds": list(NOTIFICATION_KINDS),
            "limit": LIMIT,
        },
    )
