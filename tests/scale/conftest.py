"""Fixtures of the scale tests: generated provinces (benchmarks/generate.py) and SQL counting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from parflow.services.common.runtime import Runtime

SKIPPED = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")


@dataclass
class Recorded:
    statements: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def recording(rt: Runtime) -> Iterator[Recorded]:
    """Every SQL statement the application sends while the block runs, with its parameters."""
    recorded = Recorded()

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(SKIPPED):
            recorded.statements.append((statement, parameters))

    event.listen(rt.db.engine, "before_cursor_execute", record)
    try:
        yield recorded
    finally:
        event.remove(rt.db.engine, "before_cursor_execute", record)


def home_affairs(province_slug: str) -> str:
    """The generated province's Home Affairs officer (the example's, re-addressed)."""
    return f"cchc.nhung@{province_slug}.example"
