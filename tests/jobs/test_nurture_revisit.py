"""The nurture job's revisits: a recycled lead back to sales on its date, once, with its history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.events import EventKind
from bot.core.moves import Move
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.pursuit.lifecycle import hand_to_sales
from bot.pursuit.moves import MoveRequest, apply_move
from bot.slack.cards import lead_card
from bot.slack.history import history_lines
from bot.slack.ids import ActionId
from bot.slack.outbox import queue_card
from bot.testkit.fakeslack import FakeSlack
from jobs.nurture import NurtureResult, run_nurture
from jobs.outbox import deliver_outbox
from store.db import session_factory, session_scope
from store.leads import get_lead, lead_history, save_lead
from store.models import Lead, LeadEvent, OutboxMessage
from tests.concurrency import at_once
from tests.conftest import empty_tables
from tests.factories import make_lead, reread

REP = "U0REPEMEA1"
EMEA, MARKETING = "C0EMEA0001", "C0MKTG0001"
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
REVISIT = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Berlin


def recycle(session: Session, playbook: Playbook, lead: Lead, when: datetime = REVISIT) -> int:
    """Claim the lead, then recycle it 'not now' until `when`, as its rep would; committed."""
    assert lead.id is not None
    for request in (
        MoveRequest(move=Move.CLAIM, lead_id=lead.id, actor=REP),
        MoveRequest(move=Move.RECYCLE, lead_id=lead.id, actor=REP, reason="not now", when=when),
    ):
        apply_move(session=session, request=request, playbook=playbook, now=MONDAY)
    session.commit()
    return lead.id


def recycled_lead(session: Session, playbook: Playbook, **fields: Any) -> int:
    """A lead whose card was posted in EMEA's channel (ts 1.000100), claimed and recycled."""
    fields = {"card_channel": EMEA, "card_ts": "1.000100", **fields}
    return recycle(session, playbook, make_lead(session, at=MONDAY, **fields))


def nurture(engine: Engine, playbook: Playbook, now: datetime) -> NurtureResult:
    return run_nurture(session_factory=session_factory(engine), playbook=playbook, now=now)


def queued(session: Session, since: int = 0) -> list[OutboxMessage]:
    session.expire_all()
    rows = session.exec(
        select(OutboxMessage).where(col(OutboxMessage.id) > since).order_by(col(OutboxMessage.id))
    ).all()
    session.commit()
    return list(rows)


def last_outbox_id(session: Session) -> int:
    return max((row.id or 0 for row in queued(session)), default=0)


def events_of(session: Session, lead_id: int, kind: EventKind) -> list[LeadEvent]:
    events = [e for e in lead_history(session=session, lead_id=lead_id) if e.kind == kind]
    session.commit()
    return events


def test_a_recycled_lead_comes_back_on_its_revisit_date_and_not_before(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead_id = recycled_lead(session, playbook)
    assert nurture(engine, playbook, REVISIT - timedelta(seconds=1)) == NurtureResult()
    done = nurture(engine, playbook, REVISIT)
    assert (done.looked_at, done.revisited) == (1, 1)
    lead = get_lead(session=session, lead_id=lead_id)
    assert lead is not None
    assert (lead.stage, lead.team, lead.owner_id, lead.claimed_at) == (
        Stage.SALES_READY, "emea", None, None
    )  # fmt: skip
    assert lead.revisit_at is None and lead.sales_ready_at == REVISIT
    # sales_ready lasts 2 business hours: the SLA sweep re-announces it at 11:00 in Berlin.
    assert lead.due_at == REVISIT + timedelta(hours=2)
    session.commit()
    [revisited] = events_of(session, lead_id, EventKind.REVISITED)
    assert revisited.actor == "leadbot" and revisited.data["team"] == "emea"
    assert revisited.data["earlier_card"] == {"channel": EMEA, "ts": "1.000100"}


def test_running_the_job_again_brings_nobody_back_twice(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead_id = recycled_lead(session, playbook)
    nurture(engine, playbook, REVISIT)
    before = last_outbox_id(session)
    assert nurture(engine, playbook, REVISIT) == NurtureResult()
    assert nurture(engine, playbook, REVISIT + timedelta(days=30)).revisited == 0
    assert queued(session, since=before) == []
    assert len(events_of(session, lead_id, EventKind.REVISITED)) == 1


def test_the_revisit_posts_a_fresh_card_linking_the_old_thread_and_tells_everyone(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead_id = recycled_lead(session, playbook)
    before = last_outbox_id(session)
    nurture(engine, playbook, REVISIT)
    card, first_line, old_thread, marketing = queued(session, since=before)
    assert (card.kind, card.channel, card.lead_id) == ("post_card", EMEA, lead_id)
    assert card.payload["permalink_of"] == {"channel": EMEA, "ts": "1.000100"}
    [note] = [b for b in card.payload["blocks"] if b["type"] == "context"][:1]
    words = note["elements"][0]["text"]
    assert "Back from nurture: its revisit date came" in words
    assert f"Recycled by <@{REP}> on <!date^" in words and ": not now" in words
    assert "<leadbot:permalink|the earlier thread>" in words
    claim = [b for b in card.payload["blocks"] if b["type"] == "actions"]
    assert claim[0]["elements"][0]["action_id"] == ActionId.CLAIM
    assert (first_line.kind, first_line.lead_id) == ("thread_reply", lead_id)
    assert f"Recycled by <@{REP}>" in first_line.payload["text"]
    assert (old_thread.kind, old_thread.channel) == ("post_message", EMEA)
    assert old_thread.payload["thread_ts"] == "1.000100"
    assert old_thread.payload["text"].startswith("Back to sales on <!date^")
    assert "revisit date reached" in old_thread.payload["text"]
    assert f"A fresh card is in <#{EMEA}>" in old_thread.payload["text"]
    assert marketing.channel == MARKETING and f"*Lead #{lead_id}*" in marketing.payload["text"]
    assert "back with sales: its revisit date came" in marketing.payload["text"]


def test_a_lead_whose_team_left_the_playbook_is_routed_again(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead_id = recycled_lead(session, playbook)
    lead = get_lead(session=session, lead_id=lead_id, for_update=True)
    assert lead is not None
    lead.team = "dach"  # a team the playbook no longer has
    save_lead(session=session, lead=lead)
    session.commit()
    nurture(engine, playbook, REVISIT)
    assert reread(session, lead).team == "emea"  # Germany: the EMEA rule
    session.commit()
    [routed] = events_of(session, lead_id, EventKind.ROUTED)
    assert routed.at == REVISIT and routed.data["team"] == "emea"


def test_a_lead_back_in_sales_before_its_date_is_left_alone(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead = make_lead(session, at=MONDAY)
    lead_id = recycle(session, playbook, lead)
    # Marketing hands it back early (a new score, say): the revisit date is spent.
    fresh = get_lead(session=session, lead_id=lead_id, for_update=True)
    assert fresh is not None and fresh.revisit_at == REVISIT
    early = MONDAY + timedelta(days=5)
    hand_to_sales(session=session, lead=fresh, playbook=playbook, actor="api", now=early,
                  reason="score 70 reached the threshold 60")  # fmt: skip
    save_lead(session=session, lead=fresh)
    session.commit()
    assert reread(session, lead).revisit_at is None
    session.commit()
    assert nurture(engine, playbook, REVISIT) == NurtureResult()


def test_a_recycled_lead_without_a_posted_card_comes_back_without_a_link(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead_id = recycle(session, playbook, make_lead(session, at=MONDAY))
    before = last_outbox_id(session)
    nurture(engine, playbook, REVISIT)
    card, first_line, marketing = queued(session, since=before)
    assert "permalink_of" not in card.payload and "permalink" not in str(card.payload)
    assert card.lead_id == lead_id and marketing.channel == MARKETING
    assert first_line.payload["text"].startswith("Back to sales: revisit date reached. Recycled by")


def test_the_history_tells_the_revisit_in_one_line(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead_id = recycled_lead(session, playbook)
    nurture(engine, playbook, REVISIT)
    lines = history_lines(lead_history(session=session, lead_id=lead_id), playbook)
    session.commit()
    assert lines[-1].endswith("— Back to sales to EMEA Sales: its revisit date came")
    assert "Sales-ready: revisit date reached" not in "\n".join(lines)


def test_the_fresh_card_and_its_links_reach_slack(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.url)
        factory = session_factory(engine)
        lead = make_lead(session, at=MONDAY)
        assert lead.id is not None
        queue_card(session=session, lead_id=lead.id, channel=EMEA, now=MONDAY,
                   message=lead_card(lead, playbook=playbook, now=MONDAY))  # fmt: skip
        session.commit()
        deliver_outbox(session_factory=factory, client=client, now=MONDAY)
        recycle(session, playbook, reread(session, lead))
        deliver_outbox(session_factory=factory, client=client, now=MONDAY)
        [old_card] = fake.messages(EMEA)

        nurture(engine, playbook, REVISIT)
        deliver_outbox(session_factory=factory, client=client, now=REVISIT)

        old, new = fake.messages(EMEA)
        assert old.ts == old_card.ts
        link = f"https://leadbot-fake.slack.com/archives/{EMEA}/p{old.ts.replace('.', '')}"
        note = new.blocks[1]["elements"][0]["text"]
        assert f"<{link}|the earlier thread>" in note and "leadbot:permalink" not in str(new.blocks)
        assert [b["elements"][0]["text"]["text"] for b in new.blocks if b["type"] == "actions"] == [
            "Claim"
        ]
        *_, back = fake.replies(EMEA, old.ts)
        assert back.text.startswith("Back to sales on <!date^") and f"<#{EMEA}>" in back.text
        [first] = fake.replies(EMEA, new.ts)
        assert f"<{link}|the earlier thread>" in first.text and f"<@{REP}>" in first.text
        assert reread(session, lead).card_ts == new.ts  # later edits go to the fresh card
        session.commit()
        assert "is back with sales" in fake.messages(MARKETING)[-1].text


def test_two_sweepers_at_once_bring_each_lead_back_exactly_once(
    postgres_engine: Engine, playbook: Playbook
) -> None:
    empty_tables(postgres_engine)
    factory = session_factory(postgres_engine)
    with session_scope(factory) as session:
        for _ in range(30):
            recycled_lead(session, playbook)
    done, errors = at_once(
        lambda: run_nurture(session_factory=factory, playbook=playbook, now=REVISIT)
    )
    try:
        assert errors == [] and sum(d.revisited for d in done) == 30
        with session_scope(factory) as session:
            cards = session.exec(
                select(OutboxMessage).where(OutboxMessage.kind == "post_card")
            ).all()
            revisited = session.exec(
                select(LeadEvent).where(LeadEvent.kind == EventKind.REVISITED)
            ).all()
            assert len(cards) == 30 and len(revisited) == 30
            assert {lead.stage for lead in session.exec(select(Lead)).all()} == {Stage.SALES_READY}
    finally:
        empty_tables(postgres_engine)


def test_a_revisit_date_after_the_clocks_change_comes_at_its_local_time(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    # 09:00 in Berlin on Monday 29 March 2027, the day after summer time began: 07:00 UTC.
    nine = datetime(2027, 3, 29, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    recycle(session, playbook, make_lead(session, at=MONDAY), when=nine)
    assert nurture(engine, playbook, datetime(2027, 3, 29, 6, 59, tzinfo=UTC)).revisited == 0
    assert nurture(engine, playbook, datetime(2027, 3, 29, 7, 0, tzinfo=UTC)).revisited == 1
