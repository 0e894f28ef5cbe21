"""Lead and history queries. Keyword-only, take the session, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.models import Engagement, Lead, LeadEvent, SlackDelivery


def get_lead(*, session: Session, lead_id: int, for_update: bool = False) -> Lead | None:
    """The lead; `for_update` locks its row until commit (PostgreSQL) so deciders serialise."""
    return session.get(Lead, lead_id, with_for_update=for_update or None)


def find_lead_by_email_key(
    *, session: Session, email_key: str, for_update: bool = False
) -> Lead | None:
    query = select(Lead).where(Lead.email_key == email_key)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def add_lead(*, session: Session, lead: Lead) -> Lead:
    """Insert and flush so the lead has its id."""
    session.add(lead)
    session.flush()
    return lead


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
) -> LeadEvent:
    event = LeadEvent(
        lead_id=lead_id,
        at=at,
        kind=kind,
        actor=actor,
        from_stage=from_stage,
        to_stage=to_stage,
        reason=reason,
        data=data or {},
    )
    session.add(event)
    return event


def lead_history(*, session: Session, lead_id: int) -> Sequence[LeadEvent]:
    return session.exec(
        select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(col(LeadEvent.id))
    ).all()


def add_engagement(
    *, session: Session, lead_id: int, type: str, points: float, at: datetime
) -> Engagement:
    touch = Engagement(lead_id=lead_id, type=type, points=points, at=at)
    session.add(touch)
    return touch


def lead_engagements(*, session: Session, lead_id: int) -> Sequence[Engagement]:
    return session.exec(
        select(Engagement).where(Engagement.lead_id == lead_id).order_by(col(Engagement.at))
    ).all()


def leads_owned_by(
    *, session: Session, owner_id: str, stages: Sequence[str], limit: int = 20
) -> Sequence[Lead]:
    return session.exec(
        select(Lead)
        .where(Lead.owner_id == owner_id, col(Lead.stage).in_(stages))
        .order_by(col(Lead.stage_entered_at))
        .limit(limit)
    ).all()


def unclaimed_leads(
    *, session: Session, teams: Sequence[str], stage: str, limit: int = 20
) -> Sequence[Lead]:
    return session.exec(
        select(Lead)
        .where(col(Lead.team).in_(teams), Lead.stage == stage, col(Lead.owner_id).is_(None))
        .order_by(col(Lead.sales_ready_at))
        .limit(limit)
    ).all()


def remember_slack_delivery(*, session: Session, event_id: str, now: datetime) -> bool:
    """Record an Events API delivery; False when it was already handled (a Slack retry)."""
    if session.exec(select(SlackDelivery).where(SlackDelivery.event_id == event_id)).first():
        return False
    try:
        # A savepoint, so a retry racing the first delivery loses cleanly on the unique key.
        with session.begin_nested():
            session.add(SlackDelivery(event_id=event_id, received_at=now))
    except IntegrityError:
        return False
    return True
