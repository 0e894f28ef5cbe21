"""The SLA sweep's messages: a reminder to the owner, a re-announcement, a word to the manager."""

from __future__ import annotations

from datetime import datetime

from bot.core.stages import Stage, stage_name
from bot.playbook.model import Playbook
from bot.slack.cards import Block, duration_words, mention, move_actions, slack_date
from bot.slack.ids import ActionId, LeadRef
from bot.slack.text import Message, fit
from store.models import Lead


def _who(lead: Lead) -> str:
    name = fit(lead.name or lead.email, 80)
    return f"*Lead #{lead.id}* ({name}{', ' + fit(lead.company, 80) if lead.company else ''})"


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def owner_reminder(lead: Lead, playbook: Playbook, now: datetime) -> Message:
    """A DM to the owner: the lead sat in its stage past the playbook's time; act from here."""
    stage = Stage(lead.stage)
    since = duration_words((now - lead.stage_entered_at).total_seconds())
    text = (
        f":alarm_clock: {_who(lead)} has been {stage_name(stage)} for {since}, past the "
        f"playbook's time (due {slack_date(lead.due_at or now)})."
    )
    step = playbook.next_step(stage, connected=lead.connected_at is not None)
    if step:
        text += f" Next step: {fit(step, 300)}"
    blocks: list[Block] = [_section(text)]
    actions = move_actions(lead, playbook.moves_from(stage))
    if actions:
        blocks.append({"type": "actions", "elements": actions})
    return Message(text=text, blocks=blocks)


def channel_reminder(lead: Lead, now: datetime) -> Message:
    """Re-announced in the team's channel: an unclaimed lead still waits for a rep."""
    waited = duration_words((now - (lead.sales_ready_at or lead.stage_entered_at)).total_seconds())
    text = f":rotating_light: {_who(lead)} has waited {waited} for a rep. Who takes it?"
    claim = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Claim", "emoji": True},
        "action_id": str(ActionId.CLAIM),
        "value": LeadRef(lead_id=lead.id or 0).model_dump_json(),
        "style": "primary",
    }
    return Message(text=text, blocks=[_section(text), {"type": "actions", "elements": [claim]}])


def manager_alert(lead: Lead, playbook: Playbook, now: datetime) -> Message:
    """A DM to the team's manager: the reminder did not help."""
    since = duration_words((now - lead.stage_entered_at).total_seconds())
    if lead.owner_id:
        what = (
            f"owned by {mention(lead.owner_id)}, has been {stage_name(lead.stage)} for {since}; "
            "the reminder did not move it."
        )
    else:
        what = f"has waited {since} and nobody in the team claimed it."
    return Message(text=f":warning: {_who(lead)} {what}")
