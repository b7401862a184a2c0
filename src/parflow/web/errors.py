"""Every error leaves as JSON `{"detail": <sentence>, "code": <word>, ...}` in the caller's language."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from parflow.domain.errors import Invalid, ParflowError, Unmet
from parflow.i18n import language_from_header, t

log = logging.getLogger("parflow.web")


def request_language(request: Request) -> str:
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


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(ParflowError)
    async def parflow_error(request: Request, exc: ParflowError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(
            error_body(exc, request_language(request)), status_code=exc.status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = request_language(request)
        errors = [
            {
                "code": "invalid",
                "field": _field_name(tuple(e["loc"])),
                "message": f"{_field_name(tuple(e['loc']))}: {e['msg']}",
            }
            for e in exc.errors()
        ]
        detail = t("input.invalid", lang) + " " + " ".join(e["message"] for e in errors)
        return JSONResponse({"detail": detail, "code": "invalid", "errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        lang = request_language(request)
        key = {
            404: "route.not_found",
            405: "method.not_allowed",
            401: "auth.required",
            403: "auth.forbidden",
        }.get(exc.status_code)
        detail = t(key, lang) if key else str(exc.detail)
        code = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated", 403: "forbidden"}.get(
            exc.status_code, "error"
        )
        return JSONResponse(
            {"detail": detail, "code": code}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": t("error.internal", request_language(request)), "code": "internal"}, status_code=500
        )
