"""Server-rendered pages: one jinja2 environment with autoescaping, filters and bilingual text.

Templates write both languages side by side with `tr("tiếng Việt", "English")`; the reader's
language picks one. Dates are dd/mm/yyyy, scores use a decimal comma in Vietnamese.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select
from starlette.responses import HTMLResponse

from parflow.i18n import format_date, format_instant, format_score, t
from parflow.store.models import Campaign
from parflow.web.pages.nav import campaign_in_view, nav_items
from parflow.web.session import csrf_token, session

TEMPLATES = Path(__file__).with_name("templates")

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "xml", "svg"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["ddmmyyyy"] = lambda d: format_date(d) if d else "—"
environment.filters["instant"] = lambda d, tz="Asia/Ho_Chi_Minh": format_instant(d, tz) if d else "—"
environment.filters["iso"] = lambda d: d.isoformat() if d else ""
# instants kept as ISO text (frozen result snapshots)
environment.filters["isoinstant"] = lambda s: format_instant(datetime.fromisoformat(s)) if s else "—"
templates = Jinja2Templates(env=environment)


def page_language(request: Request) -> str:
    return getattr(request.state, "language", None) or session(request).get("lang") or "vi"


def render(
    request: Request, name: str, context: Mapping[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    lang = page_language(request)
    user = getattr(request.state, "page_user", None)
    campaigns = getattr(request.state, "user_campaigns", [])
    base: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "tr": lambda vi, en: en if lang == "en" else vi,
        "t": lambda key, **params: t(key, lang, **params),
        "score": lambda value: format_score(value, lang),
        "label": lambda pair: _label(pair, lang),
        "csrf_token": csrf_token(request),
        "user": user,
        "demo_mode": request.app.state.runtime.settings.demo_mode,
        "nav_items": nav_items(user, request.url.path, campaigns),
        "nav_campaign": campaign_in_view(campaigns, request.url.path) if user else None,
        "flash": pop_flash(request, lang),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    base.update(context or {})
    if "authority" not in base:
        in_view = base["nav_campaign"].code if base["nav_campaign"] else None
        base["authority"] = _authority(request, _campaign_code(request.url.path) or in_view)
    return templates.TemplateResponse(request, name, base, status_code=status_code)


def _campaign_code(path: str) -> str | None:
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "campaigns" and parts[2] else None


def _authority(request: Request, code: str | None) -> dict[str, Any] | None:
    """The province and Home Affairs department of the campaign in view, for the page header."""
    if code is None:
        return None
    try:
        with request.app.state.runtime.db.read() as db:
            found = db.exec(select(Campaign.authority).where(Campaign.code == code)).first()
    except SQLAlchemyError:
        # the page being drawn may be the one saying the database is unreachable: the header then
        # names parflow only, rather than turning that page into a second failure
        return None
    return found or None


def flash(request: Request, key: str, **params: str) -> None:
    """A message for the next page this person sees (after a redirect), e.g. "saved"."""
    session(request)["flash"] = [key, params]
    request.state.session_dirty = True


def pop_flash(request: Request, lang: str) -> str | None:
    data = session(request)
    stored = data.pop("flash", None)
    if not stored:
        return None
    request.state.session_dirty = True
    key, params = stored
    return t(key, lang, **params)


def _label(pair: Any, lang: str) -> str:
    """A {vi, en} mapping or a bilingual label object, in the reader's language."""
    if isinstance(pair, dict):
        return str(pair.get(lang) or pair.get("vi") or "")
    return str(pair.get(lang))
