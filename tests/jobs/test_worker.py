"""The outbox worker thread, against the fake Slack, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from sqlalchemy import Engine
from sqlmodel import Session

from bot.fakeslack import FakeSlack
from bot.outbox import queue_card
from bot.slacktext import Message
from jobs.worker import OutboxWorker
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


def queue_a_card(session: Session) -> None:
    lead = make_lead(session)
    queue_card(session=session, lead_id=lead.id, channel="C0SALES", message=Message("Hi"), now=NOW)
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


def test_the_worker_leaves_the_callers_client_as_it_was(engine: Engine, fake: FakeSlack) -> None:
    retrying = ConnectionErrorRetryHandler(max_retry_count=1)
    client = WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[retrying])
    OutboxWorker(session_factory=session_factory(engine), client=client, clock=lambda: NOW)
    assert client.retry_handlers == [retrying]  # Bolt shares it; only the worker's copy has none
