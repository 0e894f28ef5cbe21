"""A listener's unit of work, and how a listener tells the user what went wrong."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import BoltContext, Respond
from sqlmodel import Session

from store.db import read_scope, session_scope
from store.leads import remember_slack_delivery


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


@contextmanager
def reading(context: BoltContext) -> Iterator[Session]:
    """A listener's read-only unit of work (show, mine, Home): it never waits for SQLite's
    write lock, nor holds it."""
    with read_scope(context["session_factory"]) as session:
        yield session


def incident_text(error: Exception, logger: logging.Logger) -> str:
    """Log an unexpected error under a fresh incident id; the sentence that tells the user."""
    incident = uuid.uuid4().hex[:8]
    logger.error("incident %s: %r", incident, error, exc_info=error)
    return (
        f"Sorry, something went wrong on our side (incident {incident}). "
        "Please try again; if it keeps happening, quote the incident to your admin."
    )


def tell_privately(
    respond: Respond | None, text: str, blocks: list[dict[str, Any]] | None = None
) -> None:
    """An ephemeral reply through the request's response URL, leaving the original message.

    Nothing without a response URL (a malformed payload): the user then sees no reply, and
    whatever went wrong is in the log already.
    """
    # Bolt hands every listener a Respond, with response_url None when the payload had none.
    if respond is None or respond.response_url is None:
        return
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
