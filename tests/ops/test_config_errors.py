"""Configuration mistakes are errors with a sentence, not a fresh SQLite file in whatever folder the
command was started from; `parflow config` shows what is in effect."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parflow.cli.app import app
from parflow.settings import PROJECT_ROOT, SHIPPED_ROOT, load_settings, shipped_dir

NO_SETTINGS = {k: None for k in os.environ if k.startswith("PARFLOW_")}


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # not the checkout, no .env
    return tmp_path


def invoke(*args: str, **env: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env={**NO_SETTINGS, **env}, catch_exceptions=False)


@pytest.mark.parametrize(
    "command", [["db", "upgrade"], ["scheduler"], ["status", "x"], ["tick"], ["notifications", "requeue"]]
)
def test_no_database_is_an_error_and_creates_nothing(elsewhere: Path, command: list[str]) -> None:
    result = invoke(*command)
    assert result.exit_code == 1
    assert result.stderr.startswith("parflow: no database configured: set PARFLOW_DATABASE_URL")
    assert result.stderr.count("\n") == 1
    assert not (elsewhere / "parflow-data").exists()


def test_a_data_directory_given_on_purpose_is_enough(elsewhere: Path) -> None:
    result = invoke("db", "upgrade", PARFLOW_DATA_DIR=str(elsewhere / "site"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"database sqlite:///{elsewhere / 'site' / 'parflow.db'} at revision ")


def test_env_file_named_by_parflow_env_file(elsewhere: Path) -> None:
    settings_file = elsewhere / "etc" / "parflow.env"
    settings_file.parent.mkdir()
    settings_file.write_text(
        f"PARFLOW_DATA_DIR={elsewhere / 'from-file'}\nPARFLOW_BASE_URL=https://par.example.vn\n"
    )
    upgraded = invoke("db", "upgrade", PARFLOW_ENV_FILE=str(settings_file))
    assert upgraded.exit_code == 0, upgraded.stderr
    assert (elsewhere / "from-file" / "parflow.db").is_file()
    shown = invoke("config", PARFLOW_ENV_FILE=str(settings_file))
    assert shown.exit_code == 0
    first = shown.stdout.splitlines()[0]
    assert first.startswith("settings file") and first.endswith(str(settings_file))
    assert "https://par.example.vn\n" in shown.stdout  # https: no warning about cookies
    missing = invoke("status", "x", PARFLOW_ENV_FILE=str(elsewhere / "nope.env"))
    assert missing.exit_code == 1
    assert missing.stderr.strip() == f"parflow: PARFLOW_ENV_FILE={elsewhere / 'nope.env'}: no such file"


def test_a_bad_setting_names_the_variable(elsewhere: Path) -> None:
    result = invoke("status", "x", PARFLOW_DATA_DIR=str(elsewhere), PARFLOW_SMTP_PORT="twenty-five")
    assert result.exit_code == 1
    assert result.stderr.startswith("parflow: bad setting: PARFLOW_SMTP_PORT: ")


def test_config_flags_what_is_missing(elsewhere: Path) -> None:
    shown = invoke("config")
    assert shown.exit_code == 1
    assert "NOT CONFIGURED" in shown.stdout and "(no Secure cookies, no HSTS)" in shown.stdout
    assert shown.stderr.startswith("parflow: no database configured")


def test_shipped_folders_come_from_the_checkout_when_there_is_one() -> None:
    # an editable install reads the checkout (edits show at once); a wheel has its own copy
    assert shipped_dir("workflows") == PROJECT_ROOT / "workflows"
    assert load_settings().notifications_dir == PROJECT_ROOT / "notifications"
    assert SHIPPED_ROOT.parent.name == "parflow"
    overridden = load_settings(workflows_dir=Path("/srv/province/workflows"))
    assert overridden.workflows_dir == Path("/srv/province/workflows")
