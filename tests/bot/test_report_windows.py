"""Report windows: whole local weeks in the playbook's zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from bot.core.events import EventKind
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.reporting.metrics import compute_report, previous, window_for_week
from bot.reporting.report import Window
from bot.reporting.windows import days_window, weeks_in
from store.leads import add_event
from tests.bot.metrics_history import berlin
from tests.factories import make_lead

HOUR = timedelta(hours=1)


def test_the_week_is_the_last_full_monday_to_sunday_in_the_playbooks_zone(
    playbook: Playbook,
) -> None:
    # Monday 23 November, 00:30 in Berlin (Sunday 23:30 UTC): last week is over.
    window = window_for_week(datetime(2026, 11, 22, 23, 30, tzinfo=UTC), playbook)
    assert (window.start, window.end) == (berlin(11, 16, 0), berlin(11, 23, 0))
    assert window.timezone == "Europe/Berlin" and window.label == "week of 16 Nov 2026"


def test_on_sunday_evening_the_week_before_is_the_last_full_one(playbook: Playbook) -> None:
    # Sunday 22 November, 23:30 in Berlin (22:30 UTC): this week is not over yet.
    window = window_for_week(datetime(2026, 11, 22, 22, 30, tzinfo=UTC), playbook)
    assert (window.start, window.end) == (berlin(11, 9, 0), berlin(11, 16, 0))


def test_the_week_of_the_october_change_is_169_hours_from_midnight_to_midnight(
    playbook: Playbook,
) -> None:
    # Clocks go back on Sunday 25 October 2026, 03:00 CEST -> 02:00 CET.
    window = window_for_week(datetime(2026, 10, 26, 10, 0, tzinfo=UTC), playbook)
    assert window.start == datetime(2026, 10, 18, 22, 0, tzinfo=UTC)  # Mon 19 00:00 CEST
    assert window.end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # Mon 26 00:00 CET
    assert window.end - window.start == 169 * HOUR
    assert weeks_in(window) == 1.0


def test_the_week_of_the_march_change_is_167_hours(playbook: Playbook) -> None:
    window = window_for_week(datetime(2026, 3, 30, 10, 0, tzinfo=UTC), playbook)
    assert (window.start, window.end) == (berlin(3, 23, 0), berlin(3, 30, 0))
    assert window.end - window.start == 167 * HOUR


def test_the_week_before_a_dst_week_is_a_whole_week_of_its_own(playbook: Playbook) -> None:
    dst_week = window_for_week(datetime(2026, 10, 26, 10, 0, tzinfo=UTC), playbook)
    before = previous(dst_week)
    assert (before.start, before.end) == (berlin(10, 12, 0), berlin(10, 19, 0))
    assert before.end - before.start == 168 * HOUR
    assert before.label == "week of 12 Oct 2026"
    after = window_for_week(datetime(2026, 11, 2, 10, 0, tzinfo=UTC), playbook)
    assert previous(after) == dst_week


def test_previous_of_whole_days_is_the_same_number_of_days_before() -> None:
    november = days_window(date(2026, 11, 1), date(2026, 12, 1), "Europe/Berlin")
    assert november.label == "1 Nov – 30 Nov 2026"
    october = previous(november)
    assert (october.start, october.end) == (berlin(10, 2, 0), berlin(11, 1, 0))
    assert october.label == "2 Oct – 31 Oct 2026"


def test_previous_of_a_window_that_is_not_whole_days_is_the_same_duration_before() -> None:
    since = Window(start=berlin(11, 20, 9), end=berlin(11, 23, 12), label="since Friday",
                   timezone="Europe/Berlin")  # fmt: skip
    before = previous(since)
    assert (before.start, before.end) == (berlin(11, 17, 6), berlin(11, 20, 9))
    assert before.label == "17 Nov 2026 06:00 – 20 Nov 2026 09:00"


def test_an_event_at_2330_on_sunday_belongs_to_that_week_and_midnight_to_the_next(
    session: Session, playbook: Playbook
) -> None:
    """In the week of the October change: Sunday 23:30 CET is 22:30 UTC, inside; Monday 00:00
    CET is 23:00 UTC, the next week's; Monday 19 at 00:00 CEST (22:00 UTC on the 18th) is the
    week's first instant, and a minute before it the week before's."""
    window = window_for_week(datetime(2026, 10, 26, 10, 0, tzinfo=UTC), playbook)
    moments = {
        "sunday_2330": berlin(10, 25, 23, 30),
        "next_monday": berlin(10, 26, 0, 0),
        "first_instant": berlin(10, 19, 0, 0),
        "minute_before": berlin(10, 18, 23, 59),
    }
    for source, at in moments.items():
        lead = make_lead(session, stage=Stage.NEW, team=None, at=at)
        assert lead.id is not None
        add_event(session=session, lead_id=lead.id, at=at, kind=EventKind.CAPTURED,
                  actor="api", data={"source": source})  # fmt: skip
    r = compute_report(session=session, playbook=playbook, window=window, team=None, now=window.end)
    assert r.leads_in_by_source == {"sunday_2330": 1, "first_instant": 1}
    assert r.qualified_vs_plan.denominator == 25  # one week of plan, though 169 hours
