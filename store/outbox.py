"""Outbox queries: queue Slack sends, claim the due ones, record outcomes. Never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Result,
    Row,
    Table,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlmodel import Session

from store.models import Lead, OutboxMessage

# Plain table statements, not the ORM's: the outbox is written once per card and updated once
# per send, on the hot path of intake and delivery (see store/leads.py).
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
LEAD: Table = Lead.__table__  # type: ignore[attr-defined]
_INSERT = insert(OUTBOX).returning(OUTBOX.c.id)

ERROR_LENGTH = 500  # OutboxMessage.last_error's column width


class OutboxKind(StrEnum):
    """What a queued send does in Slack (defined here, as store/ never imports bot/)."""

    POST_CARD = "post_card"  # chat.postMessage, then remember the card's channel and ts
    UPDATE_CARD = "update_card"  # chat.update of the lead's card, in place
    POST_MESSAGE = "post_message"  # a plain chat.postMessage: a DM, a nudge, a digest


class OutboxStatus(StrEnum):
    """Where an outbox row is in its life; every status but PENDING is final."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SUPERSEDED = "superseded"  # an update replaced by a newer one before it was sent


def _rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE matched (DML results are cursor results)."""
    return int(cast(CursorResult[Any], result).rowcount)


def _unleased(now: datetime) -> ColumnElement[bool]:
    locked_until = OUTBOX.c.locked_until
    return or_(locked_until.is_(None), locked_until < now)


def _first_pending_of_its_lead() -> ColumnElement[bool]:
    """No earlier pending row for the same lead: a card update never overtakes its card post."""
    earlier = OUTBOX.alias("earlier")
    return ~exists().where(
        earlier.c.lead_id == OUTBOX.c.lead_id,
        earlier.c.id < OUTBOX.c.id,
        earlier.c.status == OutboxStatus.PENDING,
    )


def add_outbox_message(
    *,
    session: Session,
    kind: str,
    channel: str,
    payload: dict[str, Any],
    lead_id: int | None,
    now: datetime,
) -> int:
    """Queue one send, due at once; returns its id."""
    values = {
        "kind": kind,
        "channel": channel,
        "payload": payload,
        "lead_id": lead_id,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "last_error": "",
    }
    return int(session.execute(_INSERT, values).scalar_one())


def pending_card_post(*, session: Session, lead_id: int) -> Row[Any] | None:
    """The lead's card post if it is still waiting to be sent and nobody is sending it."""
    return session.execute(
        select(OUTBOX)
        .where(
            OUTBOX.c.lead_id == lead_id,
            OUTBOX.c.kind == OutboxKind.POST_CARD,
            OUTBOX.c.status == OutboxStatus.PENDING,
            OUTBOX.c.locked_until.is_(None),
        )
        .order_by(OUTBOX.c.id)
    ).first()


def replace_pending_card_post(*, session: Session, lead_id: int, payload: dict[str, Any]) -> bool:
    """Give the lead's unsent, unleased card post new content; False if there is no such post.

    One conditional UPDATE rather than read-then-write, so a sender that claims the post at the
    same moment either sees the new content or makes this match nothing (then the caller queues
    an update instead): the new content is never lost.
    """
    result = session.execute(
        update(OUTBOX)
        .where(
            OUTBOX.c.lead_id == lead_id,
            OUTBOX.c.kind == OutboxKind.POST_CARD,
            OUTBOX.c.status == OutboxStatus.PENDING,
            OUTBOX.c.locked_until.is_(None),
        )
        .values(payload=payload)
    )
    return bool(_rowcount(result))


def supersede_pending_updates(*, session: Session, lead_id: int) -> int:
    """Mark the lead's unsent, unleased card updates superseded; returns how many."""
    result = session.execute(
        update(OUTBOX)
        .where(
            OUTBOX.c.lead_id == lead_id,
            OUTBOX.c.kind == OutboxKind.UPDATE_CARD,
            OUTBOX.c.status == OutboxStatus.PENDING,
            OUTBOX.c.locked_until.is_(None),
        )
        .values(status=OutboxStatus.SUPERSEDED)
    )
    return int(_rowcount(result))


def claim_due_messages(
    *, session: Session, now: datetime, limit: int, lease: timedelta
) -> list[Row[Any]]:
    """Lease up to `limit` due rows (oldest first) to this sender and count the attempt.

    Every returned row's `locked_until` is `now + lease`: that value is the claim's token, which
    the sender passes back to `mark_sent`, `mark_retry`, `mark_failed` and `release` so they
    only touch rows it still holds. It is unique to this claim: another sender can only take a
    row once that lease has run out, and then sets a later one.

    On PostgreSQL `FOR UPDATE SKIP LOCKED` lets replicas claim side by side without waiting for
    or taking each other's rows. The UPDATE re-checks the lease, so on SQLite (no row locks) a
    row another sender leased in the meantime is simply not returned.
    """
    due = (
        select(OUTBOX.c.id)
        .where(
            OUTBOX.c.status == OutboxStatus.PENDING,
            OUTBOX.c.next_attempt_at <= now,
            _unleased(now),
            _first_pending_of_its_lead(),
        )
        .order_by(OUTBOX.c.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(session.execute(due).scalars().all())
    if not ids:
        return []
    claimed = session.execute(
        update(OUTBOX)
        .where(
            OUTBOX.c.id.in_(ids),
            OUTBOX.c.status == OutboxStatus.PENDING,
            _unleased(now),
        )
        .values(locked_until=now + lease, attempts=OUTBOX.c.attempts + 1)
        .returning(*OUTBOX.c)
    )
    return sorted(claimed.all(), key=lambda row: int(row.id))


def _set_held(
    session: Session, message_ids: Sequence[int], held_until: datetime, /, **values: Any
) -> int:
    """Update the rows only where the caller still holds them; returns how many it did.

    Held means still pending with the lease the caller's claim set. A row whose lease ran out
    and that another sender claimed (or already finished) is left alone: its outcome is theirs.
    """
    result = session.execute(
        update(OUTBOX)
        .where(
            OUTBOX.c.id.in_(message_ids),
            OUTBOX.c.status == OutboxStatus.PENDING,
            OUTBOX.c.locked_until == held_until,
        )
        .values(**values)
    )
    return int(_rowcount(result))


def mark_sent(
    *, session: Session, message_id: int, locked_until: datetime, now: datetime, ts: str | None
) -> bool:
    """Record that Slack accepted the send (and the message's ts, if it answered one).

    `locked_until` is the lease the claim set; False (nothing changed) if the row is no longer
    held under it.
    """
    return bool(
        _set_held(
            session,
            [message_id],
            locked_until,
            status=OutboxStatus.SENT,
            sent_at=now,
            result_ts=ts,
            locked_until=None,
            last_error="",
        )
    )


def mark_retry(
    *, session: Session, message_id: int, locked_until: datetime, at: datetime, error: str
) -> bool:
    """Put the row back in the queue, due at `at`, remembering why it was not sent.

    False (nothing changed) if the row is no longer held under the lease `locked_until`.
    """
    return bool(
        _set_held(
            session,
            [message_id],
            locked_until,
            next_attempt_at=at,
            locked_until=None,
            last_error=error[:ERROR_LENGTH],
        )
    )


def mark_failed(*, session: Session, message_id: int, locked_until: datetime, error: str) -> bool:
    """Give up on the row for good: Slack refused it in a way retrying cannot fix.

    False (nothing changed) if the row is no longer held under the lease `locked_until`.
    """
    return bool(
        _set_held(
            session,
            [message_id],
            locked_until,
            status=OutboxStatus.FAILED,
            locked_until=None,
            last_error=error[:ERROR_LENGTH],
        )
    )


def release(*, session: Session, message_ids: Sequence[int], locked_until: datetime) -> int:
    """Hand back claimed rows that were not tried, as if they had never been claimed.

    Only rows still held under the lease `locked_until`; returns how many were handed back.
    """
    if not message_ids:
        return 0
    return _set_held(
        session,
        message_ids,
        locked_until,
        locked_until=None,
        attempts=OUTBOX.c.attempts - 1,
    )


def record_card_location(*, session: Session, lead_id: int, channel: str, ts: str) -> None:
    """Remember where the lead's card was posted, so later updates edit it in place."""
    session.execute(
        update(LEAD).where(LEAD.c.id == lead_id).values(card_channel=channel, card_ts=ts)
    )


def get_lead_card(*, session: Session, lead_id: int) -> tuple[str, str] | None:
    """The (channel, ts) of the lead's posted card, or None if it has none yet."""
    row = session.execute(
        select(LEAD.c.card_channel, LEAD.c.card_ts).where(LEAD.c.id == lead_id)
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return row[0], row[1]


def count_by_status(*, session: Session) -> dict[str, int]:
    """How many outbox rows are in each status (statuses with none are left out)."""
    rows = session.execute(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status)).all()
    return {status: int(count) for status, count in rows}


def next_due_at(*, session: Session) -> datetime | None:
    """When the earliest pending row can next be claimed, or None if nothing is pending.

    Rows held back behind an earlier row of their lead are left out: that earlier row's time is
    the one that matters, and counting them would make a sender wake up for nothing.
    """
    due = func.coalesce(OUTBOX.c.locked_until, OUTBOX.c.next_attempt_at)
    earliest = session.execute(
        select(func.min(due)).where(
            OUTBOX.c.status == OutboxStatus.PENDING, _first_pending_of_its_lead()
        )
    ).scalar_one()
    return cast(datetime | None, earliest)
