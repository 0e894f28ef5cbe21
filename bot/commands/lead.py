"""The `/lead` command: parse the text, run the subcommand, return the reply to show."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.core.errors import LeadbotError, LeadNotFound
from bot.core.stages import Stage
from bot.intake.leadinput import MAX_LEAD_ID
from bot.playbook.model import Playbook
from bot.pursuit.lifecycle import claim_lead
from bot.slack.home import home_view
from bot.slack.replies import (
    claimed_reply,
    help_reply,
    lead_summary_reply,
    my_leads_reply,
    unknown_command_reply,
)
from bot.slack.text import Message, fit
from store.leads import get_lead, lead_history, leads_owned_by, unclaimed_leads

ACTIVE_STAGES = (Stage.WORKING, Stage.OPPORTUNITY, Stage.ON_HOLD)


class OpenNewLeadModal:
    """The reply to `/lead new`: the handler opens the form (it holds the trigger_id)."""


@dataclass(frozen=True)
class CommandCall:
    session: Session
    playbook: Playbook
    now: datetime
    user_id: str


LEAD_NUMBER = re.compile(r"(?:#|L-?)?([0-9]{1,19})", re.IGNORECASE)


def parse_lead_id(word: str) -> int:
    """42, #42 or L-42 -> 42; a number past any lead's is no lead (not a database error)."""
    match = LEAD_NUMBER.fullmatch(word.strip())
    if match is None:  # '²' passes str.isdigit() but is no number
        raise LeadbotError(
            f"'{fit(word, 40)}' is not a lead number; write it like 42, #42 or L-42."
        )
    number = int(match.group(1))
    if not 1 <= number <= MAX_LEAD_ID:
        raise LeadNotFound(number)
    return number


def run_lead_command(text: str, call: CommandCall) -> Message | OpenNewLeadModal:
    """Run `/lead <text>` for `call.user_id`."""
    words = text.split()
    name = words[0].lower() if words else "help"
    args = words[1:]
    if name == "help":
        return help_reply()
    if name == "new":
        return OpenNewLeadModal()
    if name == "mine":
        mine = leads_owned_by(session=call.session, owner_id=call.user_id, stages=ACTIVE_STAGES)
        return my_leads_reply(mine)
    if name in ("show", "claim"):
        if not args:
            raise LeadbotError(f"Which lead? Write `/lead {name} 42`.")
        lead_id = parse_lead_id(args[0])
        if name == "claim":
            result = claim_lead(
                session=call.session,
                lead_id=lead_id,
                user_id=call.user_id,
                playbook=call.playbook,
                now=call.now,
            )
            return claimed_reply(result.lead, result.speed_to_lead_seconds, call.playbook)
        lead = get_lead(session=call.session, lead_id=lead_id)
        if lead is None:
            raise LeadNotFound(lead_id)
        history = lead_history(session=call.session, lead_id=lead_id)
        return lead_summary_reply(lead, history, call.playbook)
    return unknown_command_reply(name)


def home_for(*, session: Session, playbook: Playbook, user_id: str) -> dict[str, object]:
    """The Home tab view for one user."""
    teams = [key for key, team in playbook.teams.items() if user_id in team.members()]
    if user_id in playbook.admins:
        teams = list(playbook.teams)
    return home_view(
        mine=leads_owned_by(session=session, owner_id=user_id, stages=ACTIVE_STAGES),
        unclaimed=unclaimed_leads(session=session, teams=teams, stage=Stage.SALES_READY),
    )
