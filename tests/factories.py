"""Factories for test data: sensible defaults, any field overridable."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

from sqlmodel import Session

from bot.core.stages import Stage
from store.leads import get_lead, insert_lead
from store.models import Lead

_serial = count(1)

#: Intake data with a fit of 40 on the example playbook: nurture until a demo request (+30).
WARM: dict[str, Any] = {
    "email": "tom@brightlabs.co.uk",
    "title": "Head of Analytics",
    "company_size": 300,
    "budget": "planned",
    "timeframe": "this half",
    "country": "GB",
}


def make_lead(session: Session, **overrides: Any) -> Lead:
    """Insert a sales-ready EMEA lead (it has its id); nothing is committed."""
    n = next(_serial)
    at = overrides.pop("at", datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    fields: dict[str, Any] = {
        "email": f"lead{n}@acme-{n}.de",
        "email_key": f"lead{n}@acme-{n}.de",
        "name": f"Lead {n}",
        "company": f"Acme {n}",
        "title": "Head of Data",
        "country": "DE",
        "domain": f"acme-{n}.de",
        "source": "web_form",
        "stage": Stage.SALES_READY,
        "team": "emea",
        "score": 72.0,
        "created_at": at,
        "updated_at": at,
        "stage_entered_at": at,
        "sales_ready_at": at,
    }
    fields.update(overrides)
    return insert_lead(session=session, lead=Lead(**fields))


def reread(session: Session, lead: Lead) -> Lead:
    """The lead as the database has it now (leads are values, not live ORM objects)."""
    assert lead.id is not None
    fresh = get_lead(session=session, lead_id=lead.id)
    assert fresh is not None
    return fresh
