"""The `/lead` slash command."""

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.commands.lead import (
    CommandCall,
    ComputeReport,
    OpenNewLeadModal,
    run_lead_command,
    subcommand_of,
)
from bot.commands.report import report_reply
from bot.slack.ids import ModalOrigin
from bot.slack.modals import new_lead_modal
from bot.slack.people import user_zone
from handlers.afterack import after_ack, remember_zone_after_ack
from handlers.unitofwork import incident_text, reading, tell_privately, transaction


def lead_command(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    text = str(command.get("text") or "")
    sub = subcommand_of(text)
    # show, mine, help: reads only, so they never wait for (or hold) SQLite's write lock.
    unit_of_work = reading if sub is not None and sub.reads_only else transaction
    playbook = context["playbook"]
    user_id, now = context.user_id or "", context["now"]
    with unit_of_work(context) as session:
        zone = user_zone(
            session=session,
            user_id=user_id,
            playbook=playbook,
            now=now,
            cache=context.get("zones"),
        )
        call = CommandCall(
            session=session, playbook=playbook, now=now, user_id=user_id, zone=zone.zone
        )
        reply = run_lead_command(text, call)
    if zone.stale:
        remember_zone_after_ack(context, client, user_id)
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
    if isinstance(reply, ComputeReport):
        working = reply.working()
        ack(text=working.text, response_type="ephemeral")
        after_ack(
            context,
            lambda: _answer_report(context, respond, reply),
            on_error=lambda error: tell_privately(respond, incident_text(error, context.logger)),
        )
        return
    ack(text=reply.text, blocks=reply.blocks or None, response_type="ephemeral")


def _answer_report(context: BoltContext, respond: Respond, reply: ComputeReport) -> None:
    with reading(context) as session:
        figures = report_reply(session=session, request=reply.request,
                               playbook=context["playbook"], now=context["now"])  # fmt: skip
    tell_privately(respond, figures.text, figures.blocks)


def register(app: App) -> None:
    app.command("/lead")(lead_command)
