"""The round robin as the sweep runs it against the database: weights, caps, a rep back from
time off, a new rep, an import of many leads, the admins at the end of the chain."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.events import EventKind
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.pursuit.sla import Step
from jobs.sla import run_sla
from store.db import session_factory
from store.leads import get_lead, save_lead
from store.models import Lead, LeadEvent, Offer, OutboxMessage, RepAvailability
from store.offers import add_offer
from store.users import save_slack_user
from tests.factories import make_lead

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 11:00 in Berlin, a working day
EMEA_REPS = ("U0REPEMEA1", "U0REPEMEA2")


def waiting_leads(session: Session, n: int, team: str = "emea", country: str = "DE") -> list[int]:
    """Leads re-announced already and due for an offer now."""
    ids = []
    for _ in range(n):
        lead = make_lead(session, at=TUESDAY - timedelta(hours=6), team=team, country=country)
        lead.escalation = Step.FIRST
        lead.due_at = TUESDAY
        save_lead(session=session, lead=lead)
        ids.append(lead.id or 0)
    session.commit()
    return ids


def offered(session: Session) -> Counter[str]:
    session.expire_all()
    rows = session.exec(select(Offer)).all()
    session.commit()
    return Counter(row.rep_id for row in rows)


def sweep(engine: Engine, playbook: Playbook, now: datetime = TUESDAY) -> int:
    return run_sla(session_factory=session_factory(engine), playbook=playbook, now=now)


def with_team(playbook: Playbook, key: str, **changes: object) -> Playbook:
    team = playbook.teams[key].model_copy(update=changes)
    return playbook.model_copy(update={"teams": {**playbook.teams, key: team}})


def test_weights_share_the_offers_of_many_leads(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    # AMER: U0REPAMER1 has weight 2 in the example playbook, the two others 1.
    waiting_leads(session, 40, team="amer", country="US")
    book = with_team(playbook, "amer", open_leads_cap=None)
    sweep(engine, book)
    assert offered(session) == {"U0REPAMER1": 20, "U0REPAMER2": 10, "U0REPAMER3": 10}


def test_an_import_of_500_spreads_evenly(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    waiting_leads(session, 500)
    assert sweep(engine, playbook) == 500
    assert offered(session) == {EMEA_REPS[0]: 250, EMEA_REPS[1]: 250}


def test_a_rep_at_the_cap_is_skipped(engine: Engine, session: Session, playbook: Playbook) -> None:
    busy, free = EMEA_REPS
    make_lead(session, stage=Stage.WORKING, owner_id=busy)
    waiting_leads(session, 3)
    sweep(engine, with_team(playbook, "emea", open_leads_cap=1))
    assert offered(session) == {free: 3}


def test_a_rep_back_from_two_weeks_off_is_not_flooded(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    worked, returned = EMEA_REPS
    long_ago = TUESDAY - timedelta(days=60)
    session.add(RepAvailability(user_id=worked, first_seen_at=long_ago))
    session.add(
        RepAvailability(
            user_id=returned,
            first_seen_at=long_ago,
            away_since=TUESDAY - timedelta(days=15),
            away_until=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),  # back since Monday 09:00
        )
    )
    old = make_lead(session, at=long_ago)
    for day in range(1, 11):  # two offers a day for the last 10 working days
        for _ in range(2):
            add_offer(session=session, lead_id=old.id or 0, rep_id=worked,
                      now=TUESDAY - timedelta(days=day))  # fmt: skip
    session.commit()
    before = offered(session)
    waiting_leads(session, 6)
    sweep(engine, playbook)
    new = offered(session) - before
    # Two offers per available day each: the returning rep gets about a day's share (Monday and
    # this morning), then they alternate. Counting lifetime (or window) totals would give them
    # all six.
    assert new[returned] == 3 and new[worked] == 3


def test_a_new_rep_gets_a_days_share_not_the_whole_window(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    veteran, newcomer = EMEA_REPS
    long_ago = TUESDAY - timedelta(days=60)
    session.add(RepAvailability(user_id=veteran, first_seen_at=long_ago))
    old = make_lead(session, at=long_ago)
    for day in range(1, 11):
        add_offer(session=session, lead_id=old.id or 0, rep_id=veteran,
                  now=TUESDAY - timedelta(days=day))  # fmt: skip
    session.commit()
    before = offered(session)
    waiting_leads(session, 4)
    sweep(engine, playbook)  # the newcomer is first seen now: one day available, no offers
    new = offered(session) - before
    assert new[newcomer] == 2 and new[veteran] == 2


def test_after_the_manager_the_admins_hear_when_the_playbook_says(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead = make_lead(session, at=TUESDAY - timedelta(hours=6), stage=Stage.WORKING,
                     owner_id=EMEA_REPS[0])  # fmt: skip
    lead.escalation = Step.MANAGER
    lead.due_at = TUESDAY
    save_lead(session=session, lead=lead)
    session.commit()
    assert playbook.escalation.admins_after is not None
    assert sweep(engine, playbook) == 1
    session.expire_all()
    [event] = session.exec(
        select(LeadEvent).where(col(LeadEvent.kind) == EventKind.ESCALATED)
    ).all()
    assert event.data["to"] == "admins" and event.data["recipient"] == "U0ADMIN001"
    stored = get_lead(session=session, lead_id=lead.id or 0)
    assert stored is not None and stored.due_at is None  # the end of the chain
    session.commit()
    assert sweep(engine, playbook, TUESDAY + timedelta(days=7)) == 0


def test_without_admins_after_the_chain_ends_with_the_manager(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    book = playbook.model_copy(
        update={"escalation": playbook.escalation.model_copy(update={"admins_after": None})}
    )
    lead = make_lead(session, at=TUESDAY - timedelta(hours=6), stage=Stage.WORKING,
                     owner_id=EMEA_REPS[0])  # fmt: skip
    lead.escalation = Step.FIRST
    lead.due_at = TUESDAY
    save_lead(session=session, lead=lead)
    session.commit()
    sweep(engine, book)
    stored = get_lead(session=session, lead_id=lead.id or 0)
    assert stored is not None and stored.escalation == Step.MANAGER and stored.due_at is None
    session.commit()
    assert not session.exec(select(Lead).where(col(Lead.due_at).is_not(None))).all()


def test_an_away_or_deactivated_owners_overdue_lead_goes_to_the_manager(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    away, gone = EMEA_REPS
    session.add(RepAvailability(user_id=away, first_seen_at=TUESDAY - timedelta(days=9),
                                away_since=TUESDAY - timedelta(days=1),
                                away_until=TUESDAY + timedelta(days=6)))  # fmt: skip
    save_slack_user(session=session, user_id=gone, tz="", deleted=True, now=TUESDAY)
    for owner in EMEA_REPS:
        lead = make_lead(session, at=TUESDAY - timedelta(days=5), stage=Stage.WORKING,
                         owner_id=owner)  # fmt: skip
        lead.due_at = TUESDAY
        save_lead(session=session, lead=lead)
    session.commit()
    assert sweep(engine, playbook) == 2
    session.expire_all()
    sent = session.exec(select(OutboxMessage).where(col(OutboxMessage.kind) == "post_message"))
    texts = [(row.channel, str(row.payload["text"])) for row in sent.all()]
    assert [channel for channel, _ in texts] == ["U0MGREMEA1", "U0MGREMEA1"]
    assert "its owner is away until" in texts[0][1]
    assert "its owner is deactivated in Slack" in texts[1][1]
