"""Logging set up once per process: text lines for people, or JSON lines for log collectors."""

from __future__ import annotations

import logging.config
import sys
from typing import Any, TextIO

from pythonjsonlogger.core import RESERVED_ATTRS

from bot.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# python-json-logger adds whatever a record carries (extra=…, exc_info) to these, renamed.
JSON_FIELDS = ["levelname", "name", "message"]
JSON_NAMES = {"levelname": "level", "name": "logger", "exc_info": "traceback"}
# Record attributes left out: the standard ones, and uvicorn's copy of its message in ANSI colours.
JSON_SKIPPED = [*RESERVED_ATTRS, "color_message"]
# uvicorn configures its own handlers unless told not to (log_config=None, see bot/server.py);
# here its loggers lose any handler and pass their records to the root handler.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Send every record at LOG_LEVEL or above to `stream` (stderr) in LOG_FORMAT."""
    formatter: dict[str, Any] = {"format": TEXT_FORMAT}
    if settings.log_format == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": JSON_NAMES,
            "reserved_attrs": JSON_SKIPPED,
            "timestamp": "time",  # ISO 8601, UTC
        }
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"leadbot": formatter},
            "handlers": {
                "leadbot": {
                    "class": "logging.StreamHandler",
                    "formatter": "leadbot",
                    "stream": stream or sys.stderr,
                }
            },
            "root": {"level": settings.log_level, "handlers": ["leadbot"]},
            "loggers": {
                name: {"handlers": [], "propagate": True, "level": "NOTSET"}
                for name in UVICORN_LOGGERS
            },
        }
    )
