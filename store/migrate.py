"""Schema migrations: Alembic, run from code with the revisions shipped inside this package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

PACKAGE_DIR = Path(__file__).resolve().parent


def _escape(value: str) -> str:
    # Alembic's config is a ConfigParser: a bare '%' (URL-encoded passwords, odd install
    # paths) would be read as interpolation.
    return value.replace("%", "%%")


def alembic_config(database_url: str) -> Config:
    """The Alembic config for `database_url`, with the migrations found beside this module."""
    config = Config(str(PACKAGE_DIR / "alembic.ini"))
    config.set_main_option("script_location", _escape(str(PACKAGE_DIR / "migrations")))
    config.set_main_option("sqlalchemy.url", _escape(database_url))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database to `revision`; a database already there is left as it is."""
    command.upgrade(alembic_config(database_url), revision)


def _current_heads(database_url: str) -> tuple[str, ...]:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()


def current_revision(database_url: str) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    heads = _current_heads(database_url)
    return heads[0] if heads else None


def pending_migrations(database_url: str) -> bool:
    """Whether the database is not at the newest revision (never migrated, behind or unknown)."""
    script_heads = ScriptDirectory.from_config(alembic_config(database_url)).get_heads()
    return set(_current_heads(database_url)) != set(script_heads)
