"""The pursuit benchmark's bulk seeding stores the leads it says, shaped as the benchmark needs."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import Engine, func, select

from bench.pursuit_seed import OPEN, Seeded, seed_leads
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from store.db import read_scope, session_factory
from store.leads import EVENT, LEAD, get_lead, leads_owned_by
from store.outbox import OUTBOX, OutboxKind, OutboxStatus

REP = "U0REPEMEA1"
COUNT, TARGETS = 400, 40


@pytest.fixture
def seeded(engine: Engine, playbook: Playbook, now: datetime) -> Seeded:
    return seed_leads(
        session_factory(engine), count=COUNT, targets=TARGETS, rep=REP, team="emea",
        playbook=playbook, now=now,
    )  # fmt: skip


def test_it_stores_the_leads_it_reports_spread_over_the_stages(
    engine: Engine, seeded: Seeded
) -> None:
    with read_scope(session_factory(engine)) as session:
        counted = select(LEAD.c.stage, func.count()).group_by(LEAD.c.stage)
        stages = {stage: n for stage, n in session.execute(counted).all()}
        ids = set(session.execute(select(LEAD.c.id)).scalars())

    assert ids == set(seeded.lead_ids) and len(seeded.lead_ids) == COUNT
    assert stages == dict(seeded.stages)
    assert {Stage.NURTURE, Stage.WORKING, Stage.OPPORTUNITY, Stage.DISQUALIFIED} <= set(stages)


def test_the_targets_are_fresh_working_leads_of_the_rep_with_a_card(
    engine: Engine, seeded: Seeded, playbook: Playbook
) -> None:
    with read_scope(session_factory(engine)) as session:
        targets = [get_lead(session=session, lead_id=i) for i in seeded.target_ids]

    assert len(targets) == TARGETS
    for lead in targets:
        assert lead is not None
        assert (lead.stage, lead.owner_id, lead.team) == (Stage.WORKING, REP, "emea")
        assert lead.card_channel == playbook.team("emea").channel and lead.card_ts
        assert lead.qualified_at is None and lead.closed_at is None


def test_every_owned_lead_belongs_to_a_member_of_its_team_and_times_run_forward(
    engine: Engine, seeded: Seeded, playbook: Playbook, now: datetime
) -> None:
    with read_scope(session_factory(engine)) as session:
        rows = session.execute(
            select(
                LEAD.c.stage,
                LEAD.c.team,
                LEAD.c.owner_id,
                LEAD.c.created_at,
                LEAD.c.stage_entered_at,
            )  # fmt: skip
        ).all()

    for stage, team, owner, created, entered in rows:
        if stage in OPEN:
            assert owner in playbook.team(team).members()
        assert created <= entered <= now


def test_each_lead_has_its_history_and_each_card_its_sent_post(
    engine: Engine, seeded: Seeded
) -> None:
    with read_scope(session_factory(engine)) as session:
        events = Counter(session.execute(select(EVENT.c.lead_id)).scalars())
        posts = session.execute(
            select(OUTBOX.c.lead_id, OUTBOX.c.kind, OUTBOX.c.status, OUTBOX.c.result_ts)
        ).all()
        carded = dict(
            session.execute(
                select(LEAD.c.id, LEAD.c.card_ts).where(LEAD.c.card_channel.is_not(None))
            ).all()
        )

    assert set(events) == set(seeded.lead_ids) and events.total() == seeded.events
    assert len(posts) == seeded.outbox_rows == len(carded)
    for lead_id, kind, status, ts in posts:
        assert (kind, status, ts) == (OutboxKind.POST_CARD, OutboxStatus.SENT, carded[lead_id])


def test_the_reps_open_leads_are_what_mine_lists(engine: Engine, seeded: Seeded) -> None:
    with read_scope(session_factory(engine)) as session:
        mine = leads_owned_by(session=session, owner_id=REP, stages=tuple(OPEN), limit=COUNT)

    assert len(mine) == seeded.open_owned[REP] >= TARGETS
