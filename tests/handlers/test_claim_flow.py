"""Intake -> card in the team channel -> a signed Claim click -> card updated, loser told."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
from sqlmodel import select

from bot.slack.ids import ActionId, LeadRef
from bot.testkit.payloads import block_action
from store.db import session_scope
from store.models import Lead
from tests.handlers.conftest import Harness

HOT = {
    "email": "greta@bigcorp-industries.de",
    "name": "Greta Maier",
    "company": "BigCorp",
    "title": "VP Operations",
    "country": "DE",
    "company_size": 300,
    "budget": "approved",
    "timeframe": "this quarter",
}
EMEA = "C0EMEA0001"
REP, OTHER_REP, STRANGER = "U0REPEMEA1", "U0REPEMEA2", "U0REPAMER1"


def posted_lead(harness: Harness) -> tuple[int, str]:
    answer = harness.intake(HOT)
    assert answer.status_code == 201, answer.text
    harness.deliver()
    [card] = harness.fake.messages(EMEA)
    return answer.json()["id"], card.ts


def test_sales_ready_lead_is_posted_with_a_claim_button(harness: Harness) -> None:
    lead_id, _ = posted_lead(harness)
    [card] = harness.fake.messages(EMEA)
    assert "Greta Maier" in card.text
    buttons = [e for b in card.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Claim"]
    assert json.loads(buttons[0]["value"]) == {"lead_id": lead_id}


def test_claim_click_updates_the_card_in_place(harness: Harness) -> None:
    lead_id, ts = posted_lead(harness)
    answer = harness.click_claim(REP, lead_id, ts=ts)
    assert answer.status_code == 200
    harness.deliver()
    [card] = harness.fake.messages(EMEA)
    assert card.ts == ts
    assert card.edits == 1
    assert f"claimed by <@{REP}>" in card.text
    [actions] = [b for b in card.blocks if b["type"] == "actions"]
    labels = [e["text"]["text"] for e in actions["elements"] if e["type"] == "button"]
    assert "Claim" not in labels and "Qualify" in labels


def test_claimer_is_told_privately_and_the_lead_is_theirs(harness: Harness) -> None:
    lead_id, ts = posted_lead(harness)
    harness.click_claim(REP, lead_id, ts=ts)
    [reply] = harness.fake.responses_to(REP)
    assert reply["response_type"] == "ephemeral"
    assert f"You own lead #{lead_id} now" in reply["text"]
    with session_scope(harness.factory) as session:
        lead = session.exec(select(Lead)).one()
        assert (lead.owner_id, lead.stage) == (REP, "working")


def test_second_clicker_is_told_who_has_it(harness: Harness) -> None:
    lead_id, ts = posted_lead(harness)
    harness.click_claim(REP, lead_id, ts=ts)
    harness.click_claim(OTHER_REP, lead_id, ts=ts)
    [reply] = harness.fake.responses_to(OTHER_REP)
    assert reply["text"] == f"Lead #{lead_id} is already claimed by <@{REP}>."
    assert reply["response_type"] == "ephemeral"
    harness.deliver()
    assert len(harness.fake.calls_to("chat.update")) == 1


def test_rep_of_another_team_cannot_claim(harness: Harness) -> None:
    lead_id, ts = posted_lead(harness)
    harness.click_claim(STRANGER, lead_id, ts=ts)
    [reply] = harness.fake.responses_to(STRANGER)
    assert "Only reps and the manager of EMEA Sales" in reply["text"]
    with session_scope(harness.factory) as session:
        assert session.exec(select(Lead)).one().owner_id is None


def test_lead_named_channel_pings_nobody(harness: Harness) -> None:
    harness.intake({**HOT, "name": "<!channel>", "company": "<https://evil.example|win>"})
    harness.deliver()
    [call] = harness.fake.calls_to("chat.postMessage")
    sent = json.dumps(call.args)
    assert "<!channel>" not in sent
    assert "<https://evil" not in sent
    assert "link_names" not in call.args


def _click(harness: Harness, lead_id: int, change: dict[str, object]) -> httpx.Response:
    """A signed Claim click whose payload differs from Slack's in `change` (None drops a key)."""
    body, content_type = block_action(
        user_id=REP,
        action_id=ActionId.CLAIM,
        value=LeadRef(lead_id=lead_id).model_dump_json(),
        channel=EMEA,
        message_ts="1.000100",
        response_url=harness.fake.response_url(REP),
    )
    payload = json.loads(parse_qs(body)["payload"][0])
    for key, value in change.items():
        if value is None:
            payload.pop(key)
        elif key == "value":
            payload["actions"][0]["value"] = value
        else:
            payload[key] = value
    return harness.slack(urlencode({"payload": json.dumps(payload)}), content_type)


@pytest.mark.parametrize("value", ["not json", '{"lead_id": "x"}', "{}", "[1]"])
def test_a_button_value_leadbot_did_not_write_is_refused_calmly(
    harness: Harness, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    lead_id, _ = posted_lead(harness)
    answer = _click(harness, lead_id, {"value": value})
    assert answer.status_code == 200
    [reply] = harness.fake.responses_to(REP)
    assert "not one leadbot can read" in reply["text"]
    assert "incident" not in caplog.text
    with session_scope(harness.factory) as session:
        assert session.exec(select(Lead)).one().owner_id is None


def test_a_click_without_a_response_url_still_claims(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    lead_id, _ = posted_lead(harness)
    answer = _click(harness, lead_id, {"response_url": None})
    assert answer.status_code == 200
    assert "incident" not in caplog.text
    with session_scope(harness.factory) as session:
        assert session.exec(select(Lead)).one().owner_id == REP
