"""The Home tab end to end: opened, its buttons clicked as Slack sends a Home-tab click (the
container is the view; no channel, no message, no response_url), the tab republished."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import select

from bot.core.stages import Stage
from bot.slack.ids import BlockId, LeadMove
from bot.testkit.blocks import render_blocks
from bot.testkit.payloads import home_block_action, view_submission
from store.db import session_scope
from store.leads import get_lead
from store.models import Lead, LeadEvent
from tests.factories import make_lead
from tests.handlers.conftest import Harness
from tests.handlers.test_card_moves import claimed, submit, the_lead
from tests.store.test_read_scope import writing

REP, OTHER_REP = "U0REPEMEA1", "U0REPEMEA2"
EMEA = "C0EMEA0001"


def open_home(harness: Harness, user: str = REP, event_id: str = "EvHome0001") -> dict[str, Any]:
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME0001", "tab": "home"}
    assert harness.event(event, event_id).status_code == 200
    return home_of(harness, user)


def home_of(harness: Harness, user: str) -> dict[str, Any]:
    """The Home view last published for `user` (the fake Slack checked its blocks)."""
    calls = [c for c in harness.fake.calls_to("views.publish") if c.args["user_id"] == user]
    assert calls and calls[-1].ok, "no Home tab was published"
    view = calls[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else view


def home_text(view: dict[str, Any]) -> str:
    return "\n".join(render_blocks(view["blocks"]))


def click(
    harness: Harness, user: str, view: dict[str, Any], lead_id: int, label: str
) -> httpx.Response:
    """Press the button (or pick the "More" option) called `label` on the lead's row, as Slack
    sends a click on the Home tab."""
    for block in view["blocks"]:
        elements = [
            *block.get("elements", []),
            *([block["accessory"]] if "accessory" in block else []),
        ]
        for element in elements:
            choices = [element] if element["type"] == "button" else element.get("options", [])
            for choice in choices:
                if (
                    choice["text"]["text"] != label
                    or json.loads(choice["value"])["lead_id"] != lead_id
                ):
                    continue
                body, content_type = home_block_action(
                    user_id=user, action_id=element["action_id"], value=choice["value"],
                    block_id=block["block_id"], view={"blocks": view["blocks"]},
                    selected_label=None if choice is element else label,
                )  # fmt: skip
                return harness.slack(body, content_type)
    raise AssertionError(f"no {label!r} for lead #{lead_id} on the Home tab")


def test_a_home_button_moves_the_lead_and_the_tab_says_so(harness: Harness) -> None:
    lead_id, ts = claimed(harness)
    home = open_home(harness)
    assert click(harness, REP, home, lead_id, "Qualify").status_code == 200
    assert the_lead(harness).stage == Stage.OPPORTUNITY
    after = home_text(home_of(harness, REP))
    assert after.startswith(f"Done: <@{REP}> qualified it (lead #{lead_id}, now opportunity).")
    assert "[Won]  [Lost]  [Hold]" in after  # the row offers the moves from its new stage
    harness.deliver()
    assert [m.text for m in harness.fake.replies(EMEA, ts)] == [
        f"<@{REP}> claimed it",
        f"<@{REP}> qualified it",
    ]
    # A Home-tab click has no response_url: the only private reply is the claim's, from the card.
    assert "qualified" not in str(harness.fake.responses_to(REP))


def test_a_home_move_with_a_form_is_confirmed_on_the_tab(harness: Harness) -> None:
    lead_id, _ = claimed(harness)
    click(harness, REP, open_home(harness), lead_id, "Recycle")
    [modal] = harness.fake.calls_to("views.open")
    view = modal.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    metadata = LeadMove.model_validate_json(view["private_metadata"])
    assert metadata.home and metadata.move == "recycle"
    values = {BlockId.MOVE_REASON: "timing", BlockId.MOVE_WHEN: "in 3 months"}
    confirm = submit(harness, REP, values).json()["view"]  # the date as understood, to confirm
    body, content_type = view_submission(
        user_id=REP, callback_id=confirm["callback_id"], values={},
        private_metadata=confirm["private_metadata"], blocks=confirm["blocks"],
    )  # fmt: skip
    harness.slack(body, content_type)
    assert the_lead(harness).stage == Stage.NURTURE
    after = home_text(home_of(harness, REP))
    assert after.startswith(f"Done: <@{REP}> recycled it: timing; revisit")
    assert "Your open leads (0)" in after
    assert harness.fake.calls_to("chat.postEphemeral") == []  # no channel to answer in


def test_the_more_menu_works_on_the_home_tab(harness: Harness) -> None:
    lead_id, _ = claimed(harness)
    click(harness, REP, open_home(harness), lead_id, "Hold")
    [modal] = harness.fake.calls_to("views.open")
    assert "Hold" in json.dumps(modal.args["view"])


def test_claim_from_the_home_tab_moves_the_lead_to_your_leads(harness: Harness) -> None:
    with session_scope(harness.factory) as session:
        lead_id = make_lead(session, name="Greta Maier").id
    assert lead_id is not None
    home = open_home(harness)
    assert "Your open leads (0)" in home_text(home)
    click(harness, REP, home, lead_id, "Claim")
    assert the_lead(harness).owner_id == REP
    after = home_text(home_of(harness, REP))
    assert after.startswith(f"You own lead #{lead_id} now")
    assert "Your open leads (1)" in after and "[Qualify]" in after


def test_a_refused_click_on_the_home_tab_is_told_there_and_changes_nothing(
    harness: Harness,
) -> None:
    lead_id, _ = claimed(harness)
    stale = open_home(harness)
    click(harness, REP, stale, lead_id, "Qualify")
    click(harness, REP, stale, lead_id, "Qualify")  # the old tab, pressed again
    after = home_text(home_of(harness, REP))
    # The stage machine's sentence, on top of the tab: the click had nowhere else to answer.
    assert after.startswith(f"Lead #{lead_id} is opportunity (owner <@{REP}>), so it cannot be")
    with session_scope(harness.factory) as session:
        qualified = session.exec(select(LeadEvent).where(LeadEvent.to_stage == "opportunity"))
        assert len(qualified.all()) == 1
        assert session.exec(select(Lead)).one().stage == Stage.OPPORTUNITY


def test_another_rep_cannot_move_my_lead_from_a_home_tab(harness: Harness) -> None:
    lead_id, _ = claimed(harness)
    mine = open_home(harness)
    open_home(harness, OTHER_REP, "EvHome0002")
    click(harness, OTHER_REP, mine, lead_id, "Qualify")  # a forged or stale click
    assert the_lead(harness).stage == Stage.WORKING
    assert f"<@{REP}>" in home_text(home_of(harness, OTHER_REP)).splitlines()[0]


def test_opening_the_messages_tab_publishes_nothing(harness: Harness) -> None:
    event = {"type": "app_home_opened", "user": REP, "channel": "D0HOME0001", "tab": "messages"}
    assert harness.event(event, "EvHome0003").status_code == 200
    assert harness.fake.calls_to("views.publish") == []


def test_the_home_tab_is_published_while_a_write_transaction_is_open(
    harness: Harness, engine: Engine
) -> None:
    lead_id, _ = claimed(harness)
    with writing(engine) as writer:
        get_lead(session=writer, lead_id=lead_id, for_update=True)  # PostgreSQL: the row locked
        home = open_home(harness)  # settles: the tab was read and published meanwhile
    assert f"#{lead_id} Greta Maier" in home_text(home)
