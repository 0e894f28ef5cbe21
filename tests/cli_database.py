"""A migrated database for command-line tests, on SQLite and on PostgreSQL.

`leadbot export` and `leadbot forget` refuse a database that `leadbot db upgrade` has not
migrated, and open their own engine from DATABASE_URL: so the tests hand them a URL, migrated
once per run on PostgreSQL (a schema of its own) and per test on SQLite (a new file).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url
from sqlalchemy.schema import CreateSchema, DropSchema

from store.db import make_engine
from store.migrate import upgrade
from tests.conftest import POSTGRES_URL, REPO, empty_tables


@dataclass(frozen=True)
class CliDatabase:
    url: str
    engine: Engine


@pytest.fixture(scope="session")
def _migrated_postgres(postgres_engine: Engine) -> Iterator[CliDatabase]:
    schema = f"leadbot_cli_{uuid.uuid4().hex[:12]}"
    with postgres_engine.begin() as conn:
        conn.execute(CreateSchema(schema))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    try:
        upgrade(rendered)
        yield CliDatabase(url=rendered, engine=engine)
    finally:
        engine.dispose()
        with postgres_engine.begin() as conn:
            conn.execute(DropSchema(schema, cascade=True))


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliDatabase]:
    """A migrated, empty database that DATABASE_URL names, with the example playbook."""
    monkeypatch.setenv("LEADBOT_CONFIG", str(REPO / "playbook.example.yml"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cli.db'}"
        upgrade(url)
        db = CliDatabase(url=url, engine=make_engine(url))
        monkeypatch.setenv("DATABASE_URL", url)
        yield db
        db.engine.dispose()
        return
    db = request.getfixturevalue("_migrated_postgres")
    empty_tables(db.engine)
    monkeypatch.setenv("DATABASE_URL", db.url)
    yield db
    empty_tables(db.engine)
