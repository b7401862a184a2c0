"""`parflow --help` loads typer and the command modules only; the commands load what they use.

Checked by the modules a fresh interpreter holds after running the command, never by a time: which
modules load is deterministic, a start-up time on a shared machine is not (benchmarks/startup.py
measures that). Each command is run in its own process, since one process keeps what it imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parflow.cli import app
from parflow.settings import PROJECT_ROOT
from tests.support.databases import FIXTURES

# what would make `parflow --help` take most of a second: the web stack, the database, settings,
# templates, documents, collation, the scheduler, mail, calendars, metrics and parflow's own layers
HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "multipart",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "psycopg",
    "pydantic_settings",
    "jinja2",
    "openpyxl",
    "docx",
    "icu",
    "babel",
    "apscheduler",
    "aiosmtplib",
    "aiosmtpd",
    "holidays",
    "icalendar",
    "prometheus_client",
    "pwdlib",
    "jwt",
    "yaml",
    "transitions",
    "asyncio",
    "parflow.settings",
    "parflow.domain",
    "parflow.i18n",
    "parflow.store",
    "parflow.services",
    "parflow.notify",
    "parflow.web",
    "parflow.scheduler",
    "parflow.observability",
)
WEB = ("fastapi", "starlette", "uvicorn", "multipart", "itsdangerous", "parflow.web", "apscheduler")

# runs `parflow ARGS` in this interpreter (exit status ignored) and writes the modules it then holds
PROBE = """
import json, sys
from parflow.cli import main
out, sys.argv = sys.argv[1], ["parflow", *sys.argv[2:]]
try:
    main()
except SystemExit:
    pass
with open(out, "w") as f:
    json.dump(sorted(sys.modules), f)
"""
# the same for a two-command Typer app: what Typer itself loads to print a group's help page (with
# Vietnamese in it, as parflow's has: Rich then loads its Unicode width tables)
BARE_TYPER = """
import json, sys, typer
out = sys.argv[1]
app = typer.Typer(add_completion=False)
@app.command()
def one() -> None:
    "Hải Phòng."
@app.command()
def two() -> None:
    "Hải Phòng."
try:
    app(["--help"], prog_name="bare")
except SystemExit:
    pass
with open(out, "w") as f:
    json.dump(sorted(sys.modules), f)
"""


def modules_after(tmp_path: Path, script: str, *args: str, env: dict[str, str] | None = None) -> set[str]:
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", script, str(out), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert out.exists(), done.stderr
    return set(json.loads(out.read_text()))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n in modules or any(m.startswith(n + ".") for m in modules))


@pytest.mark.parametrize("args", [["--help"], ["simulate", "--help"], ["db"]])
def test_help_loads_no_heavy_module(tmp_path: Path, args: list[str]) -> None:
    assert loaded(modules_after(tmp_path, PROBE, *args), HEAVY) == []


def test_help_loads_nothing_beyond_typer_and_the_command_modules(tmp_path: Path) -> None:
    bare = modules_after(tmp_path, BARE_TYPER)
    parflow = modules_after(tmp_path, PROBE, "--help")
    extra = sorted(m for m in parflow - bare if m != "parflow" and not m.startswith("parflow.cli"))
    assert extra == [], "imported at `parflow --help`; import it inside the command that uses it"


@pytest.fixture(scope="module")
def loaded_campaign(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A data folder with the mini campaign; set up in this process, where imports do not matter."""
    data = tmp_path_factory.mktemp("startup-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARFLOW_")}
    env["PARFLOW_DATA_DIR"] = str(data)
    runner = CliRunner()
    for args in (["db", "upgrade"], ["campaign", "load", str(FIXTURES / "mini")]):
        result = runner.invoke(app, args, env={"PARFLOW_DATA_DIR": str(data)}, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return env


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "mini-2021", "--from", "2022-01-10", "--to", "2022-01-12", "--format", "json"],
        ["tick", "--now", "2022-01-10T09:00", "--no-send"],
        ["status", "mini-2021", "--format", "json"],
        ["campaign", "load", str(FIXTURES / "mini")],
        ["workflow", "check", "workflows/par-index.yaml"],
    ],
    ids=lambda args: args[0],
)
def test_commands_without_a_web_part_do_not_load_the_web_stack(
    tmp_path: Path, loaded_campaign: dict[str, str], args: list[str]
) -> None:
    modules = modules_after(tmp_path, PROBE, *args, env=loaded_campaign)
    assert "parflow.cli" in modules and loaded(modules, WEB) == []
