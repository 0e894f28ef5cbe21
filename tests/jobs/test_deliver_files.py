"""File uploads through the outbox: files_upload_v2 to the fake Slack, in the thread of the message
they go under, retried like any send; on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.slack.outbox import MAX_FILE_BYTES, queue_file, queue_message
from bot.slack.text import Message
from bot.testkit.fakefiles import UPLOAD
from bot.testkit.fakeslack import FakeSlack
from jobs.outbox import DeliveryReport, deliver_outbox, next_due_in, send_budget
from store.db import session_factory, session_scope
from store.models import OutboxMessage
from store.outbox import claim_due_messages
from tests.conftest import NOW

CHANNEL = "C0MGRS"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
TITLE = "Funnel — week of 23 Nov"


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


def digest_with_chart(session: Session) -> tuple[int, int]:
    """The digest's text and its chart, queued in one unit of work as the digest job does."""
    text = queue_message(session=session, channel=CHANNEL, message=Message("Digest"), now=NOW)
    chart = queue_file(
        session=session,
        channel=CHANNEL,
        filename="funnel.png",
        title=TITLE,
        content=PNG,
        thread_of=text,
        now=NOW,
        alt_text="New 40, won 1",
    )
    session.commit()
    return text, chart


def outbox(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    rows = list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())
    session.commit()  # ends the read: on SQLite it holds the write lock deliveries need
    return rows


def the_digest(fake: FakeSlack) -> str:
    [message] = fake.messages(CHANNEL)
    assert message.text == "Digest"
    return message.ts


def test_the_file_is_queued_with_its_bytes_and_waits_for_its_message(session: Session) -> None:
    text, chart = digest_with_chart(session)
    [_, row] = outbox(session)
    assert (row.id, row.kind, row.channel, row.thread_of, row.lead_id) == (
        chart, "upload_file", CHANNEL, text, None,
    )  # fmt: skip
    assert row.payload == {
        "filename": "funnel.png",
        "title": TITLE,
        "alt_text": "New 40, won 1",
        "content": base64.b64encode(PNG).decode(),
    }


def test_a_file_too_big_or_empty_is_refused_when_queued(session: Session) -> None:
    for content in (b"", b"x" * (MAX_FILE_BYTES + 1)):
        with pytest.raises(ValueError):
            queue_file(
                session=session, channel=CHANNEL, filename="f.png", title="F",
                content=content, thread_of=None, now=NOW,
            )  # fmt: skip


def test_the_text_goes_first_and_the_file_lands_in_its_thread(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    digest_with_chart(session)
    assert deliver(engine, client, NOW).sent == 2

    assert [c.method for c in fake.calls] == [
        "chat.postMessage", "files.getUploadURLExternal", UPLOAD, "files.completeUploadExternal",
    ]  # fmt: skip
    ts = the_digest(fake)
    [shared] = fake.files(CHANNEL)
    assert (shared.thread_ts, shared.content, shared.title) == (ts, PNG, TITLE)
    assert (shared.filename, shared.alt_txt) == ("funnel.png", "New 40, won 1")
    assert [r.files[0].id for r in fake.replies(CHANNEL, ts)] == [shared.id]
    assert [(r.status, r.result_ts) for r in outbox(session)] == [("sent", ts), ("sent", None)]
    assert f'[image: funnel.png "{TITLE}" 10 KB]' in fake.transcript()


def test_the_file_waits_while_its_message_is_not_sent(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    digest_with_chart(session)
    fake.fail_next("chat.postMessage", status=200, error="not_in_channel")  # retried in 15 min

    report = deliver(engine, client, NOW)
    assert (report.sent, report.retried) == (0, 1)
    assert fake.calls_to("files.getUploadURLExternal") == []  # due, but not before its message
    # The sender sleeps until the message is due, not until the file's own (past) time.
    assert next_due_in(session_factory=session_factory(engine), now=NOW) == 15 * 60

    assert deliver(engine, client, NOW + timedelta(minutes=15)).sent == 2
    [shared] = fake.files(CHANNEL)
    assert shared.thread_ts == the_digest(fake)


def test_a_failed_completion_never_holds_back_the_text_and_is_retried(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    digest_with_chart(session)
    fake.fail_next("files.completeUploadExternal", status=200, error="internal_error")

    report = deliver(engine, client, NOW)
    assert (report.sent, report.retried, report.unavailable) == (1, 1, "internal_error")
    the_digest(fake)  # the managers have their figures
    assert fake.files(CHANNEL) == []
    [_, chart] = outbox(session)
    assert (chart.status, chart.attempts, chart.last_error) == ("pending", 1, "internal_error")

    assert deliver(engine, client, NOW + timedelta(seconds=1)).sent == 1
    [shared] = fake.files(CHANNEL)
    assert shared.thread_ts == the_digest(fake)
    assert len(fake.calls_to("files.getUploadURLExternal")) == 2  # the retry starts over


def test_a_rate_limited_completion_waits_for_retry_after(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    digest_with_chart(session)
    fake.fail_next("files.completeUploadExternal", retry_after=20)

    assert deliver(engine, client, NOW).retry_after == 20.0
    assert deliver(engine, client, NOW + timedelta(seconds=10)) == DeliveryReport()
    assert deliver(engine, client, NOW + timedelta(seconds=20)).sent == 1
    assert len(fake.files(CHANNEL)) == 1


def test_an_outage_during_the_upload_delays_the_file_and_loses_nothing(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    digest_with_chart(session)
    assert deliver(engine, client, NOW, limit=1).sent == 1  # the text, before Slack went down
    with fake.outage():
        assert deliver(engine, client, NOW).unavailable == "http_503"
    assert fake.files(CHANNEL) == []

    assert deliver(engine, client, NOW + timedelta(seconds=1)).sent == 1
    assert [f.thread_ts for f in fake.files(CHANNEL)] == [the_digest(fake)]


def test_a_failed_post_of_the_bytes_is_retried(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    digest_with_chart(session)
    fake.fail_next(UPLOAD, status=503)

    report = deliver(engine, client, NOW)
    assert report.sent == 1
    assert report.unavailable is not None and report.unavailable.startswith("network:")
    assert fake.calls_to("files.completeUploadExternal") == []

    assert deliver(engine, client, NOW + timedelta(seconds=1)).sent == 1
    assert len(fake.files(CHANNEL)) == 1


def test_a_file_whose_message_failed_for_good_is_posted_on_its_own(
    engine: Engine,
    session: Session,
    fake: FakeSlack,
    client: WebClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    digest_with_chart(session)
    fake.fail_next("chat.postMessage", status=200, error="invalid_blocks")  # never retried

    with caplog.at_level(logging.WARNING):
        report = deliver(engine, client, NOW)
    assert (report.sent, report.failed) == (1, 1)
    [shared] = fake.files(CHANNEL)
    assert shared.thread_ts is None
    assert [m.files[0].id for m in fake.messages(CHANNEL)] == [shared.id]
    assert "the message it goes under" in caplog.text


def test_the_upload_is_leased_for_its_three_calls(
    engine: Engine, session: Session, fake: FakeSlack
) -> None:
    digest_with_chart(session)
    client = WebClient(token="xoxb-test", base_url=fake.url, timeout=10)
    budget = send_budget(client)
    factory = session_factory(engine)
    held: list[datetime | None] = []
    taken: list[int] = []

    def clock() -> datetime:
        """When the upload's outcome is recorded: its lease, and whether another sender, one
        call's time later, could take the row over."""
        if fake.calls_to("files.completeUploadExternal") and not held:
            held.append(outbox(session)[1].locked_until)
            with session_scope(factory) as other:
                late = NOW + budget + timedelta(seconds=1)
                taken.extend(r.id for r in claim_due_messages(
                    session=other, now=late, limit=10, lease=budget
                ))  # fmt: skip
        return NOW

    report = deliver_outbox(session_factory=factory, client=client, now=NOW, clock=clock)
    assert report.sent == 2
    assert held == [NOW + 3 * budget]
    assert taken == []
    assert len(fake.files(CHANNEL)) == 1
