"""Requests as Slack sends them — signed — for the demo, the tests and the benchmarks."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode

from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0FAKE0001"


def signed_headers(secret: str, body: str, timestamp: int, content_type: str) -> dict[str, str]:
    """The headers Slack adds: a timestamp and an HMAC-SHA256 signature of the body."""
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": str(timestamp),
        "x-slack-signature": signature or "",
    }


def _form(payload: dict[str, Any]) -> tuple[str, str]:
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def block_action(
    *, user_id: str, action_id: str, value: str, channel: str, message_ts: str, response_url: str
) -> tuple[str, str]:
    """A button click on a message: (body, content type)."""
    return _form(
        {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "acme"},
            "user": {"id": user_id, "team_id": TEAM_ID},
            "api_app_id": "A0LEADBOT1",
            "token": "legacy-unused",
            "trigger_id": "1.2.trigger",
            "channel": {"id": channel},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "message": {"ts": message_ts, "type": "message"},
            "response_url": response_url,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "action_ts": "1.2",
                }
            ],
        }
    )


def home_block_action(
    *,
    user_id: str,
    action_id: str,
    value: str,
    block_id: str,
    view: dict[str, Any] | None = None,
    selected_label: str | None = None,
) -> tuple[str, str]:
    """A click on the app's Home tab: (body, content type).

    As Slack sends it: the container is the view (`{"type": "view", "view_id": …}`), the payload
    carries the whole Home view (type "home") and neither a channel, a message nor a
    response_url. With `selected_label` the element is an overflow menu and `value` the option's.
    """
    home = {
        "id": "V0HOME0001",
        "team_id": TEAM_ID,
        "type": "home",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": "1700000000.abcdEFGH",
        "title": {"type": "plain_text", "text": "View Title", "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "previous_view_id": None,
        "root_view_id": "V0HOME0001",
        "app_id": "A0LEADBOT1",
        "external_id": "",
        "app_installed_team_id": TEAM_ID,
        "bot_id": "B0LEADBOT1",
        **(view or {}),
    }
    action: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "action_ts": "1.2",
    }
    if selected_label is not None:
        del action["value"]
        action["type"] = "overflow"
        action["selected_option"] = {
            "text": {"type": "plain_text", "text": selected_label},
            "value": value,
        }
    return _form(
        {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "acme"},
            "user": {"id": user_id, "team_id": TEAM_ID},
            "api_app_id": "A0LEADBOT1",
            "token": "legacy-unused",
            "trigger_id": "1.2.trigger",
            "container": {"type": "view", "view_id": home["id"]},
            "view": home,
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
    )


def slash_command(
    *, user_id: str, text: str, channel: str, response_url: str, command: str = "/lead"
) -> tuple[str, str]:
    body = urlencode(
        {
            "token": "legacy-unused",
            "team_id": TEAM_ID,
            "channel_id": channel,
            "user_id": user_id,
            "command": command,
            "text": text,
            "response_url": response_url,
            "trigger_id": "1.2.trigger",
            "api_app_id": "A0LEADBOT1",
        }
    )
    return body, "application/x-www-form-urlencoded"


def overflow_action(
    *, user_id: str, action_id: str, value: str, label: str, channel: str, message_ts: str,
    response_url: str,
) -> tuple[str, str]:  # fmt: skip
    """An option picked from an overflow menu on a message: (body, content type)."""
    body, content_type = block_action(
        user_id=user_id, action_id=action_id, value=value, channel=channel,
        message_ts=message_ts, response_url=response_url,
    )  # fmt: skip
    payload = json.loads(parse_qs(body)["payload"][0])
    [action] = payload["actions"]
    del action["value"]
    action["type"] = "overflow"
    action["selected_option"] = {"text": {"type": "plain_text", "text": label}, "value": value}
    return _form(payload)


def view_submission(
    *,
    user_id: str,
    callback_id: str,
    values: dict[str, Any],
    private_metadata: str = "",
    blocks: list[dict[str, Any]] | None = None,
) -> tuple[str, str]:
    return _form(
        {
            "type": "view_submission",
            "team": {"id": TEAM_ID},
            "user": {"id": user_id, "team_id": TEAM_ID},
            "api_app_id": "A0LEADBOT1",
            "view": {
                "id": "V0VIEW0001",
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "blocks": blocks or [],
                "state": {"values": values},
            },
        }
    )


def event_callback(*, event: dict[str, Any], event_id: str) -> tuple[str, str]:
    body = {
        "type": "event_callback",
        "team_id": TEAM_ID,
        "api_app_id": "A0LEADBOT1",
        "event": event,
        "event_id": event_id,
        "event_time": 1_700_000_000,
        "authorizations": [{"team_id": TEAM_ID, "user_id": "U0LEADBOT1", "is_bot": True}],
    }
    return json.dumps(body), "application/json"


def select_action(
    *, user_id: str, action_id: str, channel: str, message_ts: str, response_url: str,
    block_id: str = "b", option: tuple[str, str] | None = None, selected_user: str = "",
) -> tuple[str, str]:  # fmt: skip
    """A pick from a menu on a message, as Slack sends it: a `static_select` with its
    `selected_option` (label, value), or a `users_select` with its `selected_user`."""
    body, content_type = block_action(
        user_id=user_id, action_id=action_id, value="", channel=channel,
        message_ts=message_ts, response_url=response_url,
    )  # fmt: skip
    payload = json.loads(parse_qs(body)["payload"][0])
    [action] = payload["actions"]
    del action["value"]
    action["block_id"] = block_id
    if option is not None:
        label, value = option
        action["type"] = "static_select"
        action["selected_option"] = {
            "text": {"type": "plain_text", "text": label, "emoji": True},
            "value": value,
        }
    else:
        action["type"] = "users_select"
        action["selected_user"] = selected_user
    action["placeholder"] = {"type": "plain_text", "text": "Pick…", "emoji": True}
    return _form(payload)
