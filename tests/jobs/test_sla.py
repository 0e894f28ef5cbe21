"""The SLA sweep: reminders in business time, then the manager; each step exactly once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.events import EventKind
from bot.core.moves import Move
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.pursuit.due import schedule_due
from bot.pursuit.moves import Attempt, MoveRequest, apply_move
from jobs.sla import run_sla
from store.db import session_factory, session_scope
from store.leads import get_lead, save_lead
from store.models import Lead, LeadEvent, OutboxMessage
from store.users import save_slack_user
from tests.concurrency import at_once
from tests.conftest import empty_tables
from tests.factories import make_lead

REP, MANAGER = "U0REPEMEA1", "U0MGREMEA1"
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Berlin


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in the week of 23 November 2026, in UTC (Berlin is UTC+1 then)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def claimed_lead(session: Session, playbook: Playbook) -> int:
    lead = make_lead(session, at=MONDAY)
    assert lead.id is not None
    claim = MoveRequest(move=Move.CLAIM, lead_id=lead.id, actor=REP)
    apply_move(session=session, request=claim, playbook=playbook, now=MONDAY)
    session.commit()
    return lead.id


def sweep(engine: Engine, playbook: Playbook, now: datetime) -> int:
    return run_sla(session_factory=session_factory(engine), playbook=playbook, now=now)


def messages(session: Session) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    session.commit()
    return [(row.channel, str(row.payload["text"])) for row in rows if row.kind == "post_message"]


def escalations(session: Session) -> list[tuple[str, str]]:
    session.expire_all()
    events = session.exec(select(LeadEvent).order_by(col(LeadEvent.id))).all()
    session.commit()
    kinds = (EventKind.NUDGED, EventKind.ESCALATED)
    return [(event.kind, event.data["to"]) for event in events if event.kind in kinds]


def test_an_overdue_lead_reminds_its_owner_once_then_tells_the_manager(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead_id = claimed_lead(session, playbook)
    # working lasts 2 business days (09:00-17:30 Berlin): Monday 11:00 -> Wednesday 11:00.
    assert sweep(engine, playbook, at(25, 9, 59)) == 0
    assert sweep(engine, playbook, at(25, 10)) == 1
    assert sweep(engine, playbook, at(25, 10)) == 0  # run again: nothing sent twice
    [(to, text)] = messages(session)
    assert to == REP and f"Lead #{lead_id}" in text and "past the playbook's time" in text
    lead = get_lead(session=session, lead_id=lead_id)
    assert lead is not None and lead.escalation == 1
    assert lead.due_at == at(25, 14)  # escalate_after: 4 business hours later
    session.commit()

    assert sweep(engine, playbook, at(25, 13, 59)) == 0
    assert sweep(engine, playbook, at(25, 14)) == 1
    # escalation.admins_after (1 business day) later, the admins; then only a move restarts it
    assert sweep(engine, playbook, at(26, 13, 59)) == 0
    assert sweep(engine, playbook, at(26, 14)) == 1
    assert sweep(engine, playbook, at(30, 10)) == 0
    assert escalations(session) == [
        (EventKind.NUDGED, "owner"),
        (EventKind.ESCALATED, "manager"),
        (EventKind.ESCALATED, "admins"),
    ]
    assert [to for to, _ in messages(session)] == [REP, MANAGER, "U0ADMIN001"]


def test_each_reminder_and_escalation_names_whose_lead_it_was(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    """The funnel report counts escalations against the rep whose lead it was (data.owner),
    and nobody's for a lead nobody had claimed."""
    claimed_lead(session, playbook)
    unclaimed = make_lead(session, at=MONDAY)
    schedule_due(unclaimed, playbook, MONDAY)
    save_lead(session=session, lead=unclaimed)
    session.commit()
    for moment in (at(25, 10), at(25, 14), at(26, 14)):
        sweep(engine, playbook, moment)
    session.expire_all()
    kinds = (EventKind.NUDGED, EventKind.ESCALATED)
    events = session.exec(select(LeadEvent).where(col(LeadEvent.kind).in_(kinds))).all()
    owners = {(e.lead_id, e.data["to"]): e.data["owner"] for e in events}
    session.commit()
    assert {to: owner for (lead, to), owner in owners.items() if lead != unclaimed.id} == {
        "owner": REP, "manager": REP, "admins": REP,
    }  # fmt: skip
    assert {owner for (lead, _), owner in owners.items() if lead == unclaimed.id} == {None}


def test_the_owners_reminder_carries_the_cards_buttons(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    claimed_lead(session, playbook)
    sweep(engine, playbook, at(25, 10))
    session.expire_all()
    [row] = [r for r in session.exec(select(OutboxMessage)).all() if r.kind == "post_message"]
    labels = [e["text"]["text"] for b in row.payload["blocks"] if b["type"] == "actions"
              for e in b["elements"] if e["type"] == "button"]  # fmt: skip
    assert labels[:2] == ["Log attempt", "Qualify"]


def test_acting_on_an_overdue_lead_starts_its_escalation_afresh(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead_id = claimed_lead(session, playbook)
    sweep(engine, playbook, at(25, 10))  # the owner is reminded
    touch = MoveRequest(
        move=Move.TOUCH, lead_id=lead_id, actor=REP, attempt=Attempt("call", "no answer")
    )
    apply_move(session=session, request=touch, playbook=playbook, now=at(25, 11))
    session.commit()
    lead = get_lead(session=session, lead_id=lead_id)
    assert lead is not None and (lead.escalation, lead.due_at) == (0, at(25, 15))
    session.commit()
    sweep(engine, playbook, at(25, 15))
    assert [to for _, to in escalations(session)] == ["owner", "owner"]  # not the manager yet


def test_an_unclaimed_lead_is_re_announced_offered_rep_by_rep_then_the_manager_assigns(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead = make_lead(session, at=MONDAY)
    schedule_due(lead, playbook, MONDAY)  # sales-ready lasts 2 business hours
    save_lead(session=session, lead=lead)
    session.commit()
    assert lead.due_at == at(23, 12)
    sweep(engine, playbook, at(23, 12))  # 13:00 Berlin: re-announced in the channel
    sweep(engine, playbook, at(23, 16))  # escalate_after (4 h) later: offered to one rep
    # 30 minutes later (17:30 Berlin) nobody answered, and the other rep's day is over: the
    # manager would be next, and they hear at 09:00 the next morning, not now.
    sweep(engine, playbook, at(23, 16, 30))
    assert len(messages(session)) == 2
    sweep(engine, playbook, at(24, 8))  # 09:00 Berlin: first the other rep is asked
    sweep(engine, playbook, at(24, 8, 30))  # no answer either: the manager assigns it
    channel_post, first_offer, second_offer, manager_dm = messages(session)
    assert channel_post[0] == playbook.team("emea").channel and "waited 2 h" in channel_post[1]
    reps = set(playbook.team("emea").reps)
    assert {first_offer[0], second_offer[0]} == reps and "offered to you" in first_offer[1]
    assert manager_dm[0] == MANAGER and "nobody took it" in manager_dm[1]
    assert [to for _, to in escalations(session)] == ["channel", "assign"]


def test_a_lead_that_arrives_friday_evening_is_not_overdue_on_the_weekend(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    friday_evening = datetime(2026, 11, 27, 16, 55, tzinfo=UTC)  # 17:55 in Berlin
    lead = make_lead(session, at=friday_evening)
    schedule_due(lead, playbook, friday_evening)
    save_lead(session=session, lead=lead)
    session.commit()
    assert sweep(engine, playbook, datetime(2026, 11, 28, 9, 0, tzinfo=UTC)) == 0  # Saturday
    assert lead.due_at == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday 11:00 in Berlin


def test_two_sweepers_at_once_send_each_reminder_exactly_once(
    postgres_engine: Engine, playbook: Playbook
) -> None:
    empty_tables(postgres_engine)
    factory = session_factory(postgres_engine)
    with session_scope(factory) as session:
        for _ in range(30):
            lead = make_lead(session, at=MONDAY)
            schedule_due(lead, playbook, MONDAY)
            save_lead(session=session, lead=lead)
    done, errors = at_once(
        lambda: run_sla(session_factory=factory, playbook=playbook, now=at(23, 12))
    )
    try:
        assert errors == [] and sum(done) == 30
        with session_scope(factory) as session:
            sent = [
                r for r in session.exec(select(OutboxMessage)).all() if r.kind == "post_message"
            ]
            nudged = session.exec(select(LeadEvent).where(LeadEvent.kind == EventKind.NUDGED))
            assert len(sent) == 30 and len(nudged.all()) == 30
            assert {lead.escalation for lead in session.exec(select(Lead)).all()} == {1}
            assert {lead.stage for lead in session.exec(select(Lead)).all()} == {Stage.SALES_READY}
    finally:
        empty_tables(postgres_engine)


def test_a_reminder_due_in_the_owners_night_waits_for_their_morning(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead_id = claimed_lead(session, playbook)
    save_slack_user(session=session, user_id=REP, tz="America/Los_Angeles", deleted=False,
                    now=MONDAY)  # fmt: skip
    session.commit()
    # Due Wednesday 11:00 in Berlin: 02:00 in Los Angeles, where the owner is.
    assert sweep(engine, playbook, at(25, 10)) == 1
    assert messages(session) == [] and escalations(session) == []  # deferred, not dropped
    lead = get_lead(session=session, lead_id=lead_id)
    assert lead is not None and lead.escalation == 0
    assert lead.due_at == at(25, 17)  # 09:00 in Los Angeles
    session.commit()
    sweep(engine, playbook, at(25, 17))
    assert [to for to, _ in messages(session)] == [REP]
