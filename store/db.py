"""Engines and the one unit-of-work helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

SessionFactory = Callable[[], Session]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; NORMAL is durable across app crashes in WAL mode.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # pysqlite would start a transaction only at the first write, so reads before it (the lead a
    # merge or claim decides on) would see stale data and savepoints would commit on their own.
    # IMMEDIATE takes the write lock up front: SQLite's one writer at a time, with no deadlocks.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for DATABASE_URL: SQLite (WAL, foreign keys on) or PostgreSQL via psycopg."""
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
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


def create_schema(engine: Engine) -> None:
    """Create every table directly (tests and the demo); production uses `leadbot db upgrade`."""
    from store import models  # noqa: F401  (registers the tables)

    SQLModel.metadata.create_all(engine)


def database_answers(session: Session) -> bool:
    return session.execute(text("SELECT 1")).scalar_one() == 1
