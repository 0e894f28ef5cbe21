"""Offer → accept / pass, and the manager's one-click assign, driven as Slack drives them:
the SLA sweep queues the DMs, the outbox sends them to the fake Slack, signed clicks answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.slack.ids import ActionId, LeadRef
from bot.testkit.fakeslack import PostedMessage
from bot.testkit.payloads import block_action, select_action
from jobs.sla import run_sla
from store.db import session_scope
from store.leads import get_lead, lead_history
from tests.handlers.conftest import Harness
from tests.handlers.test_claim_flow import EMEA, HOT

REPS = ("U0REPEMEA1", "U0REPEMEA2")
MANAGER = "U0MGREMEA1"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def sweep_at(harness: Harness, when: datetime) -> int:
    harness.clock.now = when
    done = run_sla(session_factory=harness.factory, playbook=harness.playbook, now=when)
    harness.deliver()
    return done


def click(harness: Harness, user: str, action_id: str, value: str) -> None:
    body, content_type = block_action(
        user_id=user, action_id=action_id, value=value, channel=user, message_ts="9.000100",
        response_url=harness.fake.response_url(user),
    )  # fmt: skip
    assert harness.slack(body, content_type).status_code == 200
    harness.deliver()


def offers_to(harness: Harness, user: str) -> list[PostedMessage]:
    return [m for m in harness.fake.messages(user) if "offered to you" in m.text]


def offered_lead(harness: Harness) -> tuple[int, str, str]:
    """A hot lead, in at 08:00 Berlin, that nobody claims: re-announced at 11:00 Berlin (two
    business hours), offered to one rep at 15:00 (four more). (lead id, card ts, that rep)."""
    harness.clock.now = at(23, 7)
    answer = harness.intake(HOT)
    assert answer.status_code == 201, answer.text
    harness.deliver()
    [card] = harness.fake.messages(EMEA)
    sweep_at(harness, at(23, 10))
    assert any("Who takes it?" in m.text for m in harness.fake.messages(EMEA))
    sweep_at(harness, at(23, 14))
    [first] = [rep for rep in REPS if offers_to(harness, rep)]
    return answer.json()["id"], card.ts, first


def owner_of(harness: Harness, lead_id: int) -> str | None:
    with session_scope(harness.factory) as session:
        lead = get_lead(session=session, lead_id=lead_id)
        assert lead is not None
        return lead.owner_id


def test_an_offer_carries_accept_and_pass_and_accepting_claims_the_lead(harness: Harness) -> None:
    lead_id, ts, rep = offered_lead(harness)
    [offer] = offers_to(harness, rep)
    buttons = [e for b in offer.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Accept", "Pass"]
    assert json.loads(buttons[0]["value"]) == {"lead_id": lead_id}

    click(harness, rep, ActionId.OFFER_ACCEPT, buttons[0]["value"])
    assert owner_of(harness, lead_id) == rep
    [answer] = harness.fake.responses_to(rep)
    assert answer["replace_original"] is True and f"You own lead #{lead_id}" in answer["text"]
    [card] = harness.fake.messages(EMEA)[:1]
    assert f"claimed by <@{rep}>" in card.text  # the channel sees who has it
    thread = [m.text for m in harness.fake.replies(EMEA, ts)]
    assert any(f"offered to <@{rep}>" in line for line in thread)


def test_a_pass_offers_the_lead_to_the_next_rep_at_once_and_never_back(harness: Harness) -> None:
    lead_id, ts, first = offered_lead(harness)
    [second] = [rep for rep in REPS if rep != first]
    click(harness, first, ActionId.OFFER_PASS, LeadRef(lead_id=lead_id).model_dump_json())
    [answer] = harness.fake.responses_to(first)
    assert "You passed" in answer["text"] and "next rep" in answer["text"]
    assert len(offers_to(harness, second)) == 1  # at once, not at the next sweep

    # The second lets it time out (30 business minutes): nobody is left who did not pass, so
    # the manager is asked, and the first rep is never offered it again.
    sweep_at(harness, at(23, 14, 30))
    assert len(offers_to(harness, first)) == 1
    [ask] = [m for m in harness.fake.messages(MANAGER) if "nobody took it" in m.text]
    assert "Assign" in json.dumps(ask.blocks)
    thread = " | ".join(m.text for m in harness.fake.replies(EMEA, ts))
    assert f"<@{first}> passed" in thread and f"No answer from <@{second}>" in thread


def test_the_manager_assigns_in_one_click_and_the_rep_is_told(harness: Harness) -> None:
    lead_id, ts, first = offered_lead(harness)
    click(harness, first, ActionId.OFFER_PASS, LeadRef(lead_id=lead_id).model_dump_json())
    sweep_at(harness, at(23, 14, 30))  # the second rep's offer ran out: the manager is asked
    [ask] = [m for m in harness.fake.messages(MANAGER) if "nobody took it" in m.text]
    assigns = {
        json.loads(b["accessory"]["value"])["rep_id"]: b["accessory"]["value"]
        for b in ask.blocks
        if b.get("accessory", {}).get("action_id") == ActionId.ASSIGN
    }
    assert set(assigns) == set(REPS)
    chosen = first  # the manager may give it even to a rep who passed

    click(harness, REPS[0] if REPS[0] != chosen else REPS[1], ActionId.ASSIGN, assigns[chosen])
    assert owner_of(harness, lead_id) is None  # a rep cannot assign: refused, nothing changed
    click(harness, MANAGER, ActionId.ASSIGN, assigns[chosen])
    assert owner_of(harness, lead_id) == chosen
    told = [m.text for m in harness.fake.messages(chosen) if "assigned" in m.text]
    assert told and f"<@{MANAGER}> assigned" in told[0]
    thread = " | ".join(m.text for m in harness.fake.replies(EMEA, ts))
    assert f"<@{MANAGER}> assigned it to <@{chosen}>" in thread
    with session_scope(harness.factory) as session:
        kinds = [e.kind for e in lead_history(session=session, lead_id=lead_id)]
    assert kinds.count("offered") == 2 and kinds.count("offer_passed") == 2


def test_a_rep_who_is_away_is_not_offered_leads(harness: Harness) -> None:
    away, other = REPS
    reply = harness.command(away, "away until next friday").json()
    assert "You are away until" in reply["text"] and "<!date^" in reply["text"]
    harness.clock.now = at(23, 7)
    answer = harness.intake(HOT)
    lead_id = answer.json()["id"]
    harness.deliver()
    sweep_at(harness, at(23, 10))
    sweep_at(harness, at(23, 14))
    assert offers_to(harness, other) and not offers_to(harness, away)
    assert "Welcome back" in harness.command(away, "back").json()["text"]
    assert "not away" in harness.command(away, "back").json()["text"]
    assert lead_id


def test_a_deactivated_rep_is_not_offered_leads(harness: Harness) -> None:
    gone, other = REPS
    user = {"id": gone, "deleted": True, "tz": "Europe/Berlin", "name": "gone"}
    assert harness.event({"type": "user_change", "user": user}, "Ev0UC1").status_code == 200
    harness.clock.now = at(23, 7)
    harness.intake(HOT)
    harness.deliver()
    sweep_at(harness, at(23, 10))
    sweep_at(harness, at(23, 14))
    assert offers_to(harness, other) and not offers_to(harness, gone)


def test_a_rep_outside_their_working_hours_is_not_offered_leads(harness: Harness) -> None:
    asleep, other = REPS
    # 14:00 UTC is 06:00 in Los Angeles, before their day starts at 09:00.
    user = {"id": asleep, "deleted": False, "tz": "America/Los_Angeles"}
    harness.event({"type": "user_change", "user": user}, "Ev0UC2")
    harness.clock.now = at(23, 7)
    harness.intake(HOT)
    harness.deliver()
    sweep_at(harness, at(23, 10))
    sweep_at(harness, at(23, 14))
    assert offers_to(harness, other) and not offers_to(harness, asleep)


def test_away_needs_a_date_to_come(harness: Harness) -> None:
    assert "Away until when?" in harness.command(REPS[0], "away").json()["text"]
    assert "in the past" in harness.command(REPS[0], "away until 2020-01-01").json()["text"]
    assert "a year" in harness.command(REPS[0], "away until 2030-01-01").json()["text"]


def test_a_big_teams_manager_picks_the_rep_from_a_people_menu(harness: Harness) -> None:
    lead_id, _, first = offered_lead(harness)
    body, content_type = select_action(
        user_id=MANAGER, action_id=ActionId.ASSIGN_MENU, channel=MANAGER, message_ts="9.1",
        response_url=harness.fake.response_url(MANAGER),
        block_id=LeadRef(lead_id=lead_id).model_dump_json(), selected_user="U0REPAMER1",
    )  # fmt: skip
    harness.slack(body, content_type)
    refusal = harness.fake.responses_to(MANAGER)[-1]["text"]
    assert "<@U0REPAMER1> is not in EMEA Sales" in refusal and owner_of(harness, lead_id) is None
    body, content_type = select_action(
        user_id=MANAGER, action_id=ActionId.ASSIGN_MENU, channel=MANAGER, message_ts="9.1",
        response_url=harness.fake.response_url(MANAGER),
        block_id=LeadRef(lead_id=lead_id).model_dump_json(), selected_user=first,
    )  # fmt: skip
    harness.slack(body, content_type)
    assert owner_of(harness, lead_id) == first
    # The rep's pending offer is settled by the assignment: its Pass now says so.
    click(harness, first, ActionId.OFFER_PASS, LeadRef(lead_id=lead_id).model_dump_json())
    assert "already yours" in harness.fake.responses_to(first)[-1]["text"]


def test_the_owners_reminder_snoozes_in_one_pick(harness: Harness) -> None:
    harness.clock.now = at(23, 7)
    lead_id = harness.intake(HOT).json()["id"]
    harness.deliver()
    rep = REPS[0]
    harness.click_claim(rep, lead_id)  # at 08:00 Berlin: due two working days later
    sweep_at(harness, at(25, 10))  # Wednesday 11:00 Berlin: the owner is reminded
    [reminder] = [m for m in harness.fake.messages(rep) if "past the playbook's time" in m.text]
    [menu] = [e for b in reminder.blocks if b["type"] == "actions" for e in b["elements"]
              if e["action_id"] == ActionId.QUICK_SNOOZE]  # fmt: skip
    labels = [o["text"]["text"] for o in menu["options"]]
    assert labels == ["For 2 working hours", "Until the next working day", "Until next week"]
    next_day = menu["options"][1]
    assert json.loads(next_day["value"])["when"].startswith("2026-11-26T08:00:00")  # 09:00 Berlin
    body, content_type = select_action(
        user_id=rep, action_id=ActionId.QUICK_SNOOZE, channel=rep, message_ts=reminder.ts,
        response_url=harness.fake.response_url(rep),
        option=(next_day["text"]["text"], next_day["value"]),
    )  # fmt: skip
    harness.slack(body, content_type)
    assert "snoozed" in harness.fake.responses_to(rep)[-1]["text"]
    with session_scope(harness.factory) as session:
        lead = get_lead(session=session, lead_id=lead_id)
        assert lead is not None and lead.due_at == at(26, 8) and lead.escalation == 0
    assert sweep_at(harness, at(25, 15)) == 0  # no manager: the owner acted
