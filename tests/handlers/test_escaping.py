"""Hostile lead text pings and links nobody in any reply, the Home tab or the DM."""

from __future__ import annotations

import json

from store.db import session_scope
from tests.factories import make_lead
from tests.handlers.conftest import Harness

REP = "U0REPEMEA1"
HOSTILE = {"name": "<!here>", "company": "<https://evil.example|prize> & <!channel>",
           "title": "<@U0ADMIN001>", "email": "mallory@evil-corp.com"}  # fmt: skip
RAW = ("<!here>", "<!channel>", "<https://evil", "<@U0ADMIN001>")


def assert_safe(payload: object) -> None:
    text = json.dumps(payload)
    for raw in RAW:
        assert raw not in text, raw


def test_show_mine_and_claim_replies_are_escaped(harness: Harness) -> None:
    with session_scope(harness.factory) as session:
        lead_id = make_lead(session, **HOSTILE).id
    replies = [harness.command(REP, f"claim {lead_id}").json(),
               harness.command(REP, f"show {lead_id}").json(),
               harness.command(REP, "mine").json()]  # fmt: skip
    assert "&lt;!here&gt;" in replies[1]["text"]
    assert_safe(replies)


def test_home_tab_is_escaped(harness: Harness) -> None:
    with session_scope(harness.factory) as session:
        make_lead(session, **HOSTILE)
    harness.event({"type": "app_home_opened", "user": REP, "tab": "home"}, "EvHostile")
    [call] = harness.fake.calls_to("views.publish")
    assert "&lt;!here&gt;" in json.dumps(call.args["view"])
    assert_safe(call.args["view"])


def test_dm_after_the_form_is_escaped(harness: Harness) -> None:
    from tests.handlers.test_new_lead_modal import submit

    submit(harness, email="mallory@evil-corp.com", name="<!here>", country="US")
    harness.deliver()
    [dm] = [c for c in harness.fake.calls_to("chat.postMessage") if c.args["channel"] == REP]
    assert_safe(dm.args)
