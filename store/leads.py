"""Lead and history queries. Keyword-only, take the session, never commit.

Leads are read and written with explicit statements, not through the ORM's unit of work: a
`Lead` returned here is a plain value (never attached to the session), and a change is stored by
`save_lead`. Intake runs these statements hundreds of times a second, and the ORM's flush,
identity map and object construction cost ten times the SQL itself (docs/benchmarks.md). So never
`session.add()` a lead: `insert_lead` and `save_lead` are the two ways a lead reaches the table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, Select, Table, bindparam, func, insert, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import class_mapper
from sqlmodel import Session

from store.models import Engagement, Lead, LeadEvent, SlackDelivery, UtcDateTime

LEAD: Table = Lead.__table__  # type: ignore[attr-defined]
EVENT: Table = LeadEvent.__table__  # type: ignore[attr-defined]
ENGAGEMENT: Table = Engagement.__table__  # type: ignore[attr-defined]
#: Every column a save writes: all but the id, which never changes.
_SAVED_COLUMNS = tuple(c.name for c in LEAD.columns if c.name != "id")

_BY_ID = select(LEAD).where(LEAD.c.id == bindparam("lead_id"))
_BY_EMAIL_KEY = select(LEAD).where(LEAD.c.email_key == bindparam("email_key"))
# Built once, as every statement here: building one costs more than running it.
_BY_ID_LOCKED = _BY_ID.with_for_update()
_BY_EMAIL_KEY_LOCKED = _BY_EMAIL_KEY.with_for_update()
_ENGAGEMENTS = (
    select(ENGAGEMENT.c.type, ENGAGEMENT.c.points, ENGAGEMENT.c.at)
    .where(ENGAGEMENT.c.lead_id == bindparam("lead_id"))
    .order_by(ENGAGEMENT.c.at)
)
_INSERT_LEAD = insert(LEAD).returning(LEAD.c.id)
_SAVE_LEAD = (
    update(LEAD)
    .where(LEAD.c.id == bindparam("lead_id"))
    .values({name: bindparam(name) for name in _SAVED_COLUMNS})
)
_INSERT_EVENT = insert(EVENT)
_EVENTS_OF_LEAD = select(EVENT).where(EVENT.c.lead_id == bindparam("lead_id"))
_HISTORY = _EVENTS_OF_LEAD.order_by(EVENT.c.id)
_LAST_EVENTS = _EVENTS_OF_LEAD.order_by(EVENT.c.id.desc()).limit(bindparam("last"))
_INSERT_ENGAGEMENT = insert(ENGAGEMENT)


# A Lead is built the way the ORM builds a loaded row: the instance, then its values. Lead(...)
# would validate and instrument every field one by one, which costs more than the SQL.
_NEW_INSTANCE = class_mapper(Lead).class_manager.new_instance
_DEFAULTS = {name: field for name, field in Lead.model_fields.items() if not field.is_required()}


def _lead_of(values: Mapping[Any, Any]) -> Lead:
    lead = _NEW_INSTANCE()
    lead.__dict__.update(values)
    return lead


def new_lead(**values: Any) -> Lead:
    """A lead not stored yet (`insert_lead` stores it): the given fields, defaults for the rest."""
    defaults = {n: f.get_default(call_default_factory=True) for n, f in _DEFAULTS.items()}
    return _lead_of({**defaults, **values})


_NEW_EVENT = class_mapper(LeadEvent).class_manager.new_instance


def _event_of(values: Mapping[Any, Any]) -> LeadEvent:
    event = _NEW_EVENT()
    event.__dict__.update(values)
    return event


def _lead(row: Row[Any] | None) -> Lead | None:
    return None if row is None else _lead_of(row._mapping)


def _leads(rows: Sequence[Row[Any]]) -> list[Lead]:
    return [_lead_of(row._mapping) for row in rows]


def leads_of(rows: Sequence[Row[Any]]) -> list[Lead]:
    """Leads from rows of `select(LEAD)`, as every query here returns them (for store/ modules)."""
    return _leads(rows)


def get_lead(*, session: Session, lead_id: int, for_update: bool = False) -> Lead | None:
    """The lead; `for_update` locks its row until commit (PostgreSQL) so deciders serialise."""
    query = _BY_ID_LOCKED if for_update else _BY_ID
    return _lead(session.execute(query, {"lead_id": lead_id}).first())


def find_lead_by_email_key(
    *, session: Session, email_key: str, for_update: bool = False
) -> Lead | None:
    """The lead of the person with this de-duplication key (see bot.rules.scrub.clean_email)."""
    query = _BY_EMAIL_KEY_LOCKED if for_update else _BY_EMAIL_KEY
    return _lead(session.execute(query, {"email_key": email_key}).first())


def insert_lead(*, session: Session, lead: Lead) -> Lead:
    """Insert a new lead and give it its id."""
    values = {name: getattr(lead, name) for name in _SAVED_COLUMNS}
    lead.id = session.execute(_INSERT_LEAD, values).scalar_one()
    return lead


def save_lead(*, session: Session, lead: Lead) -> None:
    """Store every field of a lead read from (or inserted into) the table.

    It writes the whole row, so the lead must have been read `for_update` (or inserted) in this
    unit of work: otherwise a change made meanwhile by someone else would be overwritten.
    """
    assert lead.id is not None, "save_lead stores a lead that insert_lead has given an id"
    values = {name: getattr(lead, name) for name in _SAVED_COLUMNS}
    session.execute(_SAVE_LEAD, {"lead_id": lead.id, **values})


_SAVE_ESCALATION = (
    update(LEAD)
    .where(LEAD.c.id == bindparam("lead_id"))
    .values(due_at=bindparam("new_due_at"), escalation=bindparam("new_escalation"))
)


def save_escalation(*, session: Session, lead: Lead) -> None:
    """Store only the lead's next due time and escalation step: all the SLA sweep changes. A
    whole-row write would rewrite the lead's entry in every index of `lead`, which on a big
    SQLite file made the sweep's cost grow with the table (bench/sla_sweep.py)."""
    assert lead.id is not None
    values = {"lead_id": lead.id, "new_due_at": lead.due_at, "new_escalation": lead.escalation}
    session.execute(_SAVE_ESCALATION, values)


def add_event(
    *,
    session: Session,
    lead_id: int,
    at: datetime,
    kind: str,
    actor: str,
    from_stage: str | None = None,
    to_stage: str | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Append one event to the lead's history."""
    session.execute(
        _INSERT_EVENT,
        {
            "lead_id": lead_id,
            "at": at,
            "kind": kind,
            "actor": actor,
            "from_stage": from_stage,
            "to_stage": to_stage,
            "reason": reason,
            "data": data or {},
        },
    )


def lead_history(*, session: Session, lead_id: int, last: int | None = None) -> Sequence[LeadEvent]:
    """The lead's events, oldest first; with `last`, only the most recent `last` of them.

    Plain values, as `get_lead`'s leads: `/lead show` reads them on every call, and
    LeadEvent(...) would cost more than the query.
    """
    if last is None:
        rows = session.execute(_HISTORY, {"lead_id": lead_id}).all()
    else:
        rows = session.execute(_LAST_EVENTS, {"lead_id": lead_id, "last": last}).all()[::-1]
    return [_event_of(row._mapping) for row in rows]


def count_lead_events(*, session: Session, lead_id: int) -> int:
    """How many events the lead's history holds."""
    query = select(func.count()).select_from(EVENT).where(EVENT.c.lead_id == lead_id)
    return int(session.connection().execute(query).scalar_one())


def add_engagement(
    *, session: Session, lead_id: int, type: str, points: float, at: datetime
) -> None:
    """Record one marketing touch."""
    session.execute(
        _INSERT_ENGAGEMENT, {"lead_id": lead_id, "type": type, "points": points, "at": at}
    )


def lead_engagements(*, session: Session, lead_id: int) -> Sequence[Row[Any]]:
    """The lead's touches (type, points, at), oldest first."""
    return session.execute(_ENGAGEMENTS, {"lead_id": lead_id}).all()


def leads_owned_by(
    *, session: Session, owner_id: str, stages: Sequence[str], limit: int = 20
) -> list[Lead]:
    """The owner's leads in these stages, longest in their stage first."""
    if not stages:
        return []
    values: dict[str, Any] = {"owner": owner_id, "max_rows": limit}
    values |= {f"stage_{i}": stage for i, stage in enumerate(stages)}
    return _leads(session.execute(_owned_in(len(stages)), values).all())


@lru_cache(maxsize=8)
def _owned_in(stages: int) -> Select[Any]:
    """The query of `leads_owned_by` for this many stages (`owner`, `stage_<i>`, `max_rows`).

    A rep collects thousands of leads, most of them closed. One `stage IN (…)` range sorted
    afterwards reads every open one (and `/lead mine` and the Home tab ask on every call); one
    range of ix_lead_owner_stage_entered per stage, each already in order and cut at the limit,
    reads at most `limit` rows per stage, and the database merges them.
    """
    parts = [
        select(LEAD)
        .where(LEAD.c.owner_id == bindparam("owner"), LEAD.c.stage == bindparam(f"stage_{i}"))
        .order_by(LEAD.c.stage_entered_at)
        .limit(bindparam("max_rows"))
        .subquery()
        for i in range(stages)
    ]
    merged = union_all(*(select(part) for part in parts)).subquery()
    return select(merged).order_by(merged.c.stage_entered_at).limit(bindparam("max_rows"))


def unclaimed_leads(
    *, session: Session, teams: Sequence[str], stage: str, limit: int = 20
) -> list[Lead]:
    """Leads of these teams in `stage` that nobody owns, longest waiting first."""
    return _leads(
        session.connection()
        .execute(
            select(LEAD)
            .where(LEAD.c.team.in_(teams), LEAD.c.stage == stage, LEAD.c.owner_id.is_(None))
            .order_by(LEAD.c.sales_ready_at)
            .limit(limit)
        )
        .all()
    )


def count_leads_owned_by(*, session: Session, owner_id: str, stages: Sequence[str]) -> int:
    """How many of the owner's leads are in these stages."""
    query = (
        select(func.count())
        .select_from(LEAD)
        .where(LEAD.c.owner_id == owner_id, LEAD.c.stage.in_(stages))
    )
    return int(session.connection().execute(query).scalar_one())


def count_open_leads_by_owner(
    *, session: Session, owner_ids: Sequence[str], stages: Sequence[str], at_most: int
) -> dict[str, int]:
    """How many leads in these stages each of these owners has, counted up to `at_most` (a cap
    needs no more): each count reads at most that many entries of ix_lead_owner_stage_entered,
    however many thousand leads a rep has."""
    counts: dict[str, int] = {}
    for owner in dict.fromkeys(owner_ids):
        some = (
            select(LEAD.c.id)
            .where(LEAD.c.owner_id == owner, LEAD.c.stage.in_(stages))
            .limit(at_most)
            .subquery()
        )
        query = select(func.count()).select_from(some)
        counts[owner] = int(session.connection().execute(query).scalar_one())
    return counts


def count_unclaimed_leads(*, session: Session, teams: Sequence[str], stage: str) -> int:
    """How many leads of these teams in `stage` nobody owns."""
    query = (
        select(func.count())
        .select_from(LEAD)
        .where(LEAD.c.team.in_(teams), LEAD.c.stage == stage, LEAD.c.owner_id.is_(None))
    )
    return int(session.connection().execute(query).scalar_one())


def remember_slack_delivery(*, session: Session, event_id: str, now: datetime) -> bool:
    """Record an Events API delivery; False when it was already handled (a Slack retry)."""
    delivery: Table = SlackDelivery.__table__  # type: ignore[attr-defined]
    if (
        session.connection()
        .execute(select(delivery.c.id).where(delivery.c.event_id == event_id))
        .first()
    ):
        return False
    try:
        # A savepoint, so a retry racing the first delivery loses cleanly on the unique key.
        with session.begin_nested():
            session.add(SlackDelivery(event_id=event_id, received_at=now))
    except IntegrityError:
        return False
    return True


_DUE = (
    select(LEAD)
    .where(LEAD.c.due_at <= bindparam("at_now", type_=UtcDateTime()))
    .order_by(LEAD.c.due_at)
    .limit(bindparam("max_rows"))
)
_DUE_SKIP_LOCKED = _DUE.with_for_update(skip_locked=True)


def due_leads(*, session: Session, now: datetime, limit: int) -> list[Lead]:
    """Leads due by `now`, the most overdue first, by the `due_at` index: the sweep's cost grows
    with the leads due, not with all leads. On PostgreSQL they are locked and another sweeper
    skips them (FOR UPDATE SKIP LOCKED); on SQLite the sweeper holds the one write lock."""
    postgres = session.get_bind().dialect.name == "postgresql"
    query = _DUE_SKIP_LOCKED if postgres else _DUE
    return _leads(session.execute(query, {"at_now": now, "max_rows": limit}).all())
