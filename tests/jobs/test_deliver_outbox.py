"""Delivering the outbox to the fake Slack through the real WebClient, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.fakeslack import FakeSlack
from bot.outbox import queue_card, queue_card_update, queue_message
from bot.slacktext import Message
from jobs.outbox import DeliveryReport, deliver_outbox, next_due_in
from store.db import session_factory, session_scope
from store.models import Lead, OutboxMessage
from store.outbox import claim_due_messages
from tests.conftest import NOW, empty_tables
from tests.factories import make_lead

CHANNEL = "C0SALES"


def card(text: str, *, body: str | None = None) -> Message:
    return Message(
        text=text,
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": body or text}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Claim"},
                        "action_id": "claim",
                    }
                ],
            },
        ],
    )


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url)


def deliver(engine: Engine, client: WebClient, at: datetime) -> DeliveryReport:
    return deliver_outbox(session_factory=session_factory(engine), client=client, now=at)


def queued_card(session: Session, text: str = "New lead", **lead: object) -> Lead:
    """A lead whose card is queued for CHANNEL, committed as the caller's unit of work would."""
    made = make_lead(session, **lead)
    queue_card(session=session, lead_id=made.id, channel=CHANNEL, message=card(text), now=NOW)
    session.commit()
    return made


def update(session: Session, lead: Lead, text: str, at: datetime = NOW) -> None:
    queue_card_update(session=session, lead_id=lead.id, message=card(text), now=at)
    session.commit()


def outbox(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def aware(at: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive (stored as UTC wall time)."""
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def texts(fake: FakeSlack, channel: str = CHANNEL) -> list[str]:
    return [message.text for message in fake.messages(channel)]


def test_a_card_is_posted_once_and_its_ts_recorded_on_the_lead(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    lead = queued_card(session, "Greta Maier")
    report = deliver(engine, client, NOW)

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [message] = fake.messages(CHANNEL)
    assert message.text == "Greta Maier"
    session.refresh(lead)
    assert (lead.card_channel, lead.card_ts) == (CHANNEL, message.ts)
    [row] = outbox(session)
    assert (row.status, row.result_ts, aware(row.sent_at)) == ("sent", message.ts, NOW)


def test_cards_are_posted_without_unfurls_or_name_linking(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    queued_card(session)
    deliver(engine, client, NOW)
    [call] = fake.calls_to("chat.postMessage")
    assert (call.args["unfurl_links"], call.args["unfurl_media"]) == (False, False)
    assert "link_names" not in call.args


def test_delivering_twice_sends_nothing_twice(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    queued_card(session)
    deliver(engine, client, NOW)
    again = deliver(engine, client, NOW + timedelta(minutes=5))
    assert again == DeliveryReport()
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_a_direct_message_goes_to_the_user(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    queue_message(session=session, channel="U0REP0001", message=Message(text="Hi"), now=NOW)
    session.commit()
    assert deliver(engine, client, NOW).sent == 1
    assert texts(fake, "U0REP0001") == ["Hi"]


def test_a_rate_limit_waits_for_retry_after(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    queued_card(session)
    fake.fail_next("chat.postMessage", retry_after=7)

    first = deliver(engine, client, NOW)
    assert (first.retried, first.retry_after) == (1, 7.0)
    assert deliver(engine, client, NOW + timedelta(seconds=3)) == DeliveryReport()
    assert texts(fake) == []
    assert deliver(engine, client, NOW + timedelta(seconds=8)).sent == 1
    assert texts(fake) == ["New lead"]
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_a_rate_limit_without_retry_after_waits_30_seconds(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    queued_card(session)
    fake.fail_next("chat.postMessage")
    assert deliver(engine, client, NOW).retry_after == 30.0
    [row] = outbox(session)
    assert aware(row.next_attempt_at) == NOW + timedelta(seconds=30)


def test_a_rate_limit_stops_the_batch_and_hands_the_rest_back(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    for n in range(3):
        queued_card(session, f"Lead {n}")
    fake.fail_next("chat.postMessage", retry_after=7)

    report = deliver(engine, client, NOW)
    assert (report.retried, report.deferred, report.sent) == (1, 2, 0)
    assert len(fake.calls_to("chat.postMessage")) == 1
    rows = outbox(session)
    assert [(r.attempts, r.locked_until) for r in rows[1:]] == [(0, None), (0, None)]
    assert deliver(engine, client, NOW + timedelta(seconds=8)).sent == 3
    assert sorted(texts(fake)) == ["Lead 0", "Lead 1", "Lead 2"]


def test_a_slack_outage_delays_cards_and_loses_or_doubles_none(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    for n in range(2):
        queued_card(session, f"Lead {n}")
    with fake.outage():
        assert deliver(engine, client, NOW).retried == 2  # backing off 5 s
        assert deliver(engine, client, NOW + timedelta(seconds=2)) == DeliveryReport()
        assert deliver(engine, client, NOW + timedelta(seconds=5)).retried == 2  # now 10 s
        assert deliver(engine, client, NOW + timedelta(seconds=14)) == DeliveryReport()
    assert texts(fake) == []
    assert [r.last_error for r in outbox(session)] == ["http_503", "http_503"]

    assert deliver(engine, client, NOW + timedelta(seconds=15)).sent == 2
    assert deliver(engine, client, NOW + timedelta(minutes=30)) == DeliveryReport()
    assert texts(fake) == ["Lead 0", "Lead 1"]
    assert [r.status for r in outbox(session)] == ["sent", "sent"]


def test_backoff_doubles_and_stops_at_ten_minutes(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    queued_card(session)
    at, waits = NOW, []
    with fake.outage():
        for _ in range(9):
            deliver(engine, client, at)
            [row] = outbox(session)
            waits.append((aware(row.next_attempt_at) - at).total_seconds())
            at = aware(row.next_attempt_at)
    assert waits == [5, 10, 20, 40, 80, 160, 320, 600, 600]


def test_an_unreachable_slack_is_retried(engine: Engine, session: Session) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # No retry handlers: the client's own connection retry would sleep before failing.
    offline = WebClient(
        token="xoxb-test", base_url=f"http://127.0.0.1:{port}/api/", retry_handlers=[]
    )
    queued_card(session)
    assert deliver(engine, offline, NOW).retried == 1
    [row] = outbox(session)
    assert (row.status, aware(row.next_attempt_at)) == ("pending", NOW + timedelta(seconds=5))
    assert row.last_error.startswith("network:")


def test_an_update_waits_for_its_post_and_edits_it_in_place(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    lead = queued_card(session, "v1")
    # Another sender has the post in flight, so the update cannot be folded into it.
    claim_due_messages(session=session, now=NOW, limit=10, lease=timedelta(seconds=60))
    session.commit()
    update(session, lead, "v2")

    assert deliver(engine, client, NOW) == DeliveryReport()  # the update may not overtake
    later = NOW + timedelta(seconds=61)  # that sender died; its lease ran out
    assert deliver(engine, client, later).sent == 1
    assert fake.calls_to("chat.update") == []
    assert deliver(engine, client, later).sent == 1

    [message] = fake.messages(CHANNEL)
    [edit] = fake.calls_to("chat.update")
    assert (edit.args["channel"], edit.args["ts"]) == (CHANNEL, message.ts)
    assert (message.text, message.edits) == ("v2", 1)


def test_an_update_queued_while_the_post_is_pending_replaces_its_content(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    lead = queued_card(session, "v1")
    update(session, lead, "v2")
    deliver(engine, client, NOW)
    deliver(engine, client, NOW)
    assert texts(fake) == ["v2"]
    assert (len(fake.calls_to("chat.postMessage")), len(fake.calls_to("chat.update"))) == (1, 0)


def test_several_updates_coalesce_to_the_latest(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    lead = queued_card(session, "v1")
    deliver(engine, client, NOW)
    for version in ("v2", "v3", "v4"):
        update(session, lead, version)
    assert deliver(engine, client, NOW).sent == 1
    [edit] = fake.calls_to("chat.update")
    assert edit.args["text"] == "v4"
    assert texts(fake) == ["v4"]


def test_invalid_blocks_fail_and_are_not_retried(
    engine: Engine,
    session: Session,
    fake: FakeSlack,
    client: WebClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    made = make_lead(session)
    too_long = card("Long", body="x" * 3001)
    queue_card(session=session, lead_id=made.id, channel=CHANNEL, message=too_long, now=NOW)
    session.commit()

    assert deliver(engine, client, NOW).failed == 1
    assert deliver(engine, client, NOW + timedelta(hours=1)) == DeliveryReport()
    assert len(fake.calls_to("chat.postMessage")) == 1
    [row] = outbox(session)
    assert (row.status, row.last_error) == ("failed", "invalid_blocks")
    assert "invalid_blocks" in caplog.text


def test_an_update_of_a_card_that_was_never_posted_fails(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    lead = queued_card(session, "v1")
    fake.fail_next("chat.postMessage", status=200, error="invalid_arguments")
    claim_due_messages(session=session, now=NOW, limit=10, lease=timedelta(seconds=60))
    session.commit()
    update(session, lead, "v2")
    later = NOW + timedelta(seconds=61)
    assert deliver(engine, client, later).failed == 1  # the post, for good
    assert deliver(engine, client, later).failed == 1  # so its update has nothing to edit
    assert [(r.status, r.last_error) for r in outbox(session)] == [
        ("failed", "invalid_arguments"),
        ("failed", "no_card"),
    ]
    assert fake.calls_to("chat.update") == []


def test_channel_not_found_is_retried_later_and_logged(
    engine: Engine,
    session: Session,
    fake: FakeSlack,
    client: WebClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    queued_card(session)
    fake.fail_next("chat.postMessage", status=200, error="channel_not_found")
    with caplog.at_level(logging.WARNING, logger="jobs.outbox"):
        assert deliver(engine, client, NOW).retried == 1
    assert f"{CHANNEL}: channel_not_found" in caplog.text

    assert deliver(engine, client, NOW + timedelta(minutes=14)) == DeliveryReport()
    assert deliver(engine, client, NOW + timedelta(minutes=15)).sent == 1
    assert texts(fake) == ["New lead"]


def test_per_lead_order_holds_while_other_leads_go_ahead(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    slow = queued_card(session, "slow v1")
    claim_due_messages(session=session, now=NOW, limit=10, lease=timedelta(seconds=60))
    session.commit()
    update(session, slow, "slow v2")
    queued_card(session, "fast")

    assert deliver(engine, client, NOW).sent == 1
    assert texts(fake) == ["fast"]
    later = NOW + timedelta(seconds=61)
    deliver(engine, client, later)
    deliver(engine, client, later)
    sent = [(c.method, c.args["text"]) for c in fake.calls]
    assert sent == [
        ("chat.postMessage", "fast"),
        ("chat.postMessage", "slow v1"),
        ("chat.update", "slow v2"),
    ]


def test_next_due_in_counts_down_to_the_retry(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    factory = session_factory(engine)
    assert next_due_in(session_factory=factory, now=NOW) is None
    queued_card(session)
    assert next_due_in(session_factory=factory, now=NOW) == 0
    fake.fail_next("chat.postMessage", retry_after=7)
    deliver(engine, client, NOW)
    assert next_due_in(session_factory=factory, now=NOW + timedelta(seconds=2)) == 5


def test_two_replicas_send_each_message_exactly_once(
    postgres_engine: Engine, fake: FakeSlack
) -> None:
    empty_tables(postgres_engine)
    factory = session_factory(postgres_engine)
    with session_scope(factory) as session:
        for n in range(40):
            made = make_lead(session)
            queue_card(
                session=session, lead_id=made.id, channel=CHANNEL, message=card(f"#{n}"), now=NOW
            )
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def replica() -> None:
        client = WebClient(token="xoxb-test", base_url=fake.url)
        try:
            start.wait(timeout=10)
            while True:
                report = deliver_outbox(session_factory=factory, client=client, now=NOW, limit=3)
                if not report.attempted:
                    break
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        assert sorted(texts(fake)) == sorted(f"#{n}" for n in range(40))
        assert len(fake.calls_to("chat.postMessage")) == 40
    finally:
        empty_tables(postgres_engine)
