"""Events API subscriptions."""

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.commands.lead import home_for
from handlers.afterack import after_ack
from handlers.unitofwork import transaction


def home_opened(context: BoltContext, client: WebClient) -> None:
    user_id = context.user_id or ""
    with transaction(context) as session:
        view = home_for(session=session, playbook=context["playbook"], user_id=user_id)
    after_ack(context, lambda: client.views_publish(user_id=user_id, view=view))


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
