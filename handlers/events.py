"""Events API subscriptions."""

from typing import Any

from slack_bolt import App, BoltContext, BoltRequest
from slack_sdk import WebClient

from bot.slack.people import remember_user
from handlers.home import publish_home_after_ack
from handlers.unitofwork import transaction


def home_opened(
    event: dict[str, Any], context: BoltContext, client: WebClient, request: BoltRequest
) -> None:
    if request.headers.get("x-slack-retry-num"):
        # Slack re-sends an event it thinks went unanswered; the Home tab was published the
        # first time (a read, so no delivery row records it: it must not wait on the writer).
        return
    if event.get("tab") == "messages":  # the app's DM was opened, not its Home tab
        return
    publish_home_after_ack(context, client, context.user_id or "")


def user_changed(event: dict[str, Any], context: BoltContext) -> None:
    """Someone's profile changed: keep their time zone, and whether they were deactivated (the
    round robin never offers a lead to a deactivated user)."""
    user = event.get("user")
    if not isinstance(user, dict):
        return
    with transaction(context) as session:
        remember_user(session=session, user=user, now=context["now"])


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
    app.event("user_change")(user_changed)
