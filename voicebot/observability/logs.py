"""Log lines that say which call they belong to, as text or as JSON lines.

The call id comes from a context variable set where a media stream starts and around each
Twilio webhook, or from the name of the call's threads ("call-<id>", "call-<id>-voicemail"),
so neither the session nor the recognisers pass it along. Work handed to a pool thread
(Whisper's pause decodes, speculation, TTS ahead) is wrapped with ``in_call_context`` where
it is submitted, so its lines keep the call id of the thread that submitted it."""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import logging.config
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")

CALL_ID: contextvars.ContextVar[int | None] = contextvars.ContextVar("call_id", default=None)
_CALL_THREAD = re.compile(r"^call-(\d+)")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [pid %(process)d call %(call_id)s]: %(message)s"


def current_call_id() -> int | None:
    call_id = CALL_ID.get()
    if call_id is not None:
        return call_id
    match = _CALL_THREAD.match(threading.current_thread().name)
    return int(match.group(1)) if match else None


def in_call_context(fn: Callable[..., T], call_id: int | None = None) -> Callable[..., T]:
    """``fn``, to be run once on another thread, in a copy of this thread's context with the
    call id (``call_id``, else this thread's) set: pool threads do not carry it themselves."""
    context = contextvars.copy_context()
    context.run(CALL_ID.set, call_id if call_id is not None else current_call_id())
    return functools.partial(context.run, fn)


class CallIdFilter(logging.Filter):
    """Adds ``call_id`` to every record ("-" outside a call)."""

    def filter(self, record: logging.LogRecord) -> bool:
        call_id = current_call_id()
        record.call_id = call_id if call_id is not None else "-"
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, process, call id, message."""

    def format(self, record: logging.LogRecord) -> str:
        call_id = getattr(record, "call_id", "-")
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "call_id": None if call_id == "-" else call_id,
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
