"""Stage changes: the one place a lead's stage moves, each move an event in its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.core.errors import AlreadyClaimed, LeadNotFound, NotClaimable
from bot.core.events import EventKind, OfferAnswer
from bot.core.moves import Move
from bot.core.stages import CLOSED_STAGES, Stage, stage_name
from bot.playbook.model import Playbook
from bot.pursuit.due import due_at, schedule_due
from bot.pursuit.machine import check_move
from bot.rules.routing import Route, RoutingFacts, route_lead
from bot.slack.cards import lead_card, with_note
from bot.slack.outbox import MessageRef, queue_card, queue_card_update
from store.leads import add_event, get_lead, save_lead
from store.models import Lead
from store.offers import answer_pending_offer, pending_offer_to


def move_stage(
    *,
    session: Session,
    lead: Lead,
    to: Stage,
    actor: str,
    now: datetime,
    reason: str = "",
    data: dict[str, object] | None = None,
) -> None:
    """Set the lead's stage and record the move; the caller stores the lead (`save_lead`)."""
    assert lead.id is not None
    from_stage = lead.stage
    lead.stage = to
    lead.stage_entered_at = now
    lead.updated_at = now
    # Both are about the stage the lead leaves: a revisit date brings a nurtured lead back, and
    # a rescore time was worked out for the stage it was in (the caller sets a new one if any).
    if to != Stage.NURTURE:
        lead.revisit_at = None
    lead.rescore_at = None
    add_event(
        session=session,
        lead_id=lead.id,
        at=now,
        kind=EventKind.STAGE_CHANGED,
        actor=actor,
        from_stage=from_stage,
        to_stage=to,
        reason=reason,
        data=data,
    )


def routing_facts(lead: Lead) -> RoutingFacts:
    return RoutingFacts(
        country=lead.country,
        company_size=lead.company_size,
        source=lead.source,
        custom={k: str(v) for k, v in lead.custom.items()},
    )


def hand_to_sales(
    *,
    session: Session,
    lead: Lead,
    playbook: Playbook,
    actor: str,
    now: datetime,
    reason: str,
    team: str | None = None,
    card_note: str = "",
    link: MessageRef | None = None,
) -> Route | None:
    """Make the lead sales-ready, route it and queue its card; the caller stores the lead.

    With `team` (still in the playbook) the lead goes back to that team, unrouted (None is
    returned); `card_note` is a line under the card's title, `link` the message its
    `permalink(...)` markers link to.
    """
    assert lead.id is not None
    route = None
    if team is None or team not in playbook.teams:
        route = route_lead(routing_facts(lead), playbook)
        team = route.team
    channel = playbook.team(team).channel
    lead.team = team
    lead.sales_ready_at = now
    # A fresh start with sales, for a lead that was worked before (recycled): unclaimed, and
    # the rep's attempts, snooze and prompt belong to the earlier claim.
    lead.owner_id = lead.claimed_at = lead.connected_at = None
    lead.attempts_prompted_at = lead.snoozed_until = None
    lead.attempts = 0
    move_stage(
        session=session, lead=lead, to=Stage.SALES_READY, actor=actor, now=now, reason=reason
    )
    schedule_due(lead, playbook, now)
    if route is not None:
        add_event(
            session=session,
            lead_id=lead.id,
            at=now,
            kind=EventKind.ROUTED,
            actor="leadbot",
            data={"team": team, "channel": channel, "rule": route.explain(playbook)},
        )
    card = lead_card(lead, playbook=playbook, now=now)
    queue_card(
        session=session,
        lead_id=lead.id,
        channel=channel,
        message=with_note(card, card_note) if card_note else card,
        now=now,
        link=link,
    )
    return route


def refresh_card(*, session: Session, lead: Lead, playbook: Playbook, now: datetime) -> None:
    """Queue an in-place update of the lead's card, if it has one (or one is on its way)."""
    assert lead.id is not None
    if lead.team is None or lead.sales_ready_at is None:
        return
    queue_card_update(
        session=session,
        lead_id=lead.id,
        message=lead_card(lead, playbook=playbook, now=now),
        now=now,
    )


@dataclass(frozen=True)
class ClaimResult:
    lead: Lead
    speed_to_lead_seconds: float


def claim_lead(
    *,
    session: Session,
    lead_id: int,
    user_id: str,
    playbook: Playbook,
    now: datetime,
    owner_id: str | None = None,
) -> ClaimResult:
    """Make `user_id` the owner of a sales-ready lead; exactly one of many clickers wins.

    With `owner_id`, `user_id` (a manager or admin: `check_move` decides) gives the lead to
    that rep instead. A pending offer of the lead ends: accepted when its rep got the lead,
    withdrawn otherwise."""
    lead = get_lead(session=session, lead_id=lead_id, for_update=True)
    if lead is None:
        raise LeadNotFound(lead_id)
    if lead.owner_id is not None:
        raise AlreadyClaimed(lead_id, lead.owner_id)
    if lead.stage != Stage.SALES_READY or lead.team is None:
        raise NotClaimable(_not_claimable_sentence(lead))
    check_move(lead=lead, move=Move.CLAIM, user_id=user_id, playbook=playbook)
    # The row is locked (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite), so the checks
    # above still hold: of many simultaneous clickers exactly one gets here first.
    waited = (now - lead.sales_ready_at).total_seconds() if lead.sales_ready_at else 0.0
    # Claimed within the sales-ready stage's time (the follow-up rate counts these): measured
    # against the stage's own deadline, not a later reminder's.
    deadline = due_at(lead, playbook, now)
    owner = owner_id or user_id
    offered_to = pending_offer_to(session=session, lead_id=lead_id)
    if offered_to is not None:
        answer = OfferAnswer.ACCEPTED if offered_to == owner else OfferAnswer.WITHDRAWN
        answer_pending_offer(session=session, lead_id=lead_id, answer=answer, now=now)
    lead.owner_id = owner
    lead.claimed_at = now
    move_stage(session=session, lead=lead, to=Stage.WORKING, actor=owner, now=now, reason="claimed")
    schedule_due(lead, playbook, now)
    data: dict[str, object] = {
        "speed_to_lead_seconds": waited,
        "within_sla": deadline is None or now <= deadline,
    }
    if owner != user_id:
        data["assigned_by"] = user_id
    if offered_to == owner:
        data["offer"] = True
    add_event(
        session=session, lead_id=lead_id, at=now, kind=EventKind.CLAIMED, actor=owner, data=data
    )
    save_lead(session=session, lead=lead)
    refresh_card(session=session, lead=lead, playbook=playbook, now=now)
    return ClaimResult(lead=lead, speed_to_lead_seconds=waited)


def _not_claimable_sentence(lead: Lead) -> str:
    if lead.stage in CLOSED_STAGES:
        return f"Lead #{lead.id} is closed ({stage_name(lead.stage)})."
    if lead.stage in (Stage.NEW, Stage.NURTURE):
        return f"Lead #{lead.id} is with marketing (nurture) and not ready for sales yet."
    return f"Lead #{lead.id} is in stage {lead.stage} and cannot be claimed."
