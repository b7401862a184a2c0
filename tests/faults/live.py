"""A real uvicorn server in a background thread, and a small urllib client that never raises on
an HTTP status (the fault tests count every status they get)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib import error, request
from urllib.parse import urlencode

import uvicorn

from parflow.services.runtime import Runtime
from parflow.web.app import create_app


@contextmanager
def serving(rt: Runtime) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(rt), log_level="critical", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


def call(
    base: str, method: str, path: str, *, token: str | None = None, json_body: Any = None,
    form: dict[str, str] | None = None, timeout: float = 30,
) -> Reply:  # fmt: skip
    headers = {"Accept": "application/json"}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with request.urlopen(req, timeout=timeout) as response:
            raw, status, head = (
                response.read(),
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
            )
    except error.HTTPError as exc:
        raw, status, head = exc.read(), exc.code, {k.lower(): v for k, v in exc.headers.items()}
    try:
        body: Any = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode("utf-8", "replace")
    return Reply(status, body, head)


def token(base: str, email: str, password: str) -> str:
    for _ in range(50):
        reply = call(base, "POST", "/api/v1/auth/token", form={"username": email, "password": password})
        if reply.status == 200:
            return str(reply.body["access_token"])
        time.sleep(0.2)
    raise AssertionError(f"cannot sign in as {email}: {reply.status} {reply.body}")
