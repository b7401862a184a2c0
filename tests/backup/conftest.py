"""Fixtures of the backup tests: a source and a target database on different backends, each with
its own data folder, so that a campaign can be carried from one to the other."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from parflow.clock import FixedClock
from parflow.services.campaigns.input import read_campaign
from parflow.services.campaigns.load import load_campaign
from parflow.services.common.runtime import Runtime
from parflow.settings import PROJECT_ROOT
from parflow.store.db import Database
from tests.support.databases import (
    FIXTURES,
    SEASON_START,
    TEST_SECRET,
    give_passwords,
    runtime_settings,
    truncate,
)
from tests.test_audit_chain import some_history


@dataclass
class Side:
    rt: Runtime
    data_dir: Path

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PARFLOW_DATA_DIR": str(self.data_dir),
            "PARFLOW_DATABASE_URL": self.rt.db.url,
            "PARFLOW_SECRET_KEY": TEST_SECRET,
        }


def _database(backend: str, request: pytest.FixtureRequest, path: Path) -> Database:
    if backend == "postgres":
        db = Database(request.getfixturevalue("pg_migrated"))
        truncate(db)
        return db
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return Database(f"sqlite:///{path}")


def side(backend: str, request: pytest.FixtureRequest, folder: Path) -> Side:
    folder.mkdir(parents=True)
    db = _database(backend, request, folder / "parflow.db")
    settings = runtime_settings(folder / "data", db.url)
    return Side(Runtime(settings=settings, db=db, clock=FixedClock(SEASON_START)), folder / "data")


@pytest.fixture(
    params=[
        pytest.param(("sqlite", "postgres"), marks=pytest.mark.postgres, id="sqlite-to-postgres"),
        pytest.param(("postgres", "sqlite"), marks=pytest.mark.postgres, id="postgres-to-sqlite"),
    ]
)
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Side, Side]]:
    source_backend, target_backend = request.param
    source = side(source_backend, request, tmp_path / "source")
    target = side(target_backend, request, tmp_path / "target")
    yield source, target
    source.rt.db.dispose()
    target.rt.db.dispose()


@pytest.fixture
def sqlite_side(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Side]:
    one = side("sqlite", request, tmp_path / "one")
    yield one
    one.rt.db.dispose()


PARFLOW = [sys.executable, "-m", "parflow.cli"]


def parflow(side: Side, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PARFLOW, *args], capture_output=True, text=True, env=side.env, cwd=PROJECT_ROOT, timeout=300
    )


def load(side: Side, folder: Path, password_hash: str) -> None:
    data = read_campaign(folder, side.rt.workflows)
    side.rt.db.run(lambda s: load_campaign(s, side.rt, data))
    give_passwords(side.rt, password_hash)


@pytest.fixture
def backup(request: pytest.FixtureRequest, tmp_path: Path, password_hash: str) -> Path:
    """A real export of the mini campaign with some history (what every refusal starts from)."""
    source = side("sqlite", request, tmp_path / "source")
    load(source, FIXTURES / "mini", password_hash)
    some_history(source.rt)
    path = tmp_path / "mini.zip"
    done = parflow(source, "export", "mini-2021", str(path))
    assert done.returncode == 0, done.stderr
    source.rt.db.dispose()
    return path
