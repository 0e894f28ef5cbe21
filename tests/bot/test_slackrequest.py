"""Slack's request bodies read as Slack writes them, whatever words a person typed."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from bot.runtime.slackrequest import bolt_request, slack_body
from bot.testkit.payloads import slash_command

FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_a_slash_command_that_says_payload_keeps_its_fields() -> None:
    body, _ = slash_command(
        user_id="U0REPEMEA1", text="show payload", channel="C0EMEA0001", response_url="https://x"
    )
    request = bolt_request(raw=body, query="", headers=FORM, context={})
    assert (request.body["command"], request.body["text"]) == ("/lead", "show payload")
    assert request.context.user_id == "U0REPEMEA1"
    assert request.context.channel_id == "C0EMEA0001"


def test_an_interaction_is_read_from_its_payload_field() -> None:
    raw = urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": "U1"}})})
    assert slack_body(raw, "application/x-www-form-urlencoded")["type"] == "block_actions"
    assert bolt_request(raw=raw, query="", headers=FORM, context={}).body["type"] == "block_actions"


def test_an_event_is_read_as_json() -> None:
    raw = json.dumps({"type": "event_callback", "event": {"text": "payload=1"}})
    assert slack_body(raw, "application/json")["event"] == {"text": "payload=1"}
