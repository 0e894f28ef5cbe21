"""The round robin's buttons: Accept / Pass on an offer DM, and the manager's Assign."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.pursuit.offers import accept_offer, assign_lead, pass_offer
from bot.slack.ids import ActionId, LeadAssign, LeadRef
from bot.slack.replies import assigned_reply, claimed_reply, passed_reply
from bot.slack.text import Message
from handlers.afterack import after_ack
from handlers.unitofwork import transaction


def _replace(context: BoltContext, respond: Respond | None, message: Message) -> None:
    """The DM's buttons are spent: its message becomes the answer (after the ack)."""
    if respond is None or respond.response_url is None:
        return
    after_ack(context, lambda: respond(text=message.text, replace_original=True))


def accept_button(
    ack: Ack, action: dict[str, Any], context: BoltContext, respond: Respond | None
) -> None:
    ack()
    ref = LeadRef.read(action.get("value"))
    with transaction(context) as session:
        result = accept_offer(session=session, lead_id=ref.lead_id, user_id=context.user_id or "",
                              playbook=context["playbook"], now=context["now"])  # fmt: skip
    reply = claimed_reply(result.lead, result.waited_seconds or 0.0, context["playbook"])
    _replace(context, respond, reply)


def pass_button(
    ack: Ack, action: dict[str, Any], context: BoltContext, respond: Respond | None
) -> None:
    ack()
    ref = LeadRef.read(action.get("value"))
    with transaction(context) as session:
        passed = pass_offer(session=session, lead_id=ref.lead_id, user_id=context.user_id or "",
                            playbook=context["playbook"], now=context["now"])  # fmt: skip
    _replace(context, respond, passed_reply(ref.lead_id, passed.next_step))


def assign_button(
    ack: Ack,
    action: dict[str, Any],
    context: BoltContext,
    respond: Respond | None,
) -> None:
    """ "Assign" beside a rep, or a rep picked from the people menu of a big team."""
    ack()
    if action.get("action_id") == ActionId.ASSIGN_MENU:
        ref = LeadRef.read(action.get("block_id"))
        choice = LeadAssign(lead_id=ref.lead_id, rep_id=str(action.get("selected_user") or ""))
    else:
        choice = LeadAssign.read(action.get("value"))
    with transaction(context) as session:
        lead = assign_lead(session=session, lead_id=choice.lead_id, rep_id=choice.rep_id,
                           by=context.user_id or "", playbook=context["playbook"],
                           now=context["now"])  # fmt: skip
    _replace(context, respond, assigned_reply(lead))


def register(app: App) -> None:
    app.action(ActionId.OFFER_ACCEPT)(accept_button)
    app.action(ActionId.OFFER_PASS)(pass_button)
    app.action(ActionId.ASSIGN)(assign_button)
    app.action(ActionId.ASSIGN_MENU)(assign_button)
