"""Factories for test data: sensible defaults, any field overridable."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

from sqlmodel import Session

from bot.stages import Stage
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
    """Insert a sales-ready EMEA lead (flushed, so it has an id); nothing is committed."""
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
    lead = Lead(**fields)
    session.add(lead)
    session.flush()
    return lead
