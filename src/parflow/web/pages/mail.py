"""The demo mailbox: every message the demo's mail catcher caught, listed and shown.

Only under `parflow demo` (settings.demo_mode): elsewhere these addresses do not exist (404).
No sign-in: the demo runs on the user's own machine and the point is to let a newcomer see
exactly what each agency, council member and Home Affairs officer would receive. Pages are in
Vietnamese unless `?lang=en` or the browser asks for English. A caught HTML body is shown in a
sandboxed frame served with a Content-Security-Policy that forbids scripts and remote content.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from parflow.domain.errors import NotFound
from parflow.i18n import LANGUAGES, format_instant, language_from_header, t
from parflow.notify.catcher import body_of, list_caught, mail_dir, raw_caught, read_caught
from parflow.web.deps import RuntimeDep

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# what a caught HTML body may do inside its frame: show itself and its inline styles (mail
# clients keep nothing else), be framed by the mailbox page of this site only, nothing more.
# The app's own pages keep the strict policy (web/security.py); this route sets its own headers,
# which the security middleware leaves in place.
BODY_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["t"] = t
    env.filters["instant"] = lambda value: format_instant(value) if value else "—"
    return env


templates = Jinja2Templates(env=_environment())


def demo_only(rt: RuntimeDep) -> None:
    if not rt.settings.demo_mode:
        raise NotFound("route.not_found")


router = APIRouter(
    prefix="/demo/mail", tags=["demo mailbox"], include_in_schema=False, dependencies=[Depends(demo_only)]
)


def _language(request: Request, lang: str | None) -> str:
    if lang in LANGUAGES:
        return str(lang)
    return language_from_header(request.headers.get("accept-language")) or "vi"


def _page(request: Request, name: str, lang: str, **context: Any) -> HTMLResponse:
    other = "en" if lang == "vi" else "vi"
    return templates.TemplateResponse(
        request, name, {"lang": lang, "other_lang": other, **context}, headers={"Content-Language": lang}
    )


@router.get("", response_class=HTMLResponse)
def mailbox(
    request: Request, rt: RuntimeDep, lang: str | None = Query(default=None, max_length=2)
) -> HTMLResponse:
    language = _language(request, lang)
    caught = list_caught(mail_dir(rt.settings.data_dir))
    return _page(request, "mail/list.html", language, messages=caught)


@router.get("/{mail_id}", response_class=HTMLResponse)
def show(
    request: Request,
    rt: RuntimeDep,
    mail_id: str,
    lang: str | None = Query(default=None, max_length=2),
) -> HTMLResponse:
    language = _language(request, lang)
    found = read_caught(mail_dir(rt.settings.data_dir), mail_id)
    if found is None:
        raise NotFound("mail.not_found", id=mail_id)
    summary, msg = found
    return _page(
        request,
        "mail/show.html",
        language,
        message=summary,
        headers=msg,
        text=body_of(msg, "plain"),
        has_html=body_of(msg, "html") is not None,
    )


@router.get("/{mail_id}/body.html")
def html_body(rt: RuntimeDep, mail_id: str) -> Response:
    found = read_caught(mail_dir(rt.settings.data_dir), mail_id)
    html = body_of(found[1], "html") if found else None
    if html is None:
        raise NotFound("mail.not_found", id=mail_id)
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": BODY_POLICY,
            "X-Content-Type-Options": "nosniff",
            # the middleware's default is DENY, which kept the frame on the mailbox page empty
            "X-Frame-Options": "SAMEORIGIN",
        },
    )


@router.get("/{mail_id}/raw")
def raw(rt: RuntimeDep, mail_id: str) -> Response:
    data = raw_caught(mail_dir(rt.settings.data_dir), mail_id)
    if data is None:
        raise NotFound("mail.not_found", id=mail_id)
    return Response(
        data,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="{mail_id}.eml"'},
    )
