"""Erasure as Slack sees it: the real app, the outbox delivered to the fake Slack."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.pursuit.erasure import Erasure, erase_lead, find_lead_to_erase
from store.db import session_scope
from store.leads import lead_history
from store.models import OutboxMessage
from tests.handlers.conftest import Harness
from tests.handlers.test_claim_flow import HOT
from tests.handlers.test_pursuit_commands import claimed_lead, lead

EMEA, MARKETING = "C0EMEA0001", "C0MKTG0001"
REP = "U0REPEMEA1"


def forget(harness: Harness, email: str = HOT["email"]) -> Erasure:
    with session_scope(harness.factory) as session:
        found = find_lead_to_erase(session=session, email=email)
        return erase_lead(
            session=session, lead=found, by="dpo", playbook=harness.playbook, now=harness.clock()
        )


def test_the_posted_card_is_replaced_in_place_and_its_buttons_go(harness: Harness) -> None:
    lead_id, ts = claimed_lead(harness)
    erasure = forget(harness)
    assert erasure.card
    harness.deliver()
    [card] = harness.fake.messages(EMEA)
    assert card.ts == ts
    assert card.text == f"Lead #{lead_id}: erased on request"
    assert [b["type"] for b in card.blocks] == ["header", "section"]  # no actions: no buttons
    assert "Greta" not in json.dumps(card.blocks)


def test_a_card_not_yet_sent_reaches_slack_only_as_erased(harness: Harness) -> None:
    answer = harness.intake(HOT)
    lead_id = answer.json()["id"]
    forget(harness)  # before the outbox ran: the card post is still waiting
    harness.deliver()
    [card] = harness.fake.messages(EMEA)
    assert card.text == f"Lead #{lead_id}: erased on request"
    assert card.edits == 0
    assert "Greta" not in json.dumps([c.args for c in harness.fake.calls])


def test_lines_and_notices_not_yet_sent_go_without_the_person(harness: Harness) -> None:
    lead_id, ts = claimed_lead(harness)
    lines_before = len(harness.fake.replies(EMEA, ts))
    # Queued, not delivered: a note's thread line and marketing's notice of the recycle.
    harness.command(REP, f"note {lead_id} Greta's mobile is +49 171 5550123")
    harness.command(REP, f"recycle {lead_id} Greta moved to Initech, revisit in 3 months")
    forget(harness)
    harness.deliver()
    assert len(harness.fake.replies(EMEA, ts)) == lines_before  # unsent thread lines dropped
    [notice] = harness.fake.messages(MARKETING)
    assert notice.text.startswith(f"*Lead #{lead_id}* ([erased]): <@{REP}> recycled it: ")
    assert "Greta Maier" not in notice.text
    with session_scope(harness.factory) as session:
        stored = session.execute(select(OutboxMessage.payload)).scalars().all()  # type: ignore[call-overload]
    assert "Greta Maier" not in json.dumps(stored)


def test_past_events_keep_their_kinds_times_and_stages(harness: Harness) -> None:
    lead_id, _ = claimed_lead(harness)
    lead(harness, REP, f"note {lead_id} Greta's mobile is +49 171 5550123")
    lead(harness, REP, f"qualify {lead_id} demo booked with Greta")
    with session_scope(harness.factory) as session:
        before = lead_history(session=session, lead_id=lead_id)
    forget(harness)
    with session_scope(harness.factory) as session:
        after = lead_history(session=session, lead_id=lead_id)
    shape = [(e.id, e.kind, e.at, e.actor, e.from_stage, e.to_stage) for e in before]
    assert [(e.id, e.kind, e.at, e.actor, e.from_stage, e.to_stage) for e in after][:-1] == shape
    assert after[-1].kind == "erased"
    assert "Greta" not in repr([(e.reason, e.data) for e in after])


def test_the_same_person_coming_back_is_a_new_lead(harness: Harness) -> None:
    lead_id, _ = claimed_lead(harness)
    forget(harness)
    again = harness.intake(HOT)
    assert again.status_code == 201  # created, not merged into the erased lead
    assert again.json()["id"] != lead_id


def test_lines_already_in_the_thread_are_edited(harness: Harness) -> None:
    lead_id, ts = claimed_lead(harness)
    lead(harness, REP, f"note {lead_id} Greta's mobile is +49 171 5550123")
    erasure = forget(harness)
    harness.deliver()
    lines = harness.fake.replies(EMEA, ts)
    assert erasure.slack_edits == len(lines) == 2  # the claim's line and the note's
    assert {line.text for line in lines} == {"_This line was erased on request._"}
    assert all(line.edits == 1 for line in lines)


def test_marketings_notice_already_posted_is_edited_without_the_person(harness: Harness) -> None:
    lead_id, _ = claimed_lead(harness)
    lead(harness, REP, f"disqualify {lead_id} student")
    [notice] = harness.fake.messages(MARKETING)
    assert "Greta Maier" in notice.text
    forget(harness)
    harness.deliver()
    [notice] = harness.fake.messages(MARKETING)
    assert notice.edits == 1
    assert (
        notice.text
        == f"*Lead #{lead_id}* ([erased]): <@{REP}> disqualified it: student or job seeker"
    )
