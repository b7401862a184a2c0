"""`parflow evidence sweep`: delete evidence files that no evidence row refers to any more."""

from __future__ import annotations

import typer

from parflow.cli.app import _run, _runtime, app

evidence_app = typer.Typer(help="Evidence files on disk.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")


@evidence_app.command("sweep")
def sweep() -> None:
    """Delete stored evidence files no evidence row names (older than an hour), and leftovers of
    interrupted uploads and imports; the scheduler runs the same sweep every hour."""
    from parflow.services.evidence.sweep import sweep as run_sweep

    def action() -> None:
        report = run_sweep(_runtime())
        typer.echo(
            f"evidence store: {report.removed} unreferenced file(s) removed "
            f"({report.freed_bytes} bytes), {report.kept} kept, {report.leftovers} leftover(s) removed"
        )

    _run(action)
