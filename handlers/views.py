"""Modal submissions."""

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.app import unit_of_work
from bot.errors import InvalidLead
from bot.ids import CallbackId
from bot.intake import Outcome, capture_lead, parse_lead
from bot.modals import modal_errors, read_new_lead
from bot.outbox import queue_message
from bot.replies import lead_captured_reply


def new_lead_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    playbook = context["playbook"]
    user_id = context.user_id or ""
    try:
        data = parse_lead(read_new_lead(view), playbook)
        result = capture_lead(
            session=context["session"], data=data, playbook=playbook, now=context["now"],
            actor=user_id, default_source="phone",
        )  # fmt: skip
    except InvalidLead as invalid:
        context["session"].rollback()
        ack(response_action="errors", errors=modal_errors(invalid.errors))
        return
    ack()
    reply = lead_captured_reply(
        result.lead, result.handed_to_sales, playbook, result.outcome is Outcome.CREATED
    )
    queue_message(session=context["session"], channel=user_id, message=reply, now=context["now"])


def register(app: App) -> None:
    app.view(CallbackId.NEW_LEAD)(unit_of_work(new_lead_submitted))
