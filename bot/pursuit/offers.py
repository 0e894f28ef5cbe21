"""Answers to the round robin: a rep accepts or passes on an offered lead; a manager assigns
a lead nobody took. Each answer is one transaction with the lead's row locked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.core.errors import LeadNotFound, MoveNotAllowed
from bot.core.events import EventKind, OfferAnswer
from bot.core.moves import Move
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.pursuit.lifecycle import claim_lead
from bot.pursuit.moves import MoveRequest, MoveResult, apply_move
from bot.pursuit.sla import escalate
from bot.slack.cards import mention
from bot.slack.history import assigned_line, offer_passed_line
from bot.slack.nudges import assigned_message
from bot.slack.outbox import queue_message, queue_thread_line
from store.leads import add_event, get_lead
from store.models import Lead
from store.offers import answer_pending_offer, pending_offer_to


def accept_offer(
    *, session: Session, lead_id: int, user_id: str, playbook: Playbook, now: datetime
) -> MoveResult:
    """Accept is a claim: it works while nobody else has the lead, even once the offer ran out
    (the rep still wants it, and it is still free)."""
    request = MoveRequest(move=Move.CLAIM, lead_id=lead_id, actor=user_id)
    return apply_move(session=session, request=request, playbook=playbook, now=now)


@dataclass(frozen=True)
class Passed:
    lead: Lead
    next_step: str  # what `escalate` did next: "offer", "manager", "deferred"…


def pass_offer(
    *, session: Session, lead_id: int, user_id: str, playbook: Playbook, now: datetime
) -> Passed:
    """The rep passes: the lead is offered to the next rep at once (never back to this one),
    or the manager is asked to assign it when nobody else can take it."""
    lead = get_lead(session=session, lead_id=lead_id, for_update=True)
    if lead is None:
        raise LeadNotFound(lead_id)
    if lead.owner_id is not None:
        whose = "yours" if lead.owner_id == user_id else f"{mention(lead.owner_id)}'s"
        raise MoveNotAllowed(f"Lead #{lead_id} is already {whose}: nothing to pass on.")
    if pending_offer_to(session=session, lead_id=lead_id) != user_id:
        raise MoveNotAllowed(
            f"The offer of lead #{lead_id} to you is no longer open: it went to the next rep."
        )
    answer_pending_offer(session=session, lead_id=lead_id, answer=OfferAnswer.PASSED, now=now)
    add_event(session=session, lead_id=lead_id, at=now, kind=EventKind.OFFER_PASSED,
              actor=user_id, data={"by": user_id, "timed_out": False})  # fmt: skip
    line = offer_passed_line(user_id, timed_out=False)
    queue_thread_line(session=session, lead_id=lead_id, message=line, now=now)
    return Passed(lead=lead, next_step=escalate(session=session, lead=lead, playbook=playbook,
                                                now=now))  # fmt: skip


def assign_lead(
    *, session: Session, lead_id: int, rep_id: str, by: str, playbook: Playbook, now: datetime
) -> Lead:
    """The manager (or an admin) gives an unclaimed lead to a rep of its team; the rep hears
    by DM, the channel from the card and its thread: never a silent assignment."""
    lead = get_lead(session=session, lead_id=lead_id, for_update=True)
    if lead is None:
        raise LeadNotFound(lead_id)
    team = playbook.teams.get(lead.team or "")
    if team is None or lead.stage != Stage.SALES_READY:
        raise MoveNotAllowed(f"Lead #{lead_id} is not waiting for a rep any more.")
    if by != team.manager and by not in playbook.admins:
        raise MoveNotAllowed(
            f"Only {mention(team.manager)} (the manager of {team.name}) or an admin can assign "
            "its leads."
        )
    if rep_id not in team.members():
        raise MoveNotAllowed(
            f"{mention(rep_id)} is not in {team.name}: assign it to one of its reps."
        )
    claimed = claim_lead(
        session=session, lead_id=lead_id, user_id=by, owner_id=rep_id, playbook=playbook, now=now
    )
    queue_thread_line(session=session, lead_id=lead_id, message=assigned_line(rep_id, by), now=now)
    if rep_id != by:
        message = assigned_message(claimed.lead, by, playbook, now)
        queue_message(session=session, channel=rep_id, message=message, now=now)
    return claimed.lead
