"""The `parflow` command: the Typer app, its sub-command groups and the error convention.

Exit status: 0 success; 1 an error the user can fix (one line on stderr, no traceback); 2 bad usage.
Commands live in sibling modules by area and register themselves on these apps when imported.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from parflow.domain.errors import ParflowError
    from parflow.settings import Settings

# `parflow --help` imports this module and the command modules, and nothing else of parflow's: each
# command imports what it uses when it runs (the database, settings, web and mail libraries would
# take most of a second to load); tests/test_cli_startup.py holds that line.

T = TypeVar("T")

app = typer.Typer(
    name="parflow",
    help="Workflow engine for the yearly Public Administration Reform Index (PAR Index).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
campaign_app = typer.Typer(help="Campaigns.", no_args_is_help=True)
users_app = typer.Typer(help="People and passwords.", no_args_is_help=True)
workflow_app = typer.Typer(help="Workflow definitions.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(campaign_app, name="campaign")
app.add_typer(users_app, name="users")
app.add_typer(workflow_app, name="workflow")


def fail(message: str) -> NoReturn:
    typer.echo(f"parflow: {message}", err=True)
    raise typer.Exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can fix into one line on stderr and exit status 1."""
    # each `except` names its class only when an error reaches it, through `_loaded`: the libraries
    # are not imported for this (a command that never loaded SQLAlchemy cannot raise its errors)
    try:
        yield
    except _loaded("parflow.yamlsource", "SourceError") as exc:
        typer.echo("\n".join(f"parflow: {p}" for p in exc.problems), err=True)
        raise typer.Exit(1) from None
    except _loaded("parflow.domain.errors", "ParflowError") as exc:
        from parflow.i18n import t

        fail(t(exc.key, "en", **exc.params) + _unmet(exc))
    except _loaded("sqlalchemy.exc", "OperationalError") as exc:
        fail(f"cannot use the database: {str(exc.orig).strip().splitlines()[0]}")
    except _loaded("sqlalchemy.exc", "SQLAlchemyError") as exc:
        fail(f"database error: {exc.__class__.__name__}")
    except _loaded("parflow.settings", "MissingDatabaseError") as exc:
        fail(str(exc))
    except _loaded("pydantic_core", "ValidationError") as exc:
        fail("bad setting: " + "; ".join(_setting_problem(e) for e in exc.errors()))
    except OSError as exc:
        fail(str(exc))


def _loaded(module: str, name: str) -> Any:
    """The exception class `module.name` if that module is imported, else an empty tuple, which
    an `except` clause matches nothing with: no error of a module never imported can be raised."""
    loaded = sys.modules.get(module)
    return getattr(loaded, name) if loaded is not None else ()


def _setting_problem(error) -> str:  # type: ignore[no-untyped-def]
    name = "PARFLOW_" + "_".join(str(p) for p in error["loc"]).upper()
    return f"{name}: {error['msg']}"


def _unmet(exc: ParflowError) -> str:
    from parflow.i18n import t

    unmet = getattr(exc, "unmet", None) or []
    return (" " + " ".join(t(u.key, "en", **u.params) for u in unmet)) if unmet else ""


def _runtime(settings: Settings | None = None, *, announce: bool = False):  # type: ignore[no-untyped-def]
    """The runtime of a command that uses the database: refused without one, and named at start-up.

    The name goes to stderr, so that `--format json` or csv on stdout stays clean for the next
    program in a pipe, and only on a terminal (or with `announce`, for `serve` and `scheduler`,
    whose output is their log): a script still gets exactly one line on stderr for an error.
    """
    from parflow.services.common.runtime import build_runtime
    from parflow.settings import load_settings

    settings = settings or load_settings()
    settings.require_database()
    if announce or sys.stderr.isatty():
        typer.echo(f"parflow: database {settings.database_label()}", err=True)
    return build_runtime(settings)


def _run(action: Callable[[], T]) -> T:
    with user_errors():
        return action()
    raise AssertionError("unreachable")
