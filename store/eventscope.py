"""What a funnel figure counts, in SQL: `EventMatch` (which events) and `Scope` (which window,
which team). bot/reporting/metrics.py defines the matches; store/metrics.py and store/spreads.py
aggregate them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, FromClause, Select, and_, false, or_

from store.leads import EVENT, LEAD

Value = str | bool | None
Q = TypeVar("Q", bound=Select)


@dataclass(frozen=True)
class EventMatch:
    """Which events count: their kind, and optionally the stages they move from and to and
    values in their `data` (None there: the key is absent or null)."""

    kind: str
    from_stages: frozenset[str] | None = None
    to_stages: frozenset[str] | None = None
    data: tuple[tuple[str, Value], ...] = ()
    #: For one `data` key, any of these values (a contact attempt's connecting outcomes).
    data_in: tuple[str, frozenset[str]] | None = None


@dataclass(frozen=True)
class Scope:
    """The events of [start, end) (UTC) of one team's leads (None: every lead)."""

    start: datetime
    end: datetime
    team: str | None = None


def event_matches(event: FromClause, match: EventMatch) -> ColumnElement[bool]:
    """The SQL condition that an event of `event` (lead_event or an alias) is a `match`."""
    c = event.c
    conditions: list[ColumnElement[bool]] = [c.kind == match.kind]
    if match.from_stages is not None:
        conditions.append(c.from_stage.in_(sorted(match.from_stages)))
    if match.to_stages is not None:
        conditions.append(c.to_stage.in_(sorted(match.to_stages)))
    for key, value in match.data:
        if value is None:
            conditions.append(c.data[key].as_string().is_(None))
        elif isinstance(value, bool):
            conditions.append(c.data[key].as_boolean() == value)
        else:
            conditions.append(c.data[key].as_string() == value)
    if match.data_in is not None:
        key, values = match.data_in
        conditions.append(c.data[key].as_string().in_(sorted(values)))
    return and_(*conditions)


def any_of(event: FromClause, matches: Sequence[EventMatch]) -> ColumnElement[bool]:
    return or_(*(event_matches(event, m) for m in matches)) if matches else false()


def in_scope(query: Q, scope: Scope, event: FromClause = EVENT) -> Q:
    """The query limited to `event`s in the scope's window and of its team's leads."""
    query = query.where(event.c.at >= scope.start, event.c.at < scope.end)
    if scope.team is not None:
        query = query.join(LEAD, LEAD.c.id == event.c.lead_id).where(LEAD.c.team == scope.team)
    return query
