"""When a lead is due: stage entered + the stage's max, moved by a snooze or hold; the order of a
rep's open leads."""

from __future__ import annotations

from datetime import datetime, timedelta
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


def test_due_is_the_stage_entered_plus_its_max(playbook: Playbook) -> None:
    # The example playbook: working lasts at most 2 days.
    assert due_at(open_lead(entered=NOW - 3 * DAY), playbook, NOW) == NOW - DAY


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
    assert due_at(lead, playbook, NOW) == NOW - DAY + 30 * DAY


def test_open_leads_overdue_first_then_soonest_due_and_no_deadline_last(
    playbook: Playbook,
) -> None:
    book = without_max(playbook, "opportunity")
    leads = {
        "no max": open_lead("opportunity", entered=NOW - 90 * DAY, id=1),
        "due tomorrow": open_lead(entered=NOW - DAY, id=2),
        "snoozed": open_lead(entered=NOW - 9 * DAY, snoozed_until=NOW + 3 * DAY, id=3),
        "overdue 1h": open_lead(entered=NOW - 2 * DAY - HOUR, id=4),
        "overdue 1d": open_lead(entered=NOW - 3 * DAY, id=5),
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
    assert ordered[0].due == NOW - DAY and ordered[-1].due is None
