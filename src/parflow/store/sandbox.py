"""A throw-away copy of the database for dry runs (`parflow simulate`).

Every use case runs unchanged against a `SandboxDatabase`: its transactions are savepoints inside
one outer transaction that is rolled back at the end, so nothing reaches the real database.
On SQLite the outer transaction runs on an in-memory copy (made with SQLite's backup API), so the
real file is not even locked while the simulation runs; on PostgreSQL it runs on the real
database and is rolled back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from parflow.store.db import Database, _sqlite_on_begin, _sqlite_on_connect

T = TypeVar("T")


class SandboxDatabase(Database):
    def __init__(self, source: Database) -> None:
        self.url = source.url
        self.is_sqlite = source.is_sqlite
        if source.is_sqlite:
            self.engine = create_engine(
                "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
            event.listen(self.engine, "connect", _sqlite_on_connect)
            event.listen(self.engine, "begin", _sqlite_on_begin)
            raw = self.engine.raw_connection()
            target: Any = raw.driver_connection
            with source.engine.connect() as src_conn:
                src: sqlite3.Connection = src_conn.connection.driver_connection  # type: ignore[assignment]
                src.backup(target)
            raw.close()
            self._owns_engine = True
        else:
            self.engine = source.engine
            self._owns_engine = False
        self._conn: Connection = self.engine.connect()
        self._outer = self._conn.begin()

    @contextmanager
    def write(self) -> Iterator[Session]:
        with Session(bind=self._conn, join_transaction_mode="create_savepoint", expire_on_commit=False) as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(bind=self._conn, join_transaction_mode="create_savepoint", expire_on_commit=False) as s:
            yield s

    def run(self, use_case: Callable[[Session], T], *, attempts: int = 1) -> T:
        with self.write() as session:
            return use_case(session)

    def dispose(self) -> None:
        """Throw every change away."""
        try:
            if self._outer.is_active:
                self._outer.rollback()
        finally:
            self._conn.close()
            if self._owns_engine:
                self.engine.dispose()


@contextmanager
def sandbox(source: Database) -> Iterator[SandboxDatabase]:
    db = SandboxDatabase(source)
    try:
        yield db
    finally:
        db.dispose()
