"""Shared fixtures: real databases (SQLite and PostgreSQL), a fixed clock, the example campaign.

PostgreSQL: `PARFLOW_TEST_POSTGRES_URL` (default: the CI server, postgres@127.0.0.1:5432/test).
Each test session works in its own schema, migrated once; tables are emptied between tests. When
the server is unreachable the PostgreSQL variants skip, except under `CI=true`, where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import SQLModel, select

from parflow.clock import FixedClock
from parflow.services.accounts import users
from parflow.services.campaigns.input import read_campaign
from parflow.services.campaigns.load import load_campaign
from parflow.services.common.runtime import Runtime
from parflow.settings import PROJECT_ROOT, Settings
from parflow.store.db import Database
from parflow.store.migrate import upgrade
from parflow.store.models import Person
from parflow.web.app import create_app
from tests import logging_state

EXAMPLE = PROJECT_ROOT / "examples" / "haiphong-2021"
FIXTURES = Path(__file__).parent / "fixtures"
TEST_SECRET = "test-secret-key-for-parflow-tests-0123456789abcdef"
PASSWORD = "correct horse battery"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# 10/01/2022 09:00 in Hải Phòng: inside the self-assessment period of the example campaign
SEASON_START = datetime(2022, 1, 10, 2, 0, tzinfo=UTC)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pg_base_url() -> Iterator[str]:
    url = os.environ.get("PARFLOW_TEST_POSTGRES_URL", PG_DEFAULT)
    # pre-ping: the PostgreSQL restart test (tests/faults) leaves this pool with dead connections
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        message = f"PostgreSQL not reachable at {url}: {str(exc.orig).strip().splitlines()[0]}"
        if _in_ci():
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    schema = f"parflow_t_{uuid.uuid4().hex[:10]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def pg_migrated(pg_base_url: str) -> str:
    db = Database(pg_base_url)
    upgrade(db)
    db.dispose()
    return pg_base_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "parflow.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


def _truncate(db: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if backend == "postgres":
        db = Database(request.getfixturevalue("pg_migrated"))
        _truncate(db)
    else:
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "parflow.db"
        shutil.copyfile(template, target)
        db = Database(f"sqlite:///{target}")
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(SEASON_START)


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database.url,
        secret_key=TEST_SECRET,
        base_url="http://testserver",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def rt(settings: Settings, database: Database, clock: FixedClock) -> Runtime:
    runtime = Runtime(settings=settings, db=database, clock=clock)
    return runtime


@pytest.fixture(scope="session")
def password_hash() -> str:
    return users.hash_password(PASSWORD)


def give_passwords(rt: Runtime, password_hash: str) -> None:
    def assign(session) -> None:  # type: ignore[no-untyped-def]
        for person in session.exec(select(Person)):
            person.password_hash = password_hash
            session.add(person)

    rt.db.run(assign)


@pytest.fixture
def campaign(rt: Runtime, password_hash: str) -> str:
    """The Hải Phòng 2021 example campaign, loaded, every account with password PASSWORD."""
    data = read_campaign(EXAMPLE, rt.workflows)
    rt.db.run(lambda s: load_campaign(s, rt, data))
    give_passwords(rt, password_hash)
    return data.spec.code


@pytest.fixture
def client(rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(rt)) as test_client:
        yield test_client


@pytest.fixture
def login(client: TestClient) -> Callable[[str], dict[str, str]]:
    tokens: dict[str, dict[str, str]] = {}

    def headers(email: str) -> dict[str, str]:
        if email not in tokens:
            response = client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
            assert response.status_code == 200, response.text
            tokens[email] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return tokens[email]

    return headers


def load_fixture_campaign(rt: Runtime, path: Path, password_hash: str) -> str:
    data = read_campaign(path, rt.workflows)
    rt.db.run(lambda s: load_campaign(s, rt, data))
    give_passwords(rt, password_hash)
    return data.spec.code


@pytest.fixture
def mini(rt: Runtime, password_hash: str) -> str:
    """A three-agency campaign without criteria sets (guards about scores pass trivially)."""
    return load_fixture_campaign(rt, FIXTURES / "mini", password_hash)


@pytest.fixture(autouse=True)
def _loggers_left_as_found() -> Iterator[None]:
    """Fail a test that leaves a logger's level, disabled flag or propagation changed.

    Loggers are process-wide: one test's DEBUG makes every later test format every SQL statement.
    A snapshot of a few hundred loggers costs well under a millisecond. The state is put back
    before failing, so that one leak is reported once, not by every test after it."""
    saved = logging_state.snapshot()
    yield
    changed = logging_state.level_changes(saved)
    if changed:
        logging_state.restore(saved)
        pytest.fail(f"the test left loggers changed (before, after): {changed}; see tests/logging_state.py")
