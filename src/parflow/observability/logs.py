"""Log lines: JSON (one object per line, for log collectors) or plain text (for a person at a
terminal), chosen by PARFLOW_LOG_FORMAT.

Structured fields travel in `extra={"fields": {...}}` and become keys of the JSON object (in text
mode they follow the message as key=value). Callers pass only what is safe to keep: never
passwords, tokens, cookies or request bodies.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

FORMATS = ("json", "text")
_HANDLER_MARK = "_parflow_handler"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            # machine time, not the injected clock: log collectors order lines by when they happened
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(name)s %(levelname)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = getattr(record, "fields", None)
        if fields:
            text += " " + " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
        return text


def configure_logging(
    log_format: str = "json", stream: IO[str] | None = None, level: int = logging.INFO
) -> None:
    """Send every logger's lines (uvicorn's too) to `stream` (standard error) in one format.

    Calling it again replaces the handler it installed before, so workers and tests may repeat it.
    """
    if log_format not in FORMATS:
        raise ValueError(f"PARFLOW_LOG_FORMAT must be json or text, not {log_format!r}")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "apscheduler"):
        logger = logging.getLogger(name)
        logger.handlers = []  # uvicorn's own text handlers would print every line a second time
        logger.propagate = True
    # a request is logged once, by parflow's own request log
    logging.getLogger("uvicorn.access").disabled = True
    # libraries' per-step chatter (APScheduler's runs, transitions' callbacks) is noise at INFO
    for name in ("apscheduler", "transitions"):
        logging.getLogger(name).setLevel(logging.WARNING)
