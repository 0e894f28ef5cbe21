"""The App Home tab: the rep's open leads, the most urgent first, with the card's move buttons,
and their teams' unclaimed leads with Claim buttons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.slack.cards import Block, fit_markup, move_actions, slack_date
from bot.slack.ids import ActionId, BlockId, LeadRef
from bot.slack.replies import due_words, paused_words, stage_words
from bot.slack.text import fit
from store.models import Lead

#: Slack refuses a Home view of more than 100 blocks. Each own lead takes two (its line and its
#: buttons), each unclaimed lead one (its line with a Claim button), and the rest at most
#: FIXED_BLOCKS: 30 * 2 + 25 + 6 = 91.
MAX_VIEW_BLOCKS = 100
MINE_SHOWN = 30
UNCLAIMED_SHOWN = 25
FIXED_BLOCKS = 6  # two headers, two "…and N more", the notice and the footer
assert MINE_SHOWN * 2 + UNCLAIMED_SHOWN + FIXED_BLOCKS <= MAX_VIEW_BLOCKS


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str, **more: Any) -> Block:
    return {"type": "section", "text": _mrkdwn(text), **more}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def home_view(
    *,
    mine: Sequence[tuple[Lead, datetime | None]],
    mine_total: int,
    unclaimed: Sequence[Lead],
    unclaimed_total: int,
    playbook: Playbook,
    now: datetime,
    notice: str = "",
) -> dict[str, Any]:
    """What a user sees on leadbot's Home tab.

    `mine` is already ordered (overdue first) with each lead's due time; `notice` is the answer
    to what the user just did from this tab (a click there has no other place to answer).
    """
    blocks: list[Block] = []
    if notice:
        blocks.append(_section(fit_markup(notice)))
    blocks.append({"type": "header", "text": _plain(f"Your open leads ({mine_total})")})
    if not mine:
        blocks.append(
            _context("Nothing claimed yet: the Claim button is on each card in your team channel.")
        )
    for lead, due in mine[:MINE_SHOWN]:
        blocks.append(_section(_own_lead_text(lead, due, now)))
        actions = move_actions(lead, playbook.moves_from(Stage(lead.stage)))
        if actions:  # Slack refuses an actions block without elements
            # block_id is unique within a view; each lead's buttons get their own.
            block_id = f"{BlockId.HOME_LEAD}.{lead.id}"
            blocks.append({"type": "actions", "block_id": block_id, "elements": actions})
    if mine_total > min(len(mine), MINE_SHOWN):
        more = mine_total - min(len(mine), MINE_SHOWN)
        blocks.append(_context(f"…and {more} more (`/lead mine`)"))
    blocks.append({"type": "header", "text": _plain("Waiting for a rep in your teams")})
    if not unclaimed:
        blocks.append(_context("No unclaimed leads. Nice."))
    several_teams = len({lead.team for lead in unclaimed}) > 1
    for lead in unclaimed[:UNCLAIMED_SHOWN]:
        blocks.append(_unclaimed(lead, playbook, several_teams))
    if unclaimed_total > min(len(unclaimed), UNCLAIMED_SHOWN):
        more = unclaimed_total - min(len(unclaimed), UNCLAIMED_SHOWN)
        blocks.append(_context(f"…and {more} more: their cards are in your team channels."))
    blocks.append(_context("`/lead help` lists every command."))
    return {"type": "home", "blocks": blocks}


def _who(lead: Lead) -> str:
    company = f", {fit(lead.company, 80)}" if lead.company else ""
    return f"*#{lead.id} {fit(lead.name or lead.email, 80)}*{company}"


def _own_lead_text(lead: Lead, due: datetime | None, now: datetime) -> str:
    details = [stage_words(lead, now)]
    paused = paused_words(lead, now)
    if paused:
        details.append(paused[0].lower() + paused[1:])
    else:
        details.append(due_words(due, now) or "no deadline in this stage")
    if lead.attempts:
        details.append(f"{lead.attempts} attempt{'s' if lead.attempts != 1 else ''}")
    return f"{_who(lead)}\n{' · '.join(details)}"


def _unclaimed(lead: Lead, playbook: Playbook, several_teams: bool) -> Block:
    since = slack_date(lead.sales_ready_at or lead.stage_entered_at)
    team = ""
    if several_teams and lead.team in playbook.teams:
        team = f" · {fit(playbook.teams[lead.team].name, 80)}"
    claim = {
        "type": "button",
        "text": _plain("Claim"),
        "action_id": str(ActionId.CLAIM),
        "value": LeadRef(lead_id=lead.id or 0).model_dump_json(),
        "style": "primary",
    }
    return _section(
        f"{_who(lead)} — score {lead.score:g}{team}\nWaiting since {since}",
        block_id=f"{BlockId.HOME_CLAIM}.{lead.id}",
        accessory=claim,
    )
