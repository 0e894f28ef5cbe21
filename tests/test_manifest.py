"""manifest.yml creates the app with exactly the scopes, command, events and URLs leadbot uses."""

from __future__ import annotations

import re

import yaml

from tests.conftest import REPO

#: The bot scope each WebClient method needs (None: no scope). An unlisted method fails the test,
#: so a new Slack call cannot land without deciding its scope here and in manifest.yml.
SCOPE_OF_METHOD: dict[str, str | None] = {
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_getPermalink": None,  # "No scope required" (api.slack.com/methods/chat.getPermalink)
    "views_open": None,
    "views_publish": None,
    "views_update": None,
    "auth_test": None,
    "users_info": "users:read",
    "files_upload_v2": "files:write",  # the funnel chart in the digest's thread
}
CALL = re.compile(
    r"\.(auth_\w+|chat_\w+|views_\w+|users_\w+|conversations_\w+|files_\w+|"
    r"reactions_\w+|pins_\w+|im_\w+|team_\w+|usergroups_\w+)\("
)
MANIFEST = yaml.safe_load((REPO / "manifest.yml").read_text())


def web_api_methods_called() -> set[str]:
    """Every WebClient method the product code calls."""
    found: set[str] = set()
    for package in ("bot", "handlers", "jobs", "store"):
        for path in (REPO / package).rglob("*.py"):
            if path.name == "fakeslack.py":  # the stand-in serves the API, it does not call it
                continue
            found |= set(CALL.findall(path.read_text()))
    return found


def test_every_web_api_call_has_a_known_scope() -> None:
    called = web_api_methods_called()
    assert {"chat_postMessage", "chat_update", "views_open", "views_publish"} <= called
    assert called <= set(SCOPE_OF_METHOD), called - set(SCOPE_OF_METHOD)


def test_bot_scopes_are_exactly_those_used() -> None:
    needed = {SCOPE_OF_METHOD[m] for m in web_api_methods_called()} - {None}
    needed.add("commands")  # the /lead slash command
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed


def test_one_url_for_events_commands_and_interactivity() -> None:
    urls = {
        MANIFEST["settings"]["event_subscriptions"]["request_url"],
        MANIFEST["settings"]["interactivity"]["request_url"],
        *(c["url"] for c in MANIFEST["features"]["slash_commands"]),
    }
    assert len(urls) == 1
    assert urls.pop().endswith("/slack/events")


def test_command_and_events_match_the_listeners() -> None:
    listeners = "".join(p.read_text() for p in (REPO / "handlers").glob("*.py"))
    assert [c["command"] for c in MANIFEST["features"]["slash_commands"]] == ["/lead"]
    assert 'app.command("/lead")' in listeners
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == set(re.findall(r'app\.event\("(\w+)"\)', listeners))
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
