"""The interactive API documentation (/docs, /redoc) served from this server alone.

FastAPI's default pages load Swagger UI and ReDoc from a public CDN without integrity hashes: who
controls that CDN (or the network path to it) controls a script running next to a signed-in
person's token. Here the files come from a pinned package (`fastapi-offline`, see pyproject.toml),
served under /docs-assets, and the pages carry the app's content security policy. The one inline
script FastAPI writes into each page is allowed by its SHA-256 hash, computed when the app is
built, so no other inline script can run there.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
ASSET_DIR = Path(str(files("fastapi_offline") / "static"))
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def policy(html: str, *, inline_styles: bool = False) -> str:
    """The pages' CSP, with the inline scripts of `html` allowed by hash and nothing else inline.

    ReDoc styles itself with generated <style> elements (styled-components) and renders in a
    worker started from a blob: URL; it needs those two, and no more."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    style = "style-src 'self' 'unsafe-inline'" if inline_styles else "style-src 'self'"
    worker = "; worker-src 'self' blob:" if inline_styles else ""
    return (
        f"default-src 'self'; img-src 'self' data:; {style}; script-src 'self' {hashes}".rstrip()
        + f"; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'{worker}"
    )


def _page(html: str, *, inline_styles: bool = False) -> HTMLResponse:
    return HTMLResponse(html, headers={"Content-Security-Policy": policy(html, inline_styles=inline_styles)})


def install_docs(app: FastAPI) -> None:
    """/docs, /docs/oauth2-redirect and /redoc on local files; build the app with docs_url=None
    and redoc_url=None so FastAPI's CDN pages are not added."""
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(ASSETS, StaticFiles(directory=ASSET_DIR), name="docs-assets")
    # built once: the pages never change while the app runs, and so neither do their hashes
    swagger = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{app.title} — API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
        oauth2_redirect_url="/docs/oauth2-redirect",
        # the online validator badge would send the schema's address to a third party
        swagger_ui_parameters={"validatorUrl": None},
    ).body.decode()
    redirect = get_swagger_ui_oauth2_redirect_html().body.decode()
    redoc = get_redoc_html(
        openapi_url=openapi_url,
        title=f"{app.title} — API",
        redoc_js_url=f"{ASSETS}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS}/favicon.png",
        with_google_fonts=False,
    ).body.decode()

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _page(swagger)

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return _page(redirect)

    @app.get("/redoc", include_in_schema=False)
    def redoc_page() -> HTMLResponse:
        return _page(redoc, inline_styles=True)
