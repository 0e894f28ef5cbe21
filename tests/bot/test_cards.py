"""The lead card: what a rep sees, safe from user text, within every Block Kit limit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.playbook.model import Playbook
from bot.rules.scoring import Reason, Score
from bot.slack.cards import lead_card, with_note
from bot.slack.ids import ActionId, LeadRef
from store.models import Lead

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def a_lead(**overrides: Any) -> Lead:
    fields: dict[str, Any] = {
        "id": 7,
        "email": "greta@bigcorp.de",
        "email_key": "greta@bigcorp.de",
        "name": "Greta Maier",
        "company": "BigCorp",
        "title": "VP Operations",
        "country": "DE",
        "domain": "bigcorp.de",
        "company_size": 5200,
        "source": "web_form",
        "stage": "sales_ready",
        "team": "enterprise",
        "score": 75.0,
        "created_at": NOW,
        "updated_at": NOW,
        "stage_entered_at": NOW,
        "sales_ready_at": NOW,
        "score_reasons": Score(
            total=75,
            fit=45,
            engagement=30,
            reasons=(
                Reason("Demo request", 30),
                Reason("Budget: approved", 20),
                Reason("Company size 5,200", 15),
                Reason("Page view", 1),
            ),
        ).as_dict(),
    }
    fields.update(overrides)
    return Lead(**fields)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every text string in the blocks."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return found


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_unclaimed_card_offers_claim_for_this_lead(playbook: Playbook) -> None:
    card = lead_card(a_lead(), playbook=playbook, now=NOW)
    [claim] = buttons(card.blocks)
    assert claim["action_id"] == ActionId.CLAIM
    assert LeadRef.model_validate_json(claim["value"]).lead_id == 7
    assert card.text.startswith("Sales-ready lead #7: Greta Maier, BigCorp (score 75")


def test_card_shows_score_and_top_three_reasons(playbook: Playbook) -> None:
    all_text = "\n".join(texts(lead_card(a_lead(), playbook=playbook, now=NOW).blocks))
    assert "Score 75" in all_text
    assert "Demo request +30 · Budget: approved +20 · Company size 5,200 +15" in all_text
    assert "Page view" not in all_text


def test_claimed_card_names_owner_time_to_claim_and_next_step(playbook: Playbook) -> None:
    lead = a_lead(owner_id="U0REPENTR1", stage="working", claimed_at=NOW + timedelta(minutes=14))
    card = lead_card(lead, playbook=playbook, now=NOW)
    assert "Claim" not in buttons(card.blocks)
    all_text = "\n".join(texts(card.blocks))
    assert "Claimed by <@U0REPENTR1> after 14 min" in all_text
    assert playbook.next_step("working") in all_text
    assert "claimed by <@U0REPENTR1>" in card.text


def test_user_text_can_neither_ping_nor_link(playbook: Playbook) -> None:
    lead = a_lead(
        name="<!channel>",
        company="<https://evil.example|Free money> & Co",
        title="<@U0ADMIN001>",
        compelling_event="<!here> now",
    )
    card = lead_card(lead, playbook=playbook, now=NOW)
    payload = json.dumps({"text": card.text, "blocks": card.blocks})
    for dangerous in ("<!channel>", "<!here>", "<https://evil", "<@U0ADMIN001>"):
        assert dangerous not in payload
    assert "&lt;!channel&gt;" in card.text
    assert "&amp; Co" in payload


def test_huge_fields_are_cut_to_block_kit_limits(playbook: Playbook) -> None:
    lead = a_lead(
        name="N" * 5000,
        company="C" * 5000,
        title="T" * 5000,
        compelling_event="E" * 5000,
        email="e" * 300 + "@x.de",
    )
    card = lead_card(lead, playbook=playbook, now=NOW)
    for block in card.blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
    assert len(card.text) <= 3000
    assert "…" in json.dumps(card.blocks, ensure_ascii=False)


def test_fast_tracked_lead_says_so(playbook: Playbook) -> None:
    card = lead_card(a_lead(fast_tracked=True), playbook=playbook, now=NOW)
    assert "fast-tracked by marketing" in "\n".join(texts(card.blocks))


def test_card_names_the_country_and_its_region(playbook: Playbook) -> None:
    all_text = "\n".join(texts(lead_card(a_lead(), playbook=playbook, now=NOW).blocks))
    assert "*Country*\nGermany (EMEA)" in all_text


def moves_offered(blocks: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(the move buttons' labels, the overflow menu's labels) of a card."""
    [actions] = [b for b in blocks if b["type"] == "actions"]
    shown = [e["text"]["text"] for e in actions["elements"] if e["type"] == "button"]
    menu = [o["text"]["text"] for e in actions["elements"] if e["type"] == "overflow"
            for o in e["options"]]  # fmt: skip
    return shown, menu


@pytest.mark.parametrize(
    ("stage", "shown", "menu"),
    [
        (
            "working",
            ["Log attempt", "Qualify", "Disqualify", "Recycle", "Snooze"],
            ["Note", "Hold"],
        ),
        ("opportunity", ["Won", "Lost", "Hold", "Log attempt", "Snooze"], ["Note"]),
        ("on_hold", ["Reopen", "Lost"], ["Note"]),
        ("won", [], ["Note"]),
    ],
)
def test_an_owned_card_offers_the_moves_the_playbook_allows_from_its_stage(
    playbook: Playbook, stage: str, shown: list[str], menu: list[str]
) -> None:
    lead = a_lead(owner_id="U0REPENTR1", stage=stage, claimed_at=NOW)
    card = lead_card(lead, playbook=playbook, now=NOW)
    assert moves_offered(card.blocks) == (shown, menu)
    [actions] = [b for b in card.blocks if b["type"] == "actions"]
    values = [json.loads(e["value"]) for e in actions["elements"] if e["type"] == "button"]
    assert all(v["lead_id"] == lead.id for v in values)


def test_a_won_card_shows_the_amount_and_a_lost_one_its_reason(playbook: Playbook) -> None:
    won = a_lead(owner_id="U0REPENTR1", stage="won", amount=18000.0, currency="EUR")
    lost = a_lead(owner_id="U0REPENTR1", stage="lost", reason="<chose competitor>")
    assert "Stage: won · 18,000 EUR" in "\n".join(
        texts(lead_card(won, playbook=playbook, now=NOW).blocks)
    )
    lost_text = "\n".join(texts(lead_card(lost, playbook=playbook, now=NOW).blocks))
    assert "Stage: lost · &lt;chose competitor&gt;" in lost_text


def test_a_connect_changes_the_next_step(playbook: Playbook) -> None:
    working = a_lead(owner_id="U0REPENTR1", stage="working", claimed_at=NOW, attempts=2)
    before = "\n".join(texts(lead_card(working, playbook=playbook, now=NOW).blocks))
    assert playbook.next_step("working") in before
    working.connected_at = NOW
    after = "\n".join(texts(lead_card(working, playbook=playbook, now=NOW).blocks))
    assert "Contact attempts: 2 · connected" in after
    assert "*Next step:* Qualify: book the discovery call, or recycle / disqualify" in after
    assert playbook.next_step("working") not in after


def test_an_unclaimed_lead_back_with_marketing_cannot_be_claimed(playbook: Playbook) -> None:
    card = lead_card(a_lead(stage="nurture", score=59.9), playbook=playbook, now=NOW)
    assert all(b["action_id"] != ActionId.CLAIM for b in buttons(card.blocks))
    said = "\n".join(texts(card.blocks))
    assert "Back with marketing (nurture) since <!date^" in said
    assert "its score 59.9 is below the sales-ready threshold 60" in said
    log_attempt, more = buttons(card.blocks)  # nurture's moves: touch, and note in the menu
    assert (log_attempt["text"]["text"], more["type"]) == ("Log attempt", "overflow")


def test_a_note_goes_under_the_cards_title(playbook: Playbook) -> None:
    card = with_note(lead_card(a_lead(), playbook=playbook, now=NOW), "Back from nurture")
    assert card.blocks[0]["type"] == "header"
    assert card.blocks[1] == {
        "type": "context", "elements": [{"type": "mrkdwn", "text": "Back from nurture"}]
    }  # fmt: skip
