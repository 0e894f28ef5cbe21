"""Engines: read-only checks never wait for the writer; writers queue fairly."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine

from store.db import FairLock, database_answers, others_wait_to_write, session_factory
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
