"""The read queries behind `/lead mine`, the Home tab and `/lead show`, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.core.events import EventKind
from bot.core.stages import Stage
from store.leads import add_event, lead_history, leads_owned_by
from tests.factories import make_lead

REP, OTHER = "U0REPEMEA1", "U0REPEMEA2"
OPEN = (Stage.WORKING, Stage.OPPORTUNITY, Stage.ON_HOLD)
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def owned(session: Session, days_ago: int, stage: Stage, owner: str = REP) -> int:
    lead = make_lead(
        session, stage=stage, owner_id=owner, stage_entered_at=T0 - timedelta(days=days_ago)
    )
    assert lead.id is not None
    return lead.id


def test_leads_owned_by_lists_the_owners_leads_of_the_stages_longest_in_their_stage_first(
    session: Session,
) -> None:
    working = owned(session, 3, Stage.WORKING)
    held = owned(session, 9, Stage.ON_HOLD)
    deal = owned(session, 5, Stage.OPPORTUNITY)
    newest = owned(session, 1, Stage.WORKING)
    owned(session, 20, Stage.WON)  # closed
    owned(session, 30, Stage.WORKING, owner=OTHER)

    leads = leads_owned_by(session=session, owner_id=REP, stages=OPEN)

    assert [lead.id for lead in leads] == [held, deal, working, newest]


def test_leads_owned_by_stops_at_the_limit_across_stages(session: Session) -> None:
    ids = {days: owned(session, days, OPEN[days % 3]) for days in range(1, 10)}

    leads = leads_owned_by(session=session, owner_id=REP, stages=OPEN, limit=4)

    assert [lead.id for lead in leads] == [ids[9], ids[8], ids[7], ids[6]]


def test_leads_owned_by_returns_whole_leads_with_aware_times(session: Session) -> None:
    lead_id = owned(session, 2, Stage.WORKING)

    [lead] = leads_owned_by(session=session, owner_id=REP, stages=(Stage.WORKING,))

    assert (lead.id, lead.stage, lead.owner_id) == (lead_id, Stage.WORKING, REP)
    assert lead.stage_entered_at == T0 - timedelta(days=2)
    assert lead.custom == {}


def test_leads_owned_by_no_stage_is_no_lead(session: Session) -> None:
    owned(session, 2, Stage.WORKING)

    assert leads_owned_by(session=session, owner_id=REP, stages=()) == []


def test_lead_history_is_the_leads_events_oldest_first(session: Session) -> None:
    lead = make_lead(session)
    other = make_lead(session)
    assert lead.id is not None and other.id is not None
    add_event(session=session, lead_id=lead.id, at=T0, kind=EventKind.CAPTURED, actor="api")
    add_event(session=session, lead_id=other.id, at=T0, kind=EventKind.CAPTURED, actor="api")
    add_event(session=session, lead_id=lead.id, at=T0 + timedelta(hours=1),
              kind=EventKind.STAGE_CHANGED, actor=REP, from_stage=Stage.SALES_READY,
              to_stage=Stage.WORKING, reason="claimed", data={"n": 1})  # fmt: skip

    history = lead_history(session=session, lead_id=lead.id)

    assert [(e.kind, e.actor, e.to_stage, e.reason, e.data) for e in history] == [
        (EventKind.CAPTURED, "api", None, "", {}),
        (EventKind.STAGE_CHANGED, REP, Stage.WORKING, "claimed", {"n": 1}),
    ]
    assert history[1].at == T0 + timedelta(hours=1)
