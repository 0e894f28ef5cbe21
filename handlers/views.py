"""Modal submissions."""

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.commands.forms import ConfirmStep, confirm_move, problem_block, submit_move
from bot.core.errors import InvalidLead, LeadbotError
from bot.intake.newlead import capture_from_form
from bot.slack.ids import CallbackId, ConfirmedMove, LeadMove
from bot.slack.modals import modal_errors
from bot.slack.movemodal import input_block_ids, read_move_form, refusal_view
from bot.slack.people import user_zone
from bot.slack.text import Message, fit
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
    ref = LeadMove.read(view.get("private_metadata"))
    user_id = context.user_id or ""
    playbook = context["playbook"]
    now = context["now"]
    try:
        with transaction(context) as session:
            zone = user_zone(
                session=session,
                user_id=user_id,
                playbook=playbook,
                now=now,
                cache=context.get("zones"),
            )
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
    if isinstance(reply, ConfirmStep):
        ack(response_action="update", view=reply.view)
        return
    ack()
    _confirm_privately(context, client, ref.channel_id, reply, home=ref.home)


def move_confirmed(ack: Ack, view: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The rep confirmed a move as understood (a recycle and its revisit date)."""
    confirmed = ConfirmedMove.read(view.get("private_metadata"))
    try:
        with transaction(context) as session:
            reply = confirm_move(
                session=session,
                confirmed=confirmed,
                actor=context.user_id or "",
                playbook=context["playbook"],
                now=context["now"],
            )
    except LeadbotError as refused:
        # Something changed since (another rep moved the lead): say so where Confirm was.
        ack(response_action="update", view=refusal_view(refused.user_message))
        return
    ack()
    _confirm_privately(context, client, confirmed.channel_id, reply, home=confirmed.home)


def _confirm_privately(
    context: BoltContext, client: WebClient, channel: str, reply: Message, *, home: bool
) -> None:
    """The move's confirmation, privately: in the channel of the card it was made from, or on
    the Home tab it was made from."""
    user_id = context.user_id or ""
    if channel:
        after_ack(
            context,
            lambda: client.chat_postEphemeral(
                channel=channel, user=user_id, text=reply.text, blocks=reply.blocks or None
            ),
        )
    if home:  # opened from the Home tab: show the move there
        publish_home_after_ack(context, client, user_id, notice=reply.text)


def register(app: App) -> None:
    app.view(CallbackId.NEW_LEAD)(new_lead_submitted)
    app.view(CallbackId.MOVE)(move_submitted)
    app.view(CallbackId.MOVE_CONFIRM)(move_confirmed)
