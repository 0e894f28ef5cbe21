"""Logs are text lines for people, or one JSON object per line with LOG_FORMAT=json."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bot.runtime.logs import configure_logging
from bot.runtime.server import serving_in_thread
from bot.runtime.settings import Settings


@pytest.fixture
def stream() -> io.StringIO:
    """Where the configured handler writes (tests/conftest.py restores logging afterwards)."""
    return io.StringIO()


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_json_logs_are_one_object_per_line(stream: io.StringIO) -> None:
    configure_logging(Settings(log_format="json"), stream=stream)
    logging.getLogger("leadbot.test").info("lead %s posted", 7)
    [record] = json_lines(stream.getvalue())
    assert record["level"] == "INFO"
    assert record["logger"] == "leadbot.test"
    assert record["message"] == "lead 7 posted"
    assert record["time"].endswith("+00:00")  # ISO 8601 in UTC


def test_json_logs_carry_the_traceback(stream: io.StringIO) -> None:
    configure_logging(Settings(log_format="json"), stream=stream)
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        logging.getLogger("leadbot.test").exception("incident abc")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1  # a multi-line traceback stays inside one JSON line
    record = json.loads(lines[0])
    assert record["level"] == "ERROR"
    assert record["traceback"].startswith("Traceback (most recent call last):")
    assert "ValueError: bad\nvalue" in record["traceback"]


def test_text_logs_are_one_readable_line(stream: io.StringIO) -> None:
    configure_logging(Settings(), stream=stream)
    logging.getLogger("leadbot.test").warning("outbox is behind")
    assert stream.getvalue().rstrip().endswith(" WARNING leadbot.test: outbox is behind")


def test_log_level_hides_quieter_records(stream: io.StringIO) -> None:
    configure_logging(Settings(log_level="WARNING"), stream=stream)
    logging.getLogger("leadbot.test").info("not shown")
    logging.getLogger("leadbot.test").error("shown")
    assert "not shown" not in stream.getvalue()
    assert "shown" in stream.getvalue()


def test_configuring_twice_keeps_one_handler(stream: io.StringIO) -> None:
    configure_logging(Settings(), stream=stream)
    configure_logging(Settings(log_format="json"), stream=stream)
    logging.getLogger("leadbot.test").warning("once")
    assert len(stream.getvalue().splitlines()) == 1


def test_uvicorn_access_and_error_logs_are_json_too(stream: io.StringIO) -> None:
    configure_logging(Settings(log_format="json"), stream=stream)
    api = FastAPI()
    api.get("/ping")(lambda: {"ok": True})
    with serving_in_thread(api, log_level=None) as base:  # None: as `serve`, LOG_LEVEL decides
        assert httpx.get(f"{base}/ping").status_code == 200
    records = json_lines(stream.getvalue())
    loggers = {record["logger"] for record in records}
    assert {"uvicorn.error", "uvicorn.access"} <= loggers
    access = next(r for r in records if r["logger"] == "uvicorn.access")
    assert '"GET /ping HTTP/1.1" 200' in access["message"]
    assert all("color_message" not in record for record in records)  # no ANSI-coloured copies


def test_other_handlers_keep_their_records(
    stream: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging(Settings(), stream=stream)
    logging.getLogger("leadbot.test").warning("seen by both")
    assert "seen by both" in stream.getvalue()
    assert "seen by both" in caplog.text  # the test runner's handler is still there
