"""What a funnel figure counts, in SQL: `EventMatch` (which events) and `Scope` (which window,
which team). bot/reporting/metrics.py defines the matches; store/metrics.py and store/spreads.py
aggregate them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, FromClause, Select, and_, false, or_, true

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
    return and_(event.c.kind == match.kind, *_details(event, match))


def _details(event: FromClause, match: EventMatch) -> list[ColumnElement[bool]]:
    """The match's conditions beyond its kind."""
    c = event.c
    conditions: list[ColumnElement[bool]] = []
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
    return conditions


def any_of(event: FromClause, matches: Sequence[EventMatch]) -> ColumnElement[bool]:
    """An event that is any of the matches, grouped by kind: `kind IN (…) AND (kind = k AND
    (… OR …) OR …)`, so the database reads one index range per kind (three matches of one kind
    as three OR-ed conditions made SQLite read the same range three times)."""
    by_kind: dict[str, list[EventMatch]] = {}
    for match in matches:
        by_kind.setdefault(match.kind, []).append(match)
    parts = []
    for kind, same in by_kind.items():
        details = [and_(*d) if d else true() for d in (_details(event, m) for m in same)]
        parts.append(and_(event.c.kind == kind, or_(*details)))
    if not parts:
        return false()
    # The kinds once more as an IN list: one index range per kind, for (kind, at) in a window
    # and for (lead_id, kind, at) per lead, which an OR of conditions hides from the planner.
    return and_(event.c.kind.in_(sorted(by_kind)), or_(*parts))


def in_scope(query: Q, scope: Scope, event: FromClause = EVENT) -> Q:
    """The query limited to `event`s in the scope's window and of its team's leads."""
    query = query.where(event.c.at >= scope.start, event.c.at < scope.end)
    if scope.team is not None:
        query = query.join(LEAD, LEAD.c.id == event.c.lead_id).where(LEAD.c.team == scope.team)
    return query
