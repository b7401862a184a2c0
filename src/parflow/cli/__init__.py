"""The `parflow` command line."""

from __future__ import annotations

from parflow.cli import (
    core,  # noqa: F401  (registers the core commands)
    notify,  # noqa: F401  (registers `parflow notifications`)
)
from parflow.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
