"""Workflow definitions by name, loaded from the workflows directory and kept once loaded."""

from __future__ import annotations

import threading
from pathlib import Path

from parflow.domain.engine import WorkflowEngine
from parflow.domain.guards import GUARDS
from parflow.domain.notices import NOTIFICATION_KINDS
from parflow.domain.pending import PENDING_PARTIES
from parflow.domain.workflow import WorkflowDefinition, load_workflow
from parflow.yamlsource import Problem, SourceError


def load_definition(path: Path) -> WorkflowDefinition:
    """Load and validate one workflow file against the registries parflow knows."""
    return load_workflow(path, GUARDS, PENDING_PARTIES, NOTIFICATION_KINDS)


class WorkflowCatalog:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._engines: dict[str, WorkflowEngine] = {}
        self._lock = threading.Lock()

    def path_of(self, name: str) -> Path:
        return self.directory / f"{name}.yaml"

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.yaml"))

    def get(self, name: str) -> WorkflowEngine:
        with self._lock:
            engine = self._engines.get(name)
            if engine is None:
                path = self.path_of(name)
                if not path.is_file():
                    raise SourceError(
                        [Problem(str(path), None, f"no workflow named '{name}' in {self.directory}")]
                    )
                definition = load_definition(path)
                if definition.name != name:
                    raise SourceError(
                        [
                            Problem(
                                str(path),
                                None,
                                f"the file declares name '{definition.name}', expected '{name}'",
                            )
                        ]
                    )
                engine = WorkflowEngine(definition, GUARDS)
                self._engines[name] = engine
            return engine

    def definition(self, name: str) -> WorkflowDefinition:
        return self.get(name).definition
