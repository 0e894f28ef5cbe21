"""Alembic environment: the SQLModel tables are the target; the URL comes from the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

from store import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from store.jobstore import alembic_owns

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(
            "No database URL: run migrations through store.migrate (e.g. `leadbot db upgrade`)."
        )
    return url


def _batch(url: str) -> bool:
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    return url.startswith("sqlite")


def run_migrations_offline() -> None:
    """Emit the SQL as a script (`--sql`) instead of running it."""
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        compare_type=True,
        include_name=alembic_owns,  # the scheduler's table is APScheduler's (store/jobstore.py)
        render_as_batch=_batch(url),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a connection of their own."""
    url = _url()
    # A plain engine, not store.db.make_engine: SQLite's foreign_keys pragma stays off so a
    # batch table copy does not trip over rows that reference the table being rebuilt.
    connectable = create_engine(url, poolclass=pool.NullPool)
    try:
        with connectable.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                compare_type=True,
                include_name=alembic_owns,
                render_as_batch=_batch(url),
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        connectable.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
