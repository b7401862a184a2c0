"""A small urllib client that never raises on an HTTP status (the fault tests count every status
they get)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib import error, request
from urllib.parse import urlencode


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
