"""Entry point for multi-worker servers: `uvicorn parflow.web.factory:app --workers N`.

Each worker process builds its own runtime from the PARFLOW_* settings and logs in the format
PARFLOW_LOG_FORMAT names (JSON by default).
"""

from __future__ import annotations

import logging

from parflow.observability.logs import configure_logging
from parflow.services.common.runtime import build_runtime
from parflow.settings import load_settings
from parflow.web.app import create_app

_settings = load_settings()
# refuse to serve a fresh SQLite file in whatever folder uvicorn was started from
_settings.require_database()
configure_logging(_settings.log_format or "json")
logging.getLogger("parflow.web").info(
    "parflow web worker starting", extra={"fields": {"database": _settings.database_label()}}
)
app = create_app(build_runtime(_settings))
