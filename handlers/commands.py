"""The `/lead` slash command."""

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.app import transaction
from bot.commands import CommandCall, OpenNewLeadModal, run_lead_command
from bot.ids import ModalOrigin
from bot.modals import new_lead_modal


def lead_command(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient
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
        origin = ModalOrigin(channel_id=command.get("channel_id", ""))
        client.views_open(trigger_id=command["trigger_id"], view=new_lead_modal(origin))
        ack()
        return
    ack(text=reply.text, blocks=reply.blocks or None, response_type="ephemeral")


def register(app: App) -> None:
    app.command("/lead")(lead_command)
