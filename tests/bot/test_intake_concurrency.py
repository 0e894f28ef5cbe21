"""Concurrent captures and events for one lead hand it to sales once: one card, no lost touch."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import select

from bot.intake.capture import capture_lead, parse_lead, record_engagement
from bot.playbook.model import Playbook
from store.db import session_factory, session_scope
from store.models import Engagement, Lead, OutboxMessage
from tests.conftest import NOW
from tests.factories import WARM


def at_once(count: int, work: Callable[[], None]) -> list[BaseException]:
    """Run `work` in `count` threads released together; return what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            work()
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_simultaneous_demo_requests_post_one_card(engine: Engine, playbook: Playbook) -> None:
    factory = session_factory(engine)
    with session_scope(factory) as session:
        lead = capture_lead(
            session=session,
            data=parse_lead(WARM, playbook),
            playbook=playbook,
            now=NOW,
            actor="api",
            default_source="web_form",
        ).lead
        lead_id = lead.id

    def demo_request() -> None:
        with session_scope(factory) as session:
            record_engagement(
                session=session,
                lead_id=lead_id,
                email=None,
                event_type="demo_request",
                at=None,
                playbook=playbook,
                now=NOW,
            )

    assert at_once(4, demo_request) == []
    with session_scope(factory) as session:
        cards = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "post_card")).all()
        assert len(cards) == 1
        assert len(session.exec(select(Engagement)).all()) == 4
        stored = session.get(Lead, lead_id)
        assert stored is not None and stored.score == 40 + 4 * 30  # no touch lost


def test_simultaneous_merges_keep_one_lead(engine: Engine, playbook: Playbook) -> None:
    factory = session_factory(engine)
    with session_scope(factory) as session:
        capture_lead(
            session=session,
            data=parse_lead(WARM, playbook),
            playbook=playbook,
            now=NOW,
            actor="api",
            default_source="web_form",
        )

    def hot_again() -> None:
        with session_scope(factory) as session:
            hot = {**WARM, "budget": "approved", "authority": "decision maker"}  # fit 70
            capture_lead(
                session=session,
                data=parse_lead(hot, playbook),
                playbook=playbook,
                now=NOW,
                actor="api",
                default_source="web_form",
            )

    assert at_once(4, hot_again) == []
    with session_scope(factory) as session:
        assert len(session.exec(select(Lead)).all()) == 1
        cards = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "post_card")).all()
        assert len(cards) == 1
