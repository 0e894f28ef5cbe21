"""`/lead new`: a lead captured from the form a rep fills in after a call or at a booth."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.intake.capture import CaptureResult, Outcome, capture_lead, parse_lead
from bot.playbook.model import Playbook
from bot.slack.modals import read_new_lead
from bot.slack.outbox import queue_message
from bot.slack.replies import lead_captured_reply


def capture_from_form(
    *, session: Session, view: dict[str, Any], user_id: str, playbook: Playbook, now: datetime
) -> CaptureResult:
    """Capture the submitted lead and queue a DM telling the rep where it went.

    Raises InvalidLead (field errors for the form) before anything is written.
    """
    data = parse_lead(read_new_lead(view), playbook)
    result = capture_lead(
        session=session,
        data=data,
        playbook=playbook,
        now=now,
        actor=user_id,
        default_source="phone",
    )
    reply = lead_captured_reply(
        result.lead, result.handed_to_sales, playbook, result.outcome is Outcome.CREATED
    )
    queue_message(session=session, channel=user_id, message=reply, now=now)
    return result
