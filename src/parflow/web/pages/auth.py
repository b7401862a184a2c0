"""Sign in, sign out, and the language switch (remembered on the person)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from parflow.domain.errors import RateLimited
from parflow.i18n import normalise_language
from parflow.services.accounts import sign_in as sign_in_service
from parflow.services.accounts import users
from parflow.store.models import Person
from parflow.web.deps import RuntimeDep, run_write
from parflow.web.pages.deps import CsrfChecked, PageUser
from parflow.web.session import sign_in, sign_out
from parflow.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Only local paths: a crafted link must not send a user elsewhere after signing in."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/login")
def login_form(request: Request, user: PageUser, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(
        request, "pages/login.html", {"next": safe_next(next), "email": "", "error": None, "error_params": {}}
    )


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    rt: RuntimeDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    address = request.client.host if request.client else "unknown"
    try:
        person = sign_in_service.sign_in(rt, email, password, address)
    except RateLimited as exc:
        context = {"next": safe_next(next), "email": email, "error": exc.key, "error_params": exc.params}
        page = render(request, "pages/login.html", context, status_code=429)
        if exc.retry_after is not None:
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if person is None or person.id is None:
        context = {
            "next": safe_next(next),
            "email": email,
            "error": "auth.bad_credentials",
            "error_params": {},
        }
        return render(request, "pages/login.html", context, status_code=401)
    sign_in(request, person.id, person.language, rt.clock.now(), person.session_epoch)
    request.state.language = person.language
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    if user is not None:
        # clearing this browser's cookie is not enough: a copy of it (or an API token) would
        # still work until it expires. Moving the epoch on ends them all ("sign out everywhere").
        run_write(rt, lambda session: users.end_sessions(session, user.person_id))
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


@router.post("/language", dependencies=[CsrfChecked])
def switch_language(
    request: Request,
    rt: RuntimeDep,
    user: PageUser,
    language: Annotated[str, Form(max_length=5)] = "vi",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    lang = normalise_language(language)
    request.state.session["lang"] = lang
    request.state.session_dirty = True
    if user is not None:

        def remember(session) -> None:  # type: ignore[no-untyped-def]
            person = session.get(Person, user.person_id)
            person.language = lang
            session.add(person)

        run_write(rt, remember)
    return RedirectResponse(safe_next(next), status_code=303)
