"""Log lines that say which call they belong to, as text or as JSON lines.

The call id comes from a context variable set where a media stream starts, or from the name
of the call's worker thread ("call-<id>", given by the call session), so neither the
session nor the recognisers pass it along."""

from __future__ import annotations

import contextvars
import json
import logging
import logging.config
import re
import threading
from datetime import UTC, datetime
from typing import Any

CALL_ID: contextvars.ContextVar[int | None] = contextvars.ContextVar("call_id", default=None)
_CALL_THREAD = re.compile(r"^call-(\d+)")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [pid %(process)d call %(call_id)s]: %(message)s"


def current_call_id() -> int | None:
    call_id = CALL_ID.get()
    if call_id is not None:
        return call_id
    match = _CALL_THREAD.match(threading.current_thread().name)
    return int(match.group(1)) if match else None


class CallIdFilter(logging.Filter):
    """Adds ``call_id`` to every record ("-" outside a call)."""

    def filter(self, record: logging.LogRecord) -> bool:
        call_id = current_call_id()
        record.call_id = call_id if call_id is not None else "-"
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, process, call id, message."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "call_id": None if getattr(record, "call_id", "-") == "-" else record.call_id,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def logging_config(log_format: str, *, debug: bool = False) -> dict[str, Any]:
    """A dictConfig: one stderr handler on the root logger, the call id on every line, text
    or JSON lines; gunicorn's own loggers pass their lines to it."""
    formatter: dict[str, Any] = (
        {"()": JsonLinesFormatter} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"call_id": {"()": CallIdFilter}},
        "formatters": {"voicebot": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["call_id"],
                "formatter": "voicebot",
            }
        },
        "root": {"level": "DEBUG" if debug else "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
            "alembic": {"level": "DEBUG" if debug else "WARNING"},
        },
    }


def configure_logging(log_format: str, *, debug: bool = False) -> None:
    logging.config.dictConfig(logging_config(log_format, debug=debug))
