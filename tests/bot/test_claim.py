"""Claim: only the team may claim, and exactly one of many clickers wins."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.core.errors import AlreadyClaimed, LeadNotFound, NotClaimable, NotOnTeam
from bot.core.stages import Stage
from bot.pursuit.lifecycle import claim_lead
from store.db import session_factory, session_scope
from store.leads import lead_history
from store.models import Lead, OutboxMessage
from tests.factories import make_lead, reread

REP, OTHER_REP, MANAGER = "U0REPEMEA1", "U0REPEMEA2", "U0MGREMEA1"


def test_rep_of_the_team_claims_and_speed_to_lead_is_recorded(session, playbook, now) -> None:
    lead = make_lead(session, sales_ready_at=now - timedelta(minutes=12))
    result = claim_lead(session=session, lead_id=lead.id, user_id=REP, playbook=playbook, now=now)
    assert result.lead.owner_id == REP
    assert result.lead.stage == Stage.WORKING
    assert result.lead.claimed_at == now
    assert result.speed_to_lead_seconds == 12 * 60
    claimed = [e for e in lead_history(session=session, lead_id=lead.id) if e.kind == "claimed"]
    assert claimed[0].data == {"speed_to_lead_seconds": 720.0, "within_sla": True}


def test_claim_queues_the_card_update(session, playbook, now) -> None:
    lead = make_lead(session, card_channel="C0EMEA0001", card_ts="1.1")
    claim_lead(session=session, lead_id=lead.id, user_id=REP, playbook=playbook, now=now)
    [update] = session.exec(select(OutboxMessage)).all()
    assert update.kind == "update_card"
    assert f"<@{REP}>" in update.payload["text"]


def test_manager_may_claim(session, playbook, now) -> None:
    lead = make_lead(session)
    claim_lead(session=session, lead_id=lead.id, user_id=MANAGER, playbook=playbook, now=now)
    assert reread(session, lead).owner_id == MANAGER


def test_rep_of_another_team_may_not_claim(session, playbook, now) -> None:
    lead = make_lead(session)
    with pytest.raises(NotOnTeam, match="Only reps and the manager of EMEA Sales"):
        claim_lead(
            session=session, lead_id=lead.id, user_id="U0REPAMER1", playbook=playbook, now=now
        )
    assert lead.owner_id is None


def test_second_claim_names_the_owner(session, playbook, now) -> None:
    lead = make_lead(session)
    claim_lead(session=session, lead_id=lead.id, user_id=REP, playbook=playbook, now=now)
    with pytest.raises(AlreadyClaimed) as caught:
        claim_lead(session=session, lead_id=lead.id, user_id=OTHER_REP, playbook=playbook, now=now)
    assert caught.value.user_message == f"Lead #{lead.id} is already claimed by <@{REP}>."


def test_nurture_lead_cannot_be_claimed(session, playbook, now) -> None:
    lead = make_lead(session, stage=Stage.NURTURE, team=None, sales_ready_at=None)
    with pytest.raises(NotClaimable, match="with marketing"):
        claim_lead(session=session, lead_id=lead.id, user_id=REP, playbook=playbook, now=now)


def test_unknown_lead_is_not_found(session, playbook, now) -> None:
    with pytest.raises(LeadNotFound):
        claim_lead(session=session, lead_id=424242, user_id=REP, playbook=playbook, now=now)


def test_exactly_one_of_many_concurrent_claims_wins(engine: Engine, playbook, now) -> None:
    """Eight clicks at the same instant: one owner, seven told who."""
    factory = session_factory(engine)
    with session_scope(factory) as session:
        lead_id = make_lead(session).id
    clickers = ["U0REPEMEA1", "U0REPEMEA2", "U0MGREMEA1", "U0REPEMEA1"] * 2
    barrier = threading.Barrier(len(clickers))
    winners: list[str] = []
    losers: list[str] = []

    def click(user: str) -> None:
        barrier.wait()
        try:
            with session_scope(factory) as session:
                claim_lead(
                    session=session, lead_id=lead_id, user_id=user, playbook=playbook, now=now
                )
            winners.append(user)
        except AlreadyClaimed as refused:
            losers.append(refused.owner_id)

    threads = [threading.Thread(target=click, args=(u,)) for u in clickers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(winners) == 1
    assert losers == [winners[0]] * (len(clickers) - 1)
    with session_scope(factory) as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None and lead.owner_id == winners[0]
        claims = [e for e in lead_history(session=session, lead_id=lead_id) if e.kind == "claimed"]
        assert len(claims) == 1
