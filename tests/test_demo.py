"""`parflow demo`, as a new user runs it: sign in as a focal point, submit, 409 on repeat, history;
Ctrl-C stops it cleanly and a second run reuses the data."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest
from sqlalchemy import create_engine, text

from parflow.settings import PROJECT_ROOT

FOCAL_POINT = "dau-moi.sgtvt@haiphong.example"
PASSWORD = "haiphong2021"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo(data_dir: Path, port: int, *options: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARFLOW_")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parflow.cli",
            "demo",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            *options,
        ],
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


@pytest.mark.slow
def test_demo_on_the_season_in_progress(tmp_path: Path) -> None:
    """`--campaign haiphong-2026`: 127 units on today's date, self-assessment open, the 2025
    results imported as last year, and the pages show the 2026 season."""
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    days = {datetime.now(zone).date()}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_demo(tmp_path / "demo", port, "--campaign", "haiphong-2026")
    try:
        wait_ready(base, process)
        days.add(datetime.now(zone).date())
        focal = "dau-moi.ttr@2025.haiphong.example"
        token = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": focal, "password": "haiphong2026"}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        mine = httpx.get(f"{base}/api/v1/campaigns/haiphong-2026/submissions", headers=headers).json()
        assert [(s["agency"]["code"], s["state"]) for s in mine] == [("ttr", "draft")]
        # Home Affairs' preview already compares with 2025 as announced (Thanh tra: 1st, 94,71)
        home_affairs = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"username": "cchc.hang@snv.2025.haiphong.example", "password": "haiphong2026"},
        ).json()
        preview = httpx.get(
            f"{base}/api/v1/campaigns/haiphong-2026/results/preview",
            headers={"Authorization": f"Bearer {home_affairs['access_token']}"},
        ).json()
        assert preview["previous"]["index_year"] == 2025 and preview["campaign"]["index_year"] == 2026
        ttr = next(r for g in preview["groups"] for r in g["rows"] if r["agency"]["code"] == "ttr")
        assert (ttr["change"]["previous_rank"], ttr["change"]["previous_total"]) == (1, "94.71")

        with httpx.Client(base_url=base, follow_redirects=True) as browser:
            form = browser.get("/login").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert csrf is not None
            signed_in = browser.post(
                "/login",
                data={
                    "email": "cchc.hang@snv.2025.haiphong.example",
                    "password": "haiphong2026",
                    "csrf_token": csrf.group(1),
                    "next": "/campaigns/haiphong-2026/board",
                },
            )
            assert signed_in.status_code == 200, signed_in.text[:500]
            board = signed_in.text
            assert "năm 2026" in board and "Thanh tra thành phố" in board and "xã Vĩnh Am" in board
    finally:
        output = stop(process)
    assert "campaign haiphong-2026" in output and "haiphong2026" in output
    # the demo clock is today, not a scripted date
    assert any(day.strftime("%d/%m/%Y") in output for day in days), output[:300]
    # last year's figures came from the file, so the comparison is there from the first run
    engine = create_engine(f"sqlite:///{tmp_path / 'demo' / 'parflow.db'}")
    with engine.connect() as db:
        imported = db.execute(
            text("select previous_results from campaign where code = 'haiphong-2026'")
        ).scalar_one()
    engine.dispose()
    assert '"index_year": 2025' in imported and '"p-hong-bang"' in imported


def test_an_unknown_demo_campaign_is_refused_with_the_choices(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "parflow.cli",
            "demo",
            "--campaign",
            "haiphong-2030",
            "--data-dir",
            str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        "there is no demo campaign 'haiphong-2030'; choose one of: haiphong-2021, haiphong-2026"
        in result.stderr
    )
    assert list(tmp_path.iterdir()) == []  # nothing created
