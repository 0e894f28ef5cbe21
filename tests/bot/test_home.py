"""The Home tab view: the rep's open leads by due time with the card's buttons, their teams'
unclaimed leads with Claim, within Block Kit's limits — read from the store on both databases."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.commands.lead import CommandCall, home_for, run_lead_command
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.slack.cards import lead_card
from bot.slack.home import home_view
from bot.slack.text import Message
from bot.testkit.blocks import MAX_VIEW_BLOCKS, blocks_problem, render_blocks
from store.leads import get_lead
from tests.bot.test_due import without_max
from tests.conftest import NOW
from tests.factories import make_lead

DAY, HOUR = timedelta(days=1), timedelta(hours=1)
REP, OTHER_REP, ADMIN = "U0REPEMEA1", "U0REPEMEA2", "U0ADMIN001"


def owned(session: Session, name: str, *, stage: str = Stage.WORKING, **more: Any) -> int:
    lead = make_lead(session, name=name, stage=stage, owner_id=REP, claimed_at=NOW - 10 * DAY,
                     **more)  # fmt: skip
    assert lead.id is not None
    return lead.id


def own_lead_order(view: dict[str, Any]) -> list[str]:
    """The names of the rep's leads, top to bottom (their lines start '*#<id> <name>*')."""
    names = []
    for block in view["blocks"]:
        if block["type"] == "header" and block["text"]["text"].startswith("Waiting"):
            break
        if block["type"] == "section":
            found = re.match(r"\*#\d+ ([^*]+)\*", block["text"]["text"])
            if found:
                names.append(found.group(1))
    return names


def test_own_leads_are_ordered_overdue_first_snoozed_later_and_no_max_last(
    session: Session, playbook: Playbook
) -> None:
    book = without_max(playbook, "opportunity")  # working: 2d, on hold: 20d, opportunity: none
    owned(session, "No max", stage=Stage.OPPORTUNITY, stage_entered_at=NOW - 90 * DAY)
    owned(session, "Due tomorrow", stage_entered_at=NOW - DAY)
    owned(session, "Snoozed", stage_entered_at=NOW - 9 * DAY, snoozed_until=NOW + 3 * DAY)
    # Two business days in Berlin (09:00-17:30): due Monday 10:00 Berlin, an hour ago.
    owned(session, "Overdue 1h", stage_entered_at=datetime(2026, 11, 19, 9, 0, tzinfo=UTC))
    owned(session, "Held", stage=Stage.ON_HOLD, stage_entered_at=NOW - DAY,
          snoozed_until=NOW + 5 * DAY)  # fmt: skip
    owned(session, "Overdue 1d", stage_entered_at=NOW - 5 * DAY)  # Wednesday: due Friday
    owned(session, "Won long ago", stage=Stage.WON, stage_entered_at=NOW - 90 * DAY)
    make_lead(session, name="Not mine", stage=Stage.WORKING, owner_id=OTHER_REP,
              stage_entered_at=NOW - 9 * DAY)  # fmt: skip
    view = home_for(session=session, playbook=book, user_id=REP, now=NOW)
    assert own_lead_order(view) == [
        "Overdue 1d", "Overdue 1h", "Due tomorrow", "Snoozed", "Held", "No max",
    ]  # fmt: skip
    text = "\n".join(render_blocks(view["blocks"]))
    assert "Your open leads (6)" in text
    assert "Working for 5 days · :warning: *overdue* by 3 days (due <!date^" in text
    assert "Working for 9 days · snoozed until <!date^" in text
    assert "On hold for 24 h · on hold until <!date^" in text
    assert "Opportunity for 90 days · no deadline in this stage" in text


def test_each_own_lead_has_the_cards_buttons_in_a_block_of_its_own(
    session: Session, playbook: Playbook
) -> None:
    working = owned(session, "Greta", stage_entered_at=NOW - DAY)
    deal = owned(session, "Deal", stage=Stage.OPPORTUNITY, stage_entered_at=NOW - DAY)
    view = home_for(session=session, playbook=playbook, user_id=REP, now=NOW)
    actions = {b["block_id"]: b["elements"] for b in view["blocks"] if b["type"] == "actions"}
    assert set(actions) == {f"home.lead.{working}", f"home.lead.{deal}"}
    for lead_id in (working, deal):
        lead = get_lead(session=session, lead_id=lead_id)
        assert lead is not None
        [card_actions] = [b for b in lead_card(lead, playbook=playbook, now=NOW).blocks
                          if b["type"] == "actions"]  # fmt: skip
        # The same action_ids and values as the card: one listener serves both.
        assert actions[f"home.lead.{lead_id}"] == card_actions["elements"]
    labels = [e["text"]["text"] for e in actions[f"home.lead.{working}"] if e["type"] == "button"]
    assert labels == ["Log attempt", "Qualify", "Disqualify", "Recycle", "Snooze"]


def test_unclaimed_team_leads_come_with_claim_and_an_admin_sees_every_team(
    session: Session, playbook: Playbook
) -> None:
    emea = make_lead(session, name="Emea Lead").id
    amer = make_lead(session, name="Amer Lead", team="amer", country="US").id
    make_lead(session, name="Taken", owner_id=OTHER_REP, stage=Stage.WORKING)
    rep_view = home_for(session=session, playbook=playbook, user_id=REP, now=NOW)
    claims = [b for b in rep_view["blocks"] if b.get("accessory", {}).get("action_id")]
    assert [(b["block_id"], b["accessory"]["action_id"]) for b in claims] == [
        (f"home.claim.{emea}", "lead.claim")
    ]
    assert json.loads(claims[0]["accessory"]["value"]) == {"lead_id": emea}
    admin_view = home_for(session=session, playbook=playbook, user_id=ADMIN, now=NOW)
    admin_text = "\n".join(render_blocks(admin_view["blocks"]))
    assert "Emea Lead" in admin_text and "Amer Lead" in admin_text
    assert "· EMEA Sales" in admin_text  # several teams: each line names its team
    admin_claims = [b["block_id"] for b in admin_view["blocks"] if "accessory" in b]
    assert sorted(admin_claims) == sorted([f"home.claim.{emea}", f"home.claim.{amer}"])


def test_150_leads_each_stay_within_100_blocks_and_say_how_many_more(
    session: Session, playbook: Playbook
) -> None:
    for n in range(150):
        owned(session, f"Mine {n}", stage_entered_at=NOW - n * HOUR)
        make_lead(session, name=f"Free {n}")
    view = home_for(session=session, playbook=playbook, user_id=REP, now=NOW)
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    assert not blocks_problem(view["blocks"], MAX_VIEW_BLOCKS)  # the fake Slack's checks
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)) == 30 + 25
    text = "\n".join(render_blocks(view["blocks"]))
    assert "Your open leads (150)" in text
    assert "…and 120 more (`/lead mine`)" in text
    assert "…and 125 more: their cards are in your team channels." in text
    assert own_lead_order(view)[0] == "Mine 149"  # the most overdue of all 150 on top


def test_lead_text_is_escaped_and_pings_nobody(session: Session, playbook: Playbook) -> None:
    owned(session, "<!channel> & <@U0MGREMEA1>", company="<https://evil.example|Acme>")
    make_lead(session, name="<!here> free")
    view = home_for(session=session, playbook=playbook, user_id=REP, now=NOW)
    raw = json.dumps(view)
    for markup in ("<!channel>", "<@U0MGREMEA1>", "<https://evil", "<!here>"):
        assert markup not in raw
    assert "&lt;!channel&gt; &amp; &lt;@U0MGREMEA1&gt;" in raw
    assert "&lt;!here&gt; free" in raw


def test_a_notice_shows_on_top_and_an_empty_home_says_what_to_do(playbook: Playbook) -> None:
    view = home_view(mine=[], mine_total=0, unclaimed=[], unclaimed_total=0, playbook=playbook,
                     now=NOW, notice="Done: qualified it")  # fmt: skip
    lines = render_blocks(view["blocks"])
    assert lines[0] == "Done: qualified it"
    assert "Nothing claimed yet" in lines[2]
    assert "No unclaimed leads. Nice." in lines


def test_lead_mine_lists_the_same_order_and_says_how_many_more(
    session: Session, playbook: Playbook
) -> None:
    for n in range(150):
        owned(session, f"Mine {n}", stage_entered_at=NOW - n * HOUR)
    call = CommandCall(
        session=session, playbook=playbook, now=NOW, user_id=REP, zone=ZoneInfo("UTC")
    )
    reply = run_lead_command("mine", call)
    assert isinstance(reply, Message)
    lines = reply.text.splitlines()
    assert len(reply.text) <= 4000
    assert lines[1].startswith("• #") and "*Mine 149*" in lines[1]
    assert ":warning: *overdue* by 4 days (due " in lines[1]
    shown = len(lines) - 2
    assert lines[-1] == f"…and {150 - shown} more."
