"""What every use case needs besides its session: settings, database, clock and workflows."""

from __future__ import annotations

from dataclasses import dataclass, field

from parflow.clock import Clock, ScaledClock, SystemClock
from parflow.services.common.workflows import WorkflowCatalog
from parflow.settings import Settings
from parflow.store.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    workflows: WorkflowCatalog = field(init=False)

    def __post_init__(self) -> None:
        self.workflows = WorkflowCatalog(self.settings.workflows_dir)


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    return Runtime(
        settings=settings, db=Database(settings.effective_database_url), clock=clock or clock_from(settings)
    )


def clock_from(settings: Settings) -> Clock:
    """The machine's clock, unless the settings ask for a shifted or sped-up one (tests, demos)."""
    if settings.clock_start is None:
        return SystemClock()
    return ScaledClock(
        settings.clock_start,
        rate=settings.clock_rate,
        anchor=settings.clock_anchor,
        until=settings.clock_until,
    )
