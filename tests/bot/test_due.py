"""When a lead is due: stage entered + the stage's max, moved by a snooze or hold; the order of a
rep's open leads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.playbook.model import Playbook, StageRule
from bot.pursuit.due import by_due_time, due_at
from store.leads import new_lead
from store.models import Lead
from tests.conftest import NOW

DAY, HOUR = timedelta(days=1), timedelta(hours=1)
REP = "U0REPEMEA1"


def open_lead(stage: str = "working", entered: datetime = NOW, **overrides: Any) -> Lead:
    values: dict[str, Any] = {
        "id": overrides.pop("id", 1),
        "email": "a@b.de",
        "email_key": "a@b.de",
        "stage": stage,
        "owner_id": REP,
        "created_at": entered,
        "updated_at": entered,
        "stage_entered_at": entered,
    }
    return new_lead(**{**values, **overrides})


def without_max(playbook: Playbook, stage: str) -> Playbook:
    """The playbook with no `max` for `stage`."""
    stages = {**playbook.stages, stage: StageRule(owner="rep")}
    return playbook.model_copy(update={"stages": stages})


#: Thursday 19 and Friday 20 November 2026, and NOW is Monday 23rd, 10:00 UTC (11:00 in Berlin).
THURSDAY, FRIDAY = (
    datetime(2026, 11, 19, 9, 0, tzinfo=UTC),
    datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
)


def test_due_is_the_stage_entered_plus_its_max_in_business_time(playbook: Playbook) -> None:
    # The example playbook: working lasts 2 business days, Mon-Fri 09:00-17:30 in Berlin.
    # Friday 11:00 Berlin + 2 business days is Tuesday 11:00 Berlin (10:00 UTC): not the weekend.
    assert due_at(open_lead(entered=FRIDAY), playbook, NOW) == datetime(
        2026, 11, 24, 10, 0, tzinfo=UTC
    )
    # Friday 17:55 in Berlin is after hours: the two days count from Monday 09:00 and end
    # Tuesday at closing time, 17:30 in Berlin.
    evening = datetime(2026, 11, 20, 16, 55, tzinfo=UTC)
    assert due_at(open_lead(entered=evening), playbook, NOW) == datetime(
        2026, 11, 24, 16, 30, tzinfo=UTC
    )


def test_a_stage_without_max_has_no_due_time(playbook: Playbook) -> None:
    lead = open_lead("opportunity", entered=NOW - 90 * DAY)
    assert due_at(lead, without_max(playbook, "opportunity"), NOW) is None


@pytest.mark.parametrize("stage", ["won", "lost", "disqualified"])
def test_a_closed_lead_is_never_due(playbook: Playbook, stage: str) -> None:
    assert due_at(open_lead(stage, entered=NOW - 90 * DAY), playbook, NOW) is None


def test_a_running_snooze_makes_the_lead_due_when_it_ends(playbook: Playbook) -> None:
    overdue_but_snoozed = open_lead(entered=NOW - 5 * DAY, snoozed_until=NOW + 2 * DAY)
    assert due_at(overdue_but_snoozed, playbook, NOW) == NOW + 2 * DAY
    # The owner chose the date: a hold until tomorrow is due tomorrow, not in 20 days.
    held = open_lead("on_hold", entered=NOW - HOUR, snoozed_until=NOW + DAY)
    assert due_at(held, playbook, NOW) == NOW + DAY


def test_a_hold_that_ended_is_overdue_from_its_resume_date(playbook: Playbook) -> None:
    held = open_lead("on_hold", entered=NOW - 60 * DAY, snoozed_until=NOW - DAY)
    assert due_at(held, playbook, NOW) == NOW - DAY  # not 40 days overdue (20d max)


def test_a_snooze_that_ended_never_brings_the_deadline_forward(playbook: Playbook) -> None:
    lead = open_lead(entered=NOW - HOUR, snoozed_until=NOW - HOUR / 2)
    assert due_at(lead, playbook, NOW) == NOW - HOUR + 2 * DAY


def test_a_snooze_that_ended_before_the_stage_began_is_forgotten(playbook: Playbook) -> None:
    lead = open_lead("opportunity", entered=NOW - DAY, snoozed_until=NOW - 2 * DAY)
    never_snoozed = open_lead("opportunity", entered=NOW - DAY)
    assert due_at(lead, playbook, NOW) == due_at(never_snoozed, playbook, NOW)
    assert due_at(lead, playbook, NOW) != NOW - 2 * DAY


def test_open_leads_overdue_first_then_soonest_due_and_no_deadline_last(
    playbook: Playbook,
) -> None:
    book = without_max(playbook, "opportunity")
    leads = {
        "no max": open_lead("opportunity", entered=NOW - 90 * DAY, id=1),
        "due tomorrow": open_lead(entered=NOW - DAY, id=2),
        "snoozed": open_lead(entered=NOW - 9 * DAY, snoozed_until=NOW + 3 * DAY, id=3),
        "overdue 1h": open_lead(entered=THURSDAY, id=4),  # due Monday 10:00 Berlin
        "overdue 1d": open_lead(entered=THURSDAY - DAY, id=5),  # due Friday
    }
    ordered = by_due_time(list(leads.values()), book, NOW)
    names = {id(lead): name for name, lead in leads.items()}
    assert [names[id(d.lead)] for d in ordered] == [
        "overdue 1d",
        "overdue 1h",
        "due tomorrow",
        "snoozed",
        "no max",
    ]
    assert ordered[0].due == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert ordered[1].due == NOW - HOUR and ordered[-1].due is None
