"""Databases for tests: settings, emptying, passwords, and the loaded-campaign templates.

Loading examples/haiphong-2021 through the service (35 agencies, criteria, people, submissions,
deadlines) takes a good part of a second, and 275 tests want it. So it is loaded once per session
into a template, and each test gets a copy of that template's rows:

- SQLite: the template is a database file; a test's own file is overwritten with it through
  SQLite's online backup API (page by page, under SQLite's own locks).
- PostgreSQL: the template is a second schema of the session; a test's tables, already emptied,
  are refilled with `INSERT … SELECT` from it and each sequence is set to the template's value.
  (`CREATE DATABASE … TEMPLATE` would need a database per test and no other connection to the
  template; a schema copy of this size takes milliseconds and keeps one database per session.)

A copy is taken only when it is exactly what a load would give: the test's clock is the fixture's
fixed `SEASON_START` (loading stamps `now` into rows and plans deadlines from it), the workflows
folder is the default one, the stored password hash is the session's light hash, and the database
is still empty. Otherwise the campaign is loaded for real, as before.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from parflow.clock import FixedClock
from parflow.services.campaigns.input import read_campaign
from parflow.services.campaigns.load import load_campaign
from parflow.services.common.runtime import Runtime
from parflow.settings import PROJECT_ROOT, Settings
from parflow.store.db import Database
from parflow.store.models import Person

EXAMPLE = PROJECT_ROOT / "examples" / "haiphong-2021"
FIXTURES = Path(__file__).parent.parent / "fixtures"
TEST_SECRET = "test-secret-key-for-parflow-tests-0123456789abcdef"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# 10/01/2022 09:00 in Hải Phòng: inside the self-assessment period of the example campaign
SEASON_START = datetime(2022, 1, 10, 2, 0, tzinfo=UTC)
DEFAULT_WORKFLOWS = Settings.model_fields["workflows_dir"].default


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def runtime_settings(data_dir: Path, database_url: str) -> Settings:
    """Settings of a test runtime: its own data folder, the given database, a fixed secret."""
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=TEST_SECRET,
        base_url="http://testserver",
        _env_file=None,  # type: ignore[call-arg]
    )


def truncate(db: Database) -> None:
    """Empty every table on PostgreSQL and restart the id sequences (a fresh database's state)."""
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def is_empty(db: Database) -> bool:
    tables = " OR ".join(f'EXISTS (SELECT 1 FROM "{t.name}")' for t in SQLModel.metadata.sorted_tables)
    with db.engine.connect() as conn:
        return not conn.execute(sa.text(f"SELECT {tables}")).scalar()


def give_passwords(rt: Runtime, password_hash: str) -> None:
    def assign(session: Session) -> None:
        for person in session.exec(select(Person)):
            person.password_hash = password_hash
            session.add(person)

    rt.db.run(assign)


def load_fixture_campaign(rt: Runtime, path: Path, password_hash: str) -> str:
    """Load a campaign folder through the real service and give every account the test password."""
    data = read_campaign(path, rt.workflows)
    rt.db.run(lambda s: load_campaign(s, rt, data))
    give_passwords(rt, password_hash)
    return data.spec.code


@dataclass(frozen=True)
class CampaignTemplate:
    """The example campaign as loaded at SEASON_START with `password_hash`, kept for copying."""

    code: str
    password_hash: str
    sqlite_file: Path | None = None  # SQLite: the template database file
    pg_schema: str | None = None  # PostgreSQL: the template schema
    pg_sequences: tuple[tuple[str, int, bool], ...] = ()  # (name, last_value, is_called)

    def fits(self, rt: Runtime, password_hash: str) -> bool:
        """Would loading the example into this runtime now give exactly the template's rows?"""
        return (
            isinstance(rt.clock, FixedClock)
            and rt.clock.now() == SEASON_START
            and rt.settings.workflows_dir == DEFAULT_WORKFLOWS
            and password_hash == self.password_hash
            and (rt.db.engine.dialect.name == "sqlite") == (self.sqlite_file is not None)
            and is_empty(rt.db)
        )

    def copy_into(self, db: Database) -> None:
        if self.sqlite_file is not None:
            _copy_sqlite(self.sqlite_file, db)
        else:
            _copy_postgres(self, db)


def build_template(db: Database, data_dir: Path, password_hash: str) -> tuple[Runtime, str]:
    """Load the example into `db` (migrated, empty) the way the `campaign` fixture would."""
    rt = Runtime(settings=runtime_settings(data_dir, db.url), db=db, clock=FixedClock(SEASON_START))
    return rt, load_fixture_campaign(rt, EXAMPLE, password_hash)


def campaign_template_sqlite(db: Database, data_dir: Path, password_hash: str) -> CampaignTemplate:
    _, code = build_template(db, data_dir, password_hash)
    path = Path(db.engine.url.database or "")
    db.dispose()
    return CampaignTemplate(code=code, password_hash=password_hash, sqlite_file=path)


def campaign_template_postgres(
    db: Database, schema: str, data_dir: Path, password_hash: str
) -> CampaignTemplate:
    _, code = build_template(db, data_dir, password_hash)
    with db.engine.connect() as conn:
        names = conn.execute(
            sa.text("SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = :s"),
            {"s": schema},
        ).scalars()
        sequences = tuple(
            (name, *conn.execute(sa.text(f'SELECT last_value, is_called FROM "{schema}"."{name}"')).one())
            for name in list(names)
        )
    db.dispose()
    return CampaignTemplate(code=code, password_hash=password_hash, pg_schema=schema, pg_sequences=sequences)


def _copy_sqlite(template: Path, db: Database) -> None:
    target = Path(db.engine.url.database or "")
    source = sqlite3.connect(template)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def _copy_postgres(template: CampaignTemplate, db: Database) -> None:
    # Parent tables first (sorted_tables follows the foreign keys); ids are copied as they are, and
    # each sequence continues where the template's stopped, so new rows get the ids a load would.
    statements = [
        f'INSERT INTO "{t.name}" OVERRIDING SYSTEM VALUE SELECT * FROM "{template.pg_schema}"."{t.name}"'
        for t in SQLModel.metadata.sorted_tables
    ]
    statements += [
        f"SELECT setval('\"{name}\"', {last}, {'true' if called else 'false'})"
        for name, last, called in template.pg_sequences
    ]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
