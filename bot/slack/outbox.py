"""Queueing Slack sends in the caller's unit of work; `jobs.outbox` delivers them after commit.

A state change and the message it causes are committed together, so a crash never leaves a
claimed lead without its card update, or a card posted for a change that was rolled back.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.slack.text import Message, escape
from store import outbox as store

# Defined in the store, whose queries single out kinds and which never imports bot/; re-exported.
from store.outbox import OutboxKind as OutboxKind

#: The largest file queued: its bytes sit in the row's payload (base64, a third more), read on
#: every claim. A funnel chart is about 60 KB.
MAX_FILE_BYTES = 1_000_000
#: Slack's limit on a file's alt text (files.getUploadURLExternal answers alt_txt_too_large).
MAX_ALT_TEXT = 1000


@dataclass(frozen=True)
class MessageRef:
    """A message Slack has: its conversation and ts (a lead's earlier card, say)."""

    channel: str
    ts: str


# A link to a message is only known to Slack (a permalink carries the workspace's domain), so a
# queued message holds `<leadbot:permalink|label>` and, under LINKED, the message it points to;
# the outbox asks chat.getPermalink when it sends, and writes `<url|label>` (or `label` alone
# when Slack has no link for it any more). User text is escaped (no `<`), so only leadbot's own
# builders can write the marker.
PERMALINK = "leadbot:permalink"
LINKED = "permalink_of"
THREAD = "thread_ts"  # a plain post that is a reply in some message's thread
_MARKER = re.compile(r"<leadbot:permalink\|([^<>]*)>")


def permalink(label: str) -> str:
    """Where a queued message links the message it was queued with (see `queue_card`)."""
    return f"<{PERMALINK}|{label}>"


def linked_message(payload: dict[str, Any]) -> MessageRef | None:
    """The message a queued payload links to, if any."""
    ref = payload.get(LINKED)
    if not isinstance(ref, dict) or not ref.get("channel") or not ref.get("ts"):
        return None
    return MessageRef(channel=str(ref["channel"]), ts=str(ref["ts"]))


def with_permalink(value: Any, url: str | None) -> Any:
    """`value` (text or blocks) with each marker made a link to `url`, or its label alone."""
    if isinstance(value, str):
        # A thread reply's permalink carries `&cid=`: `&` is a control character in mrkdwn.
        return _MARKER.sub(lambda m: f"<{escape(url)}|{m[1]}>" if url else m[1], value)
    if isinstance(value, list):
        return [with_permalink(item, url) for item in value]
    if isinstance(value, dict):
        return {key: with_permalink(item, url) for key, item in value.items()}
    return value


def _payload(
    message: Message, *, link: MessageRef | None = None, thread_ts: str | None = None
) -> dict[str, Any]:
    payload = message.as_payload()
    if link is not None:
        payload[LINKED] = {"channel": link.channel, "ts": link.ts}
    if thread_ts is not None:
        payload[THREAD] = thread_ts
    return payload


def queue_card(
    *,
    session: Session,
    lead_id: int,
    channel: str,
    message: Message,
    now: datetime,
    link: MessageRef | None = None,
) -> int:
    """Queue the lead's card for `channel` (returns the outbox id); its ts is kept once posted.
    With `link`, the card's `permalink(...)` markers link to that message."""
    return store.add_outbox_message(
        session=session,
        kind=OutboxKind.POST_CARD,
        channel=channel,
        payload=_payload(message, link=link),
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


def queue_message(
    *,
    session: Session,
    channel: str,
    message: Message,
    now: datetime,
    thread_ts: str | None = None,
) -> int:
    """Queue a plain post to a channel or a user ID (a DM), or with `thread_ts` a reply in that
    message's thread (a lead's earlier card, which the lead no longer points to); returns the
    outbox id. It waits for no lead's other sends, and none waits for it."""
    return store.add_outbox_message(
        session=session,
        kind=OutboxKind.POST_MESSAGE,
        channel=channel,
        payload=_payload(message, thread_ts=thread_ts),
        lead_id=None,
        now=now,
    )


def queue_thread_line(
    *,
    session: Session,
    lead_id: int,
    message: Message,
    now: datetime,
    link: MessageRef | None = None,
) -> int:
    """Queue a line in the thread of the lead's card; sent after the card (and its updates).
    With `link`, the line's `permalink(...)` markers link to that message."""
    return store.add_outbox_message(
        session=session,
        kind=OutboxKind.THREAD_REPLY,
        channel="",  # the card's channel and ts are looked up on the lead when it is sent
        payload=_payload(message, link=link),
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
