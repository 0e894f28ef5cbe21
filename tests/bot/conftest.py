"""Fixtures of the tests of bot/ beyond tests/conftest.py's."""

# A migrated database for the command line's tests (export, forget), on SQLite and PostgreSQL.
from tests.cli_database import _migrated_postgres, cli_db  # noqa: F401
