"""Fixtures of the backup tests: a source and a target database on different backends, each with
its own data folder, so that a campaign can be carried from one to the other."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pwdlib.hashers.argon2 import Argon2Hasher

from parflow.clock import FixedClock
from parflow.services.common.runtime import Runtime
from parflow.settings import Settings
from parflow.store.db import Database
from tests.conftest import PASSWORD, SEASON_START, TEST_SECRET, _truncate


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
        _truncate(db)
        return db
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return Database(f"sqlite:///{path}")


def side(backend: str, request: pytest.FixtureRequest, folder: Path) -> Side:
    folder.mkdir(parents=True)
    db = _database(backend, request, folder / "parflow.db")
    settings = Settings(
        data_dir=folder / "data",
        database_url=db.url,
        secret_key=TEST_SECRET,
        base_url="http://testserver",
        _env_file=None,  # type: ignore[call-arg]
    )
    return Side(Runtime(settings=settings, db=db, clock=FixedClock(SEASON_START)), folder / "data")


@pytest.fixture(scope="session")
def light_hash() -> str:
    """Real argon2id with light parameters (many sign-ins are not what these tests are about)."""
    return Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)


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
