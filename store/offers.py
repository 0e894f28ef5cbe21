"""Offers of unclaimed leads to reps, and when reps can take them (round robin's facts)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from store.kinds import OfferAnswer
from store.models import Lead, Offer, RepAvailability

OFFER: Table = Offer.__table__  # type: ignore[attr-defined]
AVAILABILITY: Table = RepAvailability.__table__  # type: ignore[attr-defined]
LEAD: Table = Lead.__table__  # type: ignore[attr-defined]


def add_offer(*, session: Session, lead_id: int, rep_id: str, now: datetime) -> None:
    session.execute(
        OFFER.insert().values(
            lead_id=lead_id, rep_id=rep_id, offered_at=now, answer=OfferAnswer.PENDING
        )
    )


def pending_offer_to(*, session: Session, lead_id: int) -> str | None:
    """The rep the lead is offered to now, if any (at most one offer of a lead is pending)."""
    query = select(OFFER.c.rep_id).where(
        OFFER.c.lead_id == lead_id, OFFER.c.answer == OfferAnswer.PENDING
    )
    return session.execute(query.limit(1)).scalar_one_or_none()


def last_offer_answer(*, session: Session, lead_id: int, rep_id: str) -> OfferAnswer | None:
    """What became of the latest offer of the lead to the rep; None: never offered to them."""
    query = (
        select(OFFER.c.answer)
        .where(OFFER.c.lead_id == lead_id, OFFER.c.rep_id == rep_id)
        .order_by(OFFER.c.id.desc())
        .limit(1)
    )
    answer = session.execute(query).scalar_one_or_none()
    return None if answer is None else OfferAnswer(answer)


def answer_pending_offer(
    *, session: Session, lead_id: int, answer: OfferAnswer, now: datetime
) -> str | None:
    """Close the lead's pending offer with `answer`; the rep it was offered to, or None."""
    rep_id = pending_offer_to(session=session, lead_id=lead_id)
    if rep_id is not None:
        session.execute(
            update(OFFER)
            .where(OFFER.c.lead_id == lead_id, OFFER.c.answer == OfferAnswer.PENDING)
            .values(answer=answer, answered_at=now)
        )
    return rep_id


def reps_offered(*, session: Session, lead_id: int, since: datetime) -> set[str]:
    """Everyone the lead was offered to since `since` (they are not asked twice)."""
    query = select(OFFER.c.rep_id).where(OFFER.c.lead_id == lead_id, OFFER.c.offered_at >= since)
    return set(session.execute(query).scalars())


def offer_counts(*, session: Session, rep_ids: Collection[str], since: datetime) -> dict[str, int]:
    """Offers each rep had since `since` (the fairness window): ix_offer_rep_offered."""
    if not rep_ids:
        return {}
    query = (
        select(OFFER.c.rep_id, func.count())
        .where(OFFER.c.rep_id.in_(list(rep_ids)), OFFER.c.offered_at >= since)
        .group_by(OFFER.c.rep_id)
    )
    return {rep: int(n) for rep, n in session.execute(query).all()}


def availability_of(*, session: Session, user_ids: Collection[str]) -> dict[str, RepAvailability]:
    if not user_ids:
        return {}
    query = select(AVAILABILITY).where(AVAILABILITY.c.user_id.in_(list(user_ids)))
    return {
        row.user_id: RepAvailability(
            user_id=row.user_id,
            first_seen_at=row.first_seen_at,
            away_since=row.away_since,
            away_until=row.away_until,
        )
        for row in session.execute(query).all()
    }


def _upsert(session: Session) -> type[sqlite.Insert] | type[postgresql.Insert]:
    dialect = session.get_bind().dialect.name
    return postgresql.Insert if dialect == "postgresql" else sqlite.Insert


def note_reps_seen(*, session: Session, user_ids: Collection[str], now: datetime) -> None:
    """Remember when the rotation first saw each rep (a new rep is owed leads from then)."""
    if not user_ids:
        return
    rows = [{"user_id": user, "first_seen_at": now} for user in sorted(user_ids)]
    statement = _upsert(session)(AVAILABILITY).values(rows)
    session.execute(statement.on_conflict_do_nothing(index_elements=["user_id"]))


def set_away(*, session: Session, user_id: str, now: datetime, until: datetime | None) -> None:
    """Away from `now` until `until`; `until` None: back from now on."""
    since = now if until is not None else None
    statement = _upsert(session)(AVAILABILITY).values(
        user_id=user_id, first_seen_at=now, away_since=since, away_until=until
    )
    update_values = {"away_since": since, "away_until": until}
    session.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=update_values))
