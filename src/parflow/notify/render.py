"""Render one message (subject, plain text, HTML) from its kind, language and plain-JSON context.

Templates live in `notifications/<kind>/` as `subject.<lang>.txt`, `body.<lang>.txt` and
`body.<lang>.html`, and extend the shared layout in `notifications/_layout/`. The environment is
strict: a variable the context does not carry is an error, never an empty string, so a template
and the message-context contract cannot drift apart silently. HTML is autoescaped by extension.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from parflow.domain.notices import NOTIFICATION_KINDS
from parflow.i18n import LANGUAGES, format_date, format_instant, format_score, normalise_language, t

LAYOUT_DIR = "_layout"


class RenderError(Exception):
    """A template is missing or does not fit the message's context (a permanent failure)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def template_names(kind: str, lang: str) -> tuple[str, str, str]:
    return (f"{kind}/subject.{lang}.txt", f"{kind}/body.{lang}.txt", f"{kind}/body.{lang}.html")


@lru_cache(maxsize=8)
def environment(notifications_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(notifications_dir)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(
        date=_date,
        instant=_instant,
        score=_score,
        tr=_tr,
        agency_name=_agency_name,
        link=_link,
        kind_label=_kind_label,
    )
    return env


def render(
    notifications_dir: Path,
    kind: str,
    lang: str,
    context: dict[str, Any],
    *,
    recipient_name: str,
    base_url: str,
) -> Rendered:
    """Subject, text and HTML of one message; raises RenderError when it cannot be built."""
    if kind not in NOTIFICATION_KINDS:
        raise RenderError(f"unknown message kind '{kind}'")
    lang = normalise_language(lang)
    env = environment(notifications_dir)
    subject_name, text_name, html_name = template_names(kind, lang)
    variables = {
        **context,
        "kind": kind,
        "lang": lang,
        "recipient_name": recipient_name,
        "base_url": base_url.rstrip("/"),
        "timezone": _timezone_of(context),
    }
    try:
        subject = " ".join(env.get_template(subject_name).render(variables).split())
        variables["subject"] = subject
        text = env.get_template(text_name).render(variables)
        html = env.get_template(html_name).render(variables)
    except TemplateError as exc:
        raise RenderError(f"{kind}/{lang}: {exc.__class__.__name__}: {exc}") from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # a filter given a value of the wrong shape (e.g. a date that is not ISO)
        raise RenderError(f"{kind}/{lang}: {exc.__class__.__name__}: {exc}") from exc
    if not subject:
        raise RenderError(f"{kind}/{lang}: the subject is empty")
    return Rendered(subject=subject, text=_tidy_text(text), html=html)


def missing_templates(notifications_dir: Path) -> list[str]:
    """Every template file a kind or language lacks (for tests and `parflow notifications check`)."""
    missing = []
    for kind in NOTIFICATION_KINDS:
        for lang in LANGUAGES:
            for name in template_names(kind, lang):
                if not (notifications_dir / name).is_file():
                    missing.append(name)
    return missing


# --- filters -------------------------------------------------------------------------------------


def _timezone_of(context: dict[str, Any]) -> str:
    campaign = context.get("campaign")
    if isinstance(campaign, dict) and campaign.get("timezone"):
        return str(campaign["timezone"])
    return "Asia/Ho_Chi_Minh"


def _date(value: str | date | None) -> str:
    """ISO date (or date) → dd/mm/yyyy, the official form in both languages."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return format_date(value.date())
    if isinstance(value, date):
        return format_date(value)
    return format_date(date.fromisoformat(str(value)[:10]))


@pass_context
def _instant(ctx: Context, value: str | datetime | None) -> str:
    """ISO 8601 instant → 'HH:MM dd/mm/yyyy' in the campaign's time zone."""
    if value is None or value == "":
        return "—"
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    return format_instant(instant, ctx.get("timezone") or "Asia/Ho_Chi_Minh")


@pass_context
def _score(ctx: Context, value: Any) -> str:
    """Decimal string → '95,98' in Vietnamese, '95.98' in English."""
    return format_score(value, ctx["lang"])


@pass_context
def _tr(ctx: Context, value: Any) -> str:
    """A bilingual label {vi, en} in the recipient's language."""
    if isinstance(value, dict):
        return str(value["en"] if ctx["lang"] == "en" else value["vi"])
    return str(value)


@pass_context
def _agency_name(ctx: Context, agency: dict[str, Any]) -> str:
    if ctx["lang"] == "en":
        return str(agency.get("name_en") or agency["name"])
    return str(agency["name"])


@pass_context
def _link(ctx: Context, path: str) -> str:
    """A path of the web application as a full address under PARFLOW_BASE_URL."""
    path = str(path)
    return ctx["base_url"] + (path if path.startswith("/") else "/" + path)


@pass_context
def _kind_label(ctx: Context, kind: str) -> str:
    return t(f"notice.kind.{kind}", ctx["lang"])


def _tidy_text(text: str) -> str:
    # Templates keep their logic readable with blank lines; a message never needs more than one.
    # The signature separator keeps its trailing space ("-- "), which mail readers look for.
    lines = [line.rstrip() if line.rstrip() != "--" else "-- " for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line == "" and tidy and tidy[-1] == "":
            continue
        tidy.append(line)
    return "\n".join(tidy) + "\n"
