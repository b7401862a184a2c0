"""The FastAPI application factory."""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from parflow import __version__
from parflow.services.runtime import Runtime
from parflow.settings import DEMO_SECRET_MARKER
from parflow.web import errors
from parflow.web.api import auth, campaigns, scoring, submissions


class ConfigurationError(RuntimeError):
    """The installation is not configured well enough to start safely."""


def resolve_secret_key(rt: Runtime) -> str:
    key = rt.settings.secret_key
    if key and not key.startswith(DEMO_SECRET_MARKER) and len(key) >= 32:
        return key
    if rt.settings.demo_mode:
        return key or DEMO_SECRET_MARKER + secrets.token_urlsafe(32)
    if not key:
        raise ConfigurationError(
            "PARFLOW_SECRET_KEY is not set: generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` "
            "and set it in the environment or .env."
        )
    raise ConfigurationError(
        "PARFLOW_SECRET_KEY is too weak or is a demo key: use at least 32 random characters."
    )


def create_app(rt: Runtime) -> FastAPI:
    app = FastAPI(
        title="parflow",
        version=__version__,
        summary="Workflow engine for the yearly Public Administration Reform Index",
        openapi_url="/openapi.json",
    )
    app.state.runtime = rt
    app.state.secret_key = resolve_secret_key(rt)
    errors.install(app)
    app.include_router(auth.router)
    app.include_router(campaigns.router)
    app.include_router(submissions.router)
    app.include_router(scoring.router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        try:
            with rt.db.read() as session:
                session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        except Exception as exc:  # the point of this endpoint is to report any failure
            return JSONResponse({"status": "error", "database": str(exc.__class__.__name__)}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok", "version": __version__})

    return app
