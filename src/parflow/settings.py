"""Configuration, read once from the environment (or a `.env` file) and passed in.

Nothing here touches the disk or the network at import time: `load_settings()` is called by the
entry points (CLI, app factory, tests) and the resulting object travels as an argument.
"""

from __future__ import annotations

import os
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

# The checkout's root, for the editable install the README uses: workflows/, notifications/ and
# examples/ live beside src/ so that non-programmers can read and edit them.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# A wheel (`pip install .`, a container image) has no checkout: setup.py copies those folders here.
SHIPPED_ROOT = Path(__file__).resolve().parent / "shipped"


def shipped_dir(name: str) -> Path:
    """`workflows`, `notifications` or `examples` as this installation has them.

    The checkout's folder when the code runs from one (editable install, tests), so that an edit
    there shows at once; otherwise the copy inside the installed package.
    """
    source = PROJECT_ROOT / name
    if (PROJECT_ROOT / "pyproject.toml").is_file() and source.is_dir():
        return source
    return SHIPPED_ROOT / name


class MissingDatabaseError(ValueError):
    """Neither PARFLOW_DATABASE_URL nor PARFLOW_DATA_DIR was given to a command that needs one."""


DEMO_SECRET_MARKER = "demo-"


class SmtpSecurity(StrEnum):
    none = "none"
    starttls = "starttls"
    tls = "tls"


# Set by code only (`parflow demo`, tests), never read from the environment or `.env`: demo mode
# accepts a generated or demo secret key and opens the mail catcher and the settable clock, so a
# stray PARFLOW_DEMO_MODE=true must not turn them on in `parflow serve` or the scheduler.
CODE_ONLY = frozenset({"demo_mode"})


class _WithoutCodeOnly(PydanticBaseSettingsSource):
    """An environment or `.env` source with the code-only settings taken out."""

    def __init__(self, inner: PydanticBaseSettingsSource) -> None:
        super().__init__(inner.settings_cls)
        self.inner = inner

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.inner.get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self.inner().items() if k not in CODE_ONLY}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARFLOW_", env_file=".env", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            _WithoutCodeOnly(env_settings),
            _WithoutCodeOnly(dotenv_settings),
            _WithoutCodeOnly(file_secret_settings),
        )

    data_dir: Path = Path("./parflow-data")
    database_url: str | None = None
    timezone: str = "Asia/Ho_Chi_Minh"
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = Field(default=None, repr=False)
    # True only inside `parflow demo` and tests (CODE_ONLY: never from the environment): allows a
    # generated or demo secret key, the mail catcher's pages and setting the demo's clock.
    demo_mode: bool = False

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_security: SmtpSecurity = SmtpSecurity.starttls
    smtp_timeout_seconds: float = 20.0
    # one delivery run stops taking new messages after this long (the rest wait for the next run)
    smtp_deadline_seconds: float = 240.0
    # a message that keeps failing temporarily is given up ('dead') after this many attempts
    smtp_max_attempts: int = 10
    # parallel connections one delivery run keeps open to the mail server (each message still
    # goes out once, over one of them); 1 sends strictly one after another
    smtp_connections: int = Field(default=4, ge=1, le=32)
    # extra CA certificates (PEM) to trust for the mail server, e.g. a government-internal CA
    smtp_ca_file: Path | None = None
    mail_from: str = "PAR Index <parflow@localhost>"

    # the shipped folders unless these name others (a province's own workflow or wording)
    workflows_dir: Path = Field(default_factory=lambda: shipped_dir("workflows"))
    notifications_dir: Path = Field(default_factory=lambda: shipped_dir("notifications"))

    token_ttl_minutes: int = 8 * 60
    # Sign-in limits (docs/security.md). Failures are counted over a sliding window: tightly for
    # one account from one client address (that pair waits until its oldest failure leaves the
    # window), per address across accounts, and loosely for the account from all addresses, where
    # attempts are only slowed down (a delay that doubles, capped) so nobody can lock the owner out.
    sign_in_window_minutes: int = Field(default=15, ge=1)
    sign_in_max_failures_per_account_address: int = Field(default=5, ge=1)
    sign_in_max_failures_per_address: int = Field(default=30, ge=1)
    sign_in_account_slowdown_after: int = Field(default=10, ge=1)
    sign_in_account_max_delay_seconds: int = Field(default=60, ge=1)
    tick_interval_seconds: int = 60
    evidence_max_bytes: int = 20 * 1024 * 1024
    # per agency (its submission): evidence added per rolling hour (files and links; 429 beyond)
    # and the total size of its files (413 beyond), so one account cannot fill the disk or the audit
    evidence_uploads_per_hour: int = Field(default=120, ge=1)
    evidence_max_bytes_per_submission: int = Field(default=2 * 1024 * 1024 * 1024, ge=1)
    request_max_bytes: int = 25 * 1024 * 1024

    # Test and demonstration use only, never in production: every process's clock reads
    # `clock_start` until the real instant `clock_anchor` (default: when the process starts), then
    # runs `clock_rate` times faster than real time, standing still at `clock_until`. Processes given
    # the same four values agree on the time (see clock.ScaledClock).
    clock_start: datetime | None = None
    clock_anchor: datetime | None = None
    clock_rate: float = Field(default=1.0, gt=0)
    clock_until: datetime | None = None

    # log lines: json (one object per line) or text; unset: json for `serve` and `scheduler`,
    # text for the demo
    log_format: Literal["json", "text"] | None = None
    # `GET /metrics` (and the scheduler's metrics port) answer only `Authorization: Bearer <this>`;
    # unset, they answer only callers on the same machine (loopback)
    metrics_token: str | None = Field(default=None, repr=False)
    # the scheduler's own metrics endpoint (off unless a port is given)
    scheduler_metrics_host: str = "127.0.0.1"
    scheduler_metrics_port: int | None = None

    @field_validator("clock_start", "clock_anchor", "clock_until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the instant with its offset, e.g. 2022-01-10T09:00:00+07:00")
        return value

    def __repr_args__(self):  # type: ignore[no-untyped-def]
        # the database URL may carry a password: show where the database is, never the password
        for name, value in super().__repr_args__():
            if name == "database_url" and value:
                from sqlalchemy.engine import make_url

                try:
                    value = make_url(value).render_as_string(hide_password=True)
                except Exception:  # not a URL SQLAlchemy can read: show nothing of it
                    value = "***"
            yield name, value

    @field_validator("data_dir", "workflows_dir", "notifications_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'parflow.db').resolve()}"

    @property
    def database_configured(self) -> bool:
        """True when the database was chosen on purpose: a URL, or a data directory for SQLite.

        The bare default (./parflow-data under whatever the current directory is) served a fresh
        empty SQLite file to an operator who had started a command from the wrong folder.
        """
        return bool(self.database_url) or "data_dir" in self.model_fields_set or self.demo_mode

    def require_database(self) -> str:
        if not self.database_configured:
            raise MissingDatabaseError(
                "no database configured: set PARFLOW_DATABASE_URL (e.g. "
                "postgresql+psycopg://parflow@127.0.0.1/parflow) or, for an SQLite file, PARFLOW_DATA_DIR, "
                "in the environment, in ./.env or in the file PARFLOW_ENV_FILE names "
                "(see docs/configuration.md)"
            )
        return self.effective_database_url

    def database_label(self) -> str:
        """Where the database is, for start-up lines and logs: never the password."""
        # imported here: commands without a database (workflow, notifications preview) need no SQLAlchemy
        from sqlalchemy.engine import make_url

        try:
            return make_url(self.effective_database_url).render_as_string(hide_password=True)
        except Exception:  # not a URL SQLAlchemy can read: it will fail with its own message
            return "(unreadable database URL)"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"


ENV_FILE_VARIABLE = "PARFLOW_ENV_FILE"


def load_settings(**overrides: object) -> Settings:
    """The settings from the environment and `./.env`, or the file PARFLOW_ENV_FILE names.

    A named file that does not exist is an error rather than a silent fall-back to defaults.
    """
    named = os.environ.get(ENV_FILE_VARIABLE)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"{ENV_FILE_VARIABLE}={named}: no such file")
        return Settings(_env_file=path, **overrides)  # type: ignore[arg-type, call-arg]
    return Settings(**overrides)  # type: ignore[arg-type]
