"""Watching the web process: a request id, one log line and metrics per request, and `/metrics`.

Requests are labelled by their route template (`/api/v1/submissions/{submission_id}`), never the
raw path: the number of series stays bounded, and secrets that live in paths (calendar feed
tokens) never reach a log line or a metric. Requests no route matched are labelled `<unmatched>`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from parflow.observability import metrics
from parflow.services.common.runtime import Runtime

log = logging.getLogger("parflow.http")

REQUEST_ID_HEADER = "x-request-id"
# a caller's request id is kept only when it is short and plain; anything else gets a fresh one
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UNMATCHED = "<unmatched>"


def route_template(scope: dict[str, Any]) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path:
        return str(path)
    if str(scope.get("path", "")).startswith("/static/"):
        return "/static/{path}"
    return UNMATCHED


class RequestObserver:
    """Pure ASGI middleware (cheaper than a BaseHTTPMiddleware on every request)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = _header(scope, REQUEST_ID_HEADER)
        request_id = given if given and _SAFE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500  # what the client gets if the application fails before answering

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            method = scope.get("method", "")
            metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
            metrics.HTTP_LATENCY.labels(method, route).observe(seconds)
            log.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={
                    "fields": {
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 1),
                        "user_id": scope["state"].get("person_id"),
                        "request_id": request_id,
                    }
                },
            )


def _header(scope: dict[str, Any], name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return value.decode("latin-1").strip()
    return None


def install_observability(app: FastAPI, rt: Runtime) -> None:
    """`GET /metrics` and the request observer (added last, so it sees every request whole)."""
    outbox = metrics.OutboxCollector(rt.db.read, rt.clock.now)

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics(request: Request) -> Response:
        client = request.client.host if request.client else None
        token = rt.settings.metrics_token
        if not metrics.allowed(request.headers.get("authorization"), client, token):
            if token:
                return JSONResponse(
                    {"detail": "Cần mã truy cập số liệu giám sát.", "code": "metrics_token_required"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            return JSONResponse(
                {"detail": "Số liệu giám sát chỉ xem được từ chính máy chủ.", "code": "metrics_local_only"},
                status_code=403,
            )
        return Response(metrics.exposition(outbox), media_type=metrics.CONTENT_TYPE)

    app.add_middleware(RequestObserver)
