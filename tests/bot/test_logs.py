"""Logs are text lines for people, or one JSON object per line with LOG_FORMAT=json."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from bot.runtime.logs import MAX_MESSAGE, MAX_TRACEBACK, REDACTED, configure_logging
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


def test_a_huge_message_is_cut_and_the_cut_counted(stream: io.StringIO) -> None:
    configure_logging(Settings(), stream=stream)
    logging.getLogger("leadbot.test").warning("got %s", "x" * 1_000_000)
    line = stream.getvalue()
    assert len(line) < MAX_MESSAGE + 200
    assert f"[{1_000_004 - MAX_MESSAGE} more characters not logged]" in line


def test_a_huge_traceback_keeps_where_it_began_and_what_was_raised(stream: io.StringIO) -> None:
    configure_logging(Settings(log_format="json"), stream=stream)
    try:
        raise KeyError("k" * 1_000_000 + "-the-end")
    except KeyError:
        logging.getLogger("leadbot.test").exception("incident abc")
    [record] = json_lines(stream.getvalue())  # still one JSON object on one line
    assert len(record["traceback"]) < MAX_TRACEBACK + 100
    assert record["traceback"].startswith("Traceback (most recent call last):")
    assert record["traceback"].endswith("-the-end'")
    assert "characters not logged" in record["traceback"]


def test_the_secrets_leadbot_was_given_never_reach_the_log(stream: io.StringIO) -> None:
    signing, intake = "8f14e45fceea167a5a36dedd4bea2543", "intake-token-0123456789"
    settings = Settings(
        slack_signing_secret=SecretStr(signing),
        slack_bot_token=SecretStr("xoxb-1-2-botsecret"),
        leadbot_intake_token=SecretStr(intake),
    )
    configure_logging(settings, stream=stream)
    log = logging.getLogger("leadbot.test")
    log.warning("settings: %s %s", signing, intake)
    try:
        raise ValueError(f"bad token {intake}")
    except ValueError:
        log.exception("incident def")
    text = stream.getvalue()
    assert signing not in text and intake not in text and "botsecret" not in text
    assert text.count(REDACTED) == 3


def test_slack_tokens_and_response_urls_are_redacted_whoever_logs_them(
    stream: io.StringIO,
) -> None:
    configure_logging(Settings(), stream=stream)
    logging.getLogger("slack_sdk.webhook.client").info(
        "A retry handler found for POST https://hooks.slack.com/actions/T01/123/s3cretPart - "
        "xoxp-1-2-3-userpart and xapp-1-A01-2-apppart"
    )
    text = stream.getvalue()
    assert "s3cretPart" not in text and "userpart" not in text and "apppart" not in text
    assert f"https://hooks.slack.com/{REDACTED} - {REDACTED} and {REDACTED}" in text


@pytest.mark.parametrize(
    ("logger", "message"),
    [
        ("leadbot.slack", "Unhandled request ({'type': 'block_suggestion', 'value': 'BODY'})"),
        ("slack_bolt.RequestVerification",
         "Invalid request signature detected (signature: v0=1, timestamp: 1, body: BODY)"),
        ("slack_bolt.IgnoringSelfEvents", "Skipped self event: {'text': 'BODY'}"),
        ("slack_sdk.socket_mode.builtin.client", "on_message invoked: (message: {'BODY': 1})"),
    ],
)  # fmt: skip
def test_library_messages_that_quote_a_request_body_keep_only_their_opening(
    stream: io.StringIO, logger: str, message: str
) -> None:
    configure_logging(Settings(log_level="DEBUG"), stream=stream)
    logging.getLogger(logger).warning(message)
    text = stream.getvalue()
    assert "BODY" not in text
    assert "the request body is not logged" in text
