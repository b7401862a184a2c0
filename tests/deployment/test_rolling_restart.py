"""The rolling restart of docs/operations.md ("Upgrade", step 5): two `parflow serve` instances,
restarted one at a time (SIGTERM, start, wait for /readyz), while clients keep calling; a request
an instance refuses goes to the other, as nginx's `proxy_next_upstream error` does. No request is
lost and every answer is a 200."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from parflow.notify.catcher import free_port
from parflow.services.common.runtime import Runtime
from tests.deployment.processes import Process, environment, wait_until_healthy
from tests.support.databases import TEST_SECRET

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CLIENTS = 4


def serve(name: str, port: int, env: dict[str, str], folder: Path) -> Process:
    return Process.start(name, ["serve", "--port", str(port)], env, folder)


def wait_ready(base: str, process: Process) -> None:
    wait_until_healthy(base, process)
    deadline = time.monotonic() + 30
    while httpx.get(f"{base}/readyz", timeout=2).status_code != 200:
        assert time.monotonic() < deadline, process.output()
        time.sleep(0.2)  # polling another process; nothing to wait on


def test_restart_one_instance_at_a_time_loses_no_request(rt: Runtime, campaign: str, tmp_path: Path) -> None:
    env = environment(
        {"database_url": rt.db.url, "data_dir": str(rt.settings.data_dir), "secret_key": TEST_SECRET}
    )
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    instances = [serve(f"web{i}", p, env, tmp_path) for i, p in enumerate(ports)]
    stop = threading.Event()
    answers: list[int] = []
    failures: list[str] = []
    served = [0, 0]
    lock = threading.Lock()

    def client(first: int) -> None:
        while not stop.is_set():
            for i in (first, 1 - first):  # the proxy's order, then the next upstream
                try:
                    status = httpx.get(f"{bases[i]}/readyz", timeout=10).status_code
                except httpx.TransportError:
                    continue
                with lock:
                    answers.append(status)
                    served[i] += 1
                break
            else:
                with lock:
                    failures.append("both instances refused")

    try:
        for base, process in zip(bases, instances, strict=True):
            wait_ready(base, process)
        threads = [threading.Thread(target=client, args=(n % 2,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for i in range(2):
            before = len(answers)
            # SIGTERM: uvicorn finishes what it has, then exits (re-raising the signal)
            assert instances[i].stop() in (0, -15), instances[i].output()
            assert "Finished server process" in instances[i].output()
            instances[i] = serve(f"web{i}-new", ports[i], env, tmp_path)
            wait_ready(bases[i], instances[i])
            assert len(answers) > before  # the other instance answered meanwhile
        stop.set()
        for thread in threads:
            thread.join(30)
    finally:
        stop.set()
        for process in instances:
            process.stop()
    assert not failures
    assert answers and set(answers) == {200}, sorted(set(answers))
    assert min(served) > 0
