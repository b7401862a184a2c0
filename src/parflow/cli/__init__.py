"""The `parflow` command line."""

from __future__ import annotations

from parflow.cli import audit, core  # noqa: F401  (each module registers its commands)
from parflow.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
