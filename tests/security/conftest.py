"""Fixtures of the security tests: one prepared campaign world, copied for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from parflow.clock import FixedClock
from parflow.services.common.runtime import Runtime
from parflow.store.db import Database
from parflow.web.app import create_app
from tests.security.world import World, build_world, copy_world
from tests.support.databases import runtime_settings


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory, password_hash: str) -> World:
    return build_world(tmp_path_factory.mktemp("world"), password_hash)


@pytest.fixture
def world_rt(world: World, tmp_path: Path) -> Iterator[Runtime]:
    db_file, data_dir = copy_world(world, tmp_path)
    db = Database(f"sqlite:///{db_file}")
    yield Runtime(settings=runtime_settings(data_dir, db.url), db=db, clock=FixedClock(world.now))
    db.dispose()


@pytest.fixture
def world_client(world_rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(world_rt)) as client:
        yield client
