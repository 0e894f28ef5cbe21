"""Links to other messages and replies in other threads, filled in by the outbox when it sends."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from bot.slack.outbox import MessageRef, permalink, queue_card, queue_message
from bot.slack.text import Message
from bot.testkit.fakeslack import FakeSlack
from jobs.outbox import DeliveryReport, deliver_outbox
from store.db import session_factory
from store.outbox import count_by_status
from tests.conftest import NOW
from tests.factories import make_lead

CHANNEL = "C0SALES"
CARD = Message(
    text="Lead #1 is back",
    blocks=[
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Lead #1*"}},
        {"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"Back from nurture · {permalink('the earlier thread')}"}
        ]},
    ],
)  # fmt: skip


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url)


def deliver(engine: Engine, client: WebClient) -> DeliveryReport:
    return deliver_outbox(session_factory=session_factory(engine), client=client, now=NOW)


def queue_linked_card(session: Session, earlier: MessageRef) -> None:
    lead = make_lead(session)
    assert lead.id is not None
    queue_card(session=session, lead_id=lead.id, channel=CHANNEL, message=CARD, now=NOW,
               link=earlier)  # fmt: skip
    session.commit()


def context_text(fake: FakeSlack) -> str:
    *_, card = fake.messages(CHANNEL)
    return str(card.blocks[1]["elements"][0]["text"])


def test_a_card_links_the_earlier_message_by_its_permalink(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    old = client.chat_postMessage(channel=CHANNEL, text="the old card")["ts"]
    queue_linked_card(session, MessageRef(CHANNEL, old))
    assert deliver(engine, client).sent == 1
    link = f"https://leadbot-fake.slack.com/archives/{CHANNEL}/p{old.replace('.', '')}"
    assert context_text(fake) == f"Back from nurture · <{link}|the earlier thread>"


def test_a_link_to_a_deleted_message_becomes_its_words_and_the_card_still_goes(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    queue_linked_card(session, MessageRef(CHANNEL, "1.000001"))  # no such message
    with caplog.at_level(logging.WARNING):
        assert deliver(engine, client).sent == 1
    assert context_text(fake) == "Back from nurture · the earlier thread"
    assert "No permalink for message 1.000001" in caplog.text


def test_a_rate_limited_permalink_holds_the_card_back_until_slack_takes_calls_again(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    old = client.chat_postMessage(channel=CHANNEL, text="the old card")["ts"]
    queue_linked_card(session, MessageRef(CHANNEL, old))
    fake.fail_next("chat.getPermalink", status=429, retry_after=7)
    report = deliver(engine, client)
    assert (report.sent, report.retry_after) == (0, 7.0)
    assert count_by_status(session=session) == {"pending": 1}
    session.commit()
    assert len(fake.messages(CHANNEL)) == 1  # only the old card: nothing sent without its link


def test_a_plain_post_can_be_a_reply_in_any_thread(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    old = client.chat_postMessage(channel=CHANNEL, text="the old card")["ts"]
    queue_message(session=session, channel=CHANNEL, message=Message(text="Back to sales"),
                  now=NOW, thread_ts=old)  # fmt: skip
    session.commit()
    deliver(engine, client)
    [reply] = fake.replies(CHANNEL, old)
    assert reply.text == "Back to sales" and len(fake.messages(CHANNEL)) == 1


def test_a_link_to_a_thread_reply_escapes_the_ampersand_of_its_url(
    engine: Engine, session: Session, fake: FakeSlack, client: WebClient
) -> None:
    card = client.chat_postMessage(channel=CHANNEL, text="the old card")["ts"]
    reply = client.chat_postMessage(channel=CHANNEL, text="a line", thread_ts=card)["ts"]
    queue_linked_card(session, MessageRef(CHANNEL, reply))
    deliver(engine, client)
    assert f"?thread_ts={card}&amp;cid={CHANNEL}|the earlier thread>" in context_text(fake)
