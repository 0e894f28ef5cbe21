"""Escalating a lead that sat too long, one step at a time.

A claimed lead: its owner is reminded, then (`escalate_after` later) the team's manager hears,
then (`escalation.admins_after` later, when set) the admins. An unclaimed sales-ready lead: it is
re-announced in its channel, then (`escalate_after` later) offered to one available rep at a
time by DM (Accept / Pass, `offers.timeout` each), then the manager gets it with one-click
assign, then the admins hear.

Each step is recorded on the lead (`escalation`, the next `due_at`) and as an event, and its
message is queued in the outbox, all in the sweep's transaction: a re-run, a crash before the
commit, or a second replica never sends a step twice nor skips one.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum

from sqlmodel import Session

from bot.core.events import EventKind, OfferAnswer
from bot.core.stages import Stage
from bot.playbook.fields import Duration
from bot.playbook.model import Playbook, Team
from bot.pursuit.quiethours import hours_of, their_morning
from bot.pursuit.roundrobin import choose_rep, team_reps
from bot.rules.businesstime import add_business_time
from bot.slack.cards import slack_date
from bot.slack.history import escalation_line, offer_passed_line
from bot.slack.nudges import (
    admin_alert,
    assign_request,
    channel_reminder,
    manager_alert,
    offer_message,
    owner_reminder,
)
from bot.slack.outbox import queue_message, queue_thread_line
from bot.slack.text import Message
from store.leads import add_event, save_escalation
from store.models import Lead
from store.offers import add_offer, answer_pending_offer, availability_of
from store.users import get_slack_user


class Step(IntEnum):
    """How far a lead's current breach has escalated (`lead.escalation`)."""

    NONE = 0
    FIRST = 1  # the owner reminded, or an unclaimed lead re-announced in its channel
    OFFERING = 2  # an unclaimed lead offered to reps one by one
    MANAGER = 3
    ADMINS = 4


def escalate(*, session: Session, lead: Lead, playbook: Playbook, now: datetime) -> str:
    """Take the lead's next escalation step; returns whom it went to ("owner", "channel",
    "offer", "manager", "admins", "" when there is nobody to tell), or "deferred" when the
    person it goes to is outside their working hours (it is then due at the start of them)."""
    assert lead.id is not None
    team = playbook.teams.get(lead.team or "")
    unclaimed = lead.owner_id is None and lead.stage == Stage.SALES_READY and team is not None
    done = Step(min(lead.escalation, Step.ADMINS))
    if team is None:  # a team gone from the playbook: nobody to tell
        return _record(session, lead, playbook, now, Step.ADMINS, "", [], None)
    absent = "" if unclaimed else owner_absence(session, lead.owner_id or "", now)
    if done < Step.MANAGER and absent:  # reminding them would help nobody: the manager hears
        return _tell(session, lead, playbook, now, Step.MANAGER, "manager", [team.manager],
                     manager_alert(lead, playbook, now, absent=absent))  # fmt: skip
    if done is Step.NONE and not unclaimed:
        return _tell(session, lead, playbook, now, Step.FIRST, "owner", [lead.owner_id or ""],
                     owner_reminder(lead, playbook, now,
                                    hours_of(session, lead.owner_id or "", playbook)))  # fmt: skip
    if done is Step.NONE:
        return _record(session, lead, playbook, now, Step.FIRST, "channel", [team.channel],
                       channel_reminder(lead, now))  # fmt: skip
    if done in (Step.FIRST, Step.OFFERING) and unclaimed and playbook.offers.enabled:
        offered = offer_to_next_rep(session=session, lead=lead, team=team, playbook=playbook,
                                    now=now)  # fmt: skip
        if offered:
            return "offer"
    if done < Step.MANAGER:
        message = (
            _assign_request(session, lead, team, playbook, now)
            if unclaimed
            else manager_alert(lead, playbook, now)
        )
        return _tell(session, lead, playbook, now, Step.MANAGER, "manager", [team.manager],
                     message)  # fmt: skip
    admins = playbook.escalation_admins()
    return _tell(session, lead, playbook, now, Step.ADMINS, "admins", admins,
                 admin_alert(lead, playbook, now))  # fmt: skip


def owner_absence(session: Session, owner_id: str, now: datetime) -> str:
    """Why the owner cannot act on a reminder ("deactivated in Slack", "away until …"), or ""."""
    known = get_slack_user(session=session, user_id=owner_id)
    if known is not None and known.deleted:
        return "deactivated in Slack"
    away = availability_of(session=session, user_ids=[owner_id]).get(owner_id)
    if away is not None and away.away_until is not None and away.away_until > now:
        return f"away until {slack_date(away.away_until)}"
    return ""


def offer_to_next_rep(
    *, session: Session, lead: Lead, team: Team, playbook: Playbook, now: datetime
) -> str | None:
    """Close the lead's pending offer (it timed out) and offer the lead to the next rep: a DM
    with Accept / Pass, a line in the card's thread, an event. None when nobody can take it."""
    assert lead.id is not None
    expired = answer_pending_offer(
        session=session, lead_id=lead.id, answer=OfferAnswer.EXPIRED, now=now
    )
    if expired is not None:
        _event(session, lead, now, EventKind.OFFER_PASSED, {"by": expired, "timed_out": True})
        line = offer_passed_line(expired, timed_out=True)
        queue_thread_line(session=session, lead_id=lead.id, message=line, now=now)
    reps = team_reps(session=session, team=team, lead=lead, playbook=playbook, now=now)
    chosen = choose_rep(reps, lead_id=lead.id)
    if chosen is None:
        return None
    answer_by = add_business_time(now, playbook.offers.timeout, playbook.business_hours)
    add_offer(session=session, lead_id=lead.id, rep_id=chosen, now=now)
    _event(
        session, lead, now, EventKind.OFFERED, {"to": chosen, "answer_by": answer_by.isoformat()}
    )
    queue_message(
        session=session, channel=chosen, message=offer_message(lead, playbook, answer_by), now=now
    )
    queue_thread_line(
        session=session, lead_id=lead.id, message=escalation_line("offer", [chosen]), now=now
    )
    lead.escalation = Step.OFFERING
    lead.due_at = answer_by
    save_escalation(session=session, lead=lead)
    return chosen


def _assign_request(
    session: Session, lead: Lead, team: Team, playbook: Playbook, now: datetime
) -> Message:
    reps = team_reps(session=session, team=team, lead=lead, playbook=playbook, now=now,
                     count_open=True)  # fmt: skip
    # Those who could take it first: the manager most likely picks one of them.
    reps.sort(key=lambda r: (not r.rep.eligible, r.rep.open_leads))
    return assign_request(lead, [(r.rep.user_id, r.note()) for r in reps], now)


def _tell(
    session: Session,
    lead: Lead,
    playbook: Playbook,
    now: datetime,
    step: Step,
    to: str,
    people: list[str],
    message: Message,
) -> str:
    """A step that DMs people: it waits for the first of them to be at work (quiet hours)."""
    people = [p for p in people if p]
    mornings = [their_morning(session, person, playbook, now) for person in people]
    if people and all(m is not None for m in mornings):
        # 3 a.m. where they are: the step waits for their working hours; it is not dropped.
        lead.due_at = min(m for m in mornings if m is not None)
        save_escalation(session=session, lead=lead)
        return "deferred"
    return _record(session, lead, playbook, now, step, to, people, message)


def _record(
    session: Session,
    lead: Lead,
    playbook: Playbook,
    now: datetime,
    step: Step,
    to: str,
    recipients: list[str],
    message: Message | None,
) -> str:
    """The step taken: its event, its messages (and a line in the card's thread), the lead's
    next due time (the next step's delay; none after the last)."""
    kind = EventKind.ESCALATED if step >= Step.MANAGER else EventKind.NUDGED
    if to == "manager" and lead.owner_id is None:
        to = "assign"  # nobody took it: the manager is asked to give it to someone
    if recipients:
        # The owner at the time (None: nobody had it), so a report counts the breach against
        # the rep whose lead it was, even after the lead changed hands or the rep left.
        data: dict[str, object] = {
            "to": to, "recipient": recipients[0], "step": int(step), "owner": lead.owner_id,
        }  # fmt: skip
        if len(recipients) > 1:
            data["recipients"] = recipients
        _event(session, lead, now, kind, data)
    for recipient in recipients:
        if message is not None:
            queue_message(session=session, channel=recipient, message=message, now=now)
    if recipients and (lead.card_channel or lead.sales_ready_at) and to != "channel":
        line = escalation_line(to, recipients)
        queue_thread_line(session=session, lead_id=lead.id or 0, message=line, now=now)
    lead.escalation = step
    lead.due_at = _next_due(step, playbook, now)
    save_escalation(session=session, lead=lead)
    return to if recipients else ""


def _next_due(step: Step, playbook: Playbook, now: datetime) -> datetime | None:
    delay: Duration | None
    if step < Step.MANAGER:
        delay = playbook.escalate_after
    elif step == Step.MANAGER and playbook.escalation_admins():
        delay = playbook.escalation.admins_after
    else:
        delay = None
    return None if delay is None else add_business_time(now, delay, playbook.business_hours)


def _event(
    session: Session, lead: Lead, now: datetime, kind: EventKind, data: dict[str, object]
) -> None:
    add_event(session=session, lead_id=lead.id or 0, at=now, kind=kind, actor="leadbot", data=data)
