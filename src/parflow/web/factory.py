"""Entry point for multi-worker servers: `uvicorn parflow.web.factory:app --workers N`.

Each worker process builds its own runtime from the PARFLOW_* settings.
"""

from __future__ import annotations

from parflow.services.runtime import build_runtime
from parflow.settings import load_settings
from parflow.web.app import create_app

app = create_app(build_runtime(load_settings()))
