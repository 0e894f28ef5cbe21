"""When an owner should move a lead on: the one rule the Home tab, `/lead mine` and the
reminders share. The stage's `max` counts business time (the playbook's `business_hours`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlmodel import Session

from bot.core.stages import CLOSED_STAGES, Stage
from bot.playbook.model import Playbook
from bot.rules.businesstime import add_business_time
from store.leads import count_leads_owned_by, leads_owned_by
from store.models import Lead

#: The stages a rep works a lead in: what "my open leads" means.
OPEN_STAGES = (Stage.WORKING, Stage.OPPORTUNITY, Stage.ON_HOLD)
#: How many of a rep's open leads are read to be ordered by due time. Far above what one person
#: works; beyond it, the longest in their stage are the ones read (and so ordered).
SORTED_AT_MOST = 500


def due_at(lead: Lead, playbook: Playbook, now: datetime) -> datetime | None:
    """When the lead is due: stage entered + the stage's `max` in business time (a lead arriving
    Friday evening is not overdue on Saturday); None when the stage has no max (or is closed).

    A snooze or hold running now makes it due when it ends: the owner chose that date. One that
    ended in this stage postpones the stage's deadline to its end, never brings it forward (a
    held deal is overdue from its resume date, not from 20 days after it was put on hold).
    """
    if lead.stage in CLOSED_STAGES:
        return None
    rule = playbook.stages.get(Stage(lead.stage))
    hours = playbook.business_hours
    deadline = (
        add_business_time(lead.stage_entered_at, rule.max, hours) if rule and rule.max else None
    )
    snooze = lead.snoozed_until
    if snooze is None or snooze <= lead.stage_entered_at:
        return deadline  # no snooze, or one that ended before this stage began
    if snooze > now:
        return snooze
    return snooze if deadline is None else max(deadline, snooze)


def schedule_due(lead: Lead, playbook: Playbook, now: datetime) -> None:
    """After every move and snooze: when the lead is next due (the SLA sweep selects by it),
    and its escalation starts afresh (someone acted on it). Acting on a lead already past its
    time (an attempt, a note) buys it the playbook's `escalate_after` before the next reminder."""
    due = due_at(lead, playbook, now)
    if due is not None and due <= now:
        due = add_business_time(now, playbook.escalate_after, playbook.business_hours)
    lead.due_at = due
    lead.escalation = 0


class DueLead(NamedTuple):
    """A lead and when it is due (a tuple, as the Slack messages take it)."""

    lead: Lead
    due: datetime | None


@dataclass(frozen=True)
class OpenLeads:
    """A rep's open leads, the most urgent first, and how many they have in all."""

    leads: list[DueLead]
    total: int


def by_due_time(leads: Sequence[Lead], playbook: Playbook, now: datetime) -> list[DueLead]:
    """Overdue first (most overdue at the top), then the next due; leads without a deadline last,
    longest in their stage first."""
    due = [DueLead(lead, due_at(lead, playbook, now)) for lead in leads]
    return sorted(
        due,
        key=lambda d: (d.due is None, d.due or d.lead.stage_entered_at, d.lead.stage_entered_at,
                       d.lead.id or 0),
    )  # fmt: skip


def open_leads_by_due(
    *, session: Session, playbook: Playbook, owner_id: str, now: datetime
) -> OpenLeads:
    """The owner's open leads ordered by due time (see `by_due_time`)."""
    leads = leads_owned_by(
        session=session, owner_id=owner_id, stages=OPEN_STAGES, limit=SORTED_AT_MOST + 1
    )
    total = len(leads)
    if total > SORTED_AT_MOST:
        leads = leads[:SORTED_AT_MOST]
        total = count_leads_owned_by(session=session, owner_id=owner_id, stages=OPEN_STAGES)
    return OpenLeads(leads=by_due_time(leads, playbook, now), total=total)
