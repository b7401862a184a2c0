"""Request-scoped dependencies: the runtime, the caller, and the write-transaction runner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from parflow.domain.errors import Conflict, NotAuthenticated
from parflow.services.common.access import Principal, load_principal
from parflow.services.common.runtime import Runtime
from parflow.web import tokens

T = TypeVar("T")

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def optional_principal(
    request: Request, rt: RuntimeDep, token: Annotated[str | None, Depends(oauth2)]
) -> Principal | None:
    # bearer tokens only: the pages' cookie session never reaches the API (see web/session.py)
    if not token:
        return None
    claims = tokens.read(request.app.state.secret_key, token, rt.clock.now())
    if claims is None:
        raise NotAuthenticated("auth.bad_token")
    with rt.db.read() as session:
        # a token from before the person's last sign-out or password change is refused here
        principal = load_principal(session, claims.person_id, session_epoch=claims.session_epoch)
    if principal is None:
        raise NotAuthenticated("auth.bad_token")
    request.state.language = principal.language
    request.state.person_id = principal.person_id  # for the request log
    return principal


def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise NotAuthenticated("auth.required")
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def run_write(rt: Runtime, use_case: Callable[[Session], T]) -> T:
    """One use case, one transaction; a lost race becomes a 409 the user can retry, never a 500.

    A database that stays locked (SQLite) or cannot be reached after `db.run`'s retries is not a
    race: the error goes on to `web.errors`, which answers 503 with a sentence and Retry-After.
    """
    try:
        return rt.db.run(use_case)
    except IntegrityError:
        raise Conflict("event.concurrent") from None
