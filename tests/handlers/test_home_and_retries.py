"""The Home tab, and Slack's re-deliveries of an event repeat no side effect."""

from __future__ import annotations

from store.db import session_scope
from tests.factories import make_lead
from tests.handlers.conftest import Harness

REP = "U0REPEMEA1"


def home_opened() -> dict[str, str]:
    return {"type": "app_home_opened", "user": REP, "channel": "D0HOME0001", "tab": "home"}


def test_home_tab_shows_unclaimed_team_leads(harness: Harness) -> None:
    with session_scope(harness.factory) as session:
        make_lead(session, name="Greta Maier")
    assert harness.event(home_opened(), "Ev0001").status_code == 200
    [call] = harness.fake.calls_to("views.publish")
    assert call.args["user_id"] == REP
    assert "Greta Maier" in str(call.args["view"])


def test_retried_event_is_acknowledged_but_not_handled_twice(harness: Harness) -> None:
    assert harness.event(home_opened(), "Ev0002").status_code == 200
    assert harness.event(home_opened(), "Ev0002", retry=1).status_code == 200
    assert harness.event(home_opened(), "Ev0002", retry=2).status_code == 200
    assert len(harness.fake.calls_to("views.publish")) == 1


def test_distinct_events_are_each_handled(harness: Harness) -> None:
    harness.event(home_opened(), "Ev0003")
    harness.event(home_opened(), "Ev0004")
    assert len(harness.fake.calls_to("views.publish")) == 2
