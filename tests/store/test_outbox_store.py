"""Outbox queries and queueing, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.slack import outbox as bot_outbox
from bot.slack.outbox import queue_card, queue_card_update, queue_message
from bot.slack.text import Message
from store import outbox as store_outbox
from store.models import OutboxMessage
from store.outbox import (
    add_outbox_message,
    claim_due_messages,
    count_by_status,
    get_lead_card,
    mark_failed,
    mark_retry,
    mark_sent,
    next_due_at,
    pending_card_post,
    record_card_location,
    supersede_pending_updates,
)
from tests.factories import make_lead, reread

LEASE = timedelta(seconds=60)


def card(text: str) -> Message:
    return Message(
        text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    )


def rows(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def claim(session: Session, at: datetime, limit: int = 10) -> list[int]:
    return [m.id for m in claim_due_messages(session=session, now=at, limit=limit, lease=LEASE)]


def test_the_bot_and_the_store_share_one_kind_enum() -> None:
    assert bot_outbox.OutboxKind is store_outbox.OutboxKind


def test_a_queued_message_is_pending_and_due_now(session: Session, now: datetime) -> None:
    message = queue_message(session=session, channel="U0REP0001", message=card("Hi"), now=now)
    [row] = rows(session)
    assert row.id == message
    assert (row.kind, row.status, row.attempts, row.lead_id) == ("post_message", "pending", 0, None)
    assert row.payload == {"text": "Hi", "blocks": card("Hi").blocks}
    assert row.next_attempt_at == now


def test_claiming_leases_due_rows_and_counts_the_attempt(session: Session, now: datetime) -> None:
    first = queue_message(session=session, channel="C1", message=card("a"), now=now)
    second = queue_message(session=session, channel="C1", message=card("b"), now=now)
    session.commit()
    assert claim(session, now) == [first, second]
    claimed = rows(session)
    assert [m.attempts for m in claimed] == [1, 1]
    assert all(m.locked_until == now + LEASE for m in claimed)


def test_a_leased_row_is_not_claimed_again_until_its_lease_ends(
    session: Session, now: datetime
) -> None:
    message = queue_message(session=session, channel="C1", message=card("a"), now=now)
    session.commit()
    assert claim(session, now) == [message]
    assert claim(session, now + LEASE / 2) == []
    assert claim(session, now + LEASE + timedelta(seconds=1)) == [message]


def test_rows_not_yet_due_are_not_claimed(session: Session, now: datetime) -> None:
    message = queue_message(session=session, channel="C1", message=card("a"), now=now)
    session.commit()
    claim(session, now)
    mark_retry(
        session=session,
        message_id=message,
        locked_until=now + LEASE,
        at=now + timedelta(minutes=5),
        error="x",
    )
    assert claim(session, now + timedelta(minutes=4)) == []
    assert claim(session, now + timedelta(minutes=5)) == [message]


def test_claiming_respects_the_limit_and_id_order(session: Session, now: datetime) -> None:
    ids = [
        queue_message(session=session, channel="C1", message=card(str(n)), now=now)
        for n in range(5)
    ]
    session.commit()
    assert claim(session, now, limit=2) == ids[:2]
    assert claim(session, now, limit=10) == ids[2:]


def test_a_card_update_is_held_back_while_its_post_is_pending(
    session: Session, now: datetime
) -> None:
    lead = make_lead(session)
    other = make_lead(session)
    post = queue_card(session=session, lead_id=lead.id, channel="C1", message=card("v1"), now=now)
    session.commit()
    assert claim(session, now) == [post]  # the post is now in flight
    queue_card_update(session=session, lead_id=lead.id, message=card("v2"), now=now)
    other_post = queue_card(
        session=session, lead_id=other.id, channel="C1", message=card("o"), now=now
    )
    session.commit()
    assert claim(session, now) == [other_post]  # another lead is not held up

    mark_sent(session=session, message_id=post, locked_until=now + LEASE, now=now, ts="1.1")
    session.commit()
    update = rows(session)[1]
    assert (update.kind, update.lead_id) == ("update_card", lead.id)
    assert claim(session, now) == [update.id]


def test_an_update_while_the_post_is_unsent_replaces_its_content(
    session: Session, now: datetime
) -> None:
    lead = make_lead(session)
    post = queue_card(session=session, lead_id=lead.id, channel="C1", message=card("v1"), now=now)
    queue_card_update(session=session, lead_id=lead.id, message=card("v2"), now=now)
    [row] = rows(session)
    assert (row.id, row.kind, row.payload["text"]) == (post, "post_card", "v2")
    assert pending_card_post(session=session, lead_id=lead.id).id == row.id


def test_a_leased_post_is_not_replaced_but_followed_by_an_update(
    session: Session, now: datetime
) -> None:
    lead = make_lead(session)
    queue_card(session=session, lead_id=lead.id, channel="C1", message=card("v1"), now=now)
    session.commit()
    claim(session, now)
    assert pending_card_post(session=session, lead_id=lead.id) is None
    queue_card_update(session=session, lead_id=lead.id, message=card("v2"), now=now)
    assert [(m.kind, m.payload["text"]) for m in rows(session)] == [
        ("post_card", "v1"),
        ("update_card", "v2"),
    ]


def test_a_newer_update_supersedes_the_unsent_ones(session: Session, now: datetime) -> None:
    lead = make_lead(session)
    post = queue_card(session=session, lead_id=lead.id, channel="C1", message=card("v1"), now=now)
    claim(session, now)
    mark_sent(session=session, message_id=post, locked_until=now + LEASE, now=now, ts="1.1")
    for version in ("v2", "v3", "v4"):
        queue_card_update(session=session, lead_id=lead.id, message=card(version), now=now)
    assert [(m.status, m.payload["text"]) for m in rows(session)] == [
        ("sent", "v1"),
        ("superseded", "v2"),
        ("superseded", "v3"),
        ("pending", "v4"),
    ]
    assert supersede_pending_updates(session=session, lead_id=lead.id) == 1


def test_outcomes_are_recorded(session: Session, now: datetime) -> None:
    sent, retried, failed = (
        add_outbox_message(
            session=session, kind="post_message", channel="C1", payload={}, lead_id=None, now=now
        )
        for _ in range(3)
    )
    claim(session, now)
    held = now + LEASE
    assert mark_sent(session=session, message_id=sent, locked_until=held, now=now, ts="1.2")
    assert mark_retry(
        session=session,
        message_id=retried,
        locked_until=held,
        at=now + timedelta(seconds=5),
        error="http_503",
    )
    assert mark_failed(
        session=session, message_id=failed, locked_until=held, error="invalid_blocks " * 100
    )
    one, two, three = rows(session)
    assert (one.status, one.result_ts, one.sent_at) == ("sent", "1.2", now)
    assert (two.status, two.last_error, two.locked_until) == ("pending", "http_503", None)
    assert two.next_attempt_at == now + timedelta(seconds=5)
    assert (three.status, len(three.last_error)) == ("failed", 500)
    assert count_by_status(session=session) == {"sent": 1, "pending": 1, "failed": 1}


def test_the_card_location_is_kept_on_the_lead(session: Session) -> None:
    lead = make_lead(session)
    assert get_lead_card(session=session, lead_id=lead.id) is None
    record_card_location(session=session, lead_id=lead.id, channel="C1", ts="1700000000.000100")
    assert get_lead_card(session=session, lead_id=lead.id) == ("C1", "1700000000.000100")
    lead = reread(session, lead)
    assert (lead.card_channel, lead.card_ts) == ("C1", "1700000000.000100")


def test_next_due_skips_rows_waiting_behind_their_lead(session: Session, now: datetime) -> None:
    assert next_due_at(session=session) is None
    lead = make_lead(session)
    post = queue_card(session=session, lead_id=lead.id, channel="C1", message=card("v1"), now=now)
    session.commit()
    claim(session, now)  # in flight: due again only when the lease ends
    queue_card_update(session=session, lead_id=lead.id, message=card("v2"), now=now)
    assert next_due_at(session=session) == now + LEASE
    mark_retry(
        session=session,
        message_id=post,
        locked_until=now + LEASE,
        at=now + timedelta(minutes=15),
        error="x",
    )
    assert next_due_at(session=session) == now + timedelta(minutes=15)


def test_outcomes_only_land_on_rows_the_sender_still_holds(session: Session, now: datetime) -> None:
    message = queue_message(session=session, channel="C1", message=card("a"), now=now)
    session.commit()
    claim(session, now)
    first = now + LEASE  # the first sender's lease: its claim's token
    later = first + timedelta(seconds=1)
    claim(session, later)  # its lease ran out mid-send; a second sender took the row over
    second = later + LEASE

    assert not mark_sent(session=session, message_id=message, locked_until=first, now=now, ts="1")
    assert not mark_retry(
        session=session, message_id=message, locked_until=first, at=now, error="x"
    )
    assert not mark_failed(session=session, message_id=message, locked_until=first, error="x")
    [row] = rows(session)
    assert (row.status, row.attempts, row.locked_until, row.result_ts, row.last_error) == (
        "pending",
        2,
        second,
        None,
        "",
    )

    assert mark_sent(session=session, message_id=message, locked_until=second, now=later, ts="2")
    # Once sent, the row is nobody's to mark again.
    assert not mark_failed(session=session, message_id=message, locked_until=second, error="x")
    [row] = rows(session)
    assert (row.status, row.result_ts, row.locked_until, row.sent_at) == ("sent", "2", None, later)


def test_times_in_any_zone_are_compared_in_utc(session: Session, now: datetime) -> None:
    berlin = ZoneInfo("Europe/Berlin")  # 11:00 there is 10:00 UTC
    message = queue_message(
        session=session, channel="C1", message=card("a"), now=now.astimezone(berlin)
    )
    session.commit()
    assert claim(session, (now - timedelta(seconds=1)).astimezone(berlin)) == []
    assert claim(session, now) == [message]
    [row] = rows(session)
    assert row.locked_until == now + LEASE
    assert row.locked_until.tzinfo is not None
    assert next_due_at(session=session) == now + LEASE
