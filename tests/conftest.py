"""Shared fixtures: real databases (SQLite and PostgreSQL), a fixed clock, the example campaign.

How to use them is in tests/README.md; helpers and constants live in tests/support/.

Backends: a test that asks for `database` (or `rt`, `client`, `campaign`, ...) runs on SQLite. A
test marked `both_backends` runs on SQLite and on PostgreSQL; so does one that parametrises
`backend` itself. PostgreSQL: `PARFLOW_TEST_POSTGRES_URL` (default: the CI server,
postgres@127.0.0.1:5432/test). Each test session works in its own schema, migrated once; tables are
emptied between tests. When the server is unreachable the PostgreSQL variants skip, except under
`CI=true`, where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from parflow.clock import FixedClock
from parflow.services.common.runtime import Runtime
from parflow.settings import Settings
from parflow.store.db import Database
from parflow.store.migrate import upgrade
from parflow.web.app import create_app
from tests.support import logging_state
from tests.support.databases import (
    EXAMPLE,
    FIXTURES,
    PG_DEFAULT,
    SEASON_START,
    CampaignTemplate,
    campaign_template_postgres,
    campaign_template_sqlite,
    in_ci,
    load_fixture_campaign,
    runtime_settings,
    truncate,
)
from tests.support.mail import certificate, mail_rt, server_factory, smtp_server
from tests.support.passwords import PASSWORD, light_hash

# fixtures defined in tests/support/mail.py, offered to every area
__all__ = ["certificate", "mail_rt", "server_factory", "smtp_server"]

BOTH = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "both_backends: run on PostgreSQL as well as SQLite (locking, SKIP LOCKED, migrations, "
        "query plans, backups, outbox, concurrency); without it a test runs on SQLite only",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # The backend is chosen here rather than by fixture params so that the default is one backend
    # and PostgreSQL is opted into where it matters; a test's own parametrize("backend") wins.
    if (
        "backend" not in metafunc.fixturenames
        or metafunc.definition.get_closest_marker("both_backends") is None
    ):
        return
    if any("backend" in m.args[0] for m in metafunc.definition.iter_markers("parametrize")):
        return
    metafunc.parametrize("backend", BOTH, indirect=True)


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The PostgreSQL server's URL, once it has answered (skip, or fail under CI=true, if not)."""
    url = os.environ.get("PARFLOW_TEST_POSTGRES_URL", PG_DEFAULT)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        message = f"PostgreSQL not reachable at {url}: {str(exc.orig).strip().splitlines()[0]}"
        if in_ci():
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


def _session_schema(server_url: str, suffix: str) -> Iterator[tuple[str, str]]:
    """A schema of its own for this session (several sessions may share the server)."""
    # pre-ping: the PostgreSQL restart test (tests/faults) leaves this pool with dead connections
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    schema = f"parflow_t_{uuid.uuid4().hex[:10]}{suffix}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema, f"{server_url}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def pg_base_url(pg_server_url: str) -> Iterator[str]:
    """This session's schema (empty): the URL's search_path points at it."""
    for _, url in _session_schema(pg_server_url, ""):
        yield url


@pytest.fixture(scope="session")
def pg_migrated(pg_base_url: str) -> str:
    db = Database(pg_base_url)
    upgrade(db)
    db.dispose()
    return pg_base_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated SQLite database file; each test works on a copy."""
    path = tmp_path_factory.mktemp("template") / "parflow.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def sqlite_campaign_template(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, password_hash: str
) -> CampaignTemplate:
    folder = tmp_path_factory.mktemp("campaign-template")
    shutil.copyfile(sqlite_template, folder / "parflow.db")
    db = Database(f"sqlite:///{folder / 'parflow.db'}")
    return campaign_template_sqlite(db, folder / "data", password_hash)


@pytest.fixture(scope="session")
def pg_campaign_template(
    pg_server_url: str, tmp_path_factory: pytest.TempPathFactory, password_hash: str
) -> Iterator[CampaignTemplate]:
    for schema, url in _session_schema(pg_server_url, "_campaign"):
        db = Database(url)
        upgrade(db)
        yield campaign_template_postgres(
            db, schema, tmp_path_factory.mktemp("pg-campaign-template"), password_hash
        )


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite", or whatever a test's parametrisation (`both_backends`, parametrize) asks for."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database of the test's own: a file copy (SQLite) or emptied tables
    in the session's schema (PostgreSQL)."""
    if backend == "postgres":
        db = Database(request.getfixturevalue("pg_migrated"))
        truncate(db)
    else:
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "parflow.db"
        shutil.copyfile(template, target)
        db = Database(f"sqlite:///{target}")
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """Fixed at SEASON_START (10/01/2022 09:00 in Hải Phòng); tests move it with set/advance."""
    return FixedClock(SEASON_START)


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    return runtime_settings(tmp_path / "data", database.url)


@pytest.fixture
def rt(settings: Settings, database: Database, clock: FixedClock) -> Runtime:
    return Runtime(settings=settings, db=database, clock=clock)


@pytest.fixture(scope="session")
def password_hash() -> str:
    """The hash every test account gets: real argon2id with light parameters (tests/support/passwords.py)."""
    return light_hash(PASSWORD)


@pytest.fixture
def campaign(rt: Runtime, password_hash: str, request: pytest.FixtureRequest) -> str:
    """The Hải Phòng 2021 example campaign, loaded, every account with password PASSWORD.

    Copied from a per-session template when that gives exactly the rows a load would give
    (tests/support/databases.py says when); loaded through the service otherwise."""
    name = "sqlite_campaign_template" if rt.db.engine.dialect.name == "sqlite" else "pg_campaign_template"
    template: CampaignTemplate = request.getfixturevalue(name)
    if template.fits(rt, password_hash):
        template.copy_into(rt.db)
        return template.code
    return load_fixture_campaign(rt, EXAMPLE, password_hash)


@pytest.fixture
def client(rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(rt)) as test_client:
        yield test_client


@pytest.fixture
def login(client: TestClient) -> Callable[[str], dict[str, str]]:
    """login(email) -> bearer-token headers for the JSON API (one token per person per test)."""
    tokens: dict[str, dict[str, str]] = {}

    def headers(email: str) -> dict[str, str]:
        if email not in tokens:
            response = client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
            assert response.status_code == 200, response.text
            tokens[email] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return tokens[email]

    return headers


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
