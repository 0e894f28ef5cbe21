"""The Home tab: published when the user opens it, and again after they act on it there."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.commands.lead import home_for
from handlers.afterack import after_ack
from handlers.unitofwork import reading


def from_home(body: dict[str, Any]) -> bool:
    """Whether a click came from the Home tab (its container is a view of type home).

    Such a payload has no channel, no message and no response_url: the only way to answer the
    user is the Home tab itself.
    """
    container, view = body.get("container"), body.get("view")
    return (
        isinstance(container, dict)
        and container.get("type") == "view"
        and isinstance(view, dict)
        and view.get("type") == "home"
    )


def publish_home_after_ack(
    context: BoltContext, client: WebClient, user_id: str, notice: str = ""
) -> None:
    """Read and publish the user's Home tab once Slack has its answer, `notice` on top.

    Read after the ack, in a read-only unit of work of its own: the Home tab lists up to a few
    hundred leads, which no ack should wait for, and it must show what a move just committed.
    """

    def publish() -> None:
        with reading(context) as session:
            view = home_for(
                session=session,
                playbook=context["playbook"],
                user_id=user_id,
                now=context["now"],
                notice=notice,
            )
        client.views_publish(user_id=user_id, view=view)

    after_ack(context, publish)
