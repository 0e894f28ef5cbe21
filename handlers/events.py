"""Events API subscriptions."""

from slack_bolt import App, BoltContext, BoltRequest
from slack_sdk import WebClient

from bot.commands.lead import home_for
from handlers.afterack import after_ack
from handlers.unitofwork import reading


def home_opened(context: BoltContext, client: WebClient, request: BoltRequest) -> None:
    if request.headers.get("x-slack-retry-num"):
        # Slack re-sends an event it thinks went unanswered; the Home tab was published the
        # first time (a read, so no delivery row records it: it must not wait on the writer).
        return
    user_id = context.user_id or ""
    with reading(context) as session:
        view = home_for(session=session, playbook=context["playbook"], user_id=user_id)
    after_ack(context, lambda: client.views_publish(user_id=user_id, view=view))


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
