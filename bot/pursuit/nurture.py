"""The nurture job's moves: a recycled lead back to sales on its revisit date, and a lead whose
decaying score crossed the threshold moved as the playbook says.

Each takes a lead the caller has locked, changes it, records events and queues its Slack
messages, all in the caller's transaction: a re-run, a crash before the commit or a second
replica never does a move twice nor skips one (the lead's `revisit_at` / `rescore_at` is the
record of what is still to do).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from bot.core.events import EventKind
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.pursuit.due import schedule_due
from bot.pursuit.lifecycle import hand_to_sales, move_stage, refresh_card
from bot.pursuit.scores import lead_touches, rescore_time, score_now, set_score
from bot.rules.scoring import Score, is_sales_ready
from bot.slack.nurture import (
    REVISIT_REASON,
    back_to_sales_notice,
    decayed_notice,
    decayed_thread_line,
    decayed_words,
    earlier_thread_line,
    recycled_words,
    revisit_card_note,
    revisit_thread_start,
)
from bot.slack.outbox import MessageRef, queue_message, queue_thread_line
from store.leads import add_event, save_lead
from store.models import Lead
from store.nurture import last_move_to


class Rescored(StrEnum):
    """What a rescore did to the lead."""

    UNTOUCHED = "untouched"  # claimed, fast-tracked or closed meanwhile: decay does not move it
    STAYED = "stayed"  # rescored, on the same side of the threshold (or the playbook keeps it)
    TO_MARKETING = "to_marketing"  # unclaimed, decayed below the threshold: back to nurture
    TO_SALES = "to_sales"  # nurtured, at or above the threshold: sales-ready


def revisit(*, session: Session, lead: Lead, playbook: Playbook, now: datetime) -> bool:
    """Bring a recycled lead whose revisit date has come back to its team as a fresh, unclaimed
    card (routed again if the team left the playbook); False when it is no longer nurtured
    (a new score brought it back meanwhile, say): its date is then only cleared."""
    assert lead.id is not None
    if lead.stage != Stage.NURTURE:
        lead.revisit_at = None
        save_lead(session=session, lead=lead)
        return False
    revisit_at = lead.revisit_at
    recycled = recycled_words(last_move_to(session=session, lead_id=lead.id, stage=Stage.NURTURE))
    earlier = (
        MessageRef(lead.card_channel, lead.card_ts) if lead.card_channel and lead.card_ts else None
    )
    touches = lead_touches(session=session, lead=lead)
    score = score_now(lead, touches, playbook, now)
    set_score(lead, score)
    linked = earlier is not None
    hand_to_sales(
        session=session, lead=lead, playbook=playbook, actor="leadbot", now=now,
        reason=REVISIT_REASON, team=lead.team, link=earlier,
        card_note=revisit_card_note(recycled, linked=linked),
    )  # fmt: skip
    assert lead.team is not None
    channel = playbook.team(lead.team).channel
    add_event(
        session=session, lead_id=lead.id, at=now, kind=EventKind.REVISITED, actor="leadbot",
        data={
            "revisit_at": revisit_at.isoformat() if revisit_at else None,
            "team": lead.team,
            "earlier_card": {"channel": earlier.channel, "ts": earlier.ts} if earlier else None,
        },
    )  # fmt: skip
    # Queued after the card: the card's thread is the new card's once it is posted.
    queue_thread_line(session=session, lead_id=lead.id, now=now, link=earlier,
                      message=revisit_thread_start(recycled, linked=linked))  # fmt: skip
    if earlier is not None:
        # A reply in the earlier thread by its own address, so it neither waits for the new
        # card nor holds it back (the earlier channel may be archived).
        queue_message(session=session, channel=earlier.channel, thread_ts=earlier.ts,
                      message=earlier_thread_line(now, channel), now=now)  # fmt: skip
    if playbook.marketing is not None:
        notice = back_to_sales_notice(lead.id, lead.name or lead.email, channel)
        queue_message(session=session, channel=playbook.marketing.channel, message=notice,
                      now=now)  # fmt: skip
    lead.rescore_at = rescore_time(lead, score, touches, playbook, now)
    save_lead(session=session, lead=lead)
    return True


def rescore(
    *, session: Session, lead: Lead, playbook: Playbook, now: datetime, record: bool = True
) -> Rescored:
    """Score the lead now and move it as the playbook says: unclaimed and below the threshold,
    back to marketing (`scoring.on_decay: nurture`) or left with sales (`keep`); nurtured and at
    or above it, to sales. Sets its next rescore time. A claimed lead is never taken from its
    rep: decay leaves it alone. `record` adds a SCORED event (the catch-up records only moves).
    """
    assert lead.id is not None
    unclaimed = lead.stage == Stage.SALES_READY and lead.owner_id is None
    if lead.fast_tracked or not (unclaimed or lead.stage == Stage.NURTURE):
        lead.rescore_at = None
        save_lead(session=session, lead=lead)
        return Rescored.UNTOUCHED
    scoring = playbook.scoring
    touches = lead_touches(session=session, lead=lead)
    score = score_now(lead, touches, playbook, now)
    previous = lead.score
    set_score(lead, score)
    if record:
        add_event(session=session, lead_id=lead.id, at=now, kind=EventKind.SCORED,
                  actor="leadbot", data={"score": score.total, "previous": previous,
                                         "threshold": scoring.threshold})  # fmt: skip
    ready = is_sales_ready(score, scoring)
    outcome = Rescored.STAYED
    if unclaimed and not ready and scoring.on_decay == "nurture":
        _back_to_marketing(session, lead, score, playbook, now)
        outcome = Rescored.TO_MARKETING
    elif unclaimed and score.total != previous:
        refresh_card(session=session, lead=lead, playbook=playbook, now=now)  # its new score
    elif not unclaimed and ready:
        hand_to_sales(
            session=session, lead=lead, playbook=playbook, actor="leadbot", now=now,
            reason=f"score {score.total:g} reached the threshold {scoring.threshold:g}",
        )  # fmt: skip
        outcome = Rescored.TO_SALES
    lead.rescore_at = rescore_time(lead, score, touches, playbook, now)
    save_lead(session=session, lead=lead)
    return outcome


def _back_to_marketing(
    session: Session, lead: Lead, score: Score, playbook: Playbook, now: datetime
) -> None:
    assert lead.id is not None
    threshold = playbook.scoring.threshold
    move_stage(session=session, lead=lead, to=Stage.NURTURE, actor="leadbot", now=now,
               reason=decayed_words(score.total, threshold))  # fmt: skip
    schedule_due(lead, playbook, now)
    refresh_card(session=session, lead=lead, playbook=playbook, now=now)
    queue_thread_line(session=session, lead_id=lead.id, now=now,
                      message=decayed_thread_line(score.total, threshold))  # fmt: skip
    if playbook.marketing is not None:
        notice = decayed_notice(lead.id, lead.name or lead.email, score.total, threshold)
        queue_message(session=session, channel=playbook.marketing.channel, message=notice,
                      now=now)  # fmt: skip
