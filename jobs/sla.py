"""The SLA sweep: a plain function of (session, now, playbook); the scheduler only calls it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.playbook.model import Playbook
from bot.pursuit.sla import escalate
from store.db import SessionFactory, session_scope
from store.leads import due_leads

BATCH = 200  # leads per transaction: short transactions, so moves are not held up


def sweep(session: Session, now: datetime, playbook: Playbook, limit: int = BATCH) -> int:
    """Escalate up to `limit` leads due by `now`; returns how many. The caller commits."""
    leads = due_leads(session=session, now=now, limit=limit)
    for lead in leads:
        escalate(session=session, lead=lead, playbook=playbook, now=now)
    return len(leads)


def run_sla(*, session_factory: SessionFactory, playbook: Playbook, now: datetime) -> int:
    """Sweep in batches, each its own transaction, until nothing is due; how many escalated."""
    total = 0
    while True:
        with session_scope(session_factory) as session:
            done = sweep(session, now, playbook)
        total += done
        if done < BATCH:
            return total
