"""Delivering the outbox to the fake Slack through the real WebClient, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.slack.outbox import queue_card, queue_card_update, queue_message
from bot.slack.text import Message
from bot.testkit.fakeslack import FakeSlack
from jobs.outbox import DeliveryReport, deliver_outbox, next_due_in, send_budget
from store.db import session_factory, session_scope
from store.models import Lead, OutboxMessage
from store.outbox import claim_due_messages
from tests.conftest import NOW, empty_tables
from tests.factories import make_lead, reread

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


def deliver(engine: Engine, client: WebClient, at: datetime, limit: int = 10) -> DeliveryReport:
    return deliver_outbox(
        session_factory=session_factory(engine), client=client, now=at, limit=limit
    )


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
    rows = list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())
    session.commit()  # ends the read: on SQLite it holds the write lock deliveries need
    return rows


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
    lead = reread(session, lead)
    assert (lead.card_channel, lead.card_ts) == (CHANNEL, message.ts)
    [row] = outbox(session)
    assert (row.status, row.result_ts, row.sent_at) == ("sent", message.ts, NOW)


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
    assert row.next_attempt_at == NOW + timedelta(seconds=30)


def test_a_rate_limit_stops_the_round_and_leaves_the_rest_untouched(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    for n in range(3):
        queued_card(session, f"Lead {n}")
    fake.fail_next("chat.postMessage", retry_after=7)

    report = deliver(engine, client, NOW)
    assert (report.retried, report.sent) == (1, 0)
    assert len(fake.calls_to("chat.postMessage")) == 1
    rows = outbox(session)
    assert [(r.attempts, r.locked_until) for r in rows[1:]] == [(0, None), (0, None)]
    assert deliver(engine, client, NOW + timedelta(seconds=8)).sent == 3
    assert sorted(texts(fake)) == ["Lead 0", "Lead 1", "Lead 2"]


def test_a_slack_outage_stops_the_round_and_every_card_keeps_its_place(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    for n in range(3):
        queued_card(session, f"Lead {n}")
    with fake.outage():
        report = deliver(engine, client, NOW)
        assert (report.retried, report.unavailable) == (1, "http_503")
        assert len(fake.calls_to("chat.postMessage")) == 1  # not one try per waiting card
    rows = outbox(session)
    assert [(r.attempts, r.next_attempt_at, r.last_error) for r in rows] == [
        (1, NOW, "http_503"),  # due again as soon as Slack answers
        (0, NOW, ""),
        (0, NOW, ""),
    ]
    assert deliver(engine, client, NOW + timedelta(seconds=1)).sent == 3
    assert texts(fake) == ["Lead 0", "Lead 1", "Lead 2"]  # in order
    assert deliver(engine, client, NOW + timedelta(minutes=30)) == DeliveryReport()
    assert [r.status for r in outbox(session)] == ["sent"] * 3


def test_a_card_slack_keeps_failing_backs_off_alone_and_lets_the_others_by(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    queued_card(session, "Poison")
    queued_card(session, "Fine")
    fake.fail_next("chat.postMessage", status=500, times=3)
    for _ in range(3):  # the worker probes Slack between these rounds, and Slack answers
        assert deliver(engine, client, NOW).unavailable == "http_500"
    [poison, fine] = outbox(session)
    assert (poison.attempts, poison.next_attempt_at) == (3, NOW + timedelta(seconds=5))
    assert deliver(engine, client, NOW).sent == 1
    assert texts(fake) == ["Fine"]
    assert deliver(engine, client, NOW + timedelta(seconds=5)).sent == 1
    assert texts(fake) == ["Fine", "Poison"]


def test_backoff_of_a_failing_card_doubles_and_stops_at_ten_minutes(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    queued_card(session)
    at, waits = NOW, []
    with fake.outage():
        for _ in range(11):
            deliver(engine, client, at)
            [row] = outbox(session)
            waits.append((row.next_attempt_at - at).total_seconds())
            at = row.next_attempt_at
    assert waits == [0, 0, 5, 10, 20, 40, 80, 160, 320, 600, 600]


def test_an_unreachable_slack_is_retried(engine: Engine, session: Session) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # As bot.runtime.app.make_web_client builds it; the outbox sends with a copy without it.
    offline = WebClient(
        token="xoxb-test",
        base_url=f"http://127.0.0.1:{port}/api/",
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
    )
    queued_card(session)
    report = deliver(engine, offline, NOW)
    assert report.retried == 1
    assert report.unavailable is not None and report.unavailable.startswith("network:")
    [row] = outbox(session)
    assert (row.status, row.next_attempt_at) == ("pending", NOW)
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
    assert deliver(engine, client, later, limit=1).sent == 1
    assert fake.calls_to("chat.update") == []  # the post went first
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
    assert deliver(engine, client, later, limit=1).failed == 1  # the post, for good
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


SLOW = timedelta(seconds=25)  # how long each Slack call takes in the tests of a slow Slack


def slow_slack(fake: FakeSlack) -> datetime:
    """The time if every call Slack has received so far took SLOW."""
    return NOW + len(fake.calls) * SLOW


def test_each_card_is_leased_just_before_its_call_for_one_call(
    engine: Engine, session: Session, fake: FakeSlack
) -> None:
    for n in range(3):
        queue_message(session=session, channel=f"U0REP{n:04d}", message=Message(f"{n}"), now=NOW)
    session.commit()
    client = WebClient(token="xoxb-test", base_url=fake.url, timeout=10)
    leases: list[tuple[datetime | None, ...]] = []

    def clock() -> datetime:
        """Every call takes the client's whole timeout; notes the leases held at each call."""
        leases.append(tuple(r.locked_until for r in outbox(session)))
        return NOW + len(fake.calls) * timedelta(seconds=client.timeout)

    report = deliver_outbox(
        session_factory=session_factory(engine), client=client, now=NOW, clock=clock
    )
    assert report.sent == 3
    budget = send_budget(client)
    held = [lease for lease in leases if any(lease)]
    # While a card is in flight it alone is leased, from its own claim, for one call.
    assert held == [
        (NOW + budget, None, None),
        (None, NOW + timedelta(seconds=10) + budget, None),
        (None, None, NOW + timedelta(seconds=20) + budget),
    ]


def test_after_a_kill_mid_call_the_other_cards_go_at_once_and_the_one_in_flight_after_its_lease(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    for n in range(3):
        queued_card(session, f"Lead {n}")
    with session_scope(session_factory(engine)) as dead:  # a sender killed mid-call: no outcome
        claim_due_messages(session=dead, now=NOW, limit=1, lease=send_budget(client))

    restarted = deliver(engine, client, NOW + timedelta(seconds=1))
    assert restarted.sent == 2
    assert texts(fake) == ["Lead 1", "Lead 2"]
    assert deliver(engine, client, NOW + send_budget(client)) == DeliveryReport()  # still leased
    assert deliver(engine, client, NOW + send_budget(client) + timedelta(seconds=1)).sent == 1
    assert texts(fake) == ["Lead 1", "Lead 2", "Lead 0"]


def test_the_outcome_of_a_call_that_outlived_its_lease_is_not_recorded(
    engine: Engine, session: Session, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    lead = queued_card(session, "Greta Maier")
    client = WebClient(token="xoxb-test", base_url=fake.url, timeout=10)
    factory = session_factory(engine)
    taken_over: list[datetime] = []

    def meanwhile() -> datetime:
        """The first sender's clock: its call takes so long another replica claims the row."""
        at = slow_slack(fake)
        if fake.calls and not taken_over:
            with session_scope(factory) as other:
                [row] = claim_due_messages(
                    session=other, now=at, limit=10, lease=timedelta(seconds=60)
                )
                assert row.locked_until is not None
                taken_over.append(row.locked_until)  # its own send is now in flight
        return at

    report = deliver_outbox(
        session_factory=factory,
        client=client,
        now=NOW,
        limit=1,
        lease=send_budget(client),
        clock=meanwhile,
    )

    assert report.sent == 1  # Slack did take it, but the row is no longer this sender's
    [row] = outbox(session)
    assert (row.status, row.locked_until, row.attempts) == ("pending", taken_over[0], 2)
    assert (row.result_ts, row.sent_at) == (None, None)
    lead = reread(session, lead)
    assert lead.card_ts is None  # the replica records where its post went
    assert f"Outbox #{row.id}: its lease ran out" in caplog.text


def test_a_lease_too_short_for_one_call_is_refused(engine: Engine, client: WebClient) -> None:
    with pytest.raises(ValueError, match="no time to send"):
        deliver_outbox(
            session_factory=session_factory(engine),
            client=client,
            now=NOW,
            lease=send_budget(client) - timedelta(seconds=1),
        )


def test_the_client_never_retries_a_send_by_itself(
    engine: Engine, session: Session, fake: FakeSlack
) -> None:
    retrying = ServerErrorRetryHandler(
        max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0)
    )
    client = WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[retrying])
    queued_card(session)
    fake.fail_next("chat.postMessage", status=503)

    assert deliver(engine, client, NOW).retried == 1  # the outbox retries, once Slack answers
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert client.retry_handlers == [retrying]  # the caller's client (Bolt's too) is untouched
    assert deliver(engine, client, NOW).sent == 1
    assert texts(fake) == ["New lead"]


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
