"""Core commands: database, campaigns, status, users, workflows, serving and the demo."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from parflow.cli.app import _run, _runtime, app, campaign_app, db_app, fail, users_app, workflow_app

# --- database ------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema (creates it when empty)."""
    from parflow.store.migrate import current_revision, upgrade

    def action() -> None:
        rt = _runtime()
        before = current_revision(rt.db)
        upgrade(rt.db)
        after = current_revision(rt.db)
        typer.echo(
            f"database {rt.settings.database_label()} at revision {after}"
            + ("" if before != after else " (already up to date)")
        )

    _run(action)


# --- campaigns -----------------------------------------------------------------------------------


SHOWN_CHANGES = 20


@campaign_app.command("load")
def campaign_load(
    path: Annotated[Path, typer.Argument(help="campaign folder (with campaign.yaml) or file")],
) -> None:
    """Create or update a campaign; loading the same input twice changes nothing."""
    from parflow.services.campaigns.input import read_campaign
    from parflow.services.campaigns.load import load_campaign

    def action() -> None:
        rt = _runtime()
        if not path.exists():
            fail(f"{path}: no such file or folder")
        data = read_campaign(path, rt.workflows)
        report = rt.db.run(lambda s: load_campaign(s, rt, data))
        if report.unchanged:
            typer.echo(f"campaign {report.campaign_code}: unchanged")
        else:
            typer.echo(f"campaign {report.campaign_code}: {'created' if report.created else 'updated'}")
            for change in report.changes[:SHOWN_CHANGES]:
                typer.echo(f"  {change}")
            if (hidden := len(report.changes) - SHOWN_CHANGES) > 0:
                # a first load lists the whole input; say how much is left out rather than stop
                typer.echo(f"  and {hidden} more")
            if report.moved:
                typer.echo(f"  {report.moved}")

    _run(action)


@campaign_app.command("replay")
def campaign_replay(
    campaign: str,
    scores: Annotated[Path, typer.Argument(help="scores file: agency,par_index,sipas per unit")],
) -> None:
    """Drive a freshly loaded campaign through a whole season so that it publishes the given figures."""
    from datetime import UTC, datetime

    from parflow.clock import FixedClock
    from parflow.season_replay import ScoresFileError, read_scores, replay

    def action() -> None:
        if not scores.exists():
            fail(f"{scores}: no such file")
        # the replay dates every step inside the season; the clock it moves is its own
        rt = _runtime()
        rt.clock = FixedClock(datetime.now(UTC))
        try:
            report = replay(rt, campaign, read_scores(scores), progress=lambda step: typer.echo(f"  {step}"))
        except ScoresFileError as exc:
            fail(str(exc))
        typer.echo(
            f"campaign {report.campaign}: {report.units} units published ({report.transactions} transactions)"
        )

    _run(action)


@app.command("status")
def status(
    campaign: str,
    format: Annotated[str, typer.Option("--format", help="table, json or csv")] = "table",
    now: Annotated[
        str | None, typer.Option("--now", help="as if the time were this (ISO 8601; local time if no offset)")
    ] = None,
) -> None:
    """Every agency's state, next deadline, overdue flag and publication risk."""
    import csv
    import json

    from parflow.services.common.spreadsheet import safe_cell
    from parflow.services.monitoring.status import STATUS_FIELDS, campaign_status, iter_status

    if format not in ("table", "json", "csv"):
        raise typer.BadParameter("use table, json or csv", param_hint="--format")

    def action() -> None:
        rt = _runtime()
        if now is not None:
            from parflow.clock import FixedClock, parse_instant

            try:
                rt.clock = FixedClock(parse_instant(now, rt.settings.timezone))
            except ValueError:
                fail(f"--now: '{now}' is not an ISO 8601 date or date-time (e.g. 2022-01-17T09:00)")
        with rt.db.read() as session:
            if format == "csv":
                # streamed: each row is written as it is read, whatever the size of the province
                writer = csv.DictWriter(sys.stdout, fieldnames=STATUS_FIELDS, lineterminator="\r\n")
                writer.writeheader()
                # agency names are typed by people: nothing in the file may run as a formula
                writer.writerows(
                    {k: safe_cell(v) for k, v in r.as_dict().items()}
                    for r in iter_status(session, rt, campaign)
                )
                return
            rows = campaign_status(session, rt, campaign)
        if format == "json":
            typer.echo(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        else:
            _status_table(rows)

    _run(action)


def _sent_late(row) -> str:  # type: ignore[no-untyped-def]
    """'self-assessment 2, appraisal 1': the parts recorded as sent late, blank when none was."""
    parts = [
        f"{name} {days}"
        for name, days in (
            ("self-assessment", row.self_assessment_late_days),
            ("appraisal", row.appraisal_late_days),
        )
        if days
    ]
    return ", ".join(parts)


def _days_left(row) -> str:  # type: ignore[no-untyped-def]
    """Working days left, never negative: an overdue row's count is in the overdue column."""
    if row.working_days_left is None or row.overdue:
        return ""
    return str(row.working_days_left)


def _overdue(row) -> str:  # type: ignore[no-untyped-def]
    if row.standing == "done":
        return "done"
    if row.standing == "season_over":
        return "season over"
    if row.overdue and row.working_days_left is not None:
        return f"OVERDUE {max(1, -row.working_days_left)} working days"
    return "OVERDUE" if row.overdue else ""


def _status_table(rows) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    from parflow.cli.console import table_console

    table = Table(show_lines=False)
    headings = (
        "agency",
        "group",
        "state",
        "next milestone",
        "due",
        "working days left",
        "overdue",
        "at risk",
        "sent late (working days)",
    )
    for heading in headings:
        table.add_column(heading)
    for r in rows:
        table.add_row(
            r.agency,
            r.group,
            r.state,
            r.next_milestone or "—",
            r.due_date.strftime("%d/%m/%Y") if r.due_date else "—",
            _days_left(r),
            _overdue(r),
            "publication at risk" if r.publication_at_risk else "",
            _sent_late(r),
        )
    table_console().print(table)


# --- users ---------------------------------------------------------------------------------------


@users_app.command("set-password")
def set_password(email: str) -> None:
    """Set a person's password: read from standard input, or prompted twice on a terminal."""
    import getpass

    from parflow.services.accounts import users

    if sys.stdin.isatty():
        first = getpass.getpass("New password: ")
        if getpass.getpass("Repeat it: ") != first:
            fail("the two passwords differ; nothing changed")
        password = first
    else:
        password = sys.stdin.readline().rstrip("\r\n")

    def action() -> None:
        rt = _runtime()
        person = rt.db.run(lambda s: users.set_password(s, email, password))
        typer.echo(f"password set for {person.email}")

    _run(action)


# --- workflows -----------------------------------------------------------------------------------


@workflow_app.command("check")
def workflow_check(path: Path) -> None:
    """Validate a workflow definition; errors name the file, line and problem."""
    from parflow.services.common.workflows import load_definition

    def action() -> None:
        definition = load_definition(path)
        typer.echo(
            f"{path}: workflow '{definition.name}' is valid "
            f"({len(definition.states)} states, {len(definition.transitions)} transitions, "
            f"{len(definition.milestones)} milestones)"
        )

    _run(action)


@workflow_app.command("diagram")
def workflow_diagram(
    name: str, lang: Annotated[str, typer.Option("--lang", help="vi or en state labels")] = "vi"
) -> None:
    """Print the workflow as a Mermaid state diagram."""
    from parflow.domain.workflow import mermaid
    from parflow.settings import load_settings

    def action() -> None:
        rt_settings = load_settings()
        from parflow.services.common.workflows import WorkflowCatalog

        typer.echo(mermaid(WorkflowCatalog(rt_settings.workflows_dir).definition(name), lang), nl=False)

    _run(action)


# --- serving -------------------------------------------------------------------------------------


WORKER_HEALTHCHECK_SECONDS = 60


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes (use PostgreSQL for more than 1)")] = 1,
) -> None:
    """Web + API only (no scheduler), configured by PARFLOW_* settings."""
    import uvicorn

    from parflow.observability.logs import configure_logging
    from parflow.settings import load_settings

    def action() -> None:
        settings = load_settings()
        configure_logging(settings.log_format or "json")
        if not settings.base_url.startswith("https://"):
            # the Secure cookie flag and HSTS follow the base URL: say so rather than fail silently
            typer.echo(
                f"parflow: warning: PARFLOW_BASE_URL is {settings.base_url}: session cookies go without "
                "the Secure flag and no HSTS is sent; behind TLS set it to the https:// address people use",
                err=True,
            )
        # before anything imports the metrics: their storage is chosen at import time
        with shared_metrics_dir(create=workers > 1):
            from parflow.web.app import ConfigurationError, create_app

            try:
                # refuse to start on bad configuration, before forking
                app = create_app(_runtime(settings, announce=True))
            except ConfigurationError as exc:
                fail(str(exc))
            # parflow logs each request itself (one line with the route template); uvicorn's access
            # log would repeat it, and uvicorn's own logging set-up would undo the chosen format
            quiet = {"log_config": None, "access_log": False}
            if workers == 1:
                uvicorn.run(app, host=host, port=port, **quiet)
                return
            # uvicorn kills a worker that does not answer its health ping in time; a worker still
            # importing on a busy machine can take longer than uvicorn's 5 s and would be killed
            # and restarted in a loop
            uvicorn.run(
                "parflow.web.factory:app",
                host=host,
                port=port,
                workers=workers,
                factory=False,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                **quiet,
            )

    _run(action)


@contextmanager
def shared_metrics_dir(*, create: bool) -> Iterator[None]:
    """Let every worker's counters add up in `/metrics` (prometheus_client's multiprocess mode).

    The workers inherit PROMETHEUS_MULTIPROC_DIR: the operator's own folder, emptied first
    (figures of an earlier run must not count again), or, with `create`, a fresh temporary folder
    removed on exit. One worker without the variable needs no folder: its memory is the truth.
    """
    import os
    import shutil
    import tempfile

    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        yield
        return
    if not create:
        yield
        return
    folder = Path(tempfile.mkdtemp(prefix="parflow-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    try:
        yield
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(folder, ignore_errors=True)


@app.command("demo")
def demo(
    port: Annotated[int, typer.Option(help="port for the web UI and API")] = 8000,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="where the demo keeps its data (default ./parflow-demo, or ./parflow-demo-CAMPAIGN)",
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    campaign: Annotated[
        str,
        typer.Option(
            help="haiphong-2021: the 2021 season on its scripted date; "
            "haiphong-2026: the season in progress, today"
        ),
    ] = "haiphong-2021",
) -> None:
    """The one-command start: Hải Phòng 2021 on embedded SQLite, accounts printed, web + API served."""
    import logging

    import uvicorn

    from parflow import demo as demo_module
    from parflow.observability.logs import configure_logging
    from parflow.services.common.runtime import Runtime
    from parflow.store.db import Database
    from parflow.web.app import create_app

    if campaign not in demo_module.EXAMPLES:
        fail(f"there is no demo campaign '{campaign}'; choose one of: {', '.join(demo_module.EXAMPLES)}")
    # each demo campaign keeps its own data (and its own clock) unless told otherwise
    if data_dir is None:
        data_dir = Path("./parflow-demo" if campaign == "haiphong-2021" else f"./parflow-demo-{campaign}")

    def action() -> None:
        from parflow.notify.catcher import MailCatcher, mail_dir

        assert data_dir is not None
        base_url = f"http://{host}:{port}"
        settings = demo_module.demo_settings(data_dir, base_url)
        bootstrap = Runtime(settings=settings, db=Database(settings.effective_database_url))
        example = demo_module.read_example(bootstrap, demo_module.EXAMPLES[campaign])
        clock = demo_module.demo_clock(data_dir, example)
        # all outgoing mail goes to a built-in SMTP server on 127.0.0.1, browsable at /demo/mail
        catcher = MailCatcher(mail_dir(settings.data_dir), clock=clock, preferred_port=port + 25).start()
        try:
            settings = catcher.route(settings)
            rt = Runtime(settings=settings, db=bootstrap.db, clock=clock)
            report, accounts, password = demo_module.prepare(rt, example)
            _print_accounts(
                accounts, password, base_url, report.campaign_code, clock.now(), accounts_hint(campaign)
            )
            typer.echo(
                f"Mail: every message is caught by smtp://{catcher.host}:{catcher.port} "
                f"and shown at {base_url}/demo/mail"
            )
            # the demo's terminal shows the accounts and warnings, not a line per request
            configure_logging(settings.log_format or "text", level=logging.WARNING)
            server = uvicorn.Server(
                uvicorn.Config(create_app(rt), host=host, port=port, log_config=None, access_log=False)
            )
            # the scheduler runs in-process (its own thread and event loop), never inside web workers
            from parflow.scheduler.runner import BackgroundScheduler

            scheduler = BackgroundScheduler(rt).start()
            try:
                server.run()
            except KeyboardInterrupt:
                pass  # uvicorn re-raises the Ctrl-C it handled; stopping is the normal way out
            finally:
                scheduler.stop()
                demo_module.DemoClockFile(data_dir).save(clock.now())
                typer.echo("parflow demo stopped; run it again to continue where you left off.")
        finally:
            catcher.stop()

    _run(action)


def accounts_hint(campaign: str) -> tuple[set[str], str, bool]:
    """Which agencies' accounts the demo lists, their e-mail domain, and whether the 2021 walk-through
    applies."""
    if campaign == "haiphong-2021":
        return {"sgtvt", "q-duong-kinh"}, "haiphong.example", True
    return {"ttr", "p-hong-bang"}, "2025.haiphong.example", False


def _print_accounts(accounts, password: str, base_url: str, campaign: str, now, hint) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    from parflow.cli.console import table_console
    from parflow.i18n import format_instant

    console = table_console(min_width=110)
    console.print(
        f"[bold]parflow demo[/bold]: campaign [bold]{campaign}[/bold], demo time {format_instant(now)}"
    )
    table = Table(title=f"Demo accounts (password for all: {password})")
    for heading in ("role", "agency", "name", "e-mail", "lang"):
        table.add_column(heading)
    # every campaign-wide account, and two agencies' accounts as examples of the pattern
    shown_agencies, domain, walk_through = hint
    for a in accounts:
        if a.agency is None or a.agency in shown_agencies:
            table.add_row(a.role, a.agency or "", a.name, a.email, a.language)
    console.print(table)
    hidden = sum(1 for a in accounts if a.agency and a.agency not in shown_agencies)
    if hidden:
        console.print(
            f"… and {hidden} more agency accounts: dau-moi.<agency>@{domain} (focal point) and "
            f"lanh-dao.<agency>@{domain} (head)."
        )
    if walk_through:
        console.print(
            "Try it: Sở Giao thông vận tải has finished its self-assessment but not sent it. Sign in at "
            f"{base_url}/ as dau-moi.sgtvt@haiphong.example, open 'Hồ sơ của cơ quan' and send it "
            "(see README, 'Using the web application')."
        )
    console.print(f"Web: {base_url}/   API docs: {base_url}/docs   Stop: Ctrl-C")


# --- operator actions ----------------------------------------------------------------------------


@campaign_app.command("delete")
def campaign_delete(
    code: str,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation (scripts)")] = False,
) -> None:
    """Delete a campaign and everything in it (e.g. to import its backup over it); people stay."""
    import getpass
    import logging

    from parflow.services.backup.delete import delete_campaign, describe_campaign

    def action() -> None:
        rt = _runtime()
        with rt.db.read() as session:
            plan = describe_campaign(session, code)
        typer.echo(
            f"campaign {code}: {plan.rows.get('submission', 0)} submissions, "
            f"{plan.rows.get('audit_entry', 0)} audit entries "
            f"(head {plan.audit_seq} {plan.audit_hash or '-'}), "
            f"{plan.rows.get('notification', 0)} messages"
            + ("; its results are PUBLISHED" if plan.published else "")
        )
        if not yes:
            if not sys.stdin.isatty():
                fail("deleting a campaign needs confirmation: run it on a terminal, or give --yes")
            typed = typer.prompt(f"Type the campaign code ({code}) to delete it for good")
            if typed.strip() != code:
                fail("the code typed differs; nothing was deleted")
        report = rt.db.run(lambda s: delete_campaign(s, code))
        # the audit chain goes with the campaign: the operator's log keeps the record of the deletion
        logging.getLogger("parflow.ops").warning(
            "campaign deleted",
            extra={
                "fields": {
                    "campaign": code,
                    "audit_seq": report.audit_seq,
                    "audit_hash": report.audit_hash,
                    "rows": sum(report.rows.values()),
                    "published": report.published,
                    "os_user": getpass.getuser(),
                }
            },
        )
        typer.echo(
            f"campaign {code}: deleted ({sum(report.rows.values())} rows); its audit head was "
            f"{report.audit_seq} {report.audit_hash or '-'}. People and evidence files were kept."
        )

    _run(action)


@users_app.command("unlock")
def users_unlock(email: str) -> None:
    """Forget a person's failed sign-ins, so the sign-in limit lets them try again at once."""
    from parflow.services.accounts import admin

    def action() -> None:
        rt = _runtime()
        change = rt.db.run(lambda s: admin.unlock(s, rt, email))
        if change.changed:
            typer.echo(f"{change.person.email}: {change.failures_cleared} failed sign-in(s) forgotten")
        else:
            typer.echo(f"{change.person.email}: no failed sign-ins to forget")

    _run(action)


@users_app.command("disable")
def users_disable(email: str) -> None:
    """Stop an account: no sign-in, no e-mail, every open session and token ended at once."""
    from parflow.services.accounts import admin

    def action() -> None:
        rt = _runtime()
        change = rt.db.run(lambda s: admin.set_active(s, rt, email, active=False))
        typer.echo(f"{change.person.email}: " + ("disabled" if change.changed else "already disabled"))

    _run(action)


@users_app.command("enable")
def users_enable(email: str) -> None:
    """Let a disabled account sign in and receive e-mail again."""
    from parflow.services.accounts import admin

    def action() -> None:
        rt = _runtime()
        change = rt.db.run(lambda s: admin.set_active(s, rt, email, active=True))
        typer.echo(f"{change.person.email}: " + ("enabled" if change.changed else "already enabled"))

    _run(action)


@app.command("config")
def config_command() -> None:
    """Print the settings in effect (no secrets): database, folders, addresses, mail server."""
    import os

    from parflow.settings import ENV_FILE_VARIABLE, load_settings, shipped_dir

    def action() -> None:
        s = load_settings()
        env_file = os.environ.get(ENV_FILE_VARIABLE) or (".env (found)" if Path(".env").is_file() else "none")
        lines = {
            "settings file": env_file,
            "database": s.database_label() if s.database_configured else "NOT CONFIGURED",
            "data directory": str(s.data_dir.resolve()),
            "workflows": str(s.workflows_dir),
            "notifications": str(s.notifications_dir),
            "examples": str(shipped_dir("examples")),
            "base URL": s.base_url
            + ("" if s.base_url.startswith("https://") else " (no Secure cookies, no HSTS)"),
            "secret key": "set" if s.secret_key else "NOT SET",
            "mail server": f"{s.smtp_host}:{s.smtp_port} ({s.smtp_security.value})",
            "mail from": s.mail_from,
            "time zone": s.timezone,
            "proxy addresses trusted (FORWARDED_ALLOW_IPS)": os.environ.get(
                "FORWARDED_ALLOW_IPS", "127.0.0.1"
            ),
        }
        width = max(len(k) for k in lines)
        for key, value in lines.items():
            typer.echo(f"{key.ljust(width)}  {value}")
        if not s.database_configured:
            fail("no database configured: set PARFLOW_DATABASE_URL or PARFLOW_DATA_DIR")

    _run(action)
