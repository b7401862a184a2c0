"""A real uvicorn server for one test, in a background thread on a free 127.0.0.1 port.

Browser tests and fault tests both need the app behind a real socket (Chromium, real concurrent
HTTP clients); the TestClient would run requests in the test's own thread.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from parflow.services.common.runtime import Runtime
from parflow.web.app import create_app
from tests.support import logging_state


@contextmanager
def serving(rt: Runtime) -> Iterator[str]:
    # uvicorn.Config applies uvicorn's logging set-up (levels, handlers, propagation of the uvicorn
    # loggers) to the whole process: undone when the server stops, so later tests do not inherit it
    with logging_state.preserved():
        yield from _serve(rt)


def _serve(rt: Runtime) -> Iterator[str]:
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
