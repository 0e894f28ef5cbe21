"""Queueing Slack sends in the caller's unit of work; `jobs.outbox` delivers them after commit.

A state change and the message it causes are committed together, so a crash never leaves a
claimed lead without its card update, or a card posted for a change that was rolled back.
"""

from __future__ import annotations

import base64
from datetime import datetime

from sqlmodel import Session

from bot.slack.text import Message
from store import outbox as store

# Defined in the store, whose queries single out kinds and which never imports bot/; re-exported.
from store.outbox import OutboxKind as OutboxKind

#: The largest file queued: its bytes sit in the row's payload (base64, a third more), read on
#: every claim. A funnel chart is about 60 KB.
MAX_FILE_BYTES = 1_000_000
#: Slack's limit on a file's alt text (files.getUploadURLExternal answers alt_txt_too_large).
MAX_ALT_TEXT = 1000


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


def queue_file(
    *,
    session: Session,
    channel: str,
    filename: str,
    title: str,
    content: bytes,
    thread_of: int | None,
    now: datetime,
    alt_text: str = "",
) -> int:
    """Queue a file upload (files_upload_v2) to `channel`; returns the outbox id.

    With `thread_of` (the outbox id of a message to the same channel) the file goes in that
    message's thread, and waits until it is sent; if that message is given up, the file is
    posted in the channel on its own. Its failures never hold the message back: the message is
    a row of its own, sent first.
    """
    if not filename or not content:
        raise ValueError("a file needs a name and some content")
    if len(content) > MAX_FILE_BYTES:
        raise ValueError(f"{filename} is {len(content):,} bytes; at most {MAX_FILE_BYTES:,}")
    payload = {
        "filename": filename,
        "title": title,
        "alt_text": alt_text[:MAX_ALT_TEXT],
        "content": base64.b64encode(content).decode("ascii"),
    }
    return store.add_outbox_message(
        session=session,
        kind=OutboxKind.UPLOAD_FILE,
        channel=channel,
        payload=payload,
        lead_id=None,
        now=now,
        thread_of=thread_of,
    )
