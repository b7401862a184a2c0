"""The database handle: engines, transactions, and the SQLite settings that make it safe.

Every use case runs in exactly one transaction opened here: `db.write()` for changes, `db.read()`
for queries. On SQLite a write transaction starts with `BEGIN IMMEDIATE`, so two writers queue up
instead of both reading and then one failing at commit with "database is locked"; WAL mode lets
readers carry on meanwhile. On PostgreSQL row locks (`SELECT ... FOR UPDATE`) do that job.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from parflow.store.write_turns import WriteTurns

T = TypeVar("T")

_WRITE = "parflow_write"


class Database:
    def __init__(
        self, url: str, *, echo: bool = False, pool_size: int = 5, busy_timeout_seconds: float = 30.0
    ) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            _ensure_sqlite_dir(url)
            self.engine = create_engine(
                url,
                echo=echo,
                hide_parameters=True,  # as for PostgreSQL below: no values in error messages
                connect_args={"check_same_thread": False, "timeout": busy_timeout_seconds},
                # connections are kept: opening one costs four PRAGMAs, and closing the last one
                # makes SQLite checkpoint its WAL, which after every commit took a third of an
                # event's time. A checked-out connection still serves one thread at a time.
                **({} if ":memory:" in url else {"pool_size": pool_size, "max_overflow": 2 * pool_size}),
            )
            busy_ms = max(1, int(busy_timeout_seconds * 1000))
            event.listen(
                self.engine, "connect", lambda conn, record: _sqlite_on_connect(conn, record, busy_ms)
            )
            event.listen(self.engine, "begin", _sqlite_on_begin)
            self._turns: WriteTurns | None = WriteTurns(_sqlite_file(url))
        else:
            self._turns = None  # row locks queue PostgreSQL's writers in order
            self.engine = create_engine(
                url,
                echo=echo,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                # error messages (and so log lines) name the statement, never its values:
                # those can be password hashes, tokens or personal data
                hide_parameters=True,
            )

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commits when the block ends, rolls back on any exception."""
        with self._write_turn(), Session(self.engine, expire_on_commit=False) as session:
            session.connection(execution_options={_WRITE: True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def _write_turn(self) -> AbstractContextManager[None]:
        return self._turns.turn() if self._turns is not None else nullcontext()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction; closing it (not rolling back) keeps loaded objects readable."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def write_connection(self) -> Connection:
        """A connection to keep for a run of short write transactions (`with conn.begin(): ...`).

        Each transaction begins IMMEDIATE on SQLite, as in `write()`. Keeping the connection also
        spares SQLite the WAL checkpoint it runs whenever the last open connection closes, which
        with one connection per transaction would happen after every commit. The caller closes it.
        """
        return self.engine.connect().execution_options(**{_WRITE: True})

    def run(self, use_case: Callable[[Session], T], *, attempts: int = 5) -> T:
        """Run a write use case in its own transaction, retrying when SQLite reports a lock.

        With BEGIN IMMEDIATE and a busy timeout this is rare; it covers the last case, a lock held
        longer than the timeout, without showing the user a 500.
        """
        for attempt in range(1, attempts + 1):
            try:
                with self.write() as session:
                    return use_case(session)
            except OperationalError as exc:
                if not (self.is_sqlite and _is_locked(exc)) or attempt == attempts:
                    raise
                time.sleep(0.05 * attempt + random.random() * 0.05)
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()


def read_connection(session: Session) -> Connection:
    """The session's connection, for a column-only query run in Core: the ORM's execution path
    costs more than such a query itself. Pending changes are flushed first, as the ORM would
    before a query (unless autoflush is off), so the read still sees them."""
    if session.autoflush:
        session.flush()
    return session.connection()


def _is_locked(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


def is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and _is_locked(exc)


def _sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or ":memory:" in url:
        return None
    return Path(url[len(prefix) :].split("?", 1)[0])


def _ensure_sqlite_dir(url: str) -> None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        Path(url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any, busy_ms: int = 30000) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would otherwise defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
