"""Applying a move to a lead: the one function every button, modal, command and job calls.

`apply_move` locks the lead, asks the stage machine whether the move is allowed and the user may
make it, checks what the move needs (a reason, a date, a note's text), changes the lead, records
the move as an event, and queues the card update, the thread line and marketing's notice through
the outbox — all in the caller's transaction, so either everything happens or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.core.errors import LeadNotFound, MoveIncomplete
from bot.core.events import EventKind
from bot.core.moves import CONNECTED, MOVES, DateRole, Move, MoveSpec
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.pursuit.due import schedule_due
from bot.pursuit.lifecycle import claim_lead, move_stage, refresh_card
from bot.pursuit.machine import check_move
from bot.slack.history import MoveLine, handed_back_notice, money_words, move_line
from bot.slack.outbox import queue_message, queue_thread_line
from bot.slack.text import fit
from store.leads import add_event, get_lead, save_lead
from store.models import Lead

OTHER = "other"


@dataclass(frozen=True)
class Attempt:
    """A contact attempt: how (call, e-mail…) and what came of it (no answer, connected…)."""

    channel: str = ""
    outcome: str = ""

    @property
    def connected(self) -> bool:
        return self.outcome in CONNECTED

    def words(self) -> str:
        return ": ".join(part for part in (self.channel, self.outcome) if part)


@dataclass(frozen=True)
class Amount:
    value: float
    currency: str = ""

    def words(self) -> str:
        return money_words(self.value, self.currency)


@dataclass(frozen=True)
class MoveRequest:
    """A move as a person asked for it, already parsed (by `/lead`, a modal or a button)."""

    move: Move
    lead_id: int
    actor: str
    reason: str = ""  # one of the playbook's reasons, or OTHER with `text`
    text: str = ""  # free text: the note, the "other" reason, a comment
    when: datetime | None = None  # revisit, snooze or resume date (UTC)
    amount: Amount | None = None
    attempt: Attempt = field(default_factory=Attempt)


@dataclass(frozen=True)
class MoveResult:
    lead: Lead
    move: Move
    line: MoveLine
    #: The playbook's contact attempts passed without a connect: offer Recycle or Disqualify.
    offer_way_out: bool = False
    waited_seconds: float | None = None  # a claim: how long the lead waited for its owner


def apply_move(
    *, session: Session, request: MoveRequest, playbook: Playbook, now: datetime
) -> MoveResult:
    """Make the move, or refuse it with a sentence (a LeadbotError) and change nothing."""
    if request.move is Move.CLAIM:
        claimed = claim_lead(
            session=session,
            lead_id=request.lead_id,
            user_id=request.actor,
            playbook=playbook,
            now=now,
        )
        line = MoveLine(lead_id=request.lead_id, actor=request.actor, move=Move.CLAIM)
        queue_thread_line(
            session=session, lead_id=request.lead_id, message=move_line(line), now=now
        )
        return MoveResult(
            lead=claimed.lead,
            move=Move.CLAIM,
            line=line,
            waited_seconds=claimed.speed_to_lead_seconds,
        )
    lead = get_lead(session=session, lead_id=request.lead_id, for_update=True)
    if lead is None:
        raise LeadNotFound(request.lead_id)
    # The row is locked: of two conflicting moves at once, the second sees the first's outcome.
    spec = MOVES[request.move]
    reason, when = _checked(lead, request, playbook, now)
    offer = _change(
        session, lead, request, spec, reason=reason, when=when, now=now, playbook=playbook
    )
    schedule_due(lead, playbook, now)
    save_lead(session=session, lead=lead)
    line = MoveLine(
        lead_id=request.lead_id,
        actor=request.actor,
        move=request.move,
        reason=request.text if reason == OTHER else reason,
        text="" if reason == OTHER else request.text,
        when=when,
        amount=request.amount.words() if request.amount else "",
        attempt=request.attempt.words(),
    )
    refresh_card(session=session, lead=lead, playbook=playbook, now=now)
    if lead.card_channel or lead.sales_ready_at:
        queue_thread_line(session=session, lead_id=lead.id or 0, message=move_line(line), now=now)
    if request.move in (Move.RECYCLE, Move.DISQUALIFY) and playbook.marketing is not None:
        queue_message(
            session=session,
            channel=playbook.marketing.channel,
            message=handed_back_notice(line, lead.name or lead.email),
            now=now,
        )
    return MoveResult(lead=lead, move=request.move, line=line, offer_way_out=offer)


def preview_move(
    *, session: Session, request: MoveRequest, playbook: Playbook, now: datetime
) -> datetime | None:
    """Check the move as `apply_move` would, changing nothing; the date it would use (the
    revisit date a recycle without one gets, say), so the user can confirm it first."""
    lead = get_lead(session=session, lead_id=request.lead_id)
    if lead is None:
        raise LeadNotFound(request.lead_id)
    return _checked(lead, request, playbook, now)[1]


def _checked(
    lead: Lead, request: MoveRequest, playbook: Playbook, now: datetime
) -> tuple[str, datetime | None]:
    """(the reason, the date) the move will record; a LeadbotError if it cannot be made."""
    check_move(lead=lead, move=request.move, user_id=request.actor, playbook=playbook)
    spec = MOVES[request.move]
    reason = _checked_reason(request, spec, playbook)
    when = _checked_date(request, spec, playbook, now)
    if spec.text_required and not request.text.strip():
        raise MoveIncomplete(
            f"What should the note say? Write `/lead note {lead.id} left voicemail`."
        )
    return reason, when


def _checked_reason(request: MoveRequest, spec: MoveSpec, playbook: Playbook) -> str:
    if spec.reasons is None:
        return request.reason
    options = playbook.reasons_for(spec.reasons)
    if request.reason == OTHER and request.text.strip():
        return OTHER
    if request.reason in options:
        return request.reason
    listed = ", ".join(options)
    example = options[0] if options else "the reason"
    if not request.reason or request.reason == OTHER:  # "other" without words is no reason
        raise MoveIncomplete(
            f"Why? Give a reason ({listed}, or your own words): "
            f"`/lead {spec.move.value} {request.lead_id} {example}`."
        )
    # A modal's payload can carry any text: escaped, it pings nobody.
    raise MoveIncomplete(
        f"“{fit(request.reason, 60)}” is not a reason here; choose one of: {listed}."
    )


def _checked_date(
    request: MoveRequest, spec: MoveSpec, playbook: Playbook, now: datetime
) -> datetime | None:
    if spec.date is None:
        return None
    when = request.when
    if when is None and spec.date is DateRole.REVISIT:
        return now + playbook.revisit_after.as_timedelta
    if when is None:
        example = f"/lead {spec.move.value} {request.lead_id} next tuesday 9am"
        raise MoveIncomplete(f"Until when? Write it like `{example}`.")
    if when <= now:
        raise MoveIncomplete("That date is in the past; give one to come.")
    return when


def _change(
    session: Session,
    lead: Lead,
    request: MoveRequest,
    spec: MoveSpec,
    *,
    reason: str,
    when: datetime | None,
    now: datetime,
    playbook: Playbook,
) -> bool:
    """Change the lead as the move says and record it; True if the owner should be offered a
    way out (the playbook's contact attempts passed without a connect)."""
    assert lead.id is not None
    move = request.move
    stored_reason = request.text.strip()[:200] if reason == OTHER else reason
    data: dict[str, object] = {"move": move.value}
    if request.text and reason != OTHER:
        data["text"] = request.text[:1000]
    if move is Move.TOUCH:
        return _touch(session, lead, request, now=now, playbook=playbook)
    if move is Move.NOTE:
        add_event(session=session, lead_id=lead.id, at=now, kind=EventKind.NOTE,
                  actor=request.actor, reason=request.text.strip()[:500])  # fmt: skip
        lead.updated_at = now
        return False
    if move is Move.SNOOZE:
        lead.snoozed_until = when
        lead.updated_at = now
        until = when.isoformat() if when else None
        add_event(session=session, lead_id=lead.id, at=now, kind=EventKind.SNOOZED,
                  actor=request.actor, data={**data, "until": until})  # fmt: skip
        return False
    if move is Move.QUALIFY:
        lead.qualified_at = now
    if move in (Move.DISQUALIFY, Move.RECYCLE, Move.LOST):
        lead.reason = stored_reason
    if move in (Move.DISQUALIFY, Move.WON, Move.LOST):
        lead.closed_at = now
    if move is Move.RECYCLE:
        lead.revisit_at = when
    if move is Move.HOLD:
        lead.snoozed_until = when
    if move is Move.WON and request.amount is not None:
        lead.amount = request.amount.value
        lead.currency = request.amount.currency
    to = spec.to
    if move is Move.REOPEN:
        to = _reopened_stage(lead)
        lead.closed_at = None
        lead.snoozed_until = None
    if when is not None:
        data["date"] = when.isoformat()
    if request.amount is not None:
        data["amount"] = request.amount.value
        data["currency"] = request.amount.currency
    assert to is not None
    move_stage(session=session, lead=lead, to=to, actor=request.actor, now=now,
               reason=stored_reason, data=data)  # fmt: skip
    return False


def _reopened_stage(lead: Lead) -> Stage:
    """Back to the deal if it was one, else to working it (unowned: back to the team)."""
    if lead.qualified_at is not None:
        return Stage.OPPORTUNITY
    return Stage.WORKING if lead.owner_id else Stage.SALES_READY


def _touch(
    session: Session, lead: Lead, request: MoveRequest, *, now: datetime, playbook: Playbook
) -> bool:
    assert lead.id is not None
    data = {"channel": request.attempt.channel, "outcome": request.attempt.outcome}
    lead.updated_at = now
    if lead.stage == Stage.NURTURE:
        lead.nurture_touches += 1
        add_event(session=session, lead_id=lead.id, at=now, kind=EventKind.NURTURE_TOUCH,
                  actor=request.actor, reason=request.text[:500], data=data)  # fmt: skip
        return False
    lead.attempts += 1
    if request.attempt.connected and lead.connected_at is None:
        lead.connected_at = now
    add_event(session=session, lead_id=lead.id, at=now, kind=EventKind.ATTEMPT,
              actor=request.actor, reason=request.text[:500],
              data={**data, "number": lead.attempts})  # fmt: skip
    # The way out is Recycle or Disqualify: offered only where the playbook allows one of them
    # (not to an opportunity's owner, who may neither recycle nor disqualify it).
    way_out = {Move.RECYCLE, Move.DISQUALIFY} & set(playbook.moves_from(Stage(lead.stage)))
    due = (
        bool(way_out)
        and lead.attempts >= playbook.contact_attempts
        and lead.connected_at is None
        and lead.attempts_prompted_at is None
    )
    if due:
        lead.attempts_prompted_at = now
    return due
