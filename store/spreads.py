"""Medians and 90th percentiles of the funnel report (speed-to-lead, sales cycle), the same on
SQLite and PostgreSQL: the values numbered in order by a window function, only the one or two
rows around each percentile's position read back, and the value interpolated between them as
PostgreSQL's `percentile_cont` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session

from store.eventscope import EventMatch, Scope, event_matches, in_scope
from store.leads import EVENT


@dataclass(frozen=True)
class Spread:
    """How many values, their median and their 90th percentile (None without values)."""

    count: int
    median: float | None
    p90: float | None


class microseconds_between(FunctionElement[int]):
    """`later - earlier` in whole microseconds (the columns' precision), exactly, on both
    databases: an integer the same on both, so medians computed from it are too."""

    type = BigInteger()
    inherit_cache = True


@compiles(microseconds_between, "postgresql")
def _micros_postgresql(element: microseconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) * 1000000 AS BIGINT)"


@compiles(microseconds_between, "sqlite")
def _micros_sqlite(element: microseconds_between, compiler: Any, **kw: Any) -> str:
    # julianday() is a double (about 50 µs of resolution today), so its differences are not
    # exact. SQLAlchemy stores UtcDateTime as "YYYY-MM-DD HH:MM:SS.ffffff": whole seconds
    # from strftime('%s'), microseconds from characters 21-26.
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    seconds = (
        f"(CAST(strftime('%s', {later}) AS INTEGER) - CAST(strftime('%s', {earlier}) AS INTEGER))"
    )
    micros = (
        f"(CAST(substr({later}, 21, 6) AS INTEGER) - CAST(substr({earlier}, 21, 6) AS INTEGER))"
    )
    return f"({seconds} * 1000000 + {micros})"


def data_spread(*, session: Session, scope: Scope, match: EventMatch, key: str) -> Spread:
    """The spread of the number `data[key]` over the `match` events in the scope."""
    value = EVENT.c.data[key].as_float()
    values = in_scope(
        select(value.label("v")).select_from(EVENT).where(event_matches(EVENT, match)), scope
    )
    return _spread(session, values.subquery())


def time_since_spread(
    *, session: Session, scope: Scope, match: EventMatch, since: EventMatch
) -> Spread:
    """The spread of the seconds from each `match` event in the scope back to the lead's
    latest `since` event at or before it (none: the event is left out)."""
    earlier = EVENT.alias("earlier")
    follows = and_(
        earlier.c.lead_id == EVENT.c.lead_id,
        earlier.c.at <= EVENT.c.at,
        event_matches(earlier, since),
    )
    # A join and a max() rather than a scalar subquery: PostgreSQL would run the subquery
    # twice per event (for the value and for the filter on it) and cost the plan high enough
    # to compile it.
    pairs = (
        in_scope(
            select(EVENT.c.id, EVENT.c.at, func.max(earlier.c.at).label("since"))
            .select_from(EVENT)
            .join(earlier, follows)
            .where(event_matches(EVENT, match)),
            scope,
        )
        .group_by(EVENT.c.id, EVENT.c.at)
        .subquery()
    )
    values = select(microseconds_between(pairs.c.at, pairs.c.since).label("v"))
    return _spread(session, values.subquery(), per=1_000_000)


def _spread(session: Session, values: Any, per: int = 1) -> Spread:
    """Median and p90 of the subquery's column `v` (nulls left out) divided by `per`,
    interpolated as `percentile_cont`: position p·(n−1) among the values in order (0-based),
    between the values at its floor and its ceiling. Only those rows are read back."""
    known = select(values.c.v).where(values.c.v.is_not(None)).subquery()
    numbered = select(
        known.c.v,
        (func.row_number().over(order_by=known.c.v) - 1).label("k"),
        func.count().over().label("n"),
    ).subquery()
    k, n = numbered.c.k, numbered.c.n
    # floor and ceiling of 0.5·(n−1) and 0.9·(n−1), in integer arithmetic on both databases.
    wanted = [(n - 1) // 2, n // 2, (9 * (n - 1)) // 10, (9 * (n - 1) + 9) // 10]
    query = select(numbered.c.v, k, n).where(or_(*(k == w for w in wanted)))
    rows = session.connection().execute(query).all()
    if not rows:
        return Spread(count=0, median=None, p90=None)
    count = int(rows[0].n)
    at = {int(row.k): float(row.v) / per for row in rows}
    return Spread(count=count, median=_between(at, (1, 2), count), p90=_between(at, (9, 10), count))


def _between(at: dict[int, float], part: tuple[int, int], count: int) -> float:
    """The value at position part·(count−1), interpolated; the position's fraction is exact
    (integer arithmetic), so 0.9 · 3 is 2.7 and not 2.7000000000000006."""
    numerator, denominator = part[0] * (count - 1), part[1]
    low, rest = divmod(numerator, denominator)
    if not rest:
        return at[low]
    return at[low] + (at[low + 1] - at[low]) * (rest / denominator)
