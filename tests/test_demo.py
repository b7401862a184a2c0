"""`parflow demo`, as a new user runs it: sign in as a focal point, submit, 409 on repeat, history;
Ctrl-C stops it cleanly and a second run reuses the data."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from parflow.settings import PROJECT_ROOT

FOCAL_POINT = "dau-moi.sgtvt@haiphong.example"
PASSWORD = "haiphong2021"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARFLOW_")}
    return subprocess.Popen(
        [sys.executable, "-m", "parflow.cli", "demo", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_ready(base: str, process: subprocess.Popen[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"demo exited early:\n{process.stdout.read() if process.stdout else ''}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("demo did not come up")


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, output
    return output


@pytest.mark.slow
def test_demo_first_steps(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_demo(data_dir, port)
    try:
        wait_ready(base, process)
        token = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": FOCAL_POINT, "password": PASSWORD}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        mine = httpx.get(f"{base}/api/v1/campaigns/haiphong-2021/submissions", headers=headers).json()
        assert [s["agency"]["code"] for s in mine] == ["sgtvt"]
        sid = mine[0]["id"]
        submitted = httpx.post(f"{base}/api/v1/submissions/{sid}/events/submit", headers=headers)
        assert submitted.status_code == 200, submitted.text
        again = httpx.post(f"{base}/api/v1/submissions/{sid}/events/submit", headers=headers)
        assert again.status_code == 409
        history = httpx.get(f"{base}/api/v1/submissions/{sid}/history", headers=headers).json()
        assert history[-1]["trigger"] == "submit" and history[-1]["actor"] == FOCAL_POINT
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        output = stop(process)
    assert FOCAL_POINT in output or "dau-moi.<agency>" in output
    assert "haiphong2021" in output

    # again: the same data, nothing reloaded from scratch
    process = start_demo(data_dir, port)
    try:
        wait_ready(base, process)
        token = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": FOCAL_POINT, "password": PASSWORD}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert httpx.get(f"{base}/api/v1/submissions/{sid}", headers=headers).json()["state"] == "self_scored"
    finally:
        stop(process)
