"""The `parflow` command line."""

from __future__ import annotations

from parflow.cli import (
    core,  # noqa: F401  (registers the core commands)
    scoring,  # noqa: F401  (survey import, results)
)
from parflow.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
