"""Modal submissions."""

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.core.errors import InvalidLead
from bot.intake.newlead import capture_from_form
from bot.slack.ids import CallbackId
from bot.slack.modals import modal_errors
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


def register(app: App) -> None:
    app.view(CallbackId.NEW_LEAD)(new_lead_submitted)
