"""Quiet hours: a DM that asks for something waits for its reader's working hours."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.playbook.model import BusinessHours, Playbook
from bot.rules.businesstime import is_business_time, next_business_moment
from store.users import get_slack_user


def hours_of(session: Session, user_id: str, playbook: Playbook) -> BusinessHours:
    """The playbook's working hours in the person's own time zone (Slack's, cached), or as
    they are when Slack gave none."""
    known = get_slack_user(session=session, user_id=user_id)
    hours = playbook.business_hours
    if known is not None and known.tz and known.tz != hours.timezone:
        hours = hours.model_copy(update={"timezone": known.tz})
    return hours


def their_morning(
    session: Session, user_id: str, playbook: Playbook, now: datetime
) -> datetime | None:
    """When a DM to `user_id` may go out, if not now: the start of their next working hours."""
    hours = hours_of(session, user_id, playbook)
    if is_business_time(now, hours):
        return None
    return next_business_moment(now, hours)
