"""Deadline commands: `parflow tick`, `parflow scheduler`, `parflow simulate`."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from parflow.cli.app import _run, _runtime, app, fail


def _at(rt, now: str | None) -> None:  # type: ignore[no-untyped-def]
    if now is None:
        return
    from parflow.clock import FixedClock, parse_instant

    try:
        rt.clock = FixedClock(parse_instant(now, rt.settings.timezone))
    except ValueError:
        fail(f"--now: '{now}' is not an ISO 8601 date or date-time (e.g. 2022-01-17T09:00:00+07:00)")


@app.command("tick")
def tick_command(
    now: Annotated[
        str | None, typer.Option("--now", help="as if the time were this (ISO 8601; local time if no offset)")
    ] = None,
    no_send: Annotated[bool, typer.Option("--no-send", help="queue only; do not deliver the outbox")] = False,
    allow_future: Annotated[
        bool,
        typer.Option(
            "--allow-future",
            help="accept a --now later than the present: its messages are queued now and sent early",
        ),
    ] = False,
) -> None:
    """One scheduler pass: queue every reminder and escalation due by then, then deliver the outbox."""
    import asyncio

    from parflow.notify.catcher import route_to_running_catcher
    from parflow.notify.delivery import deliver_pending
    from parflow.services.deadlines.tick import tick
    from parflow.settings import load_settings

    def action() -> None:
        # next to a running demo (same data directory), deliver into the demo's mail catcher
        rt = _runtime(route_to_running_catcher(load_settings()))
        # deadlines were planned on the configured clock (wall clock, or PARFLOW_CLOCK_*); a tick
        # before that instant must look past next_due_at, which hides what was due earlier
        planned_by = rt.clock.now()
        _at(rt, now)
        _refuse_future(rt, planned_by, allow=allow_future, sending=not no_send)
        report = tick(rt, replay=rt.clock.now() < planned_by)
        line = report.describe(rt.settings.timezone)
        if no_send:
            typer.echo(f"{line}; not delivered (--no-send)")
            return
        delivered = asyncio.run(deliver_pending(rt))
        typer.echo(f"{line}; delivery: {_delivery(delivered)}")

    _run(action)


# minute-precision input and a little clock skew between machines are not "the future"
FUTURE_TOLERANCE = timedelta(minutes=1)


def _refuse_future(rt, present: datetime, *, allow: bool, sending: bool) -> None:  # type: ignore[no-untyped-def]
    """A tick ahead of the present queues tomorrow's reminders today: a running scheduler sends
    them at once, and their unique keys then block the real ones. Refused unless asked for."""
    from zoneinfo import ZoneInfo

    asked = rt.clock.now()
    if asked <= present + FUTURE_TOLERANCE:
        return
    zone = ZoneInfo(rt.settings.timezone)
    said = (
        f"--now {asked.astimezone(zone):%d/%m/%Y %H:%M} is in the future "
        f"(it is {present.astimezone(zone):%d/%m/%Y %H:%M})"
    )
    if not allow:
        fail(
            f"{said}: its reminders would be queued now and sent early, and the real ones then "
            "never go out; use `parflow simulate` to see what would be sent, or --allow-future "
            "on a copy of the database"
        )
    typer.echo(
        f"parflow: warning: {said}; messages due by then are queued now"
        + (" and sent now" if sending else ""),
        err=True,
    )


def _delivery(report) -> str:  # type: ignore[no-untyped-def]
    failed = report.retrying + report.dead
    text = f"{report.sent} sent, {failed} failed"
    if report.returned:
        text += f", {report.returned} back in the queue"
    return text + (f" ({report.errors[-1]})" if report.errors else "")


@app.command("scheduler")
def scheduler_command(
    interval: Annotated[
        int | None, typer.Option("--interval", min=1, help="seconds between ticks (default: settings)")
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=1,
            max=65535,
            help="serve this scheduler's metrics at http://HOST:PORT/metrics (default: settings; off)",
        ),
    ] = None,
) -> None:
    """The scheduler process: periodic ticks and outbox delivery until SIGTERM or Ctrl-C."""
    import asyncio

    from parflow.observability.logs import configure_logging
    from parflow.scheduler.runner import serve

    def action() -> None:
        rt = _runtime(announce=True)
        configure_logging(rt.settings.log_format or "json")
        port = metrics_port or rt.settings.scheduler_metrics_port
        endpoint = None
        if port:
            from parflow.scheduler.metrics_endpoint import MetricsServer

            try:
                endpoint = MetricsServer(rt, rt.settings.scheduler_metrics_host, port).start()
            except OSError as exc:
                fail(f"cannot serve metrics on {rt.settings.scheduler_metrics_host}:{port}: {exc.strerror}")
        typer.echo(
            f"parflow scheduler: tick every {interval or rt.settings.tick_interval_seconds} s"
            + (f"; metrics at http://{rt.settings.scheduler_metrics_host}:{port}/metrics" if port else "")
            + "; SIGTERM or Ctrl-C stops it."
        )
        try:
            asyncio.run(serve(rt, interval_seconds=interval))
        finally:
            if endpoint is not None:
                endpoint.stop()
        typer.echo("parflow scheduler stopped.")

    _run(action)


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    for parse in (date.fromisoformat, lambda v: _dmy(v)):
        try:
            return parse(value)
        except ValueError:
            continue
    fail(f"{option}: '{value}' is not a date (yyyy-mm-dd or dd/mm/yyyy)")


def _dmy(value: str) -> date:
    day, month, year = (int(x) for x in value.split("/"))
    return date(year, month, day)


@app.command("simulate")
def simulate_command(
    campaign: str,
    start: Annotated[str | None, typer.Option("--from", help="first day (yyyy-mm-dd or dd/mm/yyyy)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="last day (yyyy-mm-dd or dd/mm/yyyy)")] = None,
    behaviour: Annotated[
        Path | None, typer.Option("--behaviour", help="YAML file scripting who acts when")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """A dry run of the campaign calendar, day by day; the database is left unchanged."""
    import json

    from parflow.services.simulation.behaviour import load_behaviour
    from parflow.services.simulation.run import simulate

    if format not in ("table", "json"):
        raise typer.BadParameter("use table or json", param_hint="--format")

    def action() -> None:
        first, last = _parse_day(start, "--from"), _parse_day(end, "--to")
        if first and last and last < first:
            fail(f"--to {last:%d/%m/%Y} is before --from {first:%d/%m/%Y}")
        script = load_behaviour(behaviour) if behaviour else None
        rt = _runtime()
        if format == "table" and sys.stderr.isatty():
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("simulating", total=None)

                def progress(a: date, b: date, day: date) -> None:
                    bar.update(
                        task,
                        total=(b - a).days + 1,
                        completed=(day - a).days + 1,
                        description=f"simulating {day:%d/%m/%Y}",
                    )

                result = simulate(rt, campaign, first, last, script, progress)
        else:
            result = simulate(rt, campaign, first, last, script)
        if result.end < result.start:
            fail(
                f"nothing to simulate: the run would end on {result.end:%d/%m/%Y}, "
                f"before it starts on {result.start:%d/%m/%Y}; give --from"
            )
        busiest, busiest_email, busiest_day = result.busiest()
        if format == "json":
            typer.echo(
                json.dumps(
                    {
                        "campaign": result.campaign,
                        "from": result.start.isoformat(),
                        "to": result.end.isoformat(),
                        "notifications": [m.as_dict() for m in result.messages],
                        "folded_into_digests": [m.as_dict() for m in result.folded],
                        "busiest": {
                            "messages": busiest,
                            "recipient": busiest_email,
                            "date": busiest_day.isoformat() if busiest_day else None,
                        },
                        "actions": [
                            {"at": at.isoformat(), "agency": agency, "action": what, "outcome": outcome}
                            for at, agency, what, outcome in result.actions
                        ],
                        "ticks": result.ticks,
                        "seconds": round(result.seconds, 3),
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        _table(result)

    _run(action)


def _table(result) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    from parflow.cli.console import table_console

    console = table_console()
    table = Table(title=f"{result.campaign}: {result.start:%d/%m/%Y} – {result.end:%d/%m/%Y}")
    for heading in ("date", "recipient", "kind", "rule", "agency", "reason"):
        table.add_column(heading, overflow="fold")
    for m in result.messages:
        table.add_row(
            m.day.strftime("%d/%m/%Y") + (" (late)" if m.late else ""),
            f"{m.recipient_name} <{m.recipient_email}>",
            m.kind,
            m.rule,
            m.agency or "",
            m.reason_en if m.language == "en" else m.reason_vi,
        )
    console.print(table)
    refused = [a for a in result.actions if a[3].startswith("refused")]
    for at, agency, what, outcome in refused:
        console.print(f"[yellow]{at:%d/%m/%Y}[/yellow] {agency} {what}: {outcome}")
    kinds: dict[str, int] = {}
    for m in result.messages:
        kinds[m.kind] = kinds.get(m.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no messages"
    console.print(
        f"{len(result.messages)} messages ({summary}); {len(result.actions)} scripted actions; "
        f"{result.ticks} ticks in {result.seconds:.2f} s. The database was not changed."
    )
    busiest, email, day = result.busiest()
    if email is not None and day is not None:
        console.print(
            f"Most messages to one person on one day: {busiest} ({email}, {day:%d/%m/%Y}); "
            f"{len(result.folded)} notices to Home Affairs and the city leadership went into their digests."
        )
