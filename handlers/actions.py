"""Buttons on messages: Claim, and the moves of a claimed lead."""

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.commands.forms import OpenMoveModal, press_move_button
from bot.core.moves import Move
from bot.pursuit.moves import MoveRequest, apply_move
from bot.slack.ids import ActionId, ConfirmedMove, LeadMove, LeadRef
from bot.slack.movemodal import needs_modal
from bot.slack.people import user_zone
from bot.slack.replies import claimed_reply, move_reply
from handlers.afterack import after_ack, remember_zone_after_ack
from handlers.home import from_home, publish_home_after_ack
from handlers.unitofwork import incident_text, reading, tell_privately, transaction


def claim_button(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond | None,
) -> None:
    ack()
    ref = LeadRef.read(action.get("value"))
    claim = MoveRequest(move=Move.CLAIM, lead_id=ref.lead_id, actor=context.user_id or "")
    with transaction(context) as session:
        result = apply_move(
            session=session, request=claim, playbook=context["playbook"], now=context["now"]
        )
    reply = claimed_reply(result.lead, result.waited_seconds or 0.0, context["playbook"])
    if from_home(body):  # the lead moves from "waiting" to "your leads" there
        publish_home_after_ack(context, client, context.user_id or "", notice=reply.text)
    else:  # tell_privately says nothing when the click came without a response_url
        after_ack(context, lambda: tell_privately(respond, reply.text))


def move_button(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond | None,
) -> None:
    """A move button, or a move picked from the card's "more" menu."""
    ack()
    selected = action.get("selected_option")
    value = selected.get("value") if isinstance(selected, dict) else action.get("value")
    channel = body.get("channel")
    channel_id = str(channel.get("id", "")) if isinstance(channel, dict) else ""
    home = from_home(body)
    ref = LeadMove.read(value).model_copy(update={"channel_id": channel_id, "home": home})
    # A move that opens a form only reads now; one made at once (Qualify) writes.
    unit_of_work = reading if needs_modal(ref.move) else transaction
    user_id = context.user_id or ""
    with unit_of_work(context) as session:
        zone = user_zone(
            session=session,
            user_id=user_id,
            playbook=context["playbook"],
            now=context["now"],
            cache=context.get("zones"),
        )
        answer = press_move_button(
            session=session,
            ref=ref,
            actor=context.user_id or "",
            playbook=context["playbook"],
            now=context["now"],
        )
    if zone.stale:  # known before the form comes back, for the date typed into it
        remember_zone_after_ack(context, client, user_id)
    if isinstance(answer, OpenMoveModal):
        trigger_id = str(body.get("trigger_id") or "")
        after_ack(
            context,
            lambda: client.views_open(trigger_id=trigger_id, view=answer.view),
            on_error=lambda error: tell_privately(respond, incident_text(error, context.logger)),
        )
        return
    if home:  # no response_url from the Home tab: the refreshed tab says what happened
        publish_home_after_ack(context, client, user_id, notice=answer.text)
        return
    after_ack(context, lambda: tell_privately(respond, answer.text, answer.blocks or None))


def quick_snooze(
    ack: Ack, action: dict[str, Any], context: BoltContext, respond: Respond | None
) -> None:
    """A pick from the reminder's Snooze menu: the snooze, at the date the menu offered."""
    ack()
    selected = action.get("selected_option")
    picked = ConfirmedMove.read(selected.get("value") if isinstance(selected, dict) else None)
    snooze = MoveRequest(move=Move.SNOOZE, lead_id=picked.lead_id, actor=context.user_id or "",
                         when=picked.when)  # fmt: skip
    playbook = context["playbook"]
    with transaction(context) as session:
        result = apply_move(session=session, request=snooze, playbook=playbook, now=context["now"])
    reply = move_reply(result.lead, result.line, playbook, offer_way_out=result.offer_way_out)
    after_ack(context, lambda: tell_privately(respond, reply.text))


def register(app: App) -> None:
    app.action(ActionId.CLAIM)(claim_button)
    app.action(re.compile(rf"^{re.escape(ActionId.MOVE)}\.\w+$"))(move_button)
    app.action(ActionId.MOVE_MENU)(move_button)
    app.action(ActionId.QUICK_SNOOZE)(quick_snooze)
