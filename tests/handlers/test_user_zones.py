"""Dates a rep types are read in the rep's own time zone, learnt from Slack after the ack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, event
from sqlmodel import select

from store.db import session_scope
from store.models import Lead, SlackUser
from tests.factories import make_lead
from tests.handlers.conftest import Harness

REP = "U0REPEMEA1"


def owned_lead(harness: Harness) -> int:
    with session_scope(harness.factory) as session:
        lead = make_lead(session, owner_id=REP, stage="working", team="emea")
        assert lead.id is not None
        return lead.id


def snoozed_until(harness: Harness) -> datetime | None:
    with session_scope(harness.factory) as session:
        return session.exec(select(Lead)).one().snoozed_until


def test_a_reps_dates_are_read_in_their_own_zone_once_slack_has_told_us(
    harness: Harness,
) -> None:
    harness.fake.set_user(REP, tz="America/New_York")
    lead_id = owned_lead(harness)
    harness.command(REP, f"note {lead_id} first contact")  # leadbot learns the zone after this
    assert len(harness.fake.calls_to("users.info")) == 1
    harness.command(REP, f"snooze {lead_id} tomorrow 9am")
    # 9 a.m. in New York the next day (the clock is 2026-11-23 10:00 UTC, 05:00 in New York).
    assert snoozed_until(harness) == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert len(harness.fake.calls_to("users.info")) == 1  # cached


def test_before_slack_has_answered_the_playbooks_zone_is_used(harness: Harness) -> None:
    harness.fake.set_user(REP, tz="America/New_York")
    lead_id = owned_lead(harness)
    harness.command(REP, f"snooze {lead_id} tomorrow 9am")
    # The example playbook works in Europe/Berlin: 9 a.m. there is 08:00 UTC.
    assert snoozed_until(harness) == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    with session_scope(harness.factory) as session:
        assert session.get(SlackUser, REP).tz == "America/New_York"  # type: ignore[union-attr]


def test_a_zone_learnt_over_a_week_ago_is_looked_up_again(harness: Harness) -> None:
    lead_id = owned_lead(harness)
    harness.command(REP, f"note {lead_id} a")
    harness.clock.advance(timedelta(days=8))
    harness.command(REP, f"note {lead_id} b")
    assert len(harness.fake.calls_to("users.info")) == 2


def test_a_known_zone_is_kept_in_memory_and_costs_no_query(
    harness: Harness, engine: Engine
) -> None:
    lead_id = owned_lead(harness)
    harness.command(REP, f"note {lead_id} a")  # not known yet: read, then looked up in Slack
    reads: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "slack_user" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for text in ("note {id} b", "snooze {id} tomorrow 9am", "show {id}"):
            harness.command(REP, text.format(id=lead_id))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert reads == []
    assert len(harness.fake.calls_to("users.info")) == 1
