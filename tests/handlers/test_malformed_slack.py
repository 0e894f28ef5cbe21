"""Signed but malformed Slack requests are answered calmly: a 4xx, one log line, no reply sent."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from sqlmodel import select

from bot.slack.ids import ActionId, CallbackId, LeadRef
from bot.testkit.payloads import block_action, event_callback, slash_command, view_submission
from store.db import session_scope
from store.models import Lead
from tests.factories import make_lead
from tests.handlers.conftest import Harness

REP = "U0REPEMEA1"
FORM = "application/x-www-form-urlencoded"
#: Loggers of the test's own HTTP client and of uvicorn's access log, not of leadbot.
NOT_LEADBOT = ("httpx", "httpcore", "uvicorn")

Shape = Callable[[Harness, int], tuple[str, str]]


def _payload(body: str) -> dict[str, Any]:
    return dict(json.loads(parse_qs(body)["payload"][0]))


def _click(harness: Harness, lead_id: int) -> dict[str, Any]:
    body, _ = block_action(
        user_id=REP,
        action_id=ActionId.CLAIM,
        value=LeadRef(lead_id=lead_id).model_dump_json(),
        channel="C0EMEA0001",
        message_ts="1.000100",
        response_url=harness.fake.response_url(REP),
    )
    return _payload(body)


def _command(harness: Harness, lead_id: int) -> dict[str, str]:
    body, _ = slash_command(user_id=REP, text=f"claim {lead_id}", channel="C0EMEA0001",
                            response_url=harness.fake.response_url(REP))  # fmt: skip
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _submission() -> dict[str, Any]:
    values = {"new.email": {"value": {"type": "plain_text_input", "value": "ana@example.com"}}}
    return _payload(view_submission(user_id=REP, callback_id=CallbackId.NEW_LEAD, values=values)[0])


def _form(payload: object) -> tuple[str, str]:
    return urlencode({"payload": json.dumps(payload)}), FORM


def _event(event: object) -> tuple[str, str]:
    body, content_type = event_callback(event={}, event_id="Ev0MALFORMED")
    return json.dumps({**json.loads(body), "event": event}), content_type


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


MALFORMED: dict[str, Shape] = {
    "actions: []": lambda h, n: _form({**_click(h, n), "actions": []}),
    "actions missing": lambda h, n: _form(_without(_click(h, n), "actions")),
    "actions: null": lambda h, n: _form({**_click(h, n), "actions": None}),
    "action without action_id": lambda h, n: _form({**_click(h, n), "actions": [{"value": "{}"}]}),
    "action without value or id": lambda h, n: _form(
        {**_click(h, n), "actions": [{"type": "button"}]}
    ),
    "user missing": lambda h, n: _form(_without(_click(h, n), "user")),
    "event: null": lambda h, n: _event(None),
    "event: []": lambda h, n: _event([]),
    "event without type": lambda h, n: _event({"user": REP}),
    "command missing": lambda h, n: (urlencode({**_command(h, n), "command": ""}), FORM),
    "text missing": lambda h, n: (urlencode(_without(_command(h, n), "text")), FORM),
    "user_id missing": lambda h, n: (urlencode(_without(_command(h, n), "user_id")), FORM),
    "trigger_id missing": lambda h, n: (urlencode(_without(_command(h, n), "trigger_id")), FORM),
    "view: null": lambda h, n: _form({**_submission(), "view": None}),
    "view without state": lambda h, n: _form(
        {**_submission(), "view": _without(_submission()["view"], "state")}
    ),
    "payload: []": lambda h, n: (urlencode({"payload": "[]"}), FORM),
    'payload: "x"': lambda h, n: (urlencode({"payload": '"x"'}), FORM),
    "payload: 1": lambda h, n: (urlencode({"payload": "1"}), FORM),
    "payload not JSON": lambda h, n: (urlencode({"payload": "{"}), FORM),
}


def _leadbot_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if not r.name.startswith(NOT_LEADBOT)]


def _a_lead(harness: Harness) -> int:
    with session_scope(harness.factory) as session:
        lead_id = make_lead(session).id
    assert lead_id is not None
    return lead_id


def test_malformed_signed_requests_are_400_one_log_line_and_no_reply(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    # One server for every shape (tests/bot/test_slackshape.py checks each shape on its own).
    lead_id = _a_lead(harness)
    caplog.set_level(logging.INFO)
    for shape, build in MALFORMED.items():
        caplog.clear()
        answer = harness.slack(*build(harness, lead_id))
        assert answer.status_code == 400, shape
        assert "not shaped as Slack sends it" in answer.json()["error"], shape
        [line] = _leadbot_records(caplog)
        assert line.levelno == logging.WARNING, shape
        assert "incident" not in line.getMessage(), shape
    assert harness.fake.calls_to("response_url") == []
    with session_scope(harness.factory) as session:
        assert session.exec(select(Lead)).one().owner_id is None


def test_a_request_of_an_unknown_type_is_404_and_one_log_line(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    secret_value = "customer-notes-that-must-not-be-logged"
    body, content_type = _form({"type": "whatever", "user": {"id": REP}, "note": secret_value})
    answer = harness.slack(body, content_type)
    assert answer.status_code == 404
    [line] = _leadbot_records(caplog)
    assert line.getMessage() == "No listener takes this Slack request (whatever); answered 404"
    assert secret_value not in caplog.text


def test_a_command_mentioning_payload_reaches_the_command(harness: Harness) -> None:
    # Bolt took any form body containing "payload" for an interaction: this reached nothing (404).
    answer = harness.command(REP, "claim payload")
    assert answer.status_code == 200
    assert "'payload' is not a lead;" in answer.json()["text"]


def test_headers_a_client_adds_do_not_steer_bolt(harness: Harness) -> None:
    # Bolt reads x-slack-bolt-lazy-only as "skip the listener, run its lazy part"; Slack never
    # sends it, and the headers are not signed.
    body, content_type = _form(_click(harness, _a_lead(harness)))
    answer = harness.slack(body, content_type, headers={"x-slack-bolt-lazy-only": "1"})
    assert answer.status_code == 200
    with session_scope(harness.factory) as session:
        assert session.exec(select(Lead)).one().owner_id == REP


def test_a_click_without_a_response_url_claims_and_logs_no_error(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    # Bolt gives the listener a Respond even then; calling it would fail after the ack.
    caplog.set_level(logging.INFO)
    body, content_type = _form(_without(_click(harness, _a_lead(harness)), "response_url"))
    assert harness.slack(body, content_type).status_code == 200
    assert _leadbot_records(caplog) == []
    with session_scope(harness.factory) as session:
        assert session.exec(select(Lead)).one().owner_id == REP
