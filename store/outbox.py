"""Outbox queries: queue Slack sends, claim the due ones, record outcomes. Never commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CursorResult,
    Result,
    Row,
    Table,
    Update,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlmodel import Session

from store.kinds import OutboxKind as OutboxKind
from store.kinds import OutboxStatus as OutboxStatus
from store.models import Lead, OutboxMessage, UtcDateTime

# Plain table statements, not the ORM's: the outbox is written once per card and updated once
# per send, on the hot path of intake and delivery (see store/leads.py).
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
LEAD: Table = Lead.__table__  # type: ignore[attr-defined]
_INSERT = insert(OUTBOX).returning(OUTBOX.c.id)

ERROR_LENGTH = 500  # OutboxMessage.last_error's column width


def _rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE matched (DML results are cursor results)."""
    return int(cast(CursorResult[Any], result).rowcount)


def _unleased(now: BindParameter[datetime]) -> ColumnElement[bool]:
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


def _not_waiting_for_its_thread() -> ColumnElement[bool]:
    """Its `thread_of` row, if any, is no longer pending: a file goes under a message once sent."""
    parent = OUTBOX.alias("parent")
    return ~exists().where(
        parent.c.id == OUTBOX.c.thread_of, parent.c.status == OutboxStatus.PENDING
    )


# Statements are built once: building one costs more than running it (the worker runs a few per
# card). Parameters are bound by name; names differ from column names, as UPDATE requires.
_NOW = bindparam("at_now", type_=UtcDateTime())
_DUE = (
    select(OUTBOX.c.id)
    .where(
        OUTBOX.c.status == OutboxStatus.PENDING,
        OUTBOX.c.next_attempt_at <= _NOW,
        _unleased(_NOW),
        _first_pending_of_its_lead(),
        _not_waiting_for_its_thread(),
    )
    .order_by(OUTBOX.c.id)
    .limit(bindparam("max_rows"))
)
_DUE_SKIP_LOCKED = _DUE.with_for_update(skip_locked=True)
_CLAIM = (
    update(OUTBOX)
    .where(
        OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
        OUTBOX.c.status == OutboxStatus.PENDING,
        _unleased(_NOW),
    )
    .values(locked_until=bindparam("lease_end"), attempts=OUTBOX.c.attempts + 1)
    .returning(*OUTBOX.c)
)
_UNSENT_OF_LEAD = (
    OUTBOX.c.lead_id == bindparam("of_lead"),
    OUTBOX.c.status == OutboxStatus.PENDING,
    OUTBOX.c.locked_until.is_(None),
)
_REPLACE_CARD_POST = (
    update(OUTBOX)
    .where(OUTBOX.c.kind == OutboxKind.POST_CARD, *_UNSENT_OF_LEAD)
    .values(payload=bindparam("new_payload"))
)
_SUPERSEDE_UPDATES = (
    update(OUTBOX)
    .where(OUTBOX.c.kind == OutboxKind.UPDATE_CARD, *_UNSENT_OF_LEAD)
    .values(status=OutboxStatus.SUPERSEDED)
)


def _held(**values: Any) -> Update:
    """An UPDATE of rows the caller still holds: pending, with the lease its claim set.

    A row whose lease ran out and that another sender claimed (or already finished) is left
    alone: its outcome is theirs.
    """
    return (
        update(OUTBOX)
        .where(
            OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
            OUTBOX.c.status == OutboxStatus.PENDING,
            OUTBOX.c.locked_until == bindparam("held_until", type_=UtcDateTime()),
        )
        .values(locked_until=None, **values)
    )


_MARK_SENT = _held(
    status=OutboxStatus.SENT,
    sent_at=bindparam("sent", type_=UtcDateTime()),
    result_ts=bindparam("ts"),
    last_error="",
)
_MARK_RETRY = _held(
    next_attempt_at=bindparam("retry_at", type_=UtcDateTime()), last_error=bindparam("why")
)
_MARK_FAILED = _held(status=OutboxStatus.FAILED, last_error=bindparam("why"))
_EXTEND_LEASE = (
    update(OUTBOX)
    .where(
        OUTBOX.c.id == bindparam("message_id"),
        OUTBOX.c.status == OutboxStatus.PENDING,
        OUTBOX.c.locked_until == bindparam("held_until", type_=UtcDateTime()),
    )
    .values(locked_until=bindparam("lease_end", type_=UtcDateTime()))
)
_RECORD_CARD = (
    update(LEAD)
    .where(LEAD.c.id == bindparam("of_lead"))
    .values(card_channel=bindparam("channel_id"), card_ts=bindparam("message_ts"))
)
_CARD_OF_LEAD = select(LEAD.c.card_channel, LEAD.c.card_ts).where(LEAD.c.id == bindparam("of_lead"))
_NEXT_DUE = select(func.min(func.coalesce(OUTBOX.c.locked_until, OUTBOX.c.next_attempt_at))).where(
    OUTBOX.c.status == OutboxStatus.PENDING,
    _first_pending_of_its_lead(),
    _not_waiting_for_its_thread(),
)
_THREAD_OF = select(OUTBOX.c.status, OUTBOX.c.result_ts).where(
    OUTBOX.c.id == bindparam("parent_id")
)


def add_outbox_message(
    *,
    session: Session,
    kind: str,
    channel: str,
    payload: dict[str, Any],
    lead_id: int | None,
    now: datetime,
    thread_of: int | None = None,
) -> int:
    """Queue one send, due at once (`thread_of`: once that row is sent or given up); returns its
    id."""
    values = {
        "kind": kind,
        "channel": channel,
        "payload": payload,
        "lead_id": lead_id,
        "thread_of": thread_of,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "last_error": "",
    }
    return int(session.execute(_INSERT, values).scalar_one())


def pending_card_post(*, session: Session, lead_id: int) -> Row[Any] | None:
    """The lead's card post if it is still waiting to be sent and nobody is sending it."""
    return (
        session.connection()
        .execute(
            select(OUTBOX)
            .where(
                OUTBOX.c.lead_id == lead_id,
                OUTBOX.c.kind == OutboxKind.POST_CARD,
                OUTBOX.c.status == OutboxStatus.PENDING,
                OUTBOX.c.locked_until.is_(None),
            )
            .order_by(OUTBOX.c.id)
        )
        .first()
    )


def replace_pending_card_post(*, session: Session, lead_id: int, payload: dict[str, Any]) -> bool:
    """Give the lead's unsent, unleased card post new content; False if there is no such post.

    One conditional UPDATE rather than read-then-write, so a sender that claims the post at the
    same moment either sees the new content or makes this match nothing (then the caller queues
    an update instead): the new content is never lost.
    """
    result = session.execute(_REPLACE_CARD_POST, {"of_lead": lead_id, "new_payload": payload})
    return bool(_rowcount(result))


def supersede_pending_updates(*, session: Session, lead_id: int) -> int:
    """Mark the lead's unsent, unleased card updates superseded; returns how many."""
    return _rowcount(session.execute(_SUPERSEDE_UPDATES, {"of_lead": lead_id}))


def claim_due_messages(
    *, session: Session, now: datetime, limit: int, lease: timedelta
) -> list[Row[Any]]:
    """Lease up to `limit` due rows (oldest first) to this sender and count the attempt.

    Every returned row's `locked_until` is `now + lease`: that value is the claim's token, which
    the sender passes back to `mark_sent`, `mark_retry` and `mark_failed` so they
    only touch rows it still holds. It is unique to this claim: another sender can only take a
    row once that lease has run out, and then sets a later one.

    On PostgreSQL `FOR UPDATE SKIP LOCKED` lets replicas claim side by side without waiting for
    or taking each other's rows. The UPDATE re-checks the lease, so on SQLite (no row locks) a
    row another sender leased in the meantime is simply not returned.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    due = _DUE_SKIP_LOCKED if postgres else _DUE
    ids = list(session.execute(due, {"at_now": now, "max_rows": limit}).scalars().all())
    if not ids:
        return []
    claimed = session.execute(_CLAIM, {"ids": ids, "at_now": now, "lease_end": now + lease})
    return sorted(claimed.all(), key=lambda row: int(row.id))


def mark_sent(
    *, session: Session, message_id: int, locked_until: datetime, now: datetime, ts: str | None
) -> bool:
    """Record that Slack accepted the send (and the message's ts, if it answered one).

    `locked_until` is the lease the claim set; False (nothing changed) if the row is no longer
    held under it.
    """
    values = {"ids": [message_id], "held_until": locked_until, "sent": now, "ts": ts}
    return bool(_rowcount(session.execute(_MARK_SENT, values)))


def mark_retry(
    *, session: Session, message_id: int, locked_until: datetime, at: datetime, error: str
) -> bool:
    """Put the row back in the queue, due at `at`, remembering why it was not sent.

    False (nothing changed) if the row is no longer held under the lease `locked_until`.
    """
    values = {"ids": [message_id], "held_until": locked_until, "retry_at": at}
    return bool(_rowcount(session.execute(_MARK_RETRY, {**values, "why": error[:ERROR_LENGTH]})))


def extend_lease(
    *, session: Session, message_id: int, locked_until: datetime, until: datetime
) -> bool:
    """Hold the row until `until` instead, for a send that takes several calls; `until` is then
    the claim's token. False (nothing changed) if the row is no longer held under
    `locked_until`."""
    values = {"message_id": message_id, "held_until": locked_until, "lease_end": until}
    return bool(_rowcount(session.execute(_EXTEND_LEASE, values)))


def mark_failed(*, session: Session, message_id: int, locked_until: datetime, error: str) -> bool:
    """Give up on the row for good: Slack refused it in a way retrying cannot fix.

    False (nothing changed) if the row is no longer held under the lease `locked_until`.
    """
    values = {"ids": [message_id], "held_until": locked_until, "why": error[:ERROR_LENGTH]}
    return bool(_rowcount(session.execute(_MARK_FAILED, values)))


def record_card_location(*, session: Session, lead_id: int, channel: str, ts: str) -> None:
    """Remember where the lead's card was posted, so later updates edit it in place."""
    session.execute(_RECORD_CARD, {"of_lead": lead_id, "channel_id": channel, "message_ts": ts})


def get_lead_card(*, session: Session, lead_id: int) -> tuple[str, str] | None:
    """The (channel, ts) of the lead's posted card, or None if it has none yet."""
    row = session.execute(_CARD_OF_LEAD, {"of_lead": lead_id}).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return row[0], row[1]


def thread_parent(*, session: Session, message_id: int) -> tuple[OutboxStatus, str | None] | None:
    """The status of the outbox row `message_id` and the ts Slack gave it, or None if none is."""
    row = session.execute(_THREAD_OF, {"parent_id": message_id}).first()
    return None if row is None else (OutboxStatus(row[0]), row[1])


def count_by_status(*, session: Session) -> dict[str, int]:
    """How many outbox rows are in each status (statuses with none are left out)."""
    rows = (
        session.connection()
        .execute(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status))
        .all()
    )
    return {status: int(count) for status, count in rows}


def next_due_at(*, session: Session) -> datetime | None:
    """When the earliest pending row can next be claimed, or None if nothing is pending.

    Rows held back behind an earlier row of their lead, or waiting for the message they go under,
    are left out: that other row's time is the one that matters, and counting them would make a
    sender wake up for nothing.
    """
    return cast(datetime | None, session.execute(_NEXT_DUE).scalar_one())
