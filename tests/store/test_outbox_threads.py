"""Outbox rows that go under another row's message (`thread_of`), and longer leases; on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from store.outbox import (
    OutboxKind,
    OutboxStatus,
    add_outbox_message,
    claim_due_messages,
    extend_lease,
    mark_failed,
    mark_retry,
    mark_sent,
    next_due_at,
    thread_parent,
)

LEASE = timedelta(seconds=60)


def message_and_file(session: Session, now: datetime) -> tuple[int, int]:
    message = add_outbox_message(
        session=session, kind=OutboxKind.POST_MESSAGE, channel="C1",
        payload={"text": "Digest"}, lead_id=None, now=now,
    )  # fmt: skip
    upload = add_outbox_message(
        session=session, kind=OutboxKind.UPLOAD_FILE, channel="C1",
        payload={"filename": "f.png"}, lead_id=None, now=now, thread_of=message,
    )  # fmt: skip
    return message, upload


def claim(session: Session, at: datetime) -> list[int]:
    return [m.id for m in claim_due_messages(session=session, now=at, limit=10, lease=LEASE)]


def test_a_row_is_not_claimed_while_the_row_it_goes_under_is_pending(
    session: Session, now: datetime
) -> None:
    message, _ = message_and_file(session, now)
    assert claim(session, now) == [message]  # only the message, though both are due
    assert claim(session, now + LEASE * 2) == [message]  # its lease ran out: again, alone


def test_it_is_claimed_once_that_row_is_sent(session: Session, now: datetime) -> None:
    message, upload = message_and_file(session, now)
    claim(session, now)
    mark_sent(session=session, message_id=message, locked_until=now + LEASE, now=now, ts="1.2")
    assert claim(session, now) == [upload]
    assert thread_parent(session=session, message_id=message) == (OutboxStatus.SENT, "1.2")


def test_it_is_claimed_once_that_row_failed_for_good(session: Session, now: datetime) -> None:
    message, upload = message_and_file(session, now)
    claim(session, now)
    mark_failed(session=session, message_id=message, locked_until=now + LEASE, error="x")
    assert claim(session, now) == [upload]
    assert thread_parent(session=session, message_id=message) == (OutboxStatus.FAILED, None)


def test_next_due_is_the_time_of_the_row_it_waits_for(session: Session, now: datetime) -> None:
    message, _ = message_and_file(session, now)
    claim(session, now)
    later = now + timedelta(minutes=15)
    mark_retry(session=session, message_id=message, locked_until=now + LEASE, at=later, error="x")
    assert next_due_at(session=session) == later


def test_no_thread_parent_for_an_unknown_row(session: Session) -> None:
    assert thread_parent(session=session, message_id=12345) is None


def test_only_the_holder_extends_a_lease(session: Session, now: datetime) -> None:
    message, _ = message_and_file(session, now)
    claim(session, now)
    held, longer = now + LEASE, now + 3 * LEASE
    assert not extend_lease(session=session, message_id=message, locked_until=now, until=longer)
    assert extend_lease(session=session, message_id=message, locked_until=held, until=longer)
    assert claim(session, now + 2 * LEASE) == []  # the first lease would have run out here
    assert mark_sent(session=session, message_id=message, locked_until=longer, now=now, ts="1.2")
