"""Schema changes go through Alembic: upgrade works on empty and existing databases, and the
migrations describe exactly the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from parflow.store.db import Database
from parflow.store.migrate import alembic_config, current_revision, head_revision, upgrade

# migrations are per dialect: both backends
pytestmark = pytest.mark.both_backends


def test_upgrade_empty_sqlite_then_again(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh' / 'parflow.db'}")
    assert current_revision(db) is None
    upgrade(db)
    assert current_revision(db) == head_revision(db)
    upgrade(db)  # an existing database at head: nothing to do, no error
    assert current_revision(db) == head_revision(db)
    db.dispose()


def test_models_and_migrations_agree(database: Database) -> None:
    with database.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diffs == []


def test_alembic_check_passes(database: Database) -> None:
    command.check(alembic_config(database))


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'parflow.db'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()
