"""The `parflow` command: exit 0 on success, 1 with one line on an error the user can fix, 2 on misuse."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from parflow.settings import PROJECT_ROOT
from tests.support.databases import FIXTURES

PARFLOW = [sys.executable, "-m", "parflow.cli"]


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PARFLOW, *args], capture_output=True, text=True, input=stdin, env=env, cwd=PROJECT_ROOT, timeout=120
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PARFLOW_DATA_DIR": str(tmp_path / "data"),
        "PARFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'parflow.db'}",
        "PARFLOW_SECRET_KEY": "x" * 40,
    }


def test_workflow_check_valid_and_invalid(env: dict[str, str], tmp_path: Path) -> None:
    ok = run(["workflow", "check", "workflows/par-index.yaml"], env)
    assert ok.returncode == 0 and "is valid" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (PROJECT_ROOT / "workflows" / "par-index.yaml").read_text().replace("dest: approved", "dest: aproved")
    )
    broken = run(["workflow", "check", str(bad)], env)
    assert broken.returncode == 1
    assert f"{bad}:" in broken.stderr and "unknown state 'aproved'" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_workflow_diagram(env: dict[str, str]) -> None:
    result = run(["workflow", "diagram", "par-index", "--lang", "en"], env)
    assert result.returncode == 0
    assert result.stdout.startswith("stateDiagram-v2")
    assert "draft: Self-assessment in progress" in result.stdout
    unknown = run(["workflow", "diagram", "nope"], env)
    assert unknown.returncode == 1 and "no workflow named 'nope'" in unknown.stderr


def test_load_status_and_passwords(env: dict[str, str]) -> None:
    assert run(["db", "upgrade"], env).returncode == 0
    first = run(["campaign", "load", str(FIXTURES / "mini")], env)
    assert first.returncode == 0 and "created" in first.stdout
    second = run(["campaign", "load", str(FIXTURES / "mini")], env)
    assert second.returncode == 0 and "unchanged" in second.stdout

    status = run(["status", "mini-2021", "--format", "json"], env)
    assert status.returncode == 0
    rows = json.loads(status.stdout)
    assert sorted(r["agency"] for r in rows) == ["dept-a", "dept-b", "quan-c"]
    assert all(r["state"] == "draft" for r in rows)
    as_csv = run(["status", "mini-2021", "--format", "csv"], env)
    assert as_csv.stdout.splitlines()[0].startswith("agency,name,group,state")
    assert run(["status", "mini-2021", "--format", "xml"], env).returncode == 2
    missing = run(["status", "no-such"], env)
    assert missing.returncode == 1 and missing.stderr.strip() == "parflow: No campaign 'no-such'."

    ok = run(["users", "set-password", "ha@mini.example"], env, stdin="a long enough password\n")
    assert ok.returncode == 0 and "password set" in ok.stdout
    short = run(["users", "set-password", "ha@mini.example"], env, stdin="short\n")
    assert short.returncode == 1 and "at least 8" in short.stderr
    nobody = run(["users", "set-password", "nobody@mini.example"], env, stdin="a long enough password\n")
    assert nobody.returncode == 1 and "nobody@mini.example" in nobody.stderr


def test_campaign_load_errors(env: dict[str, str], tmp_path: Path) -> None:
    run(["db", "upgrade"], env)
    assert run(["campaign", "load", str(tmp_path / "missing")], env).returncode == 1
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "campaign.yaml").write_text("code: Bad Code\n")
    result = run(["campaign", "load", str(bad)], env)
    assert result.returncode == 1
    assert "campaign.yaml:1" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_database_is_a_clean_error(env: dict[str, str]) -> None:
    env = {**env, "PARFLOW_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    result = run(["db", "upgrade"], env)
    assert result.returncode == 1
    assert result.stderr.startswith("parflow: cannot use the database")
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(env: dict[str, str]) -> None:
    assert run(["no-such-command"], env).returncode == 2
    assert run(["status"], env).returncode == 2


def test_serve_refuses_without_a_secret_key(env: dict[str, str]) -> None:
    env = {k: v for k, v in env.items() if k != "PARFLOW_SECRET_KEY"}
    result = run(["serve", "--port", "1"], env)
    assert result.returncode == 1
    assert "PARFLOW_SECRET_KEY is not set" in result.stderr


def test_serve_ignores_demo_mode_from_the_environment(env: dict[str, str]) -> None:
    """Demo mode (a generated key, the mail catcher, a settable clock) belongs to `parflow demo`:
    PARFLOW_DEMO_MODE in the environment must not let `parflow serve` start without a real key."""
    env = {k: v for k, v in env.items() if k != "PARFLOW_SECRET_KEY"}
    env["PARFLOW_DEMO_MODE"] = "true"

    def serve(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [*PARFLOW, "serve", "--port", str(free_port())],
                capture_output=True,
                text=True,
                env={**env, **extra},
                cwd=PROJECT_ROOT,
                timeout=30,
            )
        except subprocess.TimeoutExpired:
            pytest.fail("parflow serve started (and served) in demo mode")

    missing = serve({})
    assert missing.returncode == 1
    assert "PARFLOW_SECRET_KEY is not set" in missing.stderr and "Traceback" not in missing.stderr
    demo_key = serve({"PARFLOW_SECRET_KEY": "demo-" + "k" * 60})
    assert demo_key.returncode == 1
    assert "is a demo key" in demo_key.stderr and "Traceback" not in demo_key.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
