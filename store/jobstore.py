"""The scheduler's table: APScheduler's SQLAlchemy job store, on the app's own database.

APScheduler keeps each job (its trigger, its function's dotted path, its arguments, when it runs
next) pickled in one row of `apscheduler_jobs`. The table is APScheduler's, not one of leadbot's
models: the job store creates it when `serve` starts, and Alembic neither creates it nor proposes
to drop it (`alembic_owns`, used by store/migrations/env.py). Nothing in it says which lead is
due: that is the lead's `due_at`; this table only says when each job next looks.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import Engine, Table, func, select
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"
#: The PostgreSQL advisory lock taken while the table is created ("leadbot" + 1).
_CREATE_LOCK = 0x6C65_6164_626F_7401
#: After a database error, how soon the scheduler looks again.
RETRY = timedelta(seconds=10)


class DatabaseJobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy job store on an engine it shares with the app.

    Three changes to the stock store: it creates its table one process at a time (two replicas
    starting together would otherwise both CREATE it, and PostgreSQL refuses the second); a
    database error while it reschedules a job is logged instead of ending the scheduler's thread
    (APScheduler 3 guards only its reads of due jobs); and it leaves the engine open at shutdown
    (the app owns it).
    """

    def __init__(self, *, engine: Engine) -> None:
        super().__init__(engine=engine, tablename=JOBS_TABLE)

    def start(self, scheduler: Any, alias: str) -> None:
        BaseJobStore.start(self, scheduler, alias)  # not SQLAlchemyJobStore's unguarded CREATE
        create_jobs_table(self.engine, self.jobs_t)

    def update_job(self, job: Job) -> None:
        try:
            super().update_job(job)
        except JobLookupError:
            log.warning("Scheduled job %r was deleted from %s while it ran", job.id, JOBS_TABLE)
        except SQLAlchemyError:
            # The row keeps its old time, so the job is due again: it runs once more when the
            # database answers, which the jobs allow (they take their work from the database).
            log.exception("Could not store scheduled job %r's next run time", job.id)

    def get_next_run_time(self) -> datetime | None:
        try:
            return super().get_next_run_time()
        except SQLAlchemyError:
            # Unguarded in APScheduler 3: raising here would end the scheduler's thread for good.
            log.exception("Could not read the next scheduled run; trying again in %s", RETRY)
            return datetime.now(UTC) + RETRY

    def shutdown(self) -> None:
        """Nothing to release: the engine is the app's, disposed by whoever made it."""


def create_jobs_table(engine: Engine, table: Table) -> None:
    """Create the job store's table unless it exists, one process at a time."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(_CREATE_LOCK)))
        # On SQLite the transaction already holds the database's one write lock.
        table.create(connection, checkfirst=True)


def alembic_owns(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's `include_name` filter: every table but the job store's is Alembic's to compare
    (autogenerate would otherwise offer to drop `apscheduler_jobs`)."""
    return not (type_ == "table" and name == JOBS_TABLE)
