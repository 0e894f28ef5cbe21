"""The Bolt app factory: builds the Slack client and wires middleware and listeners."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse, Respond
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from sqlmodel import Session

from bot.afterack import after_ack
from bot.clock import utc_now
from bot.errors import LeadbotError
from bot.ids import BlockId
from bot.playbook import Playbook
from bot.settings import Settings
from bot.slackshape import describe
from store.db import SessionFactory, session_scope
from store.leads import remember_slack_delivery

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
            # The HTTP edge (bot/http.py) verifies Slack's signature over the raw bytes before
            # anything reads them, then hands Bolt the checked body re-encoded as JSON; Socket
            # Mode needs no signature. Without a secret `serve` mounts no /slack/events at all.
            request_verification_enabled=False,
            process_before_response=True,
            token_verification_enabled=False,
            # Unhandled requests go to handle_error, which logs one line: Bolt's own warning
            # quotes the request's body.
            raise_error_for_unhandled_request=True,
            logger=logger,
        )

    def provide(context: BoltContext, body: dict[str, Any], next: Callable[[], None]) -> None:
        # Bolt-Python runs listeners after the whole middleware chain has returned, so a
        # middleware cannot wrap them in a transaction; listeners open `transaction(context)`.
        context["session_factory"] = session_factory
        context["playbook"] = playbook
        context["now"] = clock()
        context["after_commit"] = after_commit
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


class AlreadyHandled(Exception):
    """Slack re-delivered an event (X-Slack-Retry-Num) that was already handled."""


@contextmanager
def transaction(context: BoltContext) -> Iterator[Session]:
    """A listener's unit of work: commit when the block ends, roll back on any error.

    Listeners reply to Slack after the block, so nobody is told of a change that did not commit.
    An Events API delivery is recorded in the same transaction: a re-delivery of an event already
    handled raises AlreadyHandled (acknowledged quietly), while one whose first try failed runs.
    """
    with session_scope(context["session_factory"]) as session:
        event_id = context.get("event_id")
        if event_id and not remember_slack_delivery(
            session=session, event_id=event_id, now=context["now"]
        ):
            raise AlreadyHandled(event_id)
        yield session
    context["after_commit"]()


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
    return BoltResponse(status=200, body="")


def incident_text(error: Exception, logger: logging.Logger) -> str:
    """Log an unexpected error under a fresh incident id; the sentence that tells the user."""
    incident = uuid.uuid4().hex[:8]
    logger.error("incident %s: %r", incident, error, exc_info=error)
    return (
        f"Sorry, something went wrong on our side (incident {incident}). "
        "Please try again; if it keeps happening, quote the incident to your admin."
    )


def tell_privately(respond: Respond | None, text: str) -> None:
    """An ephemeral reply through the request's response URL, leaving the original message.

    Nothing without a response URL (a malformed payload): the user then sees no reply, and
    whatever went wrong is in the log already.
    """
    # Bolt hands every listener a Respond, with response_url None when the payload had none.
    if respond is None or respond.response_url is None:
        return
    respond(text=text, response_type="ephemeral", replace_original=False)


def _json_response(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(body), headers={"content-type": "application/json"}
    )


def _first_input(body: dict[str, Any]) -> str:
    blocks = body.get("view", {}).get("blocks") or []
    inputs = [b.get("block_id", "") for b in blocks if b.get("type") == "input"]
    return inputs[0] if inputs else BlockId.NEW_EMAIL
