"""The job store's table is APScheduler's: `leadbot db upgrade` and Alembic leave it alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, pool
from sqlalchemy.schema import CreateSchema, DropSchema
from sqlmodel import SQLModel

from store import models  # noqa: F401  (registers the tables)
from store.db import make_engine
from store.jobstore import JOBS_TABLE, DatabaseJobStore, alembic_owns, create_jobs_table
from store.migrate import pending_migrations, upgrade


@pytest.fixture
def migrated_url(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """A database migrated by `leadbot db upgrade`, beside `engine`: its own SQLite file or
    PostgreSQL schema."""
    if engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
        upgrade(url)
        yield url
        return
    schema = f"test_jobstore_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(CreateSchema(schema))
    try:
        url = engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
        rendered = url.render_as_string(hide_password=False)
        upgrade(rendered)
        yield rendered
    finally:
        with engine.begin() as conn:
            conn.execute(DropSchema(schema, cascade=True))


def _differences(url: str, *, include_name: bool) -> list[object]:
    engine = create_engine(url, poolclass=pool.NullPool)
    opts: dict[str, object] = {"compare_type": True}
    if include_name:
        opts["include_name"] = alembic_owns
    try:
        with engine.connect() as conn:
            return list(
                compare_metadata(MigrationContext.configure(conn, opts=opts), SQLModel.metadata)
            )
    finally:
        engine.dispose()


def test_the_job_store_makes_its_own_table_in_the_apps_database(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        store = DatabaseJobStore(engine=engine)
        create_jobs_table(engine, store.jobs_t)
        create_jobs_table(engine, store.jobs_t)  # a second start finds it
        assert JOBS_TABLE in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_a_database_with_the_job_store_is_still_up_to_date_for_alembic(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        create_jobs_table(engine, DatabaseJobStore(engine=engine).jobs_t)
    finally:
        engine.dispose()
    assert pending_migrations(migrated_url) is False
    upgrade(migrated_url)  # `leadbot db upgrade` again: nothing to do, nothing dropped
    assert _differences(migrated_url, include_name=True) == []
    # Without the filter store/migrations/env.py uses, autogenerate would drop the table.
    changes = _differences(migrated_url, include_name=False)
    assert ("remove_table", JOBS_TABLE) in [
        (c[0], c[1].name) for c in changes if c[0] == "remove_table"
    ]


def test_leadbots_tables_do_not_include_the_job_stores() -> None:
    # So `create_schema` and the tests' `empty_tables` never touch it, and the migrations that
    # build exactly SQLModel's tables do not create it either.
    assert JOBS_TABLE not in SQLModel.metadata.tables
