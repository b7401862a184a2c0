"""The `parflow` command: the Typer app, its sub-command groups and the error convention.

Exit status: 0 success; 1 an error the user can fix (one line on stderr, no traceback); 2 bad usage.
Commands live in sibling modules by area and register themselves on these apps when imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import typer
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from parflow.domain.errors import ParflowError
from parflow.i18n import t
from parflow.settings import Settings, load_settings
from parflow.yamlsource import SourceError

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
    try:
        yield
    except SourceError as exc:
        typer.echo("\n".join(f"parflow: {p}" for p in exc.problems), err=True)
        raise typer.Exit(1) from None
    except ParflowError as exc:
        fail(t(exc.key, "en", **exc.params) + _unmet(exc))
    except OperationalError as exc:
        fail(f"cannot use the database: {str(exc.orig).strip().splitlines()[0]}")
    except SQLAlchemyError as exc:
        fail(f"database error: {exc.__class__.__name__}")
    except OSError as exc:
        fail(str(exc))


def _unmet(exc: ParflowError) -> str:
    unmet = getattr(exc, "unmet", None) or []
    return (" " + " ".join(t(u.key, "en", **u.params) for u in unmet)) if unmet else ""


def _runtime(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    from parflow.services.common.runtime import build_runtime

    return build_runtime(settings or load_settings())


def _run(action: Callable[[], T]) -> T:
    with user_errors():
        return action()
    raise AssertionError("unreachable")
