"""Logging set up once per process: text lines for people, or JSON lines for log collectors."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
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


#: A record's message past this many characters is cut, and the cut counted: one request must
#: never write megabytes (an unsigned 5 MB POST once wrote a 5 MB line).
MAX_MESSAGE = 2_000
#: A traceback keeps this much: its start (where it began) and its end (what was raised).
MAX_TRACEBACK = 8_000
#: Secrets shorter than this are not looked for: they would blank out ordinary words.
MIN_REDACTED = 8
REDACTED = "[redacted]"
#: Slack tokens (bot, user, app-level…) by their shape, and the secret part of response URLs
#: (each lets its holder post into a conversation for 30 minutes), wherever a library logs one.
SLACK_SECRETS = re.compile(
    r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+|(?P<host>hooks\.slack(?:-gov)?\.com/)[A-Za-z0-9/_-]+"
)
#: Messages of slack_bolt and slack_sdk that quote a Slack request's body after these words.
#: leadbot routes around each (see bot/runtime/app.py); this keeps a body out if one comes back.
QUOTES_A_BODY = (
    "Unhandled request (",  # slack_bolt App.dispatch, when no listener matched
    "A global middleware (",  # slack_bolt, a middleware that neither answered nor called next()
    "Invalid request signature detected",  # slack_bolt RequestVerification
    "Skipped self event: ",  # slack_bolt IgnoringSelfEvents, at DEBUG
    "on_message invoked: ",  # slack_sdk's Socket Mode client, at DEBUG: the whole envelope
)


class SafeRecords(logging.Filter):
    """Keeps request bodies, secrets and megabytes out of the log, whoever logs.

    On the handler, so it sees the records of every logger (ours, Bolt's, slack_sdk's,
    uvicorn's): the message and any traceback lose the secrets leadbot was given and anything
    shaped like a Slack token, are cut to MAX_MESSAGE / MAX_TRACEBACK, and a library message that
    quotes a request's body keeps only its opening words.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= MIN_REDACTED}, key=len)[::-1]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # args that do not fit the format: logging reports it
            return True
        safe = self._safe(message, MAX_MESSAGE)
        for opening in QUOTES_A_BODY:
            if message.startswith(opening):
                safe = f"{opening}… (the request body is not logged)"
        if safe != message:
            record.msg, record.args = safe, None
        if record.exc_info:
            # Formatted here, once, so both formats print the safe text (exc_text) instead.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self._safe(record.exc_text, MAX_TRACEBACK, keep_end=True)
        if record.stack_info:
            record.stack_info = self._safe(record.stack_info, MAX_TRACEBACK, keep_end=True)
        return True

    def _safe(self, text: str, limit: int, *, keep_end: bool = False) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = SLACK_SECRETS.sub(lambda found: (found["host"] or "") + REDACTED, text)
        if len(text) <= limit:
            return text
        cut = len(text) - limit
        if keep_end:
            return f"{text[: limit // 2]}\n…[{cut} characters not logged]…\n{text[-limit // 2 :]}"
        return f"{text[:limit]}…[{cut} more characters not logged]"


def secrets_of(settings: Settings) -> list[str]:
    """The secret values leadbot was given, to keep out of the log."""
    values = (
        settings.slack_signing_secret,
        settings.slack_bot_token,
        settings.slack_app_token,
        settings.leadbot_intake_token,
    )
    return [v.get_secret_value().strip() for v in values if v is not None]


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Send every record at LOG_LEVEL or above to `stream` (stderr) in LOG_FORMAT, made safe
    (SafeRecords)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(_formatter(settings))
    handler.addFilter(SafeRecords(secrets_of(settings)))
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
