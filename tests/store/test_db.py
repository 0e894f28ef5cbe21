"""Engines: read-only checks never wait for the writer; writers queue fairly."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from store.db import (
    FairLock,
    SessionFactory,
    create_schema,
    database_answers,
    make_engine,
    others_wait_to_write,
    session_factory,
    session_scope,
)
from store.models import SlackDelivery
from tests.bot.test_intake_concurrency import at_once
from tests.factories import make_lead


def test_health_check_does_not_wait_for_a_writer(engine: Engine) -> None:
    make = session_factory(engine)
    with make() as writer:
        make_lead(writer)  # holds the write transaction open (SQLite's lock, a row on PostgreSQL)
        answered: list[bool] = []
        reader = threading.Thread(target=lambda: answered.append(database_answers(make())))
        reader.start()
        reader.join(timeout=5)
        assert answered == [True]
        writer.rollback()


def wait_until(condition: Callable[[], bool]) -> None:
    """Until another thread has reached a lock (it blocks there, so this ends quickly)."""
    done = threading.Event()
    for _ in range(5000):
        if condition():
            return
        done.wait(0.001)
    raise AssertionError("the other thread never got there")


def test_the_fair_lock_passes_to_waiters_in_the_order_they_came() -> None:
    lock = FairLock()
    order: list[str] = []
    lock.acquire()
    waiters = []
    for name in ("first", "second"):
        waiter = threading.Thread(
            target=lambda n=name: (lock.acquire(), order.append(n), lock.release())
        )
        waiter.start()
        waiters.append(waiter)
        wait_until(lambda w=len(waiters): len(lock._waiters) == w)
    lock.release()
    # The releasing thread asks again at once: it must queue behind both, not barge in.
    lock.acquire()
    order.append("releaser")
    lock.release()
    for waiter in waiters:
        waiter.join(timeout=5)
    assert order == ["first", "second", "releaser"]


def test_a_sqlite_unit_of_work_sees_that_another_waits_to_write(sqlite_engine: Engine) -> None:
    make = session_factory(sqlite_engine)
    with make() as holder:
        make_lead(holder)  # holds the write lock
        assert not others_wait_to_write(holder)
        other = threading.Thread(target=lambda: make_lead(session := make()) and session.rollback())
        other.start()
        wait_until(lambda: others_wait_to_write(holder))
        holder.rollback()
        other.join(timeout=5)
        assert not others_wait_to_write(holder)


def test_postgresql_row_locks_never_ask_a_unit_of_work_to_yield(postgres_engine: Engine) -> None:
    make = session_factory(postgres_engine)
    with make() as session, make() as other:
        make_lead(session)
        make_lead(other)  # PostgreSQL writers run side by side: nobody waits for a file lock
        assert not others_wait_to_write(session)
        session.rollback()
        other.rollback()


def test_the_next_sqlite_writer_finds_the_lock_free(tmp_path: Path) -> None:
    # With SQLite's busy handler off, a writer that found the file still locked would fail at
    # once: the lock must be handed on only after COMMIT has run, not when it is announced.
    engine = make_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    create_schema(engine)
    event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA busy_timeout=0"))
    engine.dispose()
    make = session_factory(engine)
    errors = at_once(4, lambda: [_write_one(make) for _ in range(150)])
    assert errors == []


def _write_one(make: SessionFactory) -> None:
    with session_scope(make) as session:
        make_lead(session)


def test_a_database_error_names_the_statement_but_not_its_parameters(engine: Engine) -> None:
    # Incidents log the error: the values a request sent must not ride along as parameters.
    # (PostgreSQL's own DETAIL line may still name a duplicate key's value.)
    make = session_factory(engine)
    with session_scope(make) as session:
        make_lead(session, email="ana.private@example.com", email_key="ana.private@example.com")
    with pytest.raises(IntegrityError) as duplicate, session_scope(make) as session:
        make_lead(session, email="ana.private@example.com", email_key="ana.private@example.com")
    message = str(duplicate.value)
    assert "INSERT INTO lead" in message
    assert "[SQL parameters hidden due to hide_parameters=True]" in message
    assert "Head of Data" not in message  # a parameter no database error quotes


def test_a_session_dropped_mid_transaction_hands_the_sqlite_lock_on(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'dropped.db'}")
    create_schema(engine)
    factory = session_factory(engine)
    forgotten = factory()
    forgotten.connection()  # BEGIN IMMEDIATE: this session now holds the writer's lock
    del forgotten  # never committed, rolled back or closed
    gc.collect()
    done = threading.Event()

    def write() -> None:
        with session_scope(factory) as session:
            session.exec(select(SlackDelivery)).all()
        done.set()

    threading.Thread(target=write, daemon=True).start()
    assert done.wait(timeout=10), "the next writer still waits for a lock nobody holds"
    engine.dispose()
