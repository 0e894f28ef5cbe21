"""The funnel report's counts: SQL aggregates over the event history (`lead_event`).

Which events a figure counts is decided in bot/reporting/metrics.py and handed in as
`EventMatch`es (store/eventscope.py); this module and store/spreads.py turn them into SQL.
Every query reads the events of one window (the `(kind, at)` index) and, per lead concerned, a
few more of its events (`(lead_id, kind, at)`); none reads every lead or event into Python, and
none reads a lead's current stage (a past week's figures stay what they were after its leads
move on) except `longest_in_stage`, a snapshot by definition. A team's figures join each event
to its lead for the lead's `team`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, distinct, func, literal, or_, select, text, union_all
from sqlmodel import Session

from store.eventscope import EventMatch, Scope, any_of, event_matches, in_scope
from store.leads import EVENT, LEAD


@dataclass(frozen=True)
class Mean:
    """A mean kept as its parts: `total` over `count` things."""

    count: int
    total: int

    @property
    def value(self) -> float | None:
        return self.total / self.count if self.count else None


@dataclass(frozen=True)
class StageRow:
    """A lead in its stage, for the report's "stuck" list."""

    lead_id: int
    name: str
    stage: str
    owner_id: str | None
    since: datetime
    card_channel: str | None
    card_ts: str | None


def prepare_report(*, session: Session) -> None:
    """Settings for the rest of the transaction, on PostgreSQL: no JIT compilation. The report's
    correlated lookups make the planner's cost estimates high, which sends a 70 ms query to
    the JIT compiler for half a second; these queries are short, and never gain from it."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(text("SET LOCAL jit = off"))


def count_leads(
    *, session: Session, scope: Scope, matches: Mapping[str, EventMatch]
) -> dict[str, int]:
    """For each named match, how many distinct leads had such an event in the scope (one pass
    over the window's events)."""
    if not matches:
        return {}
    columns = [
        func.count(distinct(case((event_matches(EVENT, m), EVENT.c.lead_id)))).label(name)
        for name, m in matches.items()
    ]
    kinds = sorted({m.kind for m in matches.values()})
    query = in_scope(select(*columns).select_from(EVENT).where(EVENT.c.kind.in_(kinds)), scope)
    row = session.connection().execute(query).one()
    return {name: int(row._mapping[name]) for name in matches}


def count_by_data(*, session: Session, scope: Scope, match: EventMatch, key: str) -> dict[str, int]:
    """How many `match` events in the scope carry each value of `data[key]` (none: skipped)."""
    value = EVENT.c.data[key].as_string()
    query = in_scope(
        select(value, func.count()).select_from(EVENT).where(event_matches(EVENT, match)), scope
    ).group_by(value)
    rows = session.connection().execute(query).all()
    return {str(v): int(n) for v, n in rows if v is not None}


def followed_by(*, session: Session, scope: Scope, first: EventMatch, then: EventMatch) -> int:
    """How many distinct leads had a `first` event in the scope followed, still inside the
    scope's window, by a `then` event (at the same moment or later)."""
    after = EVENT.alias("after")
    later = (
        select(literal(1))
        .select_from(after)
        .where(
            after.c.lead_id == EVENT.c.lead_id,
            after.c.at >= EVENT.c.at,
            after.c.at < scope.end,
            event_matches(after, then),
        )
        .exists()
    )
    query = in_scope(select(func.count(distinct(EVENT.c.lead_id))).select_from(EVENT), scope).where(
        event_matches(EVENT, first), later
    )
    return int(session.connection().execute(query).scalar_one())


def attempts_before_outcome(
    *, session: Session, scope: Scope, attempt: EventMatch, connect: EventMatch, end: EventMatch
) -> Mean:
    """Contact attempts before each outcome in the scope: a lead's first `connect` attempt
    since its last `end` (the connecting attempt counted), or an `end` (a recycle) without
    one (the attempts since the previous `end`). Episodes are cut by `end` events."""
    s = scope
    is_attempt = event_matches(EVENT, attempt)
    is_connect = event_matches(EVENT, connect)
    is_end = event_matches(EVENT, end)
    outcomes = any_of(EVENT, [connect, end])
    candidates = in_scope(
        select(EVENT.c.lead_id).distinct().select_from(EVENT).where(outcomes), s
    ).subquery()
    # The ends before each event of a lead: which episode the event belongs to.
    ends_before = func.sum(case((is_end, 1), else_=0)).over(
        partition_by=EVENT.c.lead_id, order_by=(EVENT.c.at, EVENT.c.id), rows=(None, -1)
    )
    flagged = (
        select(
            EVENT.c.lead_id,
            EVENT.c.at,
            EVENT.c.id,
            case((is_attempt, 1), else_=0).label("attempt"),
            case((is_connect, 1), else_=0).label("connect"),
            case((is_end, 1), else_=0).label("ended"),
            func.coalesce(ends_before, 0).label("episode"),
        )
        .join(candidates, candidates.c.lead_id == EVENT.c.lead_id)
        .where(EVENT.c.at < s.end, any_of(EVENT, [attempt, end]))
        .subquery()
    )
    episode = (flagged.c.lead_id, flagged.c.episode)
    in_order = (flagged.c.at, flagged.c.id)
    counted = select(
        flagged.c.at,
        flagged.c.connect,
        flagged.c.ended,
        func.sum(flagged.c.attempt)
        .over(partition_by=episode, order_by=in_order, rows=(None, 0))
        .label("attempts"),
        func.sum(flagged.c.connect)
        .over(partition_by=episode, order_by=in_order, rows=(None, 0))
        .label("connects"),
    ).subquery()
    outcome = or_(
        and_(counted.c.connect == 1, counted.c.connects == 1),
        and_(counted.c.ended == 1, counted.c.connects == 0),
    )
    query = select(func.count(), func.coalesce(func.sum(counted.c.attempts), 0)).where(
        outcome, counted.c.at >= s.start
    )
    outcomes, attempts = session.connection().execute(query).one()
    return Mean(count=int(outcomes), total=int(attempts))


def events_before(
    *, session: Session, scope: Scope, anchor: EventMatch, counted: EventMatch
) -> Mean:
    """For each lead with an `anchor` event in the scope: the `counted` events before its
    first anchor in the window (at the same moment included) and after its anchor before
    that, if any. The mean over those leads."""
    first = (
        in_scope(
            select(EVENT.c.lead_id, func.min(EVENT.c.at).label("at"))
            .select_from(EVENT)
            .where(event_matches(EVENT, anchor)),
            scope,
        )
        .group_by(EVENT.c.lead_id)
        .subquery()
    )
    earlier = EVENT.alias("earlier")
    previous = (
        select(func.max(earlier.c.at))
        .where(earlier.c.lead_id == first.c.lead_id, earlier.c.at < first.c.at)
        .where(event_matches(earlier, anchor))
        .scalar_subquery()
    )
    anchors = select(first.c.lead_id, first.c.at, previous.label("previous")).subquery()
    touch = EVENT.alias("touch")
    touches = (
        select(func.count())
        .select_from(touch)
        .where(
            touch.c.lead_id == anchors.c.lead_id,
            touch.c.at <= anchors.c.at,
            or_(anchors.c.previous.is_(None), touch.c.at > anchors.c.previous),
            event_matches(touch, counted),
        )
        .scalar_subquery()
    )
    query = select(func.count(), func.coalesce(func.sum(touches), 0)).select_from(anchors)
    leads, total = session.connection().execute(query).one()
    return Mean(count=int(leads), total=int(total))


def top_reasons(
    *, session: Session, scope: Scope, matches: Mapping[str, EventMatch], limit: int
) -> dict[str, list[tuple[str, int]]]:
    """For each named match, its events' most frequent reasons in the scope (most first, then
    alphabetically), at most `limit` of them; events without a reason are left out."""
    if not matches:
        return {}
    which = case(*((event_matches(EVENT, m), literal(name)) for name, m in matches.items()))
    counts = (
        in_scope(
            select(which.label("which"), EVENT.c.reason, func.count().label("n"))
            .select_from(EVENT)
            .where(any_of(EVENT, list(matches.values())), EVENT.c.reason != ""),
            scope,
        )
        .group_by(which, EVENT.c.reason)
        .subquery()
    )
    ranked = select(
        counts.c.which,
        counts.c.reason,
        counts.c.n,
        func.row_number()
        .over(partition_by=counts.c.which, order_by=(counts.c.n.desc(), counts.c.reason))
        .label("place"),
    ).subquery()
    query = (
        select(ranked.c.which, ranked.c.reason, ranked.c.n)
        .where(ranked.c.place <= limit)
        .order_by(ranked.c.which, ranked.c.place)
    )
    found: dict[str, list[tuple[str, int]]] = {name: [] for name in matches}
    for which_name, reason, n in session.connection().execute(query).all():
        found[str(which_name)].append((str(reason), int(n)))
    return found


def longest_in_stage(
    *, session: Session, stages: Sequence[str], team: str | None, now: datetime, limit: int
) -> list[StageRow]:
    """The `limit` leads longest in each stage as of `now` (their current stage: a snapshot),
    of one team or all; one index range per stage, oldest first."""
    if not stages:
        return []
    columns = (
        LEAD.c.id, LEAD.c.name, LEAD.c.stage, LEAD.c.owner_id, LEAD.c.stage_entered_at,
        LEAD.c.card_channel, LEAD.c.card_ts,
    )  # fmt: skip
    parts = []
    for stage in stages:
        part = select(*columns).where(LEAD.c.stage == stage, LEAD.c.stage_entered_at <= now)
        if team is not None:
            part = part.where(LEAD.c.team == team)
        parts.append(part.order_by(LEAD.c.stage_entered_at, LEAD.c.id).limit(limit).subquery())
    merged = union_all(*(select(part) for part in parts)).subquery()
    query = select(merged).order_by(merged.c.stage, merged.c.stage_entered_at, merged.c.id)
    return [
        StageRow(
            lead_id=int(row.id),
            name=str(row.name),
            stage=str(row.stage),
            owner_id=row.owner_id,
            since=row.stage_entered_at,
            card_channel=row.card_channel,
            card_ts=row.card_ts,
        )  # fmt: skip
        for row in session.connection().execute(query).all()
    ]


def leads_by_stage(*, session: Session) -> dict[str, int]:
    """How many leads are in each stage now (the benchmark's baseline: one GROUP BY)."""
    query = select(LEAD.c.stage, func.count()).group_by(LEAD.c.stage)
    return {str(stage): int(n) for stage, n in session.connection().execute(query).all()}
