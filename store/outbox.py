"""Outbox queries: queue Slack sends, claim the due ones, record outcomes. Never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, update
from sqlmodel import Session, col, select

from store.models import Lead, OutboxMessage

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


def _unleased(now: datetime) -> ColumnElement[bool]:
    locked_until = col(OutboxMessage.locked_until)
    return or_(locked_until.is_(None), locked_until < now)


def _first_pending_of_its_lead() -> ColumnElement[bool]:
    """No earlier pending row for the same lead: a card update never overtakes its card post."""
    earlier = OutboxMessage.__table__.alias("earlier")  # type: ignore[attr-defined]
    return ~exists().where(
        earlier.c.lead_id == col(OutboxMessage.lead_id),
        earlier.c.id < col(OutboxMessage.id),
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
) -> OutboxMessage:
    """Queue one send, due at once; flushed so it has its id."""
    message = OutboxMessage(
        kind=kind,
        channel=channel,
        payload=payload,
        lead_id=lead_id,
        status=OutboxStatus.PENDING,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(message)
    session.flush()
    return message


def pending_card_post(*, session: Session, lead_id: int) -> OutboxMessage | None:
    """The lead's card post if it is still waiting to be sent and nobody is sending it."""
    return session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.lead_id == lead_id,
            OutboxMessage.kind == OutboxKind.POST_CARD,
            OutboxMessage.status == OutboxStatus.PENDING,
            col(OutboxMessage.locked_until).is_(None),
        )
        .order_by(col(OutboxMessage.id))
    ).first()


def replace_pending_card_post(*, session: Session, lead_id: int, payload: dict[str, Any]) -> bool:
    """Give the lead's unsent, unleased card post new content; False if there is no such post.

    One conditional UPDATE rather than read-then-write, so a sender that claims the post at the
    same moment either sees the new content or makes this match nothing (then the caller queues
    an update instead): the new content is never lost.
    """
    result = session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.lead_id) == lead_id,
            col(OutboxMessage.kind) == OutboxKind.POST_CARD,
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            col(OutboxMessage.locked_until).is_(None),
        )
        .values(payload=payload)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def supersede_pending_updates(*, session: Session, lead_id: int) -> int:
    """Mark the lead's unsent, unleased card updates superseded; returns how many."""
    result = session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.lead_id) == lead_id,
            col(OutboxMessage.kind) == OutboxKind.UPDATE_CARD,
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            col(OutboxMessage.locked_until).is_(None),
        )
        .values(status=OutboxStatus.SUPERSEDED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


def claim_due_messages(
    *, session: Session, now: datetime, limit: int, lease: timedelta
) -> list[OutboxMessage]:
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
        select(col(OutboxMessage.id))
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            col(OutboxMessage.next_attempt_at) <= now,
            _unleased(now),
            _first_pending_of_its_lead(),
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(session.exec(due).all())
    if not ids:
        return []
    claimed = session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(ids),
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            _unleased(now),
        )
        .values(locked_until=now + lease, attempts=col(OutboxMessage.attempts) + 1)
        .returning(col(OutboxMessage.id))
        .execution_options(synchronize_session=False)
    )
    claimed_ids = list(claimed.scalars().all())
    return list(
        session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.id).in_(claimed_ids))
            .order_by(col(OutboxMessage.id))
            .execution_options(populate_existing=True)
        ).all()
    )


def _set_held(
    session: Session, message_ids: Sequence[int], held_until: datetime, /, **values: Any
) -> int:
    """Update the rows only where the caller still holds them; returns how many it did.

    Held means still pending with the lease the caller's claim set. A row whose lease ran out
    and that another sender claimed (or already finished) is left alone: its outcome is theirs.
    """
    result = session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(message_ids),
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            col(OutboxMessage.locked_until) == held_until,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


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
        attempts=col(OutboxMessage.attempts) - 1,
    )


def record_card_location(*, session: Session, lead_id: int, channel: str, ts: str) -> None:
    """Remember where the lead's card was posted, so later updates edit it in place."""
    session.exec(
        update(Lead)
        .where(col(Lead.id) == lead_id)
        .values(card_channel=channel, card_ts=ts)
        .execution_options(synchronize_session=False)
    )


def get_lead_card(*, session: Session, lead_id: int) -> tuple[str, str] | None:
    """The (channel, ts) of the lead's posted card, or None if it has none yet."""
    row = session.exec(select(Lead.card_channel, Lead.card_ts).where(Lead.id == lead_id)).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return row[0], row[1]


def count_by_status(*, session: Session) -> dict[str, int]:
    """How many outbox rows are in each status (statuses with none are left out)."""
    rows = session.exec(
        select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
    ).all()
    return {status: int(count) for status, count in rows}


def next_due_at(*, session: Session) -> datetime | None:
    """When the earliest pending row can next be claimed, or None if nothing is pending.

    Rows held back behind an earlier row of their lead are left out: that earlier row's time is
    the one that matters, and counting them would make a sender wake up for nothing.
    """
    due = func.coalesce(col(OutboxMessage.locked_until), col(OutboxMessage.next_attempt_at))
    earliest = session.exec(
        select(func.min(due)).where(
            OutboxMessage.status == OutboxStatus.PENDING, _first_pending_of_its_lead()
        )
    ).one()
    return earliest
