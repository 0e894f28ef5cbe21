"""Erasing a person on request (GDPR art. 17): `leadbot forget EMAIL`.

What goes and what stays is listed in docs/security.md ("Erasure"). In short: the person's own
fields, the free text people typed about them (notes, comments, reasons in their own words) and
their details in the Slack messages leadbot stored go; the lead's number, stage, dates, score and
its events' kinds, times, actors and stages stay, so past reports count what they counted.
Everything happens in the caller's transaction: either all of it or none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.core.erased import erased_address, is_erased
from bot.core.errors import InvalidLead, LeadNotFound
from bot.core.events import EventKind, OfferAnswer
from bot.playbook.fields import CHANNEL_ID
from bot.playbook.model import Playbook
from bot.pursuit.moves import OTHER
from bot.rules.scrub import clean_email, email_identity
from bot.slack.cards import erased_card, erased_line
from bot.slack.outbox import OutboxKind, queue_card_update, queue_edit
from bot.slack.text import Message, escape
from store.erasure import (
    replace_lead_payloads,
    rewrite_events,
    rows_containing,
    sent_thread_lines,
    set_payload,
    supersede_unsent,
)
from store.leads import add_event, find_lead_by_email_key, get_lead, lead_history, save_lead
from store.models import Lead, LeadEvent
from store.offers import answer_pending_offer
from store.outbox import OutboxStatus

#: The lead's own fields that name or reach the person; emptied (the address is replaced).
PERSONAL_FIELDS = ("name", "company", "title", "phone", "domain", "compelling_event")
#: Keys of an event's data that hold what a person typed (a move's comment, a snooze's note).
TYPED_DATA_KEYS = frozenset({"text"})
#: Events whose `reason` is what a person typed: a note, a contact attempt's or touch's comment.
TYPED_REASON_KINDS = frozenset({EventKind.NOTE, EventKind.ATTEMPT, EventKind.NURTURE_TOUCH})
#: Moves whose reason is one of the playbook's or, as "other", a person's own words.
REASONED_MOVES = frozenset({"disqualify", "recycle", "lost"})
#: What the person's details become in the Slack messages leadbot stored.
BLANKED = "[erased]"
#: Actor column width (LeadEvent.actor); the whole name is kept in the event's data.
ACTOR_LENGTH = 40
BY_LENGTH = 200


@dataclass(frozen=True)
class Erasure:
    """What `erase_lead` did (or found already done)."""

    lead_id: int
    already: bool = False
    erased_at: datetime | None = None  # when it was erased (the earlier time, if `already`)
    by: str = ""  # who asked (the earlier request's, if `already`)
    events: int = 0  # events whose typed text went
    messages: int = 0  # stored Slack messages rewritten
    slack_edits: int = 0  # messages already in Slack queued to be edited
    card: bool = False  # an update of its card to "erased on request" was queued


def identity_of(address: str) -> str:
    """The de-duplication key intake would give `address` (see bot.rules.scrub)."""
    text = address.strip().strip("<>").removeprefix("mailto:")
    try:
        return clean_email(text).key
    except InvalidLead:
        # An address intake refuses now (a reserved domain, an erased lead's placeholder) may
        # still name a stored lead: looked up by its plain key.
        return email_identity(text.lower())


def find_lead_to_erase(
    *, session: Session, email: str | None = None, lead_id: int | None = None
) -> Lead:
    """The lead of this address (as intake identifies people) or number, locked for the
    erasure; LeadNotFound when there is none."""
    if email is not None:
        key = identity_of(email)
        found = find_lead_by_email_key(session=session, email_key=key, for_update=True)
        if found is None:
            raise LeadNotFound(email=email.strip())
        return found
    assert lead_id is not None, "name the lead by email or lead_id"
    lead = get_lead(session=session, lead_id=lead_id, for_update=True)
    if lead is None:
        raise LeadNotFound(lead_id)
    return lead


def erase_lead(
    *, session: Session, lead: Lead, by: str, playbook: Playbook, now: datetime
) -> Erasure:
    """Erase the person behind `lead` (read `for_update`), record who asked, queue the card's
    replacement; an erased lead is left as it is and its earlier erasure returned."""
    assert lead.id is not None
    history = lead_history(session=session, lead_id=lead.id)
    if is_erased(lead):
        earlier = [e for e in history if e.kind == EventKind.ERASED]
        last = earlier[-1] if earlier else None
        return Erasure(
            lead_id=lead.id,
            already=True,
            erased_at=last.at if last else None,
            by=str((last.data or {}).get("by") or last.actor) if last else "",
        )
    reasons = _playbook_reasons(playbook)
    personal = _personal_values(lead)
    _blank_lead(lead, reasons, now)
    answer_pending_offer(session=session, lead_id=lead.id, answer=OfferAnswer.WITHDRAWN, now=now)
    save_lead(session=session, lead=lead)
    changes = [change for e in history if (change := _scrubbed_event(e, reasons)) is not None]
    rewrite_events(session=session, changes=changes)
    # The lead's own stored messages first (all of them), then what is queued anew.
    messages = replace_lead_payloads(
        session=session, lead_id=lead.id, payload=erased_card(lead.id).as_payload()
    )
    supersede_unsent(session=session, lead_id=lead.id, kinds=[OutboxKind.THREAD_REPLY])
    card = lead.team is not None and lead.sales_ready_at is not None  # it has a card, or one queued
    if card:
        queue_card_update(session=session, lead_id=lead.id, message=erased_card(lead.id), now=now)
    edits = _edit_thread(session, lead, now)
    blanked, notices = _blank_mentions(session, lead, personal, now)
    add_event(
        session=session,
        lead_id=lead.id,
        at=now,
        kind=EventKind.ERASED,
        actor=by[:ACTOR_LENGTH],
        data={
            "by": by[:BY_LENGTH],
            "events": len(changes),
            "messages": messages + blanked,
            "slack_edits": edits + notices,
        },
    )
    return Erasure(
        lead_id=lead.id,
        erased_at=now,
        by=by,
        events=len(changes),
        messages=messages + blanked,
        slack_edits=edits + notices,
        card=card,
    )


def _playbook_reasons(playbook: Playbook) -> frozenset[str]:
    """The reasons people pick from a list: categories, not words about a person."""
    lists = playbook.reasons
    return frozenset({*lists.disqualify, *lists.recycle, *lists.lost})


def _personal_values(lead: Lead) -> list[str]:
    """The person's details as messages may quote them, longest first."""
    values = {lead.email, lead.email_key, *(getattr(lead, f) for f in PERSONAL_FIELDS)}
    values |= {v for v in lead.custom.values() if isinstance(v, str)}
    found = {form for v in values if len(v.strip()) >= 2 for form in (v.strip(), escape(v.strip()))}
    return sorted(found, key=len, reverse=True)


def _blank_lead(lead: Lead, reasons: frozenset[str], now: datetime) -> None:
    """Empty the person's fields and stop the lead's clocks: no reminder, revisit or rescore
    about a person who asked to be forgotten. Stage, owner, team, dates and score stay."""
    assert lead.id is not None
    lead.email = lead.email_key = erased_address(lead.id)
    for name in PERSONAL_FIELDS:
        setattr(lead, name, "")
    lead.custom = {}
    if lead.reason and lead.reason not in reasons:
        lead.reason = OTHER
    lead.due_at = lead.revisit_at = lead.rescore_at = None
    lead.updated_at = now


def _scrubbed_event(
    event: LeadEvent, reasons: frozenset[str]
) -> tuple[int, str, dict[str, Any]] | None:
    """(id, reason, data) without what people typed, or None when the event holds none."""
    assert event.id is not None
    data: dict[str, Any] = dict(event.data or {})
    kept = {k: v for k, v in data.items() if k not in TYPED_DATA_KEYS}
    reason = _kept_reason(event, data, reasons)
    if reason == event.reason and kept == data:
        return None
    return event.id, reason, kept


def _kept_reason(event: LeadEvent, data: dict[str, Any], reasons: frozenset[str]) -> str:
    reason = event.reason or ""
    if not reason or reason in reasons:
        return reason
    move = str(data.get("move") or "")
    if event.kind == EventKind.STAGE_CHANGED and not move:
        # Leadbot's own words ("claimed", "score 72 reached the threshold 60"), not a person's.
        return reason
    if event.kind == EventKind.STAGE_CHANGED and move in REASONED_MOVES:
        return OTHER  # still counted among the move's reasons, as "other"
    if event.kind in TYPED_REASON_KINDS or move:
        return ""
    return reason


def _edit_thread(session: Session, lead: Lead, now: datetime) -> int:
    """Queue an edit of every line leadbot posted in the card's thread (a note or a reason in a
    rep's words may name the person); returns how many."""
    assert lead.id is not None
    if not lead.card_channel:
        return 0
    posted = sent_thread_lines(session=session, lead_id=lead.id)
    for ts in posted:
        queue_edit(session=session, channel=lead.card_channel, ts=ts, message=erased_line(),
                   now=now, lead_id=lead.id)  # fmt: skip
    return len(posted)


def _blank_mentions(
    session: Session, lead: Lead, personal: list[str], now: datetime
) -> tuple[int, int]:
    """Blank the person in the stored messages of no lead that name it by number (a DM,
    marketing's notice, a digest: they may be about other leads too); queue an edit in Slack of
    those already posted in a channel. Returns (rows rewritten, edits queued).

    A DM is not edited: Slack edits one only by its D… conversation ID, and leadbot addressed
    it by user ID and kept no other.
    """
    assert lead.id is not None
    number = re.compile(rf"#{lead.id}(?!\d)")
    details = _pattern(personal)
    # "#4" also finds "#40" in SQL: only the rows that really name the lead are kept (and read
    # to the end before any is written back).
    naming = [
        row
        for row in rows_containing(session=session, text=f"#{lead.id}")
        if any(number.search(s) for s in _strings(row.payload))
    ]
    rewritten = edits = 0
    for row in naming:
        blanked = _blanked(row.payload, details)
        if blanked == row.payload:
            continue
        set_payload(session=session, message_id=row.id, payload=blanked)
        rewritten += 1
        ts = row.result_ts if row.status == OutboxStatus.SENT else None
        if ts and CHANNEL_ID.match(row.channel):
            queue_edit(session=session, channel=row.channel, ts=ts,
                       message=Message.from_payload(blanked), now=now)  # fmt: skip
            edits += 1
    return rewritten, edits


def _pattern(values: list[str]) -> re.Pattern[str] | None:
    if not values:
        return None
    alternatives = "|".join(re.escape(v) for v in values)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _blanked(value: Any, details: re.Pattern[str] | None) -> Any:
    if details is None:
        return value
    if isinstance(value, str):
        return details.sub(BLANKED, value)
    if isinstance(value, dict):
        return {k: _blanked(v, details) for k, v in value.items()}
    if isinstance(value, list):
        return [_blanked(v, details) for v in value]
    return value
