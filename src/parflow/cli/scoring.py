"""Scoring commands: import survey results; print or export the results table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from parflow.cli.app import _run, _runtime, app, fail

survey_app = typer.Typer(help="Sociological survey results.", no_args_is_help=True)
app.add_typer(survey_app, name="survey")


@survey_app.command("import")
def survey_import(
    campaign: Annotated[str, typer.Argument(help="campaign code, e.g. haiphong-2021")],
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8) or XLSX, one row per agency")],
) -> None:
    """Import survey scores and SIPAS per agency; any bad row rejects the whole file."""
    from parflow.domain.errors import Invalid
    from parflow.i18n import t
    from parflow.services.results.survey import import_survey

    def action() -> None:
        if not file.is_file():
            fail(f"{file}: no such file")
        data = file.read_bytes()
        rt = _runtime()
        try:
            report = rt.db.run(lambda s: import_survey(s, rt, None, campaign, data, file.name))
        except Invalid as exc:
            # one line per bad row, so a long file's problems can be read (and grepped)
            lines = [t(exc.key, "en", **exc.params)] + [t(u.key, "en", **u.params) for u in exc.unmet]
            typer.echo("\n".join(f"parflow: {line}" for line in lines), err=True)
            raise typer.Exit(1) from None
        typer.echo(
            f"survey results imported for {len(report.agencies)} agencies "
            f"({report.leaves} leaf scores, sha256 {report.sha256[:12]})"
        )
        if report.without_results:
            typer.echo(f"still without survey results: {', '.join(report.without_results)}")

    _run(action)


previous_app = typer.Typer(help="Last year's published results, to compare with.", no_args_is_help=True)
app.add_typer(previous_app, name="previous-results")


@previous_app.command("import")
def previous_import(
    campaign: Annotated[str, typer.Argument(help="campaign code, e.g. haiphong-2021")],
    file: Annotated[
        Path, typer.Argument(help="CSV (UTF-8) or XLSX: agency, rank, total, one column per field")
    ],
    year: Annotated[
        int | None, typer.Option("--year", help="the year of the figures (default: the year before)")
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="shown beside the figures, e.g. 'illustrative'")
    ] = None,
) -> None:
    """Import last year's published results (rank, total, fields); any bad row rejects the whole file."""
    from parflow.domain.errors import Invalid
    from parflow.i18n import t
    from parflow.services.results.previous import MAX_BYTES, import_previous

    def action() -> None:
        if not file.is_file():
            fail(f"{file}: no such file")
        if file.stat().st_size > MAX_BYTES:
            fail(t("previous.too_large", "en", max_mb=str(MAX_BYTES // (1024 * 1024))))
        data = file.read_bytes()
        rt = _runtime()
        try:
            report = rt.db.run(
                lambda s: import_previous(s, rt, None, campaign, data, file.name, index_year=year, note=note)
            )
        except Invalid as exc:
            lines = [t(exc.key, "en", **exc.params)] + [t(u.key, "en", **u.params) for u in exc.unmet]
            typer.echo("\n".join(f"parflow: {line}" for line in lines), err=True)
            raise typer.Exit(1) from None
        typer.echo(
            f"previous results ({report.index_year}) imported for {report.agencies} agencies "
            f"of {report.campaign} (sha256 {report.sha256[:12]})"
        )

    _run(action)


@app.command("results")
def results_command(
    campaign: str,
    format: Annotated[str, typer.Option("--format", help="table, json, csv, xlsx or docx")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write to this file")] = None,
    preview: Annotated[
        bool, typer.Option("--preview", help="the live table before publication (not frozen)")
    ] = False,
) -> None:
    """The published results of a campaign (or, with --preview, the table as it stands now)."""
    import json

    from parflow.services.common.lookups import get_campaign
    from parflow.services.results import exports as result_exports
    from parflow.services.results import report as result_report
    from parflow.services.results import service as results

    if format not in ("table", "json", "csv", "xlsx", "docx"):
        raise typer.BadParameter("use table, json, csv, xlsx or docx", param_hint="--format")
    if format in ("xlsx", "docx") and output is None:
        raise typer.BadParameter(f"{format} needs --output FILE", param_hint="--output")

    def action() -> None:
        rt = _runtime()
        with rt.db.read() as session:
            if preview:
                payload = results.preview_payload(session, rt, get_campaign(session, campaign))
            else:
                payload = results.published(session, campaign)
        if format == "xlsx":
            data = result_exports.to_xlsx(payload)
        elif format == "docx":
            data = result_report.to_docx(payload)
        elif format == "csv":
            data = result_exports.to_csv(payload)
        elif format == "json":
            data = (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode()
        else:
            _table(payload)
            return
        if output is not None:
            output.write_bytes(data)
            typer.echo(f"wrote {output}")
        else:
            typer.echo(data.decode("utf-8-sig"), nl=False)

    _run(action)


def _table(payload) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    from parflow.cli.console import table_console

    console = table_console()
    for group in payload["groups"]:
        # tables published before the group SIPAS figures existed have no "sipas" entry
        sipas = group.get("sipas") or {}
        leaders = ", ".join(a["name"] for a in sipas.get("leaders", []))
        caption = (
            f"SIPAS: average {sipas['average']} %, highest {sipas['highest']} % ({leaders})"
            if sipas.get("average")
            else None
        )
        table = Table(title=f"{group['label']['vi']} / {group['label']['en']}", caption=caption)
        for heading in ("rank", "agency", "index", "appraised", "survey", "SIPAS %", "class", "state"):
            table.add_column(heading)
        for row in group["rows"]:
            table.add_row(
                str(row["rank"]),
                row["agency"]["name"],
                row["total"],
                row["appraised"],
                row["survey"],
                row["sipas_percent"] or "—",
                (row["classification"] or {}).get("vi", ""),
                _state(row),
            )
        console.print(table)
    for item in payload.get("excluded", []):
        console.print(f"not ranked: {item['agency']['name']} — {item['reason']}")


def _state(row) -> str:  # type: ignore[no-untyped-def]
    state = (row.get("state") or {}).get("key", "")
    return state if row.get("complete", True) else f"{state} (incomplete)"
