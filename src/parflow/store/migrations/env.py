"""Alembic environment. The Database comes from `parflow.store.migrate` (never from alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import parflow.store.models  # noqa: F401  (registers every table on SQLModel.metadata)

config = context.config
db = config.attributes["database"]

with db.engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=db.is_sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
