"""Reading the outbox: which messages were queued or sent, and how delivery went.

About one submission: whoever may see the submission may see its messages (404 otherwise, like
the submission itself). About a whole campaign (e.g. every undeliverable message): Home Affairs
and city leaders, who are the ones told when delivery fails.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from parflow.domain.errors import Forbidden, NotFound
from parflow.domain.roles import Role
from parflow.services import outbox
from parflow.services.access import Principal
from parflow.services.campaigns import get_campaign
from parflow.services.runtime import Runtime
from parflow.services.submissions import locate
from parflow.store.models import Notification

CAMPAIGN_LOG_READERS = frozenset({Role.home_affairs, Role.city_leader})


def for_submission(
    session: Session, rt: Runtime, principal: Principal | None, submission_id: int
) -> list[Notification]:
    found = locate(session, rt, submission_id, principal)
    return outbox.for_submission(session, found.submission.id or 0)


def for_campaign(
    session: Session,
    principal: Principal,
    code: str,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 200,
) -> list[Notification]:
    campaign = get_campaign(session, code)
    roles = principal.roles_in(campaign.id or 0)
    if not roles:
        raise NotFound("campaign.not_found", code=code)
    if not roles & CAMPAIGN_LOG_READERS:
        raise Forbidden("auth.forbidden")
    query = select(Notification).where(Notification.campaign_id == campaign.id)
    if status:
        query = query.where(Notification.status == status)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(
        session.exec(
            query.order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(limit)
        )
    )
