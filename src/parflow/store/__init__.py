"""Persistence: sqlmodel tables, the database handle, transactions and Alembic migrations."""
