"""`parflow notifications ...`: preview message templates and deliver the outbox by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from parflow.cli.app import _run, _runtime, app, fail

notifications_app = typer.Typer(
    help="E-mail messages: preview templates, deliver the outbox.", no_args_is_help=True
)
app.add_typer(notifications_app, name="notifications")


@notifications_app.command("preview")
def preview(
    kind: Annotated[str, typer.Argument(help="message kind, e.g. reminder, escalation, daily_digest")],
    lang: Annotated[str, typer.Option("--lang", help="vi or en")] = "vi",
    format: Annotated[str, typer.Option("--format", help="text or html")] = "text",
    sample_index: Annotated[
        int, typer.Option("--sample", help="which sample context (0, 1, ...)", min=0)
    ] = 0,
) -> None:
    """Render one kind of message with sample data, as its recipient would see it."""
    from parflow.domain.notices import NOTIFICATION_KINDS
    from parflow.i18n import LANGUAGES, t
    from parflow.notify.render import RenderError, render
    from parflow.notify.samples import SAMPLES
    from parflow.settings import load_settings

    if format not in ("text", "html"):
        raise typer.BadParameter("use text or html", param_hint="--format")

    def action() -> None:
        if kind not in NOTIFICATION_KINDS:
            fail(t("notify.unknown_kind", "en", kind=kind, kinds=", ".join(NOTIFICATION_KINDS)))
        if lang not in LANGUAGES:
            fail(t("notify.unknown_language", "en", lang=lang))
        samples = SAMPLES[kind]
        if sample_index >= len(samples):
            fail(f"kind '{kind}' has {len(samples)} sample(s): use --sample 0..{len(samples) - 1}")
        settings = load_settings()
        try:
            rendered = render(
                settings.notifications_dir,
                kind,
                lang,
                samples[sample_index],
                recipient_name="Nguyễn Văn An" if lang == "vi" else "Vương Quốc Bảo",
                base_url=settings.base_url,
            )
        except RenderError as exc:
            fail(t("notify.template_error", "en", error=str(exc)))
        if format == "html":
            typer.echo(rendered.html, nl=False)
        else:
            typer.echo(f"Subject: {rendered.subject}\n\n{rendered.text}", nl=False)

    _run(action)


@notifications_app.command("deliver")
def deliver(
    limit: Annotated[int, typer.Option("--limit", help="at most this many messages", min=1)] = 500,
) -> None:
    """Send the messages that are due now (what the scheduler does every minute)."""
    import asyncio

    from parflow.notify.catcher import route_to_running_catcher
    from parflow.notify.delivery import deliver_pending
    from parflow.settings import load_settings

    def action() -> None:
        settings = route_to_running_catcher(load_settings())
        rt = _runtime(settings)
        report = asyncio.run(deliver_pending(rt, limit=limit))
        typer.echo(report.summary())
        if report.returned and not report.sent:
            fail("the mail server could not be reached; the messages stay queued")

    _run(action)


@notifications_app.command("requeue")
def requeue(
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="only this campaign's messages (default: all)")
    ] = None,
    ids: Annotated[list[int] | None, typer.Option("--id", help="only this message (repeatable)")] = None,
) -> None:
    """Queue undeliverable ('dead') messages again, after the mail server or address is fixed."""
    from parflow.services.common.lookups import get_campaign
    from parflow.services.common.outbox import requeue_dead

    def action() -> None:
        rt = _runtime()

        def use_case(session):  # type: ignore[no-untyped-def]
            cid = get_campaign(session, campaign).id if campaign else None
            return requeue_dead(session, rt.clock.now(), campaign_id=cid, ids=ids or ())

        rows = rt.db.run(use_case)
        if not rows:
            typer.echo("no undeliverable messages" + (f" in {campaign}" if campaign else ""))
            return
        typer.echo(
            f"{len(rows)} message(s) queued again; the scheduler sends them on its next run "
            "(or run `parflow notifications deliver`)"
        )

    _run(action)
