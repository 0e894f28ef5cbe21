"""The Bolt app factory: builds the Slack client and wires middleware and listeners."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from bot.core.clock import utc_now
from bot.core.errors import LeadbotError
from bot.playbook.model import Playbook
from bot.runtime.settings import Settings
from bot.runtime.slackshape import describe
from bot.slack.ids import BlockId
from bot.slack.people import ZoneCache
from handlers.afterack import after_ack
from handlers.home import from_home, publish_home_after_ack
from handlers.unitofwork import AlreadyHandled, incident_text, tell_privately
from store.db import SessionFactory

log = logging.getLogger(__name__)


def make_web_client(settings: Settings) -> WebClient:
    """The one Web API client: every call, file uploads included, goes to SLACK_API_URL."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
    )


def create_app(
    *,
    settings: Settings,
    session_factory: SessionFactory,
    playbook: Playbook,
    clock: Callable[[], datetime] = utc_now,
    after_commit: Callable[[], None] = lambda: None,
) -> App:
    """A Bolt App whose listeners each get a session, the playbook and `now` in the context.

    `process_before_response=True` keeps a request's work in the request's thread, so the
    session opened around it never crosses threads. Listeners only touch the database and make at
    most one quick Slack call; everything slow is queued in the outbox and sent after the response.
    """
    settings.require_slack()
    secret = settings.slack_signing_secret
    logger = logging.getLogger("leadbot.slack")
    with _without_token_skipped_warning(logger):
        app = App(
            name=logger.name,  # Bolt names the listeners' logger after the app
            client=make_web_client(settings),
            signing_secret=secret.get_secret_value() if secret else "",
            # The HTTP edge (bot/runtime/http.py) verifies Slack's signature over the raw bytes
            # before anything reads them, then hands Bolt the checked body re-encoded as JSON;
            # Socket Mode needs no signature. Without a secret `serve` mounts no /slack/events.
            request_verification_enabled=False,
            process_before_response=True,
            token_verification_enabled=False,
            # Unhandled requests go to handle_error, which logs one line: Bolt's own warning
            # quotes the request's body.
            raise_error_for_unhandled_request=True,
            logger=logger,
        )

    zones = ZoneCache()  # users' time zones, kept between requests

    def provide(context: BoltContext, body: dict[str, Any], next: Callable[[], None]) -> None:
        # Bolt-Python runs listeners after the whole middleware chain has returned, so a
        # middleware cannot wrap them in a transaction; listeners open `transaction(context)`.
        context["session_factory"] = session_factory
        context["playbook"] = playbook
        context["now"] = clock()
        context["after_commit"] = after_commit
        context["zones"] = zones
        context["event_id"] = body.get("event_id")
        next()

    app.middleware(provide)
    app.error(handle_error)

    import handlers

    handlers.register(app)
    return app


@contextmanager
def _without_token_skipped_warning(logger: logging.Logger) -> Iterator[None]:
    """Silence Bolt's "As you gave `client` as well, `token` will be unused." while App is built.

    App() reads SLACK_BOT_TOKEN from os.environ when given no token (no argument turns that off)
    and warns that it is unused beside `client`. Our client is built from that same setting (and
    must be ours: SLACK_API_URL, timeout, retries), so the warning says nothing to act on.
    """
    noise = warning_client_prioritized_and_token_skipped()

    def keep(record: logging.LogRecord) -> bool:
        return record.getMessage() != noise

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def handle_error(
    error: Exception, body: dict[str, Any], context: BoltContext, logger: logging.Logger
) -> BoltResponse:
    """The one error boundary: domain errors become ephemeral sentences, the rest an incident id."""
    if isinstance(error, AlreadyHandled):
        logger.info("Slack re-delivered event %s; already handled", error)
        return BoltResponse(status=200, body="")
    if isinstance(error, BoltUnhandledRequestError):
        logger.warning("No listener takes this Slack request (%s); answered 404", describe(body))
        return BoltResponse(status=404, body={"error": "unhandled request"})
    text = error.user_message if isinstance(error, LeadbotError) else incident_text(error, logger)
    if body.get("command"):
        # A slash command's HTTP response is itself an ephemeral reply.
        return _json_response({"response_type": "ephemeral", "text": text})
    if body.get("type") == "view_submission":
        # Keep the form open, with what the user typed, and say what happened under its first input.
        return _json_response({"response_action": "errors", "errors": {_first_input(body): text}})
    if body.get("response_url"):
        # After the ack: Slack's answer must not wait on a call to the response URL.
        respond = context.respond
        after_ack(context, lambda: tell_privately(respond, text))
    elif from_home(body) and context.user_id and context.get("session_factory"):
        # A click on the Home tab has no response URL: the tab, refreshed, says it.
        publish_home_after_ack(context, context.client, context.user_id, notice=text)
    return BoltResponse(status=200, body="")


def _json_response(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(body), headers={"content-type": "application/json"}
    )


def _first_input(body: dict[str, Any]) -> str:
    blocks = body.get("view", {}).get("blocks") or []
    inputs = [b.get("block_id", "") for b in blocks if b.get("type") == "input"]
    return inputs[0] if inputs else BlockId.NEW_EMAIL
