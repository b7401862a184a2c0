"""`parflow export CAMPAIGN FILE` and `parflow import FILE`: a campaign's backup (one zip file)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from parflow.cli.app import _run, _runtime, app, fail


@app.command("export")
def export(
    campaign: str,
    file: Annotated[Path, typer.Argument(help="the backup file to write (a zip archive)")],
) -> None:
    """Write a whole campaign (rows, audit chain, outbox, evidence files) to one backup file."""
    from parflow.services.backup.export import export_campaign

    def action() -> None:
        if file.is_dir():
            fail(f"{file} is a folder; name the backup file to write")
        report = export_campaign(_runtime(), campaign, file)
        rows = sum(report.rows.values())
        typer.echo(
            f"campaign {campaign}: {rows} rows in {len(report.rows)} tables, "
            f"{report.rows.get('audit_entry', 0)} audit entries, {report.files} evidence files → {file}"
        )
        if report.missing_files:
            typer.echo(
                f"parflow: warning: {len(report.missing_files)} evidence file(s) are not in the evidence "
                "store; their records are in the backup without the file",
                err=True,
            )

    _run(action)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="a backup file written by `parflow export`")],
) -> None:
    """Restore a campaign from a backup file, in one transaction; refused if the campaign exists."""
    from parflow.services.backup.restore import BackupError, import_campaign

    def action() -> None:
        if not file.is_file():
            fail(f"{file}: no such file")
        try:
            report = import_campaign(_runtime(), file)
        except BackupError as exc:
            fail(str(exc))
        typer.echo(
            f"campaign {report.campaign}: imported {sum(report.rows.values())} rows, "
            f"{report.files} evidence files; audit chain verified ({report.audit_entries} entries, "
            f"head {report.audit_head})"
        )
        if report.people_reused:
            typer.echo(
                f"  {report.people_reused} people were already known here (by e-mail) "
                "and were kept as they are"
            )

    _run(action)
