"""Sign-in for API clients: the OAuth2 password flow, answered with a bearer token."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import col, select

from parflow.domain.errors import NotAuthenticated
from parflow.services.accounts import sign_in
from parflow.store.models import Agency, Campaign
from parflow.web import tokens
from parflow.web.api.schemas import ErrorOut, MeOut, RoleOut, TokenOut
from parflow.web.deps import CurrentPrincipal, RuntimeDep

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/token", response_model=TokenOut, responses={401: {"model": ErrorOut}, 429: {"model": ErrorOut}}
)
def token(
    request: Request, rt: RuntimeDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenOut:
    address = request.client.host if request.client else "unknown"
    person = sign_in.sign_in(rt, form.username, form.password, address)
    if person is None or person.id is None:
        raise NotAuthenticated("auth.bad_credentials")
    ttl = timedelta(minutes=rt.settings.token_ttl_minutes)
    access = tokens.issue(
        request.app.state.secret_key, person.id, rt.clock.now(), ttl, session_epoch=person.session_epoch
    )
    return TokenOut(access_token=access, expires_in=int(ttl.total_seconds()))


@router.get("/me", response_model=MeOut, responses={401: {"model": ErrorOut}})
def me(principal: CurrentPrincipal, rt: RuntimeDep) -> MeOut:
    with rt.db.read() as session:
        campaigns = {c.id: c.code for c in session.exec(select(Campaign))}
        agency_ids = {a.agency_id for a in principal.assignments if a.agency_id}
        agencies = {a.id: a.code for a in session.exec(select(Agency).where(col(Agency.id).in_(agency_ids)))}
    return MeOut(
        email=principal.email,
        name=principal.name,
        language=principal.language,
        roles=[
            RoleOut(
                campaign=campaigns.get(a.campaign_id, "?"),
                role=a.role,
                agency=agencies.get(a.agency_id or -1),
                fields=list(a.fields),
            )
            for a in principal.assignments
        ],
    )
