"""Who is looking at a page, and the CSRF check every form post goes through."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request
from sqlmodel import col, select

from parflow.domain.errors import ParflowError
from parflow.services.common.access import Principal, load_principal
from parflow.store.models import Campaign
from parflow.web.deps import RuntimeDep
from parflow.web.pages.nav import CampaignRef
from parflow.web.session import csrf_ok, sign_out


class SignInRequired(Exception):
    """Raised by pages that need a signed-in user; answered with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class CsrfRejected(ParflowError):
    status = 403
    code = "csrf"


def page_user(request: Request, rt: RuntimeDep) -> Principal | None:
    person_id = request.state.session.get("pid")
    # a cookie from before epochs existed counts as epoch 0, like the tokens (web/tokens.py)
    epoch = request.state.session.get("ep", 0)
    if not isinstance(person_id, int) or not isinstance(epoch, int):
        return None
    with rt.db.read() as session:
        # None too when the person signed out or changed password after this cookie was issued
        principal = load_principal(session, person_id, session_epoch=epoch)
        if principal is not None and principal.campaign_ids():
            # newest first: the navigation bar shows the latest campaign unless the page names one
            rows = session.exec(
                select(Campaign)
                .where(col(Campaign.id).in_(principal.campaign_ids()))
                .order_by(col(Campaign.index_year).desc(), col(Campaign.id).desc())
            ).all()
            request.state.user_campaigns = [
                CampaignRef(c.id or 0, c.code, c.title, c.published_at is not None) for c in rows
            ]
    if principal is None:
        sign_out(request)  # drop the dead cookie, so the browser stops sending it
        return None
    if principal is not None:
        request.state.page_user = principal
        request.state.person_id = principal.person_id  # for the request log
        request.state.language = principal.language
    return principal


def require_user(request: Request, user: Annotated[Principal | None, Depends(page_user)]) -> Principal:
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(quote(target, safe="/?=&"))
    return user


def check_csrf(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> None:
    if not csrf_ok(request, csrf_token):
        raise CsrfRejected("web.csrf_rejected")


def check_csrf_value(request: Request, submitted: str | None) -> None:
    """For multipart forms read as a stream (uploads), where the token arrives with the fields."""
    if not csrf_ok(request, submitted):
        raise CsrfRejected("web.csrf_rejected")


PageUser = Annotated[Principal | None, Depends(page_user)]
SignedIn = Annotated[Principal, Depends(require_user)]
CsrfChecked = Depends(check_csrf)
