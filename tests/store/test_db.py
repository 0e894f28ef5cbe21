"""Engines: read-only checks never wait for the writer."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from store.db import database_answers, session_factory
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
