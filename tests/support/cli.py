"""The `parflow` command run in-process (Typer's CliRunner), for tests where the process boundary is
not what is tested: same arguments, exit code, stdout and stderr, without a Python start-up each."""

from __future__ import annotations

from click.testing import Result
from typer.testing import CliRunner

from parflow.cli.app import app
from parflow.services.common.runtime import Runtime
from tests.support.databases import TEST_SECRET


def parflow(rt: Runtime, *args: str) -> Result:
    """`parflow ARGS` against the test runtime's database and data folder."""
    env = {
        "PARFLOW_DATABASE_URL": rt.db.url,
        "PARFLOW_DATA_DIR": str(rt.settings.data_dir),
        "PARFLOW_SECRET_KEY": TEST_SECRET,
    }
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
