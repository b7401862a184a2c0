"""The scheduler's own `/metrics`: its tick and delivery figures (and the outbox, from the
database) on a small HTTP server in a background thread, protected like the web's `/metrics`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from parflow.observability import metrics
from parflow.services.common.runtime import Runtime


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # Prometheus asks every few seconds; those requests are not worth a log line


def metrics_app(rt: Runtime) -> Callable[..., Iterable[bytes]]:
    outbox = metrics.OutboxCollector(rt.db.read, rt.clock.now)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"not found: ask /metrics\n"]
        token = rt.settings.metrics_token
        if not metrics.allowed(environ.get("HTTP_AUTHORIZATION"), environ.get("REMOTE_ADDR"), token):
            status = "401 Unauthorized" if token else "403 Forbidden"
            start_response(
                status, [("Content-Type", "text/plain; charset=utf-8"), ("WWW-Authenticate", "Bearer")]
            )
            return [
                b"metrics need the bearer token\n" if token else b"metrics are served to this machine only\n"
            ]
        body = metrics.exposition(outbox, multiprocess=False)
        start_response("200 OK", [("Content-Type", metrics.CONTENT_TYPE), ("Content-Length", str(len(body)))])
        return [body]

    return app


class MetricsServer:
    def __init__(self, rt: Runtime, host: str, port: int) -> None:
        self.server: WSGIServer = make_server(host, port, metrics_app(rt), handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self.server.serve_forever, name="parflow-metrics", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def start(self) -> MetricsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)
