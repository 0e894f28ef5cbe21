"""Logging set up once per process: text lines for people, or JSON lines for log collectors."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from bot.runtime.settings import Settings

HANDLER_NAME = "leadbot"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# python-json-logger adds whatever a record carries (extra=…, exc_info) to these, renamed.
JSON_FIELDS = ["levelname", "name", "message"]
JSON_NAMES = {"levelname": "level", "name": "logger", "exc_info": "traceback"}
# Record attributes left out: the standard ones, and uvicorn's copy of its message in ANSI colours.
JSON_SKIPPED = [*RESERVED_ATTRS, "color_message"]
# uvicorn configures its own handlers unless told not to (log_config=None, see
# bot/runtime/server.py); here its loggers lose any handler and pass their records to the
# root handler.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Send every record at LOG_LEVEL or above to `stream` (stderr) in LOG_FORMAT."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(_formatter(settings))
    # Only our own handler is replaced (not dictConfig): a test runner's handlers stay.
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def _formatter(settings: Settings) -> logging.Formatter:
    if settings.log_format == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields=JSON_NAMES,
            reserved_attrs=JSON_SKIPPED,
            timestamp="time",  # ISO 8601, UTC
        )
    return logging.Formatter(TEXT_FORMAT)
