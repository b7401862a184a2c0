"""Protective HTTP behaviour for every response: security headers and a request size limit.

Pages are served with a strict Content-Security-Policy (no inline script, nothing from other
sites), so injected markup cannot run. The API documentation pages (/docs, /redoc) set their own
policy, the same plus the hash of their one inline script (web/apidocs.py).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parflow.i18n import language_from_header, t
from parflow.services.evidence.store import human_size

PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def _too_large_sentence(headers: list[tuple[bytes, bytes]], max_body_bytes: int) -> str:
    accept = dict(headers).get(b"accept-language", b"").decode("latin-1")
    return t("input.too_large", language_from_header(accept) or "vi", limit=human_size(max_body_bytes))


class StreamedBodyLimit:
    """The same limit for bodies that declare no length (chunked transfer): counted while they
    arrive, so a client cannot make the server buffer an endless body. Past the limit the client is
    answered 413 at once and the app is told the client went away (whatever it answers to that
    is dropped)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0
        refused = False
        started = False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes and not started:
                    refused = True
                    body = {
                        "detail": _too_large_sentence(scope["headers"], self.max_body_bytes),
                        "code": "too_large",
                    }
                    await JSONResponse(body, status_code=413)(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, guarded)


def install_security(app: FastAPI, *, https: bool, max_body_bytes: int) -> None:
    app.add_middleware(StreamedBodyLimit, max_body_bytes=max_body_bytes)

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
        # the API documentation pages set the same policy plus their inline script's hash
        headers.setdefault("Content-Security-Policy", PAGE_CSP)
        if https:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # signed-in pages carry one person's view of the data: never keep them in a shared cache
        if request.url.path.startswith(("/api/", "/login", "/submissions", "/campaigns", "/disputes")):
            headers.setdefault("Cache-Control", "no-store")
        return response
