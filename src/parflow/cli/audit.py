"""`parflow audit verify CAMPAIGN`: walk the hash chain and report the first broken link, and
check that each published results snapshot names an entry of the chain."""

from __future__ import annotations

import typer

from parflow.cli.app import _run, _runtime, app, fail

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(campaign: str) -> None:
    """Check every audit entry of a campaign against its hash chain, and each published results
    snapshot against it; exit 1 at the first broken link or an unanchored snapshot."""
    from parflow.services.common import audit
    from parflow.services.common.lookups import get_campaign

    def action() -> None:
        rt = _runtime()
        with rt.db.read() as session:
            report = audit.verify(session, get_campaign(session, campaign))
        if report.broken_seq is not None:
            fail(
                f"audit chain of {campaign} is broken at entry {report.broken_seq}: {report.reason} "
                f"({report.checked} entries before it are intact)"
            )
        if report.snapshot_problems:
            fail(f"audit chain of {campaign}: " + "; ".join(report.snapshot_problems))
        published = (
            f"; {report.snapshots_checked} published results snapshot(s) anchored in it"
            if report.snapshots_checked
            else ""
        )
        typer.echo(
            f"audit chain of {campaign}: {report.checked} entries intact, head {report.head_hash}{published}"
        )

    _run(action)
