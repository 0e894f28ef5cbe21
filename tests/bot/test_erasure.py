"""Erasure (`leadbot forget`): what goes from the lead, its history and its stored Slack messages,
what stays for the reports, and how the person is found."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.core.erased import erased_address, is_erased
from bot.core.errors import LeadNotFound
from bot.core.events import EventKind, OfferAnswer
from bot.core.moves import Move
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.pursuit.erasure import Erasure, erase_lead, find_lead_to_erase
from bot.pursuit.moves import OTHER, Amount, Attempt, MoveRequest, apply_move
from bot.slack.cards import erased_card
from bot.slack.outbox import queue_message
from bot.slack.text import Message
from store.leads import add_event, lead_history
from store.models import Lead, Offer, OutboxMessage
from store.offers import add_offer
from store.outbox import (
    OutboxKind,
    OutboxStatus,
    add_outbox_message,
    claim_due_messages,
    mark_sent,
)
from tests.conftest import NOW
from tests.factories import make_lead, reread

OWNER = "U0REPEMEA1"
EMEA, MARKETING = "C0EMEA0001", "C0MKTG0001"
PERSON: dict[str, Any] = {
    "email": "greta.maier+news@bigcorp-industries.de",
    "email_key": "greta.maier@bigcorp-industries.de",
    "name": "Greta Maier",
    "company": "BigCorp",
    "title": "VP Operations",
    "phone": "+49 171 5550123",
    "domain": "bigcorp-industries.de",
    "compelling_event": "Greta's plant in Linz opens in March",
    "custom": {"product": "analytics", "industry": "energy"},
    "country": "DE",
    "company_size": 300,
    "budget": "approved",
}


def claimed(session: Session, **overrides: Any) -> Lead:
    """Greta's lead, claimed by OWNER, its card posted in EMEA."""
    fields = {**PERSON, "stage": Stage.WORKING, "owner_id": OWNER, "claimed_at": NOW,
              "card_channel": EMEA, "card_ts": "1700000000.000100"}  # fmt: skip
    return make_lead(session, **{**fields, **overrides})


def move(session: Session, playbook: Playbook, lead: Lead, what: Move, **kw: Any) -> None:
    assert lead.id is not None
    request = MoveRequest(move=what, lead_id=lead.id, actor=OWNER, **kw)
    apply_move(session=session, request=request, playbook=playbook, now=NOW)


def forget(session: Session, playbook: Playbook, lead: Lead, by: str = "dpo") -> Erasure:
    found = find_lead_to_erase(session=session, lead_id=lead.id)
    return erase_lead(session=session, lead=found, by=by, playbook=playbook, now=NOW)


def test_the_persons_fields_go_and_the_reports_fields_stay(
    session: Session, playbook: Playbook
) -> None:
    lead = claimed(session, amount=18000.0, currency="EUR", reason="Greta left BigCorp")
    forget(session, playbook, lead)
    after = reread(session, lead)
    assert lead.id is not None
    assert after.email == after.email_key == erased_address(lead.id)
    assert is_erased(after)
    assert (after.name, after.company, after.title, after.phone, after.domain) == ("",) * 5
    assert (after.compelling_event, after.custom) == ("", {})
    assert after.reason == OTHER  # own words; a playbook reason would have stayed
    kept = ("stage", "team", "owner_id", "country", "company_size", "budget", "score",
            "created_at", "sales_ready_at", "claimed_at", "amount", "currency",
            "card_ts")  # fmt: skip
    assert {k: getattr(after, k) for k in kept} == {k: getattr(lead, k) for k in kept}


def test_typed_text_leaves_the_history_and_kinds_times_and_stages_stay(
    session: Session, playbook: Playbook
) -> None:
    lead = claimed(session)
    move(session, playbook, lead, Move.TOUCH, text="spoke to Greta's assistant",
         attempt=Attempt(channel="call", outcome="no answer"))  # fmt: skip
    move(session, playbook, lead, Move.NOTE, text="Greta's mobile is +49 171 5550123")
    move(session, playbook, lead, Move.QUALIFY, text="Greta wants a demo in Linz")
    move(session, playbook, lead, Move.LOST, reason=OTHER, text="Greta moved to Initech")
    assert lead.id is not None
    before = lead_history(session=session, lead_id=lead.id)

    erasure = forget(session, playbook, lead)

    after = lead_history(session=session, lead_id=lead.id)
    assert [(e.id, e.kind, e.at, e.actor, e.from_stage, e.to_stage) for e in after[:-1]] == [
        (e.id, e.kind, e.at, e.actor, e.from_stage, e.to_stage) for e in before
    ]
    assert "Greta" not in repr([(e.reason, e.data) for e in after])
    by_kind = {e.kind: e for e in after}
    assert by_kind[EventKind.ATTEMPT].data == {"channel": "call", "outcome": "no answer",
                                               "number": 1}  # fmt: skip
    assert by_kind[EventKind.NOTE].reason == ""
    lost = [e for e in after if e.to_stage == Stage.LOST]
    assert [(e.reason, e.data) for e in lost] == [(OTHER, {"move": "lost"})]
    assert erasure.events == 4
    [erased] = [e for e in after if e.kind == EventKind.ERASED]
    assert (erased.actor, erased.at, erased.data["by"]) == ("dpo", NOW, "dpo")


def test_playbook_reasons_amounts_and_leadbots_own_words_stay(
    session: Session, playbook: Playbook
) -> None:
    lead = claimed(session, stage=Stage.OPPORTUNITY)
    assert lead.id is not None
    add_event(session=session, lead_id=lead.id, at=NOW, kind=EventKind.STAGE_CHANGED,
              actor="api", from_stage=Stage.NURTURE, to_stage=Stage.SALES_READY,
              reason="score 72 reached the threshold 60")  # fmt: skip
    move(session, playbook, lead, Move.WON, amount=Amount(18000.0, "EUR"))
    forget(session, playbook, lead)
    history = lead_history(session=session, lead_id=lead.id)
    assert history[0].reason == "score 72 reached the threshold 60"
    [won] = [e for e in history if e.to_stage == Stage.WON]
    assert won.data == {"move": "won", "amount": 18000.0, "currency": "EUR"}


def test_a_playbook_reason_stays(session: Session, playbook: Playbook) -> None:
    lead = claimed(session)
    move(session, playbook, lead, Move.DISQUALIFY, reason="no budget")
    forget(session, playbook, lead)
    assert reread(session, lead).reason == "no budget"
    assert lead.id is not None
    [gone] = [e for e in lead_history(session=session, lead_id=lead.id) if e.to_stage]
    assert gone.reason == "no budget"


def test_the_leads_clocks_stop_and_its_pending_offer_is_withdrawn(
    session: Session, playbook: Playbook
) -> None:
    lead = claimed(session, stage=Stage.SALES_READY, owner_id=None, claimed_at=None,
                   due_at=NOW + timedelta(hours=2), revisit_at=NOW, rescore_at=NOW)  # fmt: skip
    assert lead.id is not None
    add_offer(session=session, lead_id=lead.id, rep_id=OWNER, now=NOW)
    forget(session, playbook, lead)
    after = reread(session, lead)
    assert (after.due_at, after.revisit_at, after.rescore_at) == (None, None, None)
    offer = session.exec(select(Offer).where(Offer.lead_id == lead.id)).one()
    assert offer.answer == OfferAnswer.WITHDRAWN


def _outbox(session: Session) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())  # type: ignore[arg-type]


def test_the_leads_stored_messages_become_the_erased_card_and_unsent_lines_are_dropped(
    session: Session, playbook: Playbook
) -> None:
    lead = claimed(session)
    move(session, playbook, lead, Move.NOTE, text="Greta prefers mornings")  # update + line
    forget(session, playbook, lead)
    rows = _outbox(session)
    assert "Greta" not in repr([r.payload for r in rows])
    kinds = [(r.kind, r.status) for r in rows]
    assert kinds == [
        (OutboxKind.UPDATE_CARD, OutboxStatus.SUPERSEDED),
        (OutboxKind.THREAD_REPLY, OutboxStatus.SUPERSEDED),
        (OutboxKind.UPDATE_CARD, OutboxStatus.PENDING),  # "erased on request"
    ]
    assert rows[-1].payload["text"] == f"Lead #{lead.id}: erased on request"


def test_a_message_naming_the_lead_by_number_keeps_its_words_without_the_person(
    session: Session, playbook: Playbook
) -> None:
    lead = claimed(session)
    move(session, playbook, lead, Move.RECYCLE, reason="not now")  # marketing hears, by name
    assert lead.id is not None
    other = f"*Lead #{lead.id}0* (Greta Maier, another one)"  # #420 is not #42
    queue_message(session=session, channel=OWNER, message=Message(text=other), now=NOW)
    forget(session, playbook, lead)
    notices = {r.channel: r.payload["text"] for r in _outbox(session) if r.lead_id is None}
    assert notices[MARKETING].startswith(f"*Lead #{lead.id}* ([erased]): <@{OWNER}> recycled it")
    assert notices[OWNER] == other


def test_a_sent_message_is_rewritten_where_leadbot_stored_it(
    session: Session, playbook: Playbook
) -> None:
    lead = claimed(session)
    assert lead.id is not None
    text = f"Lead #{lead.id} (Greta Maier, BigCorp · greta.maier+news@bigcorp-industries.de)"
    add_outbox_message(session=session, kind=OutboxKind.POST_MESSAGE, channel=OWNER,
                       payload={"text": text, "blocks": []}, lead_id=None, now=NOW)  # fmt: skip
    erasure = forget(session, playbook, lead)
    [row] = _outbox(session)[:1]
    assert row.payload["text"] == f"Lead #{lead.id} ([erased], [erased] · [erased])"
    assert erasure.messages == 1


def test_a_lead_never_handed_to_sales_queues_no_card(session: Session, playbook: Playbook) -> None:
    lead = make_lead(session, **PERSON, stage=Stage.NURTURE, team=None, sales_ready_at=None)
    erasure = forget(session, playbook, lead)
    assert not erasure.card
    assert _outbox(session) == []


@pytest.mark.parametrize(
    "typed",
    [
        "greta.maier+news@bigcorp-industries.de",
        "Greta.Maier@BigCorp-Industries.de",  # the same person to intake
        " <mailto:greta.maier+crm@bigcorp-industries.de> ",
    ],
)
def test_the_person_is_found_as_intake_knows_them(
    session: Session, playbook: Playbook, typed: str
) -> None:
    lead = claimed(session)
    assert find_lead_to_erase(session=session, email=typed).id == lead.id


def test_nobody_with_the_address_is_lead_not_found(session: Session) -> None:
    claimed(session)
    with pytest.raises(LeadNotFound) as caught:
        find_lead_to_erase(session=session, email="someone@else.de")
    assert caught.value.user_message == "No lead has the e-mail someone@else.de."


def test_an_erased_lead_is_found_by_its_placeholder_and_said_to_be_erased_already(
    session: Session, playbook: Playbook
) -> None:
    lead = claimed(session)
    assert lead.id is not None
    forget(session, playbook, lead, by="ana")
    again = find_lead_to_erase(session=session, email=erased_address(lead.id))
    second = erase_lead(session=session, lead=again, by="bob", playbook=playbook, now=NOW)
    assert (second.already, second.by, second.erased_at) == (True, "ana", NOW)
    erasures = [e for e in lead_history(session=session, lead_id=lead.id)
                if e.kind == EventKind.ERASED]  # fmt: skip
    assert len(erasures) == 1
    with pytest.raises(LeadNotFound):  # the person's own address is gone
        find_lead_to_erase(session=session, email=PERSON["email"])


def test_an_erased_leads_card_stays_erased_after_a_later_move(
    session: Session, playbook: Playbook
) -> None:
    lead = claimed(session)
    forget(session, playbook, lead)
    move(session, playbook, lead, Move.QUALIFY)  # the owner moves the erased lead on
    pending = [r for r in _outbox(session) if r.status == OutboxStatus.PENDING]
    [latest] = [r for r in pending if r.kind == OutboxKind.UPDATE_CARD]
    assert latest.payload == erased_card(lead.id or 0).as_payload()


def test_the_erased_card_names_the_lead_only_and_has_no_buttons() -> None:
    card = erased_card(42)
    assert card.text == "Lead #42: erased on request"
    assert [b["type"] for b in card.blocks] == ["header", "section"]
    assert "erased on request" in card.blocks[1]["text"]["text"]


def _send_all(session: Session) -> None:
    """Mark every pending row sent, as the outbox worker would, each with its own ts (a lead's
    rows are due one after the other)."""
    sent = 0
    while due := claim_due_messages(session=session, now=NOW, limit=100, lease=timedelta(1)):
        for row in due:
            sent += 1
            assert mark_sent(session=session, message_id=row.id, locked_until=row.locked_until,
                             now=NOW, ts=f"1700000000.{sent:06d}")  # fmt: skip


def test_what_was_posted_is_edited_in_slack_but_a_dm_is_not(
    session: Session, playbook: Playbook
) -> None:
    lead = claimed(session)
    assert lead.id is not None
    move(session, playbook, lead, Move.NOTE, text="Greta prefers mornings")  # a thread line
    move(session, playbook, lead, Move.RECYCLE, reason="not now")  # marketing's notice
    queue_message(session=session, channel=OWNER, now=NOW,
                  message=Message(text=f"*Lead #{lead.id}* (Greta Maier) is overdue"))  # fmt: skip
    _send_all(session)
    sent = {(r.kind, r.channel): r.result_ts for r in _outbox(session)}

    erasure = forget(session, playbook, lead)

    edits = [r for r in _outbox(session) if r.kind == OutboxKind.EDIT_MESSAGE]
    assert erasure.slack_edits == len(edits) == 3  # two thread lines, marketing's notice
    lines = [e for e in edits if e.lead_id == lead.id]
    assert {e.channel for e in lines} == {EMEA}
    assert all(e.payload["text"] == "_This line was erased on request._" for e in lines)
    [notice] = [e for e in edits if e.lead_id is None]
    assert (notice.channel, notice.payload["ts"]) == (
        MARKETING, sent[(OutboxKind.POST_MESSAGE, MARKETING)],
    )  # fmt: skip
    assert notice.payload["text"].startswith(f"*Lead #{lead.id}* ([erased]): ")
    assert all(e.channel != OWNER for e in edits)  # a DM is addressed by user ID: not editable
