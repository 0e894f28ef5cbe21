"""The shipped Alembic migrations build exactly the schema of store.models, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, pool, text
from sqlalchemy.schema import CreateSchema, DropSchema
from sqlmodel import SQLModel

from store import models  # noqa: F401  (registers the tables)
from store.migrate import alembic_config, current_revision, pending_migrations, upgrade

HEAD = "0008"


@pytest.fixture
def empty_url(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """A database with no tables, beside `engine`: a new SQLite file or a PostgreSQL schema.

    The PostgreSQL schema of its own leaves the session's `create_schema` tables in `public`
    untouched for the tests that run afterwards.
    """
    if engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    schema = f"test_migrations_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(CreateSchema(schema))
    try:
        url = engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(DropSchema(schema, cascade=True))


def _schema_differences(url: str) -> list[Any]:
    migrated = create_engine(url, poolclass=pool.NullPool)
    try:
        with migrated.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, SQLModel.metadata)
    finally:
        migrated.dispose()


def test_upgrade_of_an_empty_database_creates_exactly_the_models(empty_url: str) -> None:
    upgrade(empty_url)

    assert _schema_differences(empty_url) == []


def test_upgrade_twice_changes_nothing(empty_url: str) -> None:
    upgrade(empty_url)
    upgrade(empty_url)

    assert current_revision(empty_url) == HEAD
    assert _schema_differences(empty_url) == []


def test_current_revision_is_none_before_the_first_upgrade(empty_url: str) -> None:
    assert current_revision(empty_url) is None


def test_current_revision_is_the_head_after_upgrade(empty_url: str) -> None:
    upgrade(empty_url)

    assert current_revision(empty_url) == HEAD


def test_an_unmigrated_database_has_pending_migrations(empty_url: str) -> None:
    assert pending_migrations(empty_url) is True


def test_a_database_at_head_has_no_pending_migrations(empty_url: str) -> None:
    upgrade(empty_url)

    assert pending_migrations(empty_url) is False


def test_migrations_are_found_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))

    assert script.get_current_head() == HEAD


def test_alembic_config_keeps_percent_signs_in_the_url() -> None:
    url = "postgresql+psycopg://leadbot:p%40ss%25word@db.internal:5432/leadbot"

    assert alembic_config(url).get_main_option("sqlalchemy.url") == url


def test_a_lead_stored_before_pursuit_keeps_its_data_and_gets_the_defaults(empty_url: str) -> None:
    upgrade(empty_url, "0001")
    engine = create_engine(empty_url, poolclass=pool.NullPool)
    now = "2026-11-20 10:00:00+00:00"
    columns = {
        "email": "a@b.co", "email_key": "a@b.co", "name": "Ana", "company": "", "title": "",
        "phone": "", "domain": "b.co", "free_mail": False, "seniority": "", "source": "web_form",
        "budget": "", "authority": "", "timeframe": "", "compelling_event": "", "custom": "{}",
        "stage": "working", "score": 70.0, "fit_score": 40.0, "score_reasons": "{}",
        "fast_tracked": False, "created_at": now, "updated_at": now, "stage_entered_at": now,
    }  # fmt: skip
    names = ", ".join(columns)
    values = ", ".join(f":{name}" for name in columns)
    with engine.begin() as connection:
        connection.execute(text(f"INSERT INTO lead ({names}) VALUES ({values})"), columns)  # noqa: S608
    upgrade(empty_url)
    with engine.connect() as connection:
        read = "SELECT name, stage, attempts, nurture_touches, reason, currency, revisit_at"
        row = connection.execute(text(f"{read} FROM lead")).one()
    engine.dispose()
    assert tuple(row) == ("Ana", "working", 0, 0, "", "", None)
