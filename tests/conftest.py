"""Shared fixtures: a session per database, a fixed clock, the example playbook."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from bot.playbook.loading import load_playbook
from bot.playbook.model import Playbook
from bot.runtime.logs import UVICORN_LOGGERS
from store.db import create_schema, make_engine, session_factory

REPO = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "LEADBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _own_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs in an empty directory: a developer's .env is never read (Settings reads
    ./.env) and nothing a test writes with a relative path lands in the repository."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _logging_put_back() -> Iterator[None]:
    """`serve` and the logging tests configure logging; the next test gets it as it was (a
    handler left on a CLI runner's closed stderr would fail every later record)."""
    loggers = [logging.getLogger(name) for name in ("", *UVICORN_LOGGERS)]
    saved = [(lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    yield
    for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


def _postgres_engine(schema: str) -> Engine | None:
    """An engine whose connections use their own schema, so concurrent test runs never meet."""
    admin = make_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    except OperationalError:
        return None
    finally:
        admin.dispose()
    return make_engine(
        POSTGRES_URL, connect_args={"connect_timeout": 3, "options": f"-csearch_path={schema}"}
    )


def _drop_schema(schema: str) -> None:
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    schema = f"leadbot_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = _postgres_engine(schema)
    if engine is None:
        if os.environ.get("LEADBOT_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here but does not answer at {POSTGRES_URL}")
        pytest.skip(f"PostgreSQL does not answer at {POSTGRES_URL}; start it to run these tests")
    create_schema(engine)
    yield engine
    engine.dispose()
    _drop_schema(schema)


def empty_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The same test on an SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'leadbot.db'}")
        create_schema(eng)
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("postgres_engine")
        empty_tables(eng)
        yield eng
        empty_tables(eng)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """For tests that are about something other than the database."""
    eng = make_engine(f"sqlite:///{tmp_path / 'leadbot.db'}")
    create_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    make = session_factory(engine)
    with make() as s:
        yield s
        s.rollback()


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def playbook() -> Playbook:
    return load_playbook(REPO / "playbook.example.yml")
