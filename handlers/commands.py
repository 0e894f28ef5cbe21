"""The `/lead` slash command."""

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.commands.lead import CommandCall, OpenNewLeadModal, run_lead_command
from bot.slack.ids import ModalOrigin
from bot.slack.modals import new_lead_modal
from handlers.afterack import after_ack
from handlers.unitofwork import incident_text, tell_privately, transaction


def lead_command(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    with transaction(context) as session:
        call = CommandCall(
            session=session,
            playbook=context["playbook"],
            now=context["now"],
            user_id=context.user_id or "",
        )
        reply = run_lead_command(command.get("text", ""), call)
    if isinstance(reply, OpenNewLeadModal):
        ack()
        view = new_lead_modal(ModalOrigin(channel_id=command.get("channel_id", "")))
        trigger_id = command.get("trigger_id", "")
        after_ack(
            context,
            lambda: client.views_open(trigger_id=trigger_id, view=view),
            on_error=lambda error: tell_privately(respond, incident_text(error, context.logger)),
        )
        return
    ack(text=reply.text, blocks=reply.blocks or None, response_type="ephemeral")


def register(app: App) -> None:
    app.command("/lead")(lead_command)
