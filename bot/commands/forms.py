"""Moves from the card: its buttons, and the modal a move opens (each problem under its input)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.commands.words import read_amount
from bot.core.errors import LeadbotError, LeadNotFound, MoveIncomplete
from bot.core.moves import MOVES, Move
from bot.playbook.model import Playbook
from bot.pursuit.dates import DAY_STARTS, find_date, future_date
from bot.pursuit.machine import check_move
from bot.pursuit.moves import OTHER, Attempt, MoveRequest, apply_move, preview_move
from bot.slack.ids import BlockId, ConfirmedMove, LeadMove
from bot.slack.movemodal import (
    OTHER_OPTION,
    MoveForm,
    confirm_move_view,
    move_modal,
    needs_modal,
)
from bot.slack.replies import move_reply
from bot.slack.text import Message
from store.leads import get_lead


class FormProblem(LeadbotError):
    """A problem with one input of the move modal; shown under `block`."""

    def __init__(self, block: BlockId, message: str) -> None:
        super().__init__(message)
        self.block = block


def request_from_form(
    ref: LeadMove, form: MoveForm, *, actor: str, now: datetime, zone: ZoneInfo
) -> MoveRequest:
    spec = MOVES[ref.move]
    when = None
    if form.day:
        try:
            day = date.fromisoformat(form.day)
        except ValueError:
            raise FormProblem(BlockId.MOVE_DATE, "Pick a day from the calendar.") from None
        when = datetime.combine(day, time(DAY_STARTS.hour, DAY_STARTS.minute), tzinfo=zone)
        if when <= now:
            raise FormProblem(BlockId.MOVE_DATE, "That day has passed; pick one to come.")
    elif form.when and spec.date is not None:
        try:
            found = (
                future_date(form.when, now=now, zone=zone, what="it be")
                if spec.date_required
                else find_date(form.when, now=now, zone=zone)
            )
            if found is None:
                future_date(form.when, now=now, zone=zone, what="it come back")  # says why
        except MoveIncomplete as problem:
            raise FormProblem(BlockId.MOVE_WHEN, problem.user_message) from None
        when = found.at if found is not None else None
    if spec.date_required and when is None:
        raise FormProblem(BlockId.MOVE_WHEN, "Say until when, or pick a day.")
    amount = None
    if form.amount:
        try:
            amount, rest = read_amount(form.amount, ref.lead_id)
        except MoveIncomplete as problem:
            raise FormProblem(BlockId.MOVE_AMOUNT, problem.user_message) from None
        if amount is None or rest:
            raise FormProblem(BlockId.MOVE_AMOUNT, "Write the amount like 18000 EUR or €18k.")
    reason = form.reason
    if reason == OTHER_OPTION:
        if not form.text:
            raise FormProblem(BlockId.MOVE_TEXT, "Say why in a few words.")
        reason = OTHER
    return MoveRequest(
        move=ref.move,
        lead_id=ref.lead_id,
        actor=actor,
        reason=reason,
        text=form.text,
        when=when,
        amount=amount,
        attempt=Attempt(channel=form.channel, outcome=form.outcome),
    )


def problem_block(error: LeadbotError, ref: LeadMove, *, present: list[str]) -> str:
    """The input a refused move's sentence belongs under (one of the view's `present` inputs:
    Slack rejects errors for a block the view does not have)."""
    spec = MOVES[ref.move]
    if isinstance(error, FormProblem):
        wanted = error.block
    elif spec.reasons is not None:
        wanted = BlockId.MOVE_REASON
    elif spec.date is not None:
        wanted = BlockId.MOVE_WHEN
    else:
        wanted = BlockId.MOVE_TEXT
    if wanted in present or not present:
        return str(wanted)
    return present[0]


def submit_move(
    *,
    session: Session,
    ref: LeadMove,
    form: MoveForm,
    actor: str,
    playbook: Playbook,
    now: datetime,
    zone: ZoneInfo,
) -> Message | ConfirmStep:
    """Apply the move the modal describes (the confirmation shown to the actor), or, for a
    recycle, the view that asks the rep to confirm the revisit date as understood."""
    request = request_from_form(ref, form, actor=actor, now=now, zone=zone)
    if ref.move is Move.RECYCLE:
        when = preview_move(session=session, request=request, playbook=playbook, now=now)
        lead = get_lead(session=session, lead_id=ref.lead_id)
        confirmed = ConfirmedMove(
            lead_id=ref.lead_id,
            move=ref.move,
            reason=request.reason,
            text=request.text,
            when=when,
            channel_id=ref.channel_id,
            home=ref.home,
        )
        title = (lead.name or lead.email) if lead is not None else ""
        view = confirm_move_view(
            confirmed, lead_title=title, zone=zone, marketing=playbook.marketing is not None
        )
        return ConfirmStep(view)
    return _made(session=session, request=request, playbook=playbook, now=now)


@dataclass(frozen=True)
class ConfirmStep:
    """The modal's answer when the move waits for the user to confirm it: show `view`."""

    view: dict[str, Any]


def confirm_move(
    *, session: Session, confirmed: ConfirmedMove, actor: str, playbook: Playbook, now: datetime
) -> Message:
    """The move the rep confirmed, made as understood; the confirmation shown to them."""
    request = MoveRequest(
        move=confirmed.move,
        lead_id=confirmed.lead_id,
        actor=actor,
        reason=confirmed.reason,
        text=confirmed.text,
        when=confirmed.when,
    )
    return _made(session=session, request=request, playbook=playbook, now=now)


@dataclass(frozen=True)
class OpenMoveModal:
    """A move button's answer when the move needs a form: the handler opens `view`."""

    view: dict[str, Any]


def press_move_button(
    *, session: Session, ref: LeadMove, actor: str, playbook: Playbook, now: datetime
) -> Message | OpenMoveModal:
    """A move button or menu option: the form it needs, or the move made at once (Qualify)."""
    if not needs_modal(ref.move):  # apply_move checks it, on the locked lead
        request = MoveRequest(move=ref.move, lead_id=ref.lead_id, actor=actor)
        return _made(session=session, request=request, playbook=playbook, now=now)
    lead = get_lead(session=session, lead_id=ref.lead_id)
    if lead is None:
        raise LeadNotFound(ref.lead_id)
    # Refused before the form opens: nobody fills in a form for a move they cannot make.
    check_move(lead=lead, move=ref.move, user_id=actor, playbook=playbook)
    spec = MOVES[ref.move]
    reasons = playbook.reasons_for(spec.reasons) if spec.reasons else []
    days = playbook.revisit_after.as_timedelta.days
    view = move_modal(
        ref,
        lead_title=lead.name or lead.email,
        reasons=reasons,
        revisit_default=f"in {days} days",
    )
    return OpenMoveModal(view)


def _made(*, session: Session, request: MoveRequest, playbook: Playbook, now: datetime) -> Message:
    """Make the move; the confirmation shown to the actor."""
    result = apply_move(session=session, request=request, playbook=playbook, now=now)
    return move_reply(result.lead, result.line, playbook, offer_way_out=result.offer_way_out)
