"""Modal submissions."""

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.app import transaction
from bot.errors import InvalidLead
from bot.ids import CallbackId
from bot.modals import modal_errors
from bot.newlead import capture_from_form


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
