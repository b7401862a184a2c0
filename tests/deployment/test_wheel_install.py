"""`pip install` of a built wheel, in a fresh virtual environment outside the checkout, as a
province's IT department installs parflow (docs/operations.md): the shipped workflows, e-mail
templates and example travel inside the package, and every command finds them.

Slow (a wheel build and a full install, about two minutes): it runs in CI with the rest.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx2 as httpx
import pytest

from parflow.notify.catcher import free_port
from parflow.settings import PROJECT_ROOT
from tests.support.mail import ScriptedHandler, SmtpServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SHIPPED_FILES = (
    "parflow/shipped/workflows/par-index.yaml",
    "parflow/shipped/notifications/reminder/body.vi.txt",
    "parflow/shipped/examples/haiphong-2021/campaign.yaml",
    "parflow/store/migrations/versions/0001_initial_schema.py",
    "parflow/web/templates/base.html",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(PROJECT_ROOT), "--no-deps", "-q", "-w", str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    [built] = out.glob("parflow-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `parflow` script of a fresh venv holding the wheel and its dependencies, nothing else."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(wheel)], check=True, capture_output=True, timeout=900
    )
    return venv / "bin" / "parflow"


def test_the_wheel_holds_the_shipped_folders(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [n for n in SHIPPED_FILES if n not in names]
    assert not missing, missing
    # every workflow and template of the checkout, not a chosen few
    for folder in ("workflows", "notifications"):
        for source in (PROJECT_ROOT / folder).rglob("*"):
            if source.is_file() and "__pycache__" not in source.parts:
                assert f"parflow/shipped/{folder}/{source.relative_to(PROJECT_ROOT / folder)}" in names


def run(parflow: Path, cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(parflow), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def clean_env(**settings: str) -> dict[str, str]:
    """The environment of an operator's shell: no PARFLOW_* from the test run, no checkout on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARFLOW_") and k != "PYTHONPATH"}
    return {**env, **settings}


def test_installed_wheel_end_to_end(installed: Path, tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"  # not the checkout: nothing may be found relative to it
    work.mkdir()
    bare = clean_env()

    # the installed code is the wheel's, not the checkout's
    where = subprocess.run(
        [str(installed.parent / "python"), "-c", "import parflow, sys; print(parflow.__file__)"],
        cwd=work,
        env=bare,
        capture_output=True,
        text=True,
        check=True,
    )
    assert not where.stdout.strip().startswith(str(PROJECT_ROOT / "src"))

    diagram = run(installed, work, bare, "workflow", "diagram", "par-index", "--lang", "en")
    assert diagram.returncode == 0, diagram.stderr
    assert "draft: Self-assessment in progress" in diagram.stdout

    preview = run(installed, work, bare, "notifications", "preview", "reminder", "--lang", "vi")
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.startswith("Subject: ") and "Kính gửi" in preview.stdout

    # no database configured: an error with a sentence, and no ./parflow-data created
    refused = run(installed, work, bare, "db", "upgrade")
    assert refused.returncode == 1
    assert refused.stderr.startswith("parflow: no database configured: set PARFLOW_DATABASE_URL")
    assert not (work / "parflow-data").exists()

    configured = clean_env(PARFLOW_DATA_DIR=str(tmp_path / "data"))
    upgraded = run(installed, work, configured, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"database sqlite:///{tmp_path / 'data' / 'parflow.db'} at revision" in upgraded.stdout

    example = run(
        installed, work, configured, "campaign", "load",
        str(installed.parents[1] / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
            / "site-packages" / "parflow" / "shipped" / "examples" / "haiphong-2021"),
    )  # fmt: skip
    assert example.returncode == 0, example.stderr
    assert example.stdout.startswith("campaign haiphong-2021: created")

    # mail: a past instant replays the season; the messages go to a real SMTP server
    server = SmtpServer(handler=ScriptedHandler(), port=free_port())
    server.start()
    try:
        mail = clean_env(
            PARFLOW_DATA_DIR=str(tmp_path / "data"),
            PARFLOW_SMTP_HOST="127.0.0.1",
            PARFLOW_SMTP_PORT=str(server.port),
            PARFLOW_SMTP_SECURITY="none",
        )
        ticked = run(installed, work, mail, "tick", "--now", "2022-01-11T09:00:00+07:00")
        assert ticked.returncode == 0, ticked.stderr
        assert server.handler.received, ticked.stdout
        assert f"delivery: {len(server.handler.received)} sent, 0 failed" in ticked.stdout
    finally:
        server.stop()


def test_installed_demo_starts_and_stops(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    demo = subprocess.Popen(
        [str(installed), "demo", "--port", str(port), "--data-dir", str(tmp_path / "demo")],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        ready = False
        while time.monotonic() < deadline and not ready:
            assert demo.poll() is None, demo.stdout.read() if demo.stdout else ""
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.3)  # polling for the server to listen; no event to wait on across processes
        assert ready, "the installed demo did not come up"
        token = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/token",
            data={"username": "dau-moi.sgtvt@haiphong.example", "password": "haiphong2021"},
        )
        assert token.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/campaigns/haiphong-2021/workflow").status_code in (
            200,
            303,
        )
    finally:
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=60)
    assert demo.returncode == 0, output
    assert "parflow demo stopped" in output
