"""read_scope: reads never wait for (or take) SQLite's write lock (`/lead show` and `mine`: see
tests/handlers/test_pursuit_commands.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.core.stages import Stage
from store.db import (
    create_schema,
    make_engine,
    others_wait_to_write,
    read_scope,
    session_factory,
    session_scope,
)
from store.leads import find_lead_by_email_key, get_lead, leads_owned_by
from tests.factories import make_lead
from tests.store.test_db import wait_until

REP = "U0REPEMEA1"


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'leadbot.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def committed_lead(engine: Engine, **overrides: object) -> int:
    with session_scope(session_factory(engine)) as session:
        lead_id = make_lead(session, **overrides).id
    assert lead_id is not None
    return lead_id


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """An open write transaction (SQLite's write lock held) until the block ends."""
    with session_factory(engine)() as writer:
        make_lead(writer, email="open@tx.de", email_key="open@tx.de")  # uncommitted
        try:
            yield writer
        finally:
            writer.rollback()


def in_thread(work: Callable[[], None]) -> tuple[threading.Thread, threading.Event]:
    done = threading.Event()

    def run() -> None:
        work()
        done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done


def test_a_read_completes_while_another_thread_holds_the_write_lock(sqlite: Engine) -> None:
    lead_id = committed_lead(sqlite)
    factory = session_factory(sqlite)
    seen: list[object] = []

    def read() -> None:
        with read_scope(factory) as session:
            found = get_lead(session=session, lead_id=lead_id)
            seen.append(found.id if found else None)
            seen.append(len(leads_owned_by(session=session, owner_id=REP, stages=(Stage.WORKING,))))

    with writing(sqlite):
        reader, done = in_thread(read)
        assert done.wait(timeout=5), "the read waited for the writer"
        reader.join()
    assert seen == [lead_id, 0]


def test_a_read_sees_committed_data_only(engine: Engine) -> None:
    factory = session_factory(engine)
    with writing(engine) as writer:
        uncommitted = find_lead_by_email_key(session=writer, email_key="open@tx.de")
        assert uncommitted is not None
        with read_scope(factory) as reader:
            assert find_lead_by_email_key(session=reader, email_key="open@tx.de") is None


def test_an_ordinary_unit_of_work_does_wait_for_the_writer(sqlite: Engine) -> None:
    """The contrast that makes the first test mean something: session_scope queues for the lock."""
    lead_id = committed_lead(sqlite)
    factory = session_factory(sqlite)

    def read_in_a_write_scope() -> None:
        with session_scope(factory) as session:
            get_lead(session=session, lead_id=lead_id)

    with writing(sqlite) as writer:
        other, done = in_thread(read_in_a_write_scope)
        wait_until(lambda: others_wait_to_write(writer))
        assert not done.is_set()
    assert done.wait(timeout=5)
    other.join()


def test_a_read_scope_leaves_the_write_lock_free(sqlite: Engine) -> None:
    factory = session_factory(sqlite)
    committed_lead(sqlite)
    with read_scope(factory) as reader:
        get_lead(session=reader, lead_id=1)  # a snapshot is open in this session
        writer, done = in_thread(lambda: committed_lead(sqlite))
        assert done.wait(timeout=5), "a reader held the write lock"
        writer.join()
