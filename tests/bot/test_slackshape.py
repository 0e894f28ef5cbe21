"""Signed Slack bodies are read as Slack writes them and checked where Bolt and leadbot read."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest

from bot.runtime.slackshape import MalformedSlackBody, describe, read_slack_body
from bot.slack.ids import ActionId, CallbackId, LeadRef
from bot.testkit.payloads import block_action, event_callback, slash_command, view_submission

FORM = "application/x-www-form-urlencoded"
HOOK = "https://hooks.slack.com/actions/T0FAKE0001/1/abc"


def click() -> dict[str, Any]:
    body, _ = block_action(
        user_id="U0REPEMEA1",
        action_id=ActionId.CLAIM,
        value=LeadRef(lead_id=7).model_dump_json(),
        channel="C0EMEA0001",
        message_ts="1.000100",
        response_url=HOOK,
    )
    return json.loads(parse_qs(body)["payload"][0])


def command_fields() -> dict[str, str]:
    body, _ = slash_command(user_id="U0REPEMEA1", text="show 7", channel="C0EMEA0001",
                            response_url=HOOK)  # fmt: skip
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def submission() -> dict[str, Any]:
    values = {
        "new.email": {"value": {"type": "plain_text_input", "value": "ana@example.com"}},
        "new.country": {"value": {"type": "static_select", "selected_option": {"value": "DE"}}},
        "new.fast_track": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    body, _ = view_submission(user_id="U0REPEMEA1", callback_id=CallbackId.NEW_LEAD, values=values)
    return json.loads(parse_qs(body)["payload"][0])


def home_opened() -> dict[str, Any]:
    body, _ = event_callback(
        event={"type": "app_home_opened", "user": "U0REPEMEA1", "tab": "home"}, event_id="Ev01"
    )
    return dict(json.loads(body))


def as_form(payload: object) -> str:
    return urlencode({"payload": json.dumps(payload)})


def refusal(raw: str, content_type: str = FORM) -> str:
    with pytest.raises(MalformedSlackBody) as refused:
        read_slack_body(raw, content_type)
    return refused.value.reason


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (as_form(click()), FORM),
        (urlencode(command_fields()), FORM),
        (as_form(submission()), FORM),
        (json.dumps(home_opened()), "application/json"),
        (
            json.dumps({"type": "url_verification", "challenge": "3eZbrw1a", "token": "x"}),
            "application/json; charset=utf-8",
        ),  # fmt: skip
    ],
)
def test_what_slack_sends_is_handed_on_unchanged(raw: str, content_type: str) -> None:
    fields = parse_qs(raw)
    expected = (
        json.loads(fields["payload"][0])
        if "payload" in fields
        else {k: v[0] for k, v in fields.items()}
        if content_type == FORM
        else json.loads(raw)
    )
    assert json.loads(read_slack_body(raw, content_type)) == expected


def test_a_command_mentioning_payload_stays_a_command() -> None:
    # Bolt reads any form body containing "payload" as an interaction, and this one as nothing.
    fields = {**command_fields(), "text": "note 7 sent the payload docs"}
    assert json.loads(read_slack_body(urlencode(fields), FORM))["text"] == fields["text"]


def test_fields_slack_adds_later_pass() -> None:
    payload = {**click(), "is_new_in_2030": {"anything": [1, None]}}
    assert json.loads(read_slack_body(as_form(payload), FORM))["is_new_in_2030"]["anything"] == [
        1,
        None,
    ]


def test_a_modal_without_callback_id_comes_back_with_an_empty_one() -> None:
    payload = submission()
    payload["view"]["callback_id"] = ""
    assert json.loads(read_slack_body(as_form(payload), FORM))["view"]["callback_id"] == ""


def without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


MALFORMED: dict[str, tuple[Any, str]] = {
    "actions empty": ({**click(), "actions": []}, "actions"),
    "actions missing": (without(click(), "actions"), "actions"),
    "actions null": ({**click(), "actions": None}, "actions"),
    "action without action_id": (
        {**click(), "actions": [{"type": "button"}]},
        "actions.0.action_id",
    ),
    "action not an object": ({**click(), "actions": ["lead.claim"]}, "actions.0"),
    "user missing": (without(click(), "user"), "user"),
    "user a number": ({**click(), "user": 5}, "user"),
    "user id not an ID": ({**click(), "user": {"id": "u; drop"}}, "user.id"),
    "team a list": ({**click(), "team": ["id"]}, "team"),
    "response_url not a URL": ({**click(), "response_url": "javascript:x"}, "response_url"),
    "button value past Slack's limit": (
        {**click(), "actions": [{"action_id": "lead.claim", "value": "1" * 2001}]},
        "actions.0.value",
    ),
    "event null": ({**home_opened(), "event": None}, "event"),
    "event a list": ({**home_opened(), "event": []}, "event"),
    "event without type": ({**home_opened(), "event": {"user": "U0REPEMEA1"}}, "event.type"),
    "home opened by nobody": ({**home_opened(), "event": {"type": "app_home_opened"}}, "event"),
    "event_id a list": ({**home_opened(), "event_id": ["Ev01"]}, "event_id"),
    "authorizations of strings": ({**home_opened(), "authorizations": ["x"]}, "authorizations.0"),
    "view null": ({**submission(), "view": None}, "view"),
    "view without state": (
        {**submission(), "view": without(submission()["view"], "state")},
        "view.state",
    ),
    "view without type": (
        {**submission(), "view": without(submission()["view"], "type")},
        "view.type",
    ),
    "selected option not an object": (
        {
            **submission(),
            "view": {
                **submission()["view"],
                "state": {"values": {"b": {"a": {"type": "static_select", "selected_option": 1}}}},
            },
        },
        "view.state.values.b.a.selected_option",
    ),
    "type a number": ({"type": 5}, "type"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_interaction_or_event_is_refused_naming_the_field(name: str) -> None:
    payload, field = MALFORMED[name]
    if "event" in payload:
        reason = refusal(json.dumps(payload), "application/json")
    else:
        reason = refusal(as_form(payload))
    assert f": {field}: " in reason


@pytest.mark.parametrize("missing", ["command", "text", "user_id", "channel_id", "trigger_id"])
def test_a_slash_command_without_a_field_slack_always_sends_is_refused(missing: str) -> None:
    fields = without(command_fields(), missing)
    if missing == "command":
        fields["command"] = "lead"  # still a command to Bolt, but not one Slack writes
    assert f": {missing}: " in refusal(urlencode(fields))


@pytest.mark.parametrize(
    ("payload", "kind"),
    [("[]", "an array"), ('"x"', "a string"), ("1", "a number"), ("null", "null")],
)
def test_a_payload_that_is_json_but_no_object_is_refused(payload: str, kind: str) -> None:
    assert refusal(urlencode({"payload": payload})) == f"the payload is {kind}, not a JSON object"


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        ("{", "application/json"),
        (urlencode({"payload": "{"}), FORM),
        ('{"type": NaN}', "application/json"),
        ("[" * 100_000, "application/json"),  # nested past what Python's JSON reader takes
    ],
)
def test_a_payload_that_is_not_json_is_refused(raw: str, content_type: str) -> None:
    assert refusal(raw, content_type) == "the payload is not JSON"


@pytest.mark.parametrize("text", ["\x00", "\ud800"], ids=["NUL", "lone surrogate (JSON's \\ud800)"])
def test_text_no_database_stores_is_refused(text: str) -> None:
    payload = {**click(), "actions": [{"action_id": "lead.claim", "value": f"a{text}b"}]}
    reason = refusal(urlencode({"payload": json.dumps(payload)}))  # ASCII JSON: "\\u0000"
    assert "NUL" in reason or "Unicode" in reason


def test_a_refusal_names_the_field_but_never_quotes_its_value() -> None:
    secret_ish = "customer-data-" + "x" * 300
    reason = refusal(as_form({**click(), "user": {"id": secret_ish}}))
    assert "customer-data" not in reason
    assert len(reason) <= 200


def test_a_refusal_escapes_names_from_the_body() -> None:
    forged = "lead.claim\n2026-01-01 ERROR leadbot: forged line"
    reason = refusal(as_form({**click(), "actions": [{"action_id": forged, "value": 5}]}))
    assert "\n" not in reason
    assert "\n" not in describe({"type": "block_actions", "actions": [{"action_id": forged}]})


def test_a_request_of_a_type_leadbot_does_not_handle_passes_to_bolt() -> None:
    # Bolt answers it 404 (no listener); only the envelope Bolt reads for its context is checked.
    payload = {"type": "shortcut", "callback_id": "x", "user": {"id": "U0REPEMEA1"}}
    assert json.loads(read_slack_body(as_form(payload), FORM))["type"] == "shortcut"


@pytest.mark.parametrize("field", ["event", "view"])
def test_an_explicit_null_where_bolt_reads_an_object_is_refused_in_any_payload(field: str) -> None:
    # Bolt's IgnoringSelfEvents reads body.get("event", {}).get("bot_id") on every request.
    reason = refusal(as_form({**click(), field: None}))
    assert f": {field}: Value error, must be an object, not null" in reason
