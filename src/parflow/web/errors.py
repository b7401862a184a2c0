"""Every error leaves in the caller's language: JSON `{"detail": <sentence>, "code": <word>, ...}`
for the API, an error page for the HTML pages."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from parflow.domain.errors import Invalid, ParflowError, RateLimited, Unmet
from parflow.i18n import language_from_header, t
from parflow.store.db import is_lock_error
from parflow.web.api.schemas import ErrorOut
from parflow.web.observe import route_template
from parflow.web.pages.deps import SignInRequired
from parflow.web.templating import page_language, render

log = logging.getLogger("parflow.web")

JSON_PREFIXES = ("/api/", "/openapi.json", "/healthz", "/readyz", "/metrics", "/docs", "/redoc")
HTTP_KEYS = {404: "route.not_found", 405: "method.not_allowed", 401: "auth.required", 403: "auth.forbidden"}
HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    401: "not_authenticated",
    403: "forbidden",
    413: "too_large",
}


def wants_html(request: Request) -> bool:
    """Pages answer errors with a page; the API (and its documentation) with JSON."""
    return not request.url.path.startswith(JSON_PREFIXES)


def request_language(request: Request) -> str:
    if wants_html(request):
        return page_language(request)
    return (
        language_from_header(request.headers.get("accept-language"))
        or getattr(request.state, "language", None)
        or "vi"
    )


def unmet_json(unmet: list[Unmet], lang: str) -> list[dict[str, Any]]:
    return [
        {"code": u.key.split(".")[-1], "field": u.field, "message": t(u.key, lang, **u.params)} for u in unmet
    ]


def error_body(exc: ParflowError, lang: str) -> dict[str, Any]:
    detail = t(exc.key, lang, **exc.params)
    body: dict[str, Any] = {"detail": detail, "code": exc.code}
    if isinstance(exc, Invalid) and exc.unmet:
        body["errors"] = unmet_json(exc.unmet, lang)
        body["detail"] = detail + " " + " ".join(e["message"] for e in body["errors"])
    return body


def html_error(request: Request, status: int, message: str, problems: list[str] | None = None) -> Response:
    lang = page_language(request)
    title = {404: "web.not_found_title", 403: "web.forbidden_title"}.get(status, "web.error_title")
    context = {"heading": t(title, lang), "message": message, "problems": problems or []}
    return render(request, "pages/error.html", context, status_code=status)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


def document_errors(app: FastAPI) -> None:
    """Describe 422 answers in /openapi.json as what they are (`ErrorOut`: detail sentence, code,
    errors), not as FastAPI's default list-shaped `HTTPValidationError` that this app never sends."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            if "HTTPValidationError" in components:
                described = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, definition in described.pop("$defs", {}).items():
                    components.setdefault(name, definition)
                components["HTTPValidationError"] = described
                components.pop("ValidationError", None)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/login?next={exc.next_path}", status_code=303)

    @app.exception_handler(ParflowError)
    async def parflow_error(request: Request, exc: ParflowError) -> Response:
        lang = request_language(request)
        body = error_body(exc, lang)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            # clients and scripts can wait exactly as long as the sentence says
            headers["Retry-After"] = str(exc.retry_after)
        if wants_html(request):
            problems = [e["message"] for e in body.get("errors", [])]
            page = html_error(request, exc.status, t(exc.key, lang, **exc.params), problems)
            page.headers.update({k: v for k, v in headers.items() if k == "Retry-After"})
            return page
        return JSONResponse(body, status_code=exc.status, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        lang = request_language(request)
        errors = []
        for e in exc.errors():
            name = _field_name(tuple(e["loc"]))
            errors.append({"code": "invalid", "field": name, "message": f"{name}: {e['msg']}"})
        if wants_html(request):
            return html_error(request, 422, t("input.invalid", lang), [e["message"] for e in errors])
        detail = t("input.invalid", lang) + " " + " ".join(e["message"] for e in errors)
        return JSONResponse({"detail": detail, "code": "invalid", "errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        lang = request_language(request)
        if exc.status_code == 400:
            # FastAPI's "error parsing the body" (bad JSON bytes, broken multipart): bad input like
            # any other, so the documented 422 with a sentence instead of an English 400
            detail = t("input.unreadable", lang)
            if wants_html(request):
                return html_error(request, 422, detail)
            return JSONResponse({"detail": detail, "code": "invalid"}, status_code=422)
        key = HTTP_KEYS.get(exc.status_code)
        detail = t(key, lang) if key else str(exc.detail)
        if wants_html(request):
            return html_error(request, exc.status_code, detail)
        code = HTTP_CODES.get(exc.status_code, "error")
        return JSONResponse(
            {"detail": detail, "code": code}, status_code=exc.status_code, headers=exc.headers
        )

    async def database_unavailable(request: Request, exc: Exception) -> Response:
        # SQLite locked for longer than its timeout and db.run's retries, PostgreSQL restarting or
        # unreachable, the connection pool exhausted: the request can be repeated in a moment.
        busy = is_lock_error(exc) or isinstance(exc, PoolTimeout)
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
        # the route template, never the path: a calendar feed's path carries its secret token
        log.warning(
            "database %s on %s %s: %s",
            "busy" if busy else "unavailable",
            request.method,
            route_template(request.scope),
            reason,
        )
        key = "database.busy" if busy else "database.unavailable"
        message = t(key, request_language(request))
        headers = {"Retry-After": "2" if busy else "5"}
        if wants_html(request):
            response = html_error(request, 503, message)
            response.headers.update(headers)
            return response
        code = "database_busy" if busy else "database_unavailable"
        return JSONResponse({"detail": message, "code": code}, status_code=503, headers=headers)

    for error in (OperationalError, InterfaceError, DisconnectionError, PoolTimeout):
        app.add_exception_handler(error, database_unavailable)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, route_template(request.scope))
        message = t("error.internal", request_language(request))
        if wants_html(request):
            return html_error(request, 500, message)
        return JSONResponse({"detail": message, "code": "internal"}, status_code=500)
