"""Reading the outbox: which messages were queued or sent, and how delivery went.

About one submission: whoever may see the submission may see its messages (404 otherwise, like
the submission itself). About a whole campaign (e.g. every undeliverable message): Home Affairs
and city leaders, who are the ones told when delivery fails.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from parflow.domain.errors import Forbidden, NotFound
from parflow.domain.roles import Role
from parflow.services.common import outbox
from parflow.services.common.access import Principal
from parflow.services.common.lookups import get_campaign
from parflow.services.common.paging import Page, after_instant, page_of
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle.submissions import locate
from parflow.store.models import Notification

CAMPAIGN_LOG_READERS = frozenset({Role.home_affairs, Role.city_leader})


def for_submission(
    session: Session, rt: Runtime, principal: Principal | None, submission_id: int
) -> list[Notification]:
    found = locate(session, rt, submission_id, principal)
    return outbox.for_submission(session, found.submission.id or 0)


def for_submission_page(
    session: Session,
    rt: Runtime,
    principal: Principal | None,
    submission_id: int,
    *,
    after: tuple[datetime, int] | None = None,
    limit: int = 200,
) -> Page[Notification]:
    """One page of a submission's messages, oldest first, continuing after (created_at, id)."""
    found = locate(session, rt, submission_id, principal)
    query = select(Notification).where(Notification.submission_id == found.submission.id)
    if after is not None:
        query = query.where(after_instant(col(Notification.created_at), col(Notification.id), after))
    query = query.order_by(col(Notification.created_at), col(Notification.id)).limit(limit + 1)
    return page_of(list(session.exec(query)), limit, lambda n: (n.created_at, n.id))


def for_campaign(
    session: Session,
    principal: Principal,
    code: str,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 200,
    before: tuple[datetime, int] | None = None,
) -> list[Notification]:
    """The campaign's messages, newest first; `before` (created_at, id) continues a paged list."""
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
    if before is not None:
        query = query.where(
            after_instant(col(Notification.created_at), col(Notification.id), before, descending=True)
        )
    return list(
        session.exec(
            query.order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(limit)
        )
    )
