"""Modal submissions."""

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.commands.forms import problem_block, submit_move
from bot.core.errors import InvalidLead, LeadbotError
from bot.intake.newlead import capture_from_form
from bot.slack.ids import CallbackId, LeadMove
from bot.slack.modals import modal_errors
from bot.slack.movemodal import input_block_ids, read_move_form
from bot.slack.people import user_zone
from bot.slack.text import fit
from handlers.afterack import after_ack
from handlers.home import publish_home_after_ack
from handlers.unitofwork import transaction


def new_lead_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    try:
        with transaction(context) as session:
            capture_from_form(
                session=session,
                view=view,
                user_id=context.user_id or "",
                playbook=context["playbook"],
                now=context["now"],
            )
    except InvalidLead as invalid:
        ack(response_action="errors", errors=modal_errors(invalid.errors))
        return
    ack()


def move_submitted(ack: Ack, view: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ref = LeadMove.from_value(view.get("private_metadata"))
    user_id = context.user_id or ""
    playbook = context["playbook"]
    now = context["now"]
    try:
        with transaction(context) as session:
            zone = user_zone(session=session, user_id=user_id, playbook=playbook, now=now)
            reply = submit_move(
                session=session,
                ref=ref,
                form=read_move_form(view),
                actor=user_id,
                playbook=playbook,
                now=now,
                zone=zone.zone,
            )
    except LeadbotError as refused:
        # The form stays open with what the user typed; the sentence sits under its input.
        block = problem_block(refused, ref, present=input_block_ids(view))
        ack(response_action="errors", errors={block: fit(refused.user_message, 150)})
        return
    ack()
    if ref.channel_id:
        channel = ref.channel_id
        after_ack(
            context,
            lambda: client.chat_postEphemeral(channel=channel, user=user_id, text=reply.text),
        )
    if ref.home:  # opened from the Home tab: show the move there
        publish_home_after_ack(context, client, user_id, notice=reply.text)


def register(app: App) -> None:
    app.view(CallbackId.NEW_LEAD)(new_lead_submitted)
    app.view(CallbackId.MOVE)(move_submitted)
