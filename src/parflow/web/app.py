"""The FastAPI application factory."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from parflow import __version__
from parflow.services.common.runtime import Runtime
from parflow.settings import DEMO_SECRET_MARKER
from parflow.store.migrate import head_revision
from parflow.web import errors
from parflow.web.api import auth, campaigns, deadlines, notifications, reminders, scoring, submissions
from parflow.web.apidocs import install_docs
from parflow.web.observe import install_observability
from parflow.web.pages import auth as pages_auth
from parflow.web.pages import home as pages_home
from parflow.web.pages import mail
from parflow.web.pages import routes as pages
from parflow.web.security import install_security
from parflow.web.session import COOKIE, SessionCodec, write_cookie

STATIC = Path(__file__).with_name("static")


def install_sessions(app: FastAPI, rt: Runtime) -> None:
    """Load the signed cookie session before each request; write it back when it changed."""
    codec = SessionCodec(app.state.secret_key)
    secure = rt.settings.base_url.startswith("https://")

    @app.middleware("http")
    async def cookie_session(request: Request, call_next):  # type: ignore[no-untyped-def]
        request.state.session = codec.load(request.cookies.get(COOKIE), rt.clock.now())
        request.state.session_dirty = False
        response = await call_next(request)
        if request.state.session_dirty:
            data = request.state.session
            if data:
                data.setdefault("issued", int(rt.clock.now().timestamp()))
            write_cookie(response, codec, data, secure)
        return response


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


def schema_state(rt: Runtime, expected: str | None) -> dict[str, object]:
    """The database's schema revision beside the one this code needs (raises if unreachable)."""
    # read directly, not through Alembic's MigrationContext, which logs a line on every call (and
    # load balancers call this every few seconds)
    try:
        with rt.db.engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except ProgrammingError:  # PostgreSQL: no such table yet
        current = None
    except OperationalError as exc:  # SQLite: no such table yet; otherwise unreachable
        if "no such table" not in str(exc.orig):
            raise
        current = None
    return {"schema_revision": current, "schema_expected": expected, "schema_ready": current == expected}


def install_health(app: FastAPI, rt: Runtime) -> None:
    """Liveness (`/healthz`: the process answers and reaches its database, whatever its schema) and
    readiness (`/readyz`: the schema is the one this code needs, so requests can be served).

    A load balancer or a rolling restart sends traffic only to a ready instance; a supervisor
    restarts only one that is not alive. Before `parflow db upgrade` an instance is alive, not ready.
    """
    expected = head_revision(rt.db)

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        try:
            with rt.db.read() as session:
                session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            schema = schema_state(rt, expected)
        except Exception as exc:  # the point of this endpoint is to report any failure
            return JSONResponse({"status": "error", "database": str(exc.__class__.__name__)}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok", "version": __version__, **schema})

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        try:
            schema = schema_state(rt, expected)
        except Exception as exc:  # unreachable database: not ready, and say why
            return JSONResponse(
                {
                    "status": "not ready",
                    "detail": f"the database cannot be reached ({exc.__class__.__name__})",
                    "database": "error",
                },
                status_code=503,
            )
        if not schema["schema_ready"]:
            return JSONResponse(
                {
                    "status": "not ready",
                    "detail": (
                        f"the database schema is at revision {schema['schema_revision'] or 'none'}, "
                        f"this version needs {expected}: run `parflow db upgrade`"
                    ),
                    "database": "ok",
                    **schema,
                },
                status_code=503,
            )
        return JSONResponse({"status": "ready", "database": "ok", "version": __version__, **schema})


def create_app(rt: Runtime) -> FastAPI:
    app = FastAPI(
        title="parflow",
        version=__version__,
        summary="Workflow engine for the yearly Public Administration Reform Index",
        openapi_url="/openapi.json",
        # served by install_docs from local files, not FastAPI's CDN pages
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = rt
    app.state.secret_key = resolve_secret_key(rt)
    errors.install(app)
    errors.document_errors(app)
    install_sessions(app, rt)
    install_security(
        app, https=rt.settings.base_url.startswith("https://"), max_body_bytes=rt.settings.request_max_bytes
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_docs(app)
    app.include_router(auth.router)
    app.include_router(campaigns.router)
    app.include_router(submissions.router)
    app.include_router(pages_auth.router)
    app.include_router(pages_home.router)
    app.include_router(deadlines.router)
    app.include_router(reminders.router)
    app.include_router(notifications.router)
    app.include_router(mail.router)
    app.include_router(scoring.router)
    app.include_router(pages.router)

    install_health(app, rt)

    install_observability(app, rt)
    return app
