"""Queueing Slack sends in the caller's unit of work; `jobs.outbox` delivers them after commit.

A state change and the message it causes are committed together, so a crash never leaves a
claimed lead without its card update, or a card posted for a change that was rolled back.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.slack.text import Message
from store import outbox as store

# Defined in the store, whose queries single out kinds and which never imports bot/; re-exported.
from store.outbox import OutboxKind as OutboxKind


def queue_card(
    *, session: Session, lead_id: int, channel: str, message: Message, now: datetime
) -> int:
    """Queue the lead's card for `channel` (returns the outbox id); its ts is kept once posted."""
    return store.add_outbox_message(
        session=session,
        kind=OutboxKind.POST_CARD,
        channel=channel,
        payload=message.as_payload(),
        lead_id=lead_id,
        now=now,
    )


def queue_card_update(*, session: Session, lead_id: int, message: Message, now: datetime) -> None:
    """Queue the card's new content: folded into its post if unsent, else one chat.update."""
    payload = message.as_payload()
    # Slack then sees one post with the latest content instead of a post and an edit.
    if store.replace_pending_card_post(session=session, lead_id=lead_id, payload=payload):
        return
    # Only the newest content matters, so older unsent updates need not be sent at all.
    store.supersede_pending_updates(session=session, lead_id=lead_id)
    store.add_outbox_message(
        session=session,
        kind=OutboxKind.UPDATE_CARD,
        channel="",  # the card's channel is looked up on the lead when the update is sent
        payload=payload,
        lead_id=lead_id,
        now=now,
    )


def queue_message(*, session: Session, channel: str, message: Message, now: datetime) -> int:
    """Queue a plain post to a channel or a user ID (a DM); returns the outbox id."""
    return store.add_outbox_message(
        session=session,
        kind=OutboxKind.POST_MESSAGE,
        channel=channel,
        payload=message.as_payload(),
        lead_id=None,
        now=now,
    )


def queue_thread_line(*, session: Session, lead_id: int, message: Message, now: datetime) -> int:
    """Queue a line in the thread of the lead's card; sent after the card (and its updates)."""
    return store.add_outbox_message(
        session=session,
        kind=OutboxKind.THREAD_REPLY,
        channel="",  # the card's channel and ts are looked up on the lead when it is sent
        payload=message.as_payload(),
        lead_id=lead_id,
        now=now,
    )


def queue_edit(
    *,
    session: Session,
    channel: str,
    ts: str,
    message: Message,
    now: datetime,
    lead_id: int | None = None,
) -> int:
    """Queue a chat.update of a message already posted in `channel` (a conversation ID, not a
    user's: Slack edits a DM only by its D… ID) at `ts`; returns the outbox id. With the lead's
    id it waits behind the lead's earlier rows, as its card's updates do."""
    return store.add_outbox_message(
        session=session,
        kind=OutboxKind.EDIT_MESSAGE,
        channel=channel,
        payload={**message.as_payload(), "ts": ts},
        lead_id=lead_id,
        now=now,
    )
