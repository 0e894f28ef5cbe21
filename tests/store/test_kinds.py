"""Stage, event kind and outbox kind and status come back from the database as enums."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from bot.core.events import EventKind
from bot.core.stages import Stage
from bot.slack.outbox import queue_message
from bot.slack.text import Message
from store.leads import add_event, get_lead, lead_history
from store.outbox import OutboxKind, OutboxStatus, claim_due_messages
from tests.conftest import NOW
from tests.factories import make_lead


def test_what_the_store_reads_back_is_the_enum_not_a_string(session: Session) -> None:
    lead = make_lead(session, stage="working")
    assert lead.id is not None
    add_event(session=session, lead_id=lead.id, at=NOW, kind=EventKind.NOTE, actor="U1",
              from_stage=Stage.WORKING, to_stage=Stage.OPPORTUNITY)  # fmt: skip
    queue_message(session=session, channel="U1", message=Message(text="hi"), now=NOW)
    session.commit()

    stored = get_lead(session=session, lead_id=lead.id)
    assert stored is not None and type(stored.stage) is Stage and stored.stage is Stage.WORKING
    [event] = lead_history(session=session, lead_id=lead.id)
    assert (type(event.kind), type(event.to_stage)) == (EventKind, Stage)
    [row] = claim_due_messages(session=session, now=NOW, limit=1, lease=timedelta(seconds=15))
    assert (type(row.kind), type(row.status)) == (OutboxKind, OutboxStatus)
    assert row.status is OutboxStatus.PENDING
