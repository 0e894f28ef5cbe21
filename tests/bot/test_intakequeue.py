"""The intake queue: leads of many requests captured in groups, each still all-or-nothing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from bot.intake.capture import Outcome
from bot.intake.leadinput import LeadIn, parse_lead
from bot.intake.queue import IntakeQueue
from bot.playbook.model import Playbook
from store.db import create_schema, make_engine, session_factory, session_scope
from store.models import Lead, LeadEvent
from tests.conftest import NOW


class GatedClock:
    """Returns NOW; its first call waits until the test opens the gate.

    The writer reads the clock as it starts a lead, so holding that first read keeps the writer
    busy while the test queues more leads behind it: they are then taken as one group.
    """

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.calls = 0

    def __call__(self) -> datetime:
        self.calls += 1
        if self.calls == 1:
            self.entered.set()
            assert self.gate.wait(30), "the test never opened the gate"
        return NOW


@pytest.fixture
def commits(engine: Engine) -> Iterator[list[int]]:
    """One entry per committed transaction on the engine."""
    seen: list[int] = []

    def count(_: Any) -> None:
        seen.append(1)

    event.listen(engine, "commit", count)
    yield seen
    event.remove(engine, "commit", count)


def person(n: int, playbook: Playbook) -> LeadIn:
    return parse_lead(
        {"email": f"buyer{n}@northwind-logistics.com", "name": f"Buyer {n}"}, playbook
    )


async def capture_behind_the_first(
    intake: IntakeQueue, clock: GatedClock, leads: list[LeadIn]
) -> list[Any]:
    """Capture leads[0], and the rest while the writer is held inside it."""
    first = asyncio.ensure_future(intake.capture(leads[0], actor="api", default_source="web_form"))
    while not clock.entered.is_set():
        await asyncio.sleep(0)  # let the first request reach the writer
    rest = [
        asyncio.ensure_future(intake.capture(lead, actor="api", default_source="web_form"))
        for lead in leads[1:]
    ]
    await asyncio.sleep(0)  # every request is queued before the writer goes on
    clock.gate.set()
    return await asyncio.gather(first, *rest, return_exceptions=True)


def queue(engine: Engine, playbook: Playbook, clock: Any, wakes: list[int]) -> IntakeQueue:
    return IntakeQueue(
        session_factory=session_factory(engine),
        playbook=playbook,
        clock=clock,
        after_commit=lambda: wakes.append(1),
    )


def stored_emails(engine: Engine) -> list[str]:
    with session_scope(session_factory(engine)) as session:
        return sorted(session.exec(select(Lead.email)).all())


def test_leads_that_queue_up_are_captured_in_one_transaction(
    engine: Engine, playbook: Playbook, commits: list[int]
) -> None:
    clock, wakes = GatedClock(), []
    intake = queue(engine, playbook, clock, wakes)
    leads = [person(n, playbook) for n in range(6)]
    try:
        answers = asyncio.run(capture_behind_the_first(intake, clock, leads))
    finally:
        intake.stop()
    assert [a.outcome for a in answers] == [Outcome.CREATED] * 6
    assert len({a.id for a in answers}) == 6
    assert len(commits) == 2  # the first lead alone, then the five that queued behind it
    assert len(wakes) == 2  # the outbox is woken once per commit, not once per lead
    assert stored_emails(engine) == sorted(lead.email.email for lead in leads)


def test_a_lead_that_fails_is_refused_alone_and_its_group_is_kept(
    engine: Engine, playbook: Playbook
) -> None:
    clock, wakes = GatedClock(), []
    intake = queue(engine, playbook, clock, wakes)
    leads = [person(n, playbook) for n in range(4)]
    # A custom value the database cannot store (it is no JSON): its INSERT fails mid-group.
    broken = LeadIn.model_construct(**{**dict(leads[2]), "product": {"a set"}})
    leads[2] = broken
    try:
        answers = asyncio.run(capture_behind_the_first(intake, clock, leads))
    finally:
        intake.stop()
    assert [type(a).__name__ for a in answers[:2]] == ["Captured", "Captured"]
    assert isinstance(answers[2], Exception)
    assert answers[3].outcome is Outcome.CREATED
    assert stored_emails(engine) == sorted(leads[n].email.email for n in (0, 1, 3))
    with session_scope(session_factory(engine)) as session:
        captured = session.exec(select(LeadEvent).where(LeadEvent.kind == "captured")).all()
    assert len(captured) == 3  # the group's rollback left no half of anything behind


def test_the_same_person_twice_in_a_group_is_one_lead(engine: Engine, playbook: Playbook) -> None:
    clock, wakes = GatedClock(), []
    intake = queue(engine, playbook, clock, wakes)
    first = person(0, playbook)
    again = parse_lead(
        {"email": "Buyer0+webinar@northwind-logistics.com", "phone": "+1 555 0100"}, playbook
    )
    try:
        answers = asyncio.run(
            capture_behind_the_first(intake, clock, [person(1, playbook), first, again])
        )
    finally:
        intake.stop()
    assert [a.outcome for a in answers] == [Outcome.CREATED, Outcome.CREATED, Outcome.MERGED]
    assert answers[1].id == answers[2].id


def test_a_waiting_writer_gets_the_lock_between_two_leads(
    engine: Engine, playbook: Playbook, commits: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if the outbox worker always waited to record a sent card: every lead commits alone.
    monkeypatch.setattr("bot.intake.queue.others_wait_to_write", lambda session: True)
    clock, wakes = GatedClock(), []
    intake = queue(engine, playbook, clock, wakes)
    try:
        answers = asyncio.run(
            capture_behind_the_first(intake, clock, [person(n, playbook) for n in range(4)])
        )
    finally:
        intake.stop()
    assert [a.outcome for a in answers] == [Outcome.CREATED] * 4
    assert len(commits) == 4


def test_stop_captures_what_is_queued_first(engine: Engine, playbook: Playbook) -> None:
    intake = queue(engine, playbook, lambda: NOW, [])

    async def capture_and_stop() -> Any:
        pending = asyncio.ensure_future(
            intake.capture(person(0, playbook), actor="api", default_source="web_form")
        )
        await asyncio.sleep(0)
        await asyncio.get_running_loop().run_in_executor(None, intake.stop)
        return await pending

    answer = asyncio.run(capture_and_stop())
    assert answer.outcome is Outcome.CREATED
    assert stored_emails(engine) == ["buyer0@northwind-logistics.com"]


def test_a_failing_outbox_wake_neither_undoes_nor_repeats_a_commit(
    engine: Engine, playbook: Playbook, commits: list[int]
) -> None:
    def broken_wake() -> None:
        raise RuntimeError("the outbox worker is gone")

    clock = GatedClock()
    intake = IntakeQueue(
        session_factory=session_factory(engine),
        playbook=playbook,
        clock=clock,
        after_commit=broken_wake,
    )
    leads = [person(n, playbook) for n in range(3)]
    try:
        answers = asyncio.run(capture_behind_the_first(intake, clock, leads))
        later = asyncio.run(
            intake.capture(person(9, playbook), actor="api", default_source="web_form")
        )
    finally:
        intake.stop()
    assert [a.outcome for a in answers] == [Outcome.CREATED] * 3
    assert later.outcome is Outcome.CREATED  # the writer lived on
    assert len(commits) == 3  # lead 0, then leads 1-2 together, then lead 9: nothing twice


def test_a_locked_database_fails_the_group_at_once(tmp_path: Path, playbook: Playbook) -> None:
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    engine = make_engine(url)
    create_schema(engine)
    event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA busy_timeout=50"))
    engine.dispose()
    lock_waits: list[int] = []  # each try that waited for the lock, and gave up
    event.listen(engine, "handle_error", lambda _: lock_waits.append(1))
    other_process = make_engine(url)  # its own writer lock, as `leadbot import` beside `serve`
    clock = GatedClock()
    intake = IntakeQueue(
        session_factory=session_factory(engine), playbook=playbook, clock=clock, after_commit=list
    )
    try:
        with other_process.connect() as holder:
            holder.exec_driver_sql("SELECT 1")  # its transaction begins IMMEDIATE: locked
            answers = asyncio.run(
                capture_behind_the_first(intake, clock, [person(n, playbook) for n in range(4)])
            )
            holder.rollback()
    finally:
        intake.stop()
        other_process.dispose()
        engine.dispose()
    assert all(isinstance(a, OperationalError) for a in answers)
    assert len(lock_waits) == 2  # the first lead, then the three behind it: not once a lead


def test_a_group_takes_its_leads_in_one_order_so_replicas_never_deadlock(
    engine: Engine, playbook: Playbook
) -> None:
    clock, wakes = GatedClock(), []
    intake = queue(engine, playbook, clock, wakes)
    names = ["first", "zoe", "adam", "mia"]
    leads = [parse_lead({"email": f"{n}@northwind-logistics.com"}, playbook) for n in names]
    try:
        answers = asyncio.run(capture_behind_the_first(intake, clock, leads))
    finally:
        intake.stop()
    ids = {name: answer.id for name, answer in zip(names, answers, strict=True)}
    assert ids["adam"] < ids["mia"] < ids["zoe"]  # rows locked in e-mail order, not arrival order
