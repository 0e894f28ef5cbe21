"""What every fuzz example checks of an answer and of the database around it."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import select

from store.db import SessionFactory, session_scope
from store.models import Engagement, Lead, LeadEvent, OutboxMessage

TABLES = (Lead, LeadEvent, Engagement, OutboxMessage)


def row_counts(factory: SessionFactory) -> dict[str, int]:
    """Rows per table: a refused request must leave every one as it was."""
    with session_scope(factory) as session:
        return {
            table.__name__: session.exec(select(func.count()).select_from(table)).one()
            for table in TABLES
        }


def stored_lead(factory: SessionFactory, lead_id: int) -> Lead | None:
    """The lead as the database has it (every column read back, JSON columns included)."""
    with session_scope(factory) as session:
        lead = session.get(Lead, lead_id)
        if lead is not None:
            session.expunge(lead)
        return lead


def field_errors_of(answer: httpx.Response) -> list[dict[str, Any]]:
    """The answer's field errors; fails unless it is the documented non-empty list."""
    errors = answer.json()["errors"]
    assert isinstance(errors, list) and errors, answer.text
    for error in errors:
        assert set(error) == {"field", "message"}, error
        assert isinstance(error["field"], str) and isinstance(error["message"], str), error
        assert error["message"], error
    return errors


def describe(answer: httpx.Response) -> str:
    return f"{answer.status_code}: {answer.text[:2000]}"
