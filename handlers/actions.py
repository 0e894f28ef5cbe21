"""Buttons on messages."""

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.pursuit.lifecycle import claim_lead
from bot.slack.ids import ActionId, LeadRef
from bot.slack.replies import claimed_reply
from handlers.afterack import after_ack
from handlers.unitofwork import tell_privately, transaction


def claim_button(
    ack: Ack, action: dict[str, Any], context: BoltContext, respond: Respond | None
) -> None:
    ack()
    ref = LeadRef.from_button(action.get("value"))
    with transaction(context) as session:
        result = claim_lead(
            session=session,
            lead_id=ref.lead_id,
            user_id=context.user_id or "",
            playbook=context["playbook"],
            now=context["now"],
        )
    reply = claimed_reply(result.lead, result.speed_to_lead_seconds, context["playbook"])
    if respond is not None:  # Slack sends a response_url with every click; a malformed one may not
        after_ack(context, lambda: tell_privately(respond, reply.text))


def register(app: App) -> None:
    app.action(ActionId.CLAIM)(claim_button)
