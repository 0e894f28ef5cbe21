"""Events API subscriptions."""

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.app import unit_of_work
from bot.commands import home_for


def home_opened(context: BoltContext, client: WebClient) -> None:
    view = home_for(
        session=context["session"], playbook=context["playbook"], user_id=context.user_id or ""
    )
    client.views_publish(user_id=context.user_id or "", view=view)


def register(app: App) -> None:
    app.event("app_home_opened")(unit_of_work(home_opened))
