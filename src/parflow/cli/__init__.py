"""The `parflow` command line."""

from __future__ import annotations

from parflow.cli import (  # noqa: F401  (each module registers its commands)
    audit,
    backup,
    core,
    deadlines,
    evidence,
    notify,
    scoring,
)
from parflow.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
