"""Requests never reach the log whole: a megabyte in is a few short lines out, without secrets."""

from __future__ import annotations

import io
import json

import pytest
from pydantic import SecretStr

from bot.runtime.http import MAX_SLACK_BODY
from bot.runtime.logs import configure_logging
from bot.runtime.settings import Settings
from tests.handlers.conftest import INTAKE_TOKEN, SECRET, Harness

MARK = "BODY-CONTENT-"
BOT_TOKEN = "xoxb-test"


def _nearly_a_megabyte(kind: str) -> str:
    """A JSON body of `kind` just under the Slack body cap, made of MARK."""
    head = json.dumps({"type": kind, "user": {"id": "U0REPEMEA1"}, "filler": ""})
    filler = (MARK * (MAX_SLACK_BODY // len(MARK)))[: MAX_SLACK_BODY - len(head) - 10]
    return head.replace('"filler": ""', f'"filler": "{filler}"')


@pytest.fixture
def log_output() -> io.StringIO:
    """The process's logging as `serve` sets it up, with the harness's secrets, into a buffer; at
    DEBUG, where Bolt and slack_sdk say the most."""
    stream = io.StringIO()
    settings = Settings(
        slack_signing_secret=SecretStr(SECRET),
        slack_bot_token=SecretStr(BOT_TOKEN),
        leadbot_intake_token=SecretStr(INTAKE_TOKEN),
        log_level="DEBUG",
    )
    configure_logging(settings, stream=stream)  # tests/conftest.py puts logging back afterwards
    return stream


def _server_lines(stream: io.StringIO) -> str:
    """What leadbot and its libraries logged (the test's own HTTP client logs too, at DEBUG)."""
    return "\n".join(
        line
        for line in stream.getvalue().splitlines()
        if " httpx: " not in line and " httpcore." not in line
    )


def test_a_megabyte_unsigned_or_signed_leaves_a_few_short_lines_and_no_body(
    harness: Harness, log_output: io.StringIO
) -> None:
    unsigned = _nearly_a_megabyte("block_actions")
    answer = harness.http.post(
        "/slack/events", content=unsigned, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 401
    assert harness.slack(_nearly_a_megabyte("whatever"), "application/json").status_code == 404
    assert harness.slack(_nearly_a_megabyte("block_actions"), "application/json").status_code == 400
    logged = _server_lines(log_output)
    assert MARK not in logged
    assert len(logged) < 4096
    for secret in (SECRET, INTAKE_TOKEN, BOT_TOKEN):
        assert secret not in log_output.getvalue()
