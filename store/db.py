"""Engines and the one unit-of-work helper."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

SessionFactory = Callable[[], Session]
#: Execution option marking a connection that only reads (no write lock on SQLite).
READ_ONLY = "leadbot_read_only"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _SqliteWriter).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; NORMAL is durable across app crashes in WAL mode.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class FairLock:
    """A lock that passes to its waiters in the order they came.

    `threading.Lock` lets the thread that releases it take it straight back, so a busy thread
    (intake's writer under load) can starve others (the outbox worker, a rep's claim) for
    seconds. Here a release hands the lock to the longest waiter directly.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self) -> None:
        """Wait for every earlier waiter, then hold the lock."""
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by the release() that hands the lock to us

    @property
    def wanted(self) -> bool:
        """Whether another thread is waiting for the lock."""
        return bool(self._waiters)

    def release(self) -> None:
        """Hand the lock to the longest waiter, or free it."""
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # still held: now by that waiter
            else:
                self._held = False


class _SqliteWriter:
    """Hands SQLite's single write lock to one transaction of this process at a time.

    pysqlite would start a transaction only at the first write, so reads before it (the lead a
    merge or claim decides on) would see stale data, and savepoints would commit on their own.
    So every transaction is BEGIN IMMEDIATE, taking the write lock up front. Waiting for it in
    SQLite's busy handler means sleeping in growing steps while the lock may already be free;
    queueing on a Python lock first wakes the next transaction the moment the last one ends.
    Other processes (a CLI import beside `serve`) still meet at SQLite's own lock.
    """

    KEY = "leadbot_sqlite_writer"

    def __init__(self) -> None:
        self._lock = FairLock()

    def begin(self, connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # a snapshot read: WAL lets it run beside writers
            return
        self._lock.acquire()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        connection.info[self.KEY] = True

    def commit(self, connection: Connection) -> None:
        self._end(connection, commit=True)

    def rollback(self, connection: Connection) -> None:
        self._end(connection, commit=False)

    def _end(self, connection: Connection, *, commit: bool) -> None:
        if not connection.info.pop(self.KEY, False):
            return
        # SQLAlchemy fires these events *before* it commits or rolls back. Finishing the
        # transaction here first means the next writer never finds SQLite's lock still taken
        # (and naps in the busy handler); SQLAlchemy's own COMMIT then has nothing left to do.
        try:
            driver = connection.connection.dbapi_connection
            if driver is not None:
                driver.commit() if commit else driver.rollback()
        finally:
            self._lock.release()

    def reset(self, dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
        """The pool takes a connection back whose transaction nobody ended (a session dropped
        without close()): it rolls it back itself, so the lock must be handed on here too."""
        if connection_record.info.pop(self.KEY, False):
            self._lock.release()

    @property
    def wanted(self) -> bool:
        return self._lock.wanted


_WRITERS: WeakKeyDictionary[Engine, _SqliteWriter] = WeakKeyDictionary()


def others_wait_to_write(session: Session) -> bool:
    """Whether another transaction of this process waits for SQLite's write lock (a long unit
    of work can then commit early and let it in); always False on PostgreSQL's row locks."""
    bind = session.get_bind()
    writer = _WRITERS.get(bind) if isinstance(bind, Engine) else None
    return writer is not None and writer.wanted


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for DATABASE_URL: SQLite (WAL, foreign keys on) or PostgreSQL via psycopg."""
    # A database error's message then names the statement, not its values: what a request sent
    # (a lead's details, a note) stays out of incident logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        writer = _SqliteWriter()
        _WRITERS[engine] = writer
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", writer.begin)
        event.listen(engine, "commit", writer.commit)
        event.listen(engine, "rollback", writer.rollback)
        event.listen(engine, "reset", writer.reset)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def session_factory(engine: Engine) -> SessionFactory:
    def make() -> Session:
        return Session(engine, expire_on_commit=False)

    return make


@contextmanager
def session_scope(factory: SessionFactory) -> Iterator[Session]:
    """Commit on success, roll back on error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_scope(factory: SessionFactory) -> Iterator[Session]:
    """A session that only reads: never SQLite's write lock (a snapshot beside the writer, in
    WAL mode); whatever it did is rolled back at the end."""
    session = factory()
    try:
        session.connection(execution_options={READ_ONLY: True})
        yield session
    finally:
        session.rollback()
        session.close()


def create_schema(engine: Engine) -> None:
    """Create every table directly (tests and the demo); production uses `leadbot db upgrade`."""
    from store import models  # noqa: F401  (registers the tables)

    SQLModel.metadata.create_all(engine)


def database_answers(session: Session) -> bool:
    """True when the database answers a query; on SQLite it never waits for the writer."""
    connection = session.connection(execution_options={READ_ONLY: True})
    return connection.execute(text("SELECT 1")).scalar_one() == 1
