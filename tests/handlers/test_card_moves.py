"""A claimed card's buttons and the move modal, through signed requests as Slack sends them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import select

from bot.core.moves import Move
from bot.slack.ids import ActionId, BlockId, CallbackId, LeadMove
from bot.testkit.payloads import block_action, overflow_action, view_submission
from store.db import session_scope
from store.models import Lead, LeadEvent
from tests.handlers.conftest import Harness
from tests.handlers.test_claim_flow import EMEA, REP, STRANGER, posted_lead

MARKETING_CHANNEL = "C0MKTG0001"


def claimed(harness: Harness) -> tuple[int, str]:
    lead_id, ts = posted_lead(harness)
    harness.click_claim(REP, lead_id, ts=ts)
    harness.deliver()
    return lead_id, ts


def press(harness: Harness, user: str, lead_id: int, move: Move, ts: str) -> httpx.Response:
    body, content_type = block_action(
        user_id=user,
        action_id=f"{ActionId.MOVE}.{move.value}",
        value=LeadMove(lead_id=lead_id, move=move).model_dump_json(exclude_defaults=True),
        channel=EMEA,
        message_ts=ts,
        response_url=harness.fake.response_url(user),
    )
    return harness.slack(body, content_type)


def submit(harness: Harness, user: str, values: dict[str, str]) -> httpx.Response:
    """Fill in the modal leadbot opened last and submit it, as Slack would."""
    view = harness.fake.calls_to("views.open")[-1].args["view"]
    if isinstance(view, str):
        view = json.loads(view)
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input" or block["block_id"] not in values:
            continue
        value = values[block["block_id"]]
        kind = block["element"]["type"]
        if kind == "static_select":
            state[block["block_id"]] = {
                "value": {"type": kind, "selected_option": {"value": value}}
            }
        elif kind == "datepicker":
            state[block["block_id"]] = {"value": {"type": kind, "selected_date": value}}
        else:
            state[block["block_id"]] = {"value": {"type": kind, "value": value}}
    body, content_type = view_submission(
        user_id=user,
        callback_id=view["callback_id"],
        values=state,
        private_metadata=view["private_metadata"],
        blocks=view["blocks"],
    )
    return harness.slack(body, content_type)


def the_lead(harness: Harness) -> Lead:
    with session_scope(harness.factory) as session:
        return session.exec(select(Lead)).one()


def test_qualify_is_one_click_and_the_thread_tells_it(harness: Harness) -> None:
    lead_id, ts = claimed(harness)
    assert press(harness, REP, lead_id, Move.QUALIFY, ts).status_code == 200
    assert the_lead(harness).stage == "opportunity"
    [reply] = harness.fake.responses_to(REP)[-1:]
    assert reply["response_type"] == "ephemeral" and "now opportunity" in reply["text"]
    harness.deliver()
    [card] = harness.fake.messages(EMEA)
    labels = [e["text"]["text"] for b in card.blocks if b["type"] == "actions"
              for e in b["elements"] if e["type"] == "button"]  # fmt: skip
    assert labels[:3] == ["Won", "Lost", "Hold"]
    lines = [m.text for m in harness.fake.replies(EMEA, ts)]
    assert lines == [f"<@{REP}> claimed it", f"<@{REP}> qualified it"]


def test_disqualify_opens_a_form_with_the_playbooks_reasons(harness: Harness) -> None:
    lead_id, ts = claimed(harness)
    press(harness, REP, lead_id, Move.DISQUALIFY, ts)
    assert the_lead(harness).stage == "working"  # nothing yet: the form is open
    [opened] = harness.fake.calls_to("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == CallbackId.MOVE
    [reason] = [b for b in view["blocks"] if b.get("block_id") == BlockId.MOVE_REASON]
    options = [o["value"] for o in reason["element"]["options"]]
    assert options[:2] == ["no budget", "no authority"] and options[-1] == "__other__"

    answer = submit(harness, REP, {BlockId.MOVE_REASON: "no budget"})
    assert answer.status_code == 200 and answer.content == b""
    lead = the_lead(harness)
    assert (lead.stage, lead.reason) == ("disqualified", "no budget")
    confirmation = harness.fake.ephemerals[-1]
    assert confirmation.user == REP and "disqualified it: no budget" in confirmation.text
    harness.deliver()
    [notice] = harness.fake.messages(MARKETING_CHANNEL)
    assert f"Lead #{lead_id}" in notice.text and "no budget" in notice.text


def test_other_without_words_keeps_the_form_open_with_the_problem_under_its_input(
    harness: Harness,
) -> None:
    lead_id, ts = claimed(harness)
    press(harness, REP, lead_id, Move.DISQUALIFY, ts)
    answer = submit(harness, REP, {BlockId.MOVE_REASON: "__other__"})
    assert answer.json() == {
        "response_action": "errors",
        "errors": {BlockId.MOVE_TEXT: "Say why in a few words."},
    }
    assert the_lead(harness).stage == "working"


def test_recycle_shows_the_date_it_understood_in_the_reps_zone_before_it_is_made(
    harness: Harness,
) -> None:
    harness.fake.set_user(REP, tz="America/New_York")
    lead_id, ts = claimed(harness)
    press(harness, REP, lead_id, Move.RECYCLE, ts)  # leadbot learns REP's zone meanwhile
    values = {BlockId.MOVE_REASON: "timing", BlockId.MOVE_WHEN: "march 3 10am"}
    answer = submit(harness, REP, values)
    step = answer.json()
    assert step["response_action"] == "update"
    confirm = step["view"]
    assert confirm["callback_id"] == CallbackId.MOVE_CONFIRM
    [section] = confirm["blocks"]
    assert "*Reason:* timing" in section["text"]["text"]
    assert "*It comes back on* Wed 3 Mar 2027, 10:00 (America/New_York)" in section["text"]["text"]
    assert the_lead(harness).stage == "working"  # nothing happens before Confirm

    body, content_type = view_submission(
        user_id=REP, callback_id=confirm["callback_id"], values={},
        private_metadata=confirm["private_metadata"], blocks=confirm["blocks"],
    )  # fmt: skip
    assert harness.slack(body, content_type).content == b""
    lead = the_lead(harness)
    assert (lead.stage, lead.reason) == ("nurture", "timing")
    assert lead.revisit_at == datetime(2027, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York


def test_a_recycle_without_a_date_confirms_the_playbooks_revisit_period(harness: Harness) -> None:
    lead_id, ts = claimed(harness)
    press(harness, REP, lead_id, Move.RECYCLE, ts)
    confirm = submit(harness, REP, {BlockId.MOVE_REASON: "not now"}).json()["view"]
    expected = (harness.clock.now + timedelta(days=90)).astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{expected:%a %-d %b %Y}" in confirm["blocks"][0]["text"]["text"]


def test_a_confirmation_overtaken_by_another_move_says_so(harness: Harness) -> None:
    lead_id, ts = claimed(harness)
    press(harness, REP, lead_id, Move.RECYCLE, ts)
    confirm = submit(harness, REP, {BlockId.MOVE_REASON: "not now"}).json()["view"]
    harness.command(REP, f"qualify {lead_id}")  # meanwhile
    body, content_type = view_submission(
        user_id=REP, callback_id=confirm["callback_id"], values={},
        private_metadata=confirm["private_metadata"], blocks=confirm["blocks"],
    )  # fmt: skip
    refused = harness.slack(body, content_type).json()
    assert refused["response_action"] == "update"
    assert "is opportunity" in refused["view"]["blocks"][0]["text"]["text"]
    assert the_lead(harness).stage == "opportunity"


def test_a_date_in_the_past_is_refused_under_the_date(harness: Harness) -> None:
    lead_id, ts = claimed(harness)
    press(harness, REP, lead_id, Move.SNOOZE, ts)
    answer = submit(harness, REP, {BlockId.MOVE_DATE: "2020-01-01"})
    assert answer.json()["errors"] == {BlockId.MOVE_DATE: "That day has passed; pick one to come."}
    assert the_lead(harness).snoozed_until is None


def test_the_more_menu_offers_the_less_common_moves(harness: Harness) -> None:
    lead_id, ts = claimed(harness)
    value = LeadMove(lead_id=lead_id, move=Move.HOLD).model_dump_json(exclude_defaults=True)
    body, content_type = overflow_action(
        user_id=REP, action_id=ActionId.MOVE_MENU, value=value, label="Hold", channel=EMEA,
        message_ts=ts, response_url=harness.fake.response_url(REP),
    )  # fmt: skip
    harness.slack(body, content_type)
    [opened] = harness.fake.calls_to("views.open")
    assert opened.args["view"]["title"]["text"] == "Hold"


def test_a_stranger_cannot_move_the_lead_and_is_told_who_can(harness: Harness) -> None:
    lead_id, ts = claimed(harness)
    press(harness, STRANGER, lead_id, Move.QUALIFY, ts)
    [reply] = harness.fake.responses_to(STRANGER)
    assert f"only its owner <@{REP}>" in reply["text"]
    assert the_lead(harness).stage == "working"
    with session_scope(harness.factory) as session:
        kinds = [e.kind for e in session.exec(select(LeadEvent)).all()]
    assert "stage_changed" in kinds and kinds.count("stage_changed") == 2  # sales-ready, claim
    press(harness, STRANGER, lead_id, Move.DISQUALIFY, ts)
    assert harness.fake.calls_to("views.open") == []  # no form for a move they cannot make


def test_after_the_playbooks_attempts_without_a_connect_the_rep_gets_recycle_and_disqualify(
    harness: Harness,
) -> None:
    lead_id, _ = claimed(harness)
    attempts = harness.playbook.contact_attempts
    answers = [
        harness.command(REP, f"touch {lead_id} call no answer").json() for _ in range(attempts)
    ]
    assert all("blocks" not in a or not a["blocks"] for a in answers[:-1])
    last = answers[-1]
    assert f"{attempts} attempts and no connect yet" in last["text"]
    [actions] = [b for b in last["blocks"] if b["type"] == "actions"]
    offered = [(e["text"]["text"], json.loads(e["value"])) for e in actions["elements"]]
    assert offered == [
        ("Recycle", {"lead_id": lead_id, "move": "recycle"}),
        ("Disqualify", {"lead_id": lead_id, "move": "disqualify"}),
    ]
    again = harness.command(REP, f"touch {lead_id} e-mail bounced").json()
    assert not again.get("blocks")  # offered once


def test_log_attempt_asks_how_and_what_came_of_it(harness: Harness) -> None:
    lead_id, ts = claimed(harness)
    press(harness, REP, lead_id, Move.TOUCH, ts)
    values = {
        BlockId.MOVE_CHANNEL: "call",
        BlockId.MOVE_OUTCOME: "voicemail",
        BlockId.MOVE_TEXT: "back Monday",
    }
    assert submit(harness, REP, values).content == b""
    lead = the_lead(harness)
    assert (lead.attempts, lead.connected_at) == (1, None)
    harness.deliver()
    assert harness.fake.replies(EMEA, ts)[-1].text == (
        f"<@{REP}> logged an attempt: call: voicemail; back Monday"
    )


def test_won_takes_an_amount_and_refuses_one_it_cannot_read(harness: Harness) -> None:
    lead_id, ts = claimed(harness)
    press(harness, REP, lead_id, Move.QUALIFY, ts)
    press(harness, REP, lead_id, Move.WON, ts)
    refused = submit(harness, REP, {BlockId.MOVE_AMOUNT: "lots"}).json()
    assert refused["errors"] == {BlockId.MOVE_AMOUNT: "Write the amount like 18000 EUR or €18k."}
    assert the_lead(harness).stage == "opportunity"
    press(harness, REP, lead_id, Move.WON, ts)
    assert submit(harness, REP, {BlockId.MOVE_AMOUNT: "€18k"}).content == b""
    lead = the_lead(harness)
    assert (lead.stage, lead.amount, lead.currency) == ("won", 18000.0, "EUR")
