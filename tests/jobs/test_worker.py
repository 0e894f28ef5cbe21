"""The outbox worker thread, against the fake Slack, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from sqlalchemy import Engine
from sqlmodel import Session

from bot.slack.outbox import queue_card
from bot.slack.text import Message
from bot.testkit.fakeslack import FakeSlack
from jobs.worker import OutboxWorker, slack_answers
from store.db import SessionFactory, session_factory
from tests.conftest import NOW
from tests.factories import make_lead

WAIT = 10.0  # seconds; only ever reached when the worker is broken


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def worker_for(factory: SessionFactory, fake: FakeSlack, poll_seconds: float) -> OutboxWorker:
    client = WebClient(token="xoxb-test", base_url=fake.url)
    return OutboxWorker(
        session_factory=factory, client=client, poll_seconds=poll_seconds, clock=lambda: NOW
    )


def queue_a_card(session: Session, text: str = "Hi") -> None:
    lead = make_lead(session)
    queue_card(session=session, lead_id=lead.id, channel="C0SALES", message=Message(text), now=NOW)
    session.commit()


def test_wake_delivers_a_queued_card_at_once(
    engine: Engine, session: Session, fake: FakeSlack
) -> None:
    # A poll far longer than the wait below: only wake() can explain a delivery in time.
    worker = worker_for(session_factory(engine), fake, poll_seconds=3600)
    worker.start()
    try:
        # The first round found nothing; the worker now sleeps for an hour unless woken.
        assert worker.wait_for_rounds(1, timeout=WAIT)
        queue_a_card(session)
        worker.wake()
        assert fake.wait_for_calls("chat.postMessage", 1, timeout=WAIT)
        assert worker.wait_for_rounds(2, timeout=WAIT)
    finally:
        worker.stop(timeout=WAIT)
    assert not worker.running
    assert [m.text for m in fake.messages("C0SALES")] == ["Hi"]


def test_the_worker_survives_an_unexpected_error(
    engine: Engine, session: Session, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    real = session_factory(engine)
    broken_once = iter([True])

    def flaky() -> Session:
        if next(broken_once, False):
            raise RuntimeError("the database went away")
        return real()

    queue_a_card(session)
    worker = worker_for(flaky, fake, poll_seconds=0.01)
    worker.start()
    try:
        assert fake.wait_for_calls("chat.postMessage", 1, timeout=WAIT)
    finally:
        worker.stop(timeout=WAIT)
    assert "the database went away" in caplog.text
    assert "Traceback" in caplog.text


def test_during_an_outage_the_worker_pauses_probes_and_then_drains_in_order(
    engine: Engine, session: Session, fake: FakeSlack
) -> None:
    for n in (1, 2, 3):
        queue_a_card(session, f"Hi {n}")
    client = WebClient(token="xoxb-test", base_url=fake.url)
    worker = OutboxWorker(
        session_factory=session_factory(engine),
        client=client,
        clock=lambda: NOW,
        probe_first=0.01,
        probe_max=0.02,
        jitter=random.Random(1),
    )
    with fake.outage():
        worker.start()
        try:
            probed = fake.wait_until(lambda: len(fake.calls_to("auth.test")) >= 5, timeout=WAIT)
            assert probed
            # One card tried, then only probes: no card is tried again while Slack is down.
            assert len(fake.calls_to("chat.postMessage")) == 1
        except BaseException:
            worker.stop(timeout=WAIT)
            raise
    try:
        assert fake.wait_for_calls("chat.postMessage", 3, timeout=WAIT)
    finally:
        worker.stop(timeout=WAIT)
    assert worker.probes >= 5
    assert len(fake.calls_to("chat.postMessage")) == 4  # the failed try, then each card once
    posted = [call.args["text"] for call in fake.calls_to("chat.postMessage") if call.ok]
    assert posted == ["Hi 1", "Hi 2", "Hi 3"]


@pytest.mark.parametrize(
    ("failure", "answers"),
    [
        ({"status": 200, "error": "invalid_auth"}, True),
        ({"status": 503}, False),
        ({"status": 429, "retry_after": 1}, False),
    ],
)
def test_slack_answers_when_it_answers_whatever_it_says(
    fake: FakeSlack, failure: dict[str, Any], answers: bool
) -> None:
    client = WebClient(token="xoxb-test", base_url=fake.url)
    assert slack_answers(client)
    fake.fail_next("auth.test", **failure)
    assert slack_answers(client) is answers


def test_an_unreachable_slack_does_not_answer() -> None:
    with socket.socket() as nobody:
        nobody.bind(("127.0.0.1", 0))
        port = nobody.getsockname()[1]
    assert not slack_answers(WebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{port}/api/"))


def test_the_worker_leaves_the_callers_client_as_it_was(engine: Engine, fake: FakeSlack) -> None:
    retrying = ConnectionErrorRetryHandler(max_retry_count=1)
    client = WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[retrying])
    OutboxWorker(session_factory=session_factory(engine), client=client, clock=lambda: NOW)
    assert client.retry_handlers == [retrying]  # Bolt shares it; only the worker's copy has none
