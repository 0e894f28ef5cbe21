"""Escalating a lead that sat too long: the owner (or the channel) first, then the manager.

Each step is recorded on the lead (`escalation`, the next `due_at`) and as an event, and its
message is queued in the outbox, all in the sweep's transaction: a re-run, a crash before the
commit, or a second replica never sends a step twice nor skips one.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.events import EventKind
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.rules.businesstime import add_business_time, is_business_time, next_business_moment
from bot.slack.nudges import channel_reminder, manager_alert, owner_reminder
from bot.slack.outbox import queue_message
from store.leads import add_event, save_lead
from store.models import Lead
from store.users import get_slack_user

#: After the manager has heard, the sweep leaves the lead alone until someone moves it.
LAST_STEP = 2
#: Steps that are a DM to one person, so wait for that person's working hours.
DIRECT = frozenset({"owner", "manager"})


def escalate(*, session: Session, lead: Lead, playbook: Playbook, now: datetime) -> str:
    """Take the lead's next escalation step; returns whom it went to ("owner", "channel",
    "manager", "" when there is nobody to tell), or "deferred" when the person it goes to is
    outside their working hours (it is then due at the start of them)."""
    assert lead.id is not None
    team = playbook.teams.get(lead.team or "")
    step = lead.escalation + 1
    if step == 1 and lead.owner_id:
        to, channel = "owner", lead.owner_id
        message = owner_reminder(lead, playbook, now)
    elif step == 1 and team is not None and lead.stage == Stage.SALES_READY:
        to, channel = "channel", team.channel
        message = channel_reminder(lead, now)
    elif team is not None:
        to, channel = "manager", team.manager
        message = manager_alert(lead, playbook, now)
        step = LAST_STEP
    else:
        to, channel, message, step = "", "", None, LAST_STEP  # a team gone from the playbook
    morning = _their_morning(session, channel, playbook, now) if to in DIRECT else None
    if morning is not None:
        # 3 a.m. where they are: the step waits for their working hours; it is not dropped.
        lead.due_at = morning
        save_lead(session=session, lead=lead)
        return "deferred"
    kind = EventKind.ESCALATED if to == "manager" else EventKind.NUDGED
    add_event(session=session, lead_id=lead.id, at=now, kind=kind, actor="leadbot",
              data={"to": to, "recipient": channel, "step": step})  # fmt: skip
    if message is not None:
        queue_message(session=session, channel=channel, message=message, now=now)
    lead.escalation = step
    lead.due_at = (
        None if step >= LAST_STEP
        else add_business_time(now, playbook.escalate_after, playbook.business_hours)
    )  # fmt: skip
    save_lead(session=session, lead=lead)
    return to


def _their_morning(
    session: Session, user_id: str, playbook: Playbook, now: datetime
) -> datetime | None:
    """When a DM to `user_id` may go out, if not now: the start of their next working hours in
    their own time zone (Slack's, cached), the playbook's hours otherwise."""
    known = get_slack_user(session=session, user_id=user_id)
    hours = playbook.business_hours
    if known is not None and known.tz and known.tz != hours.timezone:
        hours = hours.model_copy(update={"timezone": known.tz})
    if is_business_time(now, hours):
        return None
    return next_business_moment(now, hours)
