"""The statements of erasure (`leadbot forget`): rewriting a lead's events and its Slack messages
as leadbot stored them. Keyword-only, take the session, never commit (the caller erases in one
transaction)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Text, Update, bindparam, select, update
from sqlalchemy import cast as sql_cast
from sqlmodel import Session

from store.kinds import OutboxKind, OutboxStatus
from store.leads import EVENT
from store.outbox import OUTBOX

_REWRITE_EVENT = (
    update(EVENT)
    .where(EVENT.c.id == bindparam("event_id"))
    .values(reason=bindparam("new_reason"), data=bindparam("new_data"))
)
_SET_PAYLOAD = (
    update(OUTBOX).where(OUTBOX.c.id == bindparam("message_id")).values(payload=bindparam("body"))
)


def rewrite_events(*, session: Session, changes: Sequence[tuple[int, str, dict[str, Any]]]) -> None:
    """Give these events (id, reason, data) new content; kind, time, actor and stages stay."""
    if changes:
        rows = [{"event_id": i, "new_reason": r, "new_data": d} for i, r, d in changes]
        session.execute(_REWRITE_EVENT, rows)


def replace_lead_payloads(*, session: Session, lead_id: int, payload: dict[str, Any]) -> int:
    """Give every outbox row of the lead (its card, card updates, thread lines; sent or not) this
    payload; returns how many. Rows being sent right now go out as their sender read them."""
    query = update(OUTBOX).where(OUTBOX.c.lead_id == lead_id).values(payload=payload)
    return int(cast(CursorResult[Any], session.execute(query)).rowcount)


def supersede_unsent(*, session: Session, lead_id: int, kinds: Sequence[OutboxKind]) -> int:
    """Mark the lead's unsent rows of these kinds superseded (never sent); rows a sender holds
    (leased) are left to it. Returns how many."""
    query: Update = (
        update(OUTBOX)
        .where(
            OUTBOX.c.lead_id == lead_id,
            OUTBOX.c.kind.in_(list(kinds)),
            OUTBOX.c.status == OutboxStatus.PENDING,
            OUTBOX.c.locked_until.is_(None),
        )
        .values(status=OutboxStatus.SUPERSEDED)
    )
    return int(cast(CursorResult[Any], session.execute(query)).rowcount)


@dataclass(frozen=True)
class StoredMessage:
    """An outbox row, as erasure reads it."""

    id: int
    payload: dict[str, Any]
    status: str
    channel: str
    result_ts: str | None  # the message's ts once Slack took it


def rows_containing(
    *, session: Session, text: str, batch_size: int = 500
) -> Iterator[StoredMessage]:
    """The outbox rows of no lead (DMs, channel posts) whose stored JSON holds `text` (a plain
    substring: the caller checks each payload itself), read in batches."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = (
        select(OUTBOX.c.id, OUTBOX.c.payload, OUTBOX.c.status, OUTBOX.c.channel, OUTBOX.c.result_ts)
        .where(
            OUTBOX.c.lead_id.is_(None),
            sql_cast(OUTBOX.c.payload, Text).like(pattern, escape="\\"),
        )
        .order_by(OUTBOX.c.id)
    )
    options = {"yield_per": batch_size}
    result = session.connection().execute(query, execution_options=options)
    try:
        for row in result:
            yield StoredMessage(int(row.id), dict(row.payload), str(row.status), row.channel,
                                row.result_ts)  # fmt: skip
    finally:
        result.close()


def sent_thread_lines(*, session: Session, lead_id: int) -> list[str]:
    """The ts of every line leadbot posted in the thread of the lead's card, oldest first."""
    query = (
        select(OUTBOX.c.result_ts)
        .where(
            OUTBOX.c.lead_id == lead_id,
            OUTBOX.c.kind == OutboxKind.THREAD_REPLY,
            OUTBOX.c.status == OutboxStatus.SENT,
            OUTBOX.c.result_ts.is_not(None),
        )
        .order_by(OUTBOX.c.id)
    )
    return [str(ts) for ts in session.execute(query).scalars()]


def set_payload(*, session: Session, message_id: int, payload: dict[str, Any]) -> None:
    """Give one outbox row a new payload (whatever its status)."""
    session.execute(_SET_PAYLOAD, {"message_id": message_id, "body": payload})
