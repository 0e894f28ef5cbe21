"""Reading leads for `leadbot export`: a filter, a count and a stream. Never commits."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, func, select
from sqlmodel import Session

from store.leads import LEAD

#: Rows fetched per round trip. On PostgreSQL they come from a server-side cursor, so the
#: database hands them over batch by batch instead of all at once.
BATCH_SIZE = 1000


def _conditions(
    since: datetime | None, teams: Sequence[str], stages: Sequence[str]
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(LEAD.c.created_at >= since)
    if teams:
        conditions.append(LEAD.c.team.in_(list(teams)))
    if stages:
        conditions.append(LEAD.c.stage.in_(list(stages)))
    return conditions


def count_leads(
    *, session: Session, since: datetime | None, teams: Sequence[str], stages: Sequence[str]
) -> int:
    """How many leads `stream_leads` yields with the same filter."""
    query = select(func.count()).select_from(LEAD).where(*_conditions(since, teams, stages))
    return int(session.connection().execute(query).scalar_one())


def stream_leads(
    *,
    session: Session,
    columns: Sequence[str],
    since: datetime | None,
    teams: Sequence[str],
    stages: Sequence[str],
    batch_size: int = BATCH_SIZE,
) -> Generator[Row[Any], None, None]:
    """These columns of every lead created at or after `since` (all when None), of these teams
    and stages (any when empty), in id order, as rows (values in the order of `columns`),
    `batch_size` rows in memory at a time.

    Lazy: nothing is asked of the database until the first row is taken. On PostgreSQL the rows
    come through a server-side cursor (`stream_results`); on SQLite the driver steps through the
    result as it is read. The session's transaction must stay open while the stream is read.
    """
    selected = [LEAD.c[name] for name in columns]  # only these: a JSON column costs a decode
    query = select(*selected).where(*_conditions(since, teams, stages)).order_by(LEAD.c.id)
    # Per statement, not on the connection: the session's later statements do not stream.
    options = {"yield_per": batch_size}
    result = session.connection().execute(query, execution_options=options)
    try:
        yield from result
    finally:
        result.close()
