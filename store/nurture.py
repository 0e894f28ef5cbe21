"""The nurture job's queries: leads whose revisit date or rescore time has come. Never commit.

Each selects by an indexed time column (`revisit_at`, `rescore_at`), so a run's cost grows with
the leads due, not with all leads. On PostgreSQL the rows are locked and another sweeper skips
them (FOR UPDATE SKIP LOCKED), as the SLA sweep's `due_leads`; on SQLite the sweeper holds the
one write lock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, or_, select
from sqlmodel import Session

from store.kinds import Stage
from store.leads import EVENT, LEAD, leads_of
from store.models import Lead, LeadEvent, UtcDateTime

_NOW = bindparam("at_now", type_=UtcDateTime())


def _due_by(column: Any) -> tuple[Select[Any], Select[Any]]:
    query = select(LEAD).where(column <= _NOW).order_by(column).limit(bindparam("max_rows"))
    return query, query.with_for_update(skip_locked=True)


_REVISITS, _REVISITS_SKIP_LOCKED = _due_by(LEAD.c.revisit_at)
_RESCORES, _RESCORES_SKIP_LOCKED = _due_by(LEAD.c.rescore_at)


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def revisits_due(*, session: Session, now: datetime, limit: int) -> list[Lead]:
    """Leads whose revisit date has come by `now`, the longest waiting first (locked)."""
    query = _REVISITS_SKIP_LOCKED if _postgres(session) else _REVISITS
    return leads_of(session.execute(query, {"at_now": now, "max_rows": limit}).all())


def rescores_due(*, session: Session, now: datetime, limit: int) -> list[Lead]:
    """Leads whose score is to be looked at again by `now`, the earliest first (locked)."""
    query = _RESCORES_SKIP_LOCKED if _postgres(session) else _RESCORES
    return leads_of(session.execute(query, {"at_now": now, "max_rows": limit}).all())


def scores_to_check(*, session: Session, threshold: float, after_id: int, limit: int) -> list[Lead]:
    """The catch-up's leads (not fast-tracked), by id after `after_id`: nurtured ones without
    a revisit date whose stored score reaches `threshold` (the threshold was lowered), and
    unclaimed sales-ready ones (the threshold was raised, or their rescore time was never set).
    Its cost grows with all leads: run once after the playbook changed, not every few minutes."""
    nurtured = and_(
        LEAD.c.stage == Stage.NURTURE, LEAD.c.revisit_at.is_(None), LEAD.c.score >= threshold
    )
    unclaimed = and_(LEAD.c.stage == Stage.SALES_READY, LEAD.c.owner_id.is_(None))
    query = (
        select(LEAD)
        .where(LEAD.c.id > after_id, LEAD.c.fast_tracked.is_(False), or_(nurtured, unclaimed))
        .order_by(LEAD.c.id)
        .limit(limit)
    )
    if _postgres(session):
        query = query.with_for_update(skip_locked=True)
    return leads_of(session.execute(query).all())


def last_move_to(*, session: Session, lead_id: int, stage: str) -> LeadEvent | None:
    """The lead's latest stage change into `stage` (its recycle, for a nurtured lead), read by
    the lead's index on its events: one row, however long its history."""
    row = session.execute(
        select(EVENT)
        .where(EVENT.c.lead_id == lead_id, EVENT.c.to_stage == stage)
        .order_by(EVENT.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else LeadEvent.model_construct(**row._mapping)
