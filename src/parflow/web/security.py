"""Protective HTTP behaviour for every response: security headers and a request size limit.

Pages are served with a strict Content-Security-Policy (no inline script, nothing from other
sites), so injected markup cannot run. The API documentation page (/docs) loads Swagger UI from
FastAPI's default CDN and is left out of the strict policy.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from parflow.i18n import language_from_header, t

PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
UNRESTRICTED = ("/docs", "/redoc")


def install_security(app: FastAPI, *, https: bool, max_body_bytes: int) -> None:
    @app.middleware("http")
    async def protect(request: Request, call_next):  # type: ignore[no-untyped-def]
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > max_body_bytes
            except ValueError:
                too_big = True
            if too_big:
                lang = language_from_header(request.headers.get("accept-language")) or "vi"
                limit = f"{max_body_bytes // (1024 * 1024)} MB"
                return JSONResponse(
                    {"detail": t("input.too_large", lang, limit=limit), "code": "too_large"}, status_code=413
                )
        response: Response = await call_next(request)
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not request.url.path.startswith(UNRESTRICTED):
            headers.setdefault("Content-Security-Policy", PAGE_CSP)
        if https:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # signed-in pages carry one person's view of the data: never keep them in a shared cache
        if request.url.path.startswith(("/api/", "/login", "/submissions", "/campaigns", "/disputes")):
            headers.setdefault("Cache-Control", "no-store")
        return response
