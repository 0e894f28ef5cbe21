"""Business time: only the playbook's hours count; weekends, public holidays, nights and DST do
not stretch or shrink a duration.

The functions take every instant as an argument and never read the clock, so nothing needs
freezing: each test names its instants.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.playbook.fields import Duration
from bot.playbook.model import BusinessHours, Playbook
from bot.rules.businesstime import (
    add_business_time,
    business_day_length,
    business_duration,
    business_time_between,
    holiday_dates,
    is_business_time,
    next_business_moment,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DUBAI = ZoneInfo("Asia/Dubai")
#: The issue's example team: 9 to 6 in Berlin, German public holidays off.
BERLIN_HOURS = BusinessHours(timezone="Europe/Berlin", start="09:00", end="18:00", holidays="DE")
NEW_YORK_HOURS = BusinessHours(timezone="America/New_York", holidays="US")
#: A Middle East team: Sunday to Thursday.
DUBAI_HOURS = BusinessHours(
    timezone="Asia/Dubai", days=["sun", "mon", "tue", "wed", "thu"], start="09:00", end="18:00"
)
#: Hours across the night of a DST change (02:00-03:00 local in Europe), every day.
NIGHT_HOURS = BusinessHours(
    timezone="Europe/Berlin",
    days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    start="01:00",
    end="05:00",
)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)  # type: ignore[misc]


def new_york(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)  # type: ignore[misc]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# --- the example, weekends, holidays ---------------------------------------------------


def test_a_lead_arriving_friday_evening_is_due_monday_morning() -> None:
    due = add_business_time(berlin(2026, 11, 27, 17, 55), 2 * H, BERLIN_HOURS)
    assert due == berlin(2026, 11, 30, 10, 55)
    assert due.tzinfo is UTC


def test_that_lead_is_not_overdue_on_saturday_or_sunday() -> None:
    arrived = berlin(2026, 11, 27, 17, 55)
    for weekend in (berlin(2026, 11, 28, 10, 0), berlin(2026, 11, 29, 23, 59)):
        assert business_time_between(arrived, weekend, BERLIN_HOURS) == 5 * M
    assert add_business_time(arrived, 2 * H, BERLIN_HOURS) > berlin(2026, 11, 29, 23, 59)


def test_a_public_holiday_on_monday_makes_it_due_tuesday() -> None:
    # Whit Monday 2027 is 17 May.
    due = add_business_time(berlin(2027, 5, 14, 17, 55), 2 * H, BERLIN_HOURS)
    assert due == berlin(2027, 5, 18, 10, 55)


@pytest.mark.parametrize(
    ("arrived", "due"),
    [
        # Christmas Day and Boxing Day 2026 (Friday, Saturday).
        (berlin(2026, 12, 24, 17, 55), berlin(2026, 12, 28, 10, 55)),
        # New Year's Day 2027 (Friday).
        (berlin(2026, 12, 31, 17, 55), berlin(2027, 1, 4, 10, 55)),
        # Good Friday and Easter Monday 2027 (26 and 29 March).
        (berlin(2027, 3, 25, 17, 55), berlin(2027, 3, 30, 10, 55)),
    ],
)
def test_german_public_holidays_do_not_count(arrived: datetime, due: datetime) -> None:
    assert add_business_time(arrived, 2 * H, BERLIN_HOURS) == due


def test_an_arrival_on_a_holiday_counts_from_the_next_business_days_start() -> None:
    due = add_business_time(berlin(2026, 12, 25, 11, 0), 2 * H, BERLIN_HOURS)
    assert due == berlin(2026, 12, 28, 11, 0)


def test_without_holidays_a_holiday_is_a_working_day() -> None:
    hours = BERLIN_HOURS.model_copy(update={"holidays": None})
    due = add_business_time(berlin(2026, 12, 24, 17, 55), 2 * H, hours)
    assert due == berlin(2026, 12, 25, 10, 55)


def test_a_region_adds_its_own_holidays() -> None:
    # Epiphany (6 January) is a holiday in Bavaria, not in Germany as a whole.
    epiphany = berlin(2027, 1, 6, 10, 0)
    bavaria = BERLIN_HOURS.model_copy(update={"holidays": "DE-BY"})
    assert next_business_moment(epiphany, BERLIN_HOURS) == epiphany
    assert next_business_moment(epiphany, bavaria) == berlin(2027, 1, 7, 9, 0)


def test_with_several_calendars_a_holiday_in_any_is_off() -> None:
    # 8 December (Immaculate Conception) is a holiday in Austria, not in Germany.
    both = BERLIN_HOURS.model_copy(update={"holidays": ["DE", "AT"]})
    monday = berlin(2026, 12, 7, 17, 0)
    assert add_business_time(monday, 2 * H, BERLIN_HOURS) == berlin(2026, 12, 8, 10, 0)
    assert add_business_time(monday, 2 * H, both) == berlin(2026, 12, 9, 10, 0)


def test_an_observed_holiday_is_off() -> None:
    # 4 July 2027 is a Sunday; the United States observe it on Monday 5 July.
    due = add_business_time(new_york(2027, 7, 2, 16, 0), 2 * H, NEW_YORK_HOURS)
    assert due == new_york(2027, 7, 6, 10, 0)


def test_a_weekend_counts_nothing() -> None:
    assert add_business_time(berlin(2026, 11, 28, 12, 0), H, BERLIN_HOURS) == berlin(
        2026, 11, 30, 10, 0
    )
    friday, monday = berlin(2026, 11, 27, 17, 0), berlin(2026, 11, 30, 10, 0)
    assert business_time_between(friday, monday, BERLIN_HOURS) == 2 * H


def test_a_sunday_to_thursday_team_works_sunday_and_rests_friday() -> None:
    thursday = datetime(2026, 11, 26, 17, 0, tzinfo=DUBAI)
    assert add_business_time(thursday, 2 * H, DUBAI_HOURS) == datetime(
        2026, 11, 29, 10, 0, tzinfo=DUBAI
    )
    assert not is_business_time(datetime(2026, 11, 27, 11, 0, tzinfo=DUBAI), DUBAI_HOURS)
    assert is_business_time(datetime(2026, 11, 29, 11, 0, tzinfo=DUBAI), DUBAI_HOURS)


# --- where the start falls ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (berlin(2026, 11, 24, 10, 0), berlin(2026, 11, 24, 12, 0)),  # inside hours
        (berlin(2026, 11, 24, 3, 0), berlin(2026, 11, 24, 11, 0)),  # 3 a.m.: from the day's start
        (berlin(2026, 11, 24, 9, 0), berlin(2026, 11, 24, 11, 0)),  # at the opening
        (berlin(2026, 11, 24, 19, 0), berlin(2026, 11, 25, 11, 0)),  # after hours
        (berlin(2026, 11, 24, 18, 0), berlin(2026, 11, 25, 11, 0)),  # at the closing
        (berlin(2026, 11, 24, 16, 0), berlin(2026, 11, 24, 18, 0)),  # fills the day exactly
        (berlin(2026, 11, 24, 17, 0), berlin(2026, 11, 25, 10, 0)),  # runs into the next day
    ],
)
def test_counting_starts_at_the_first_business_moment(start: datetime, due: datetime) -> None:
    assert add_business_time(start, 2 * H, BERLIN_HOURS) == due


def test_the_start_may_be_given_in_any_zone() -> None:
    in_berlin = berlin(2026, 11, 27, 17, 55)
    in_new_york = in_berlin.astimezone(NEW_YORK)
    assert add_business_time(in_new_york, 2 * H, BERLIN_HOURS) == add_business_time(
        in_berlin, 2 * H, BERLIN_HOURS
    )


@pytest.mark.parametrize(
    ("start", "moment"),
    [
        (berlin(2026, 11, 24, 10, 0), berlin(2026, 11, 24, 10, 0)),  # open: the start itself
        (berlin(2026, 11, 24, 3, 0), berlin(2026, 11, 24, 9, 0)),
        (berlin(2026, 11, 24, 18, 0), berlin(2026, 11, 25, 9, 0)),  # the end is not open
        (berlin(2026, 11, 28, 12, 0), berlin(2026, 11, 30, 9, 0)),  # Saturday
        (berlin(2026, 12, 24, 18, 30), berlin(2026, 12, 28, 9, 0)),  # before Christmas
    ],
)
def test_a_zero_duration_is_the_next_business_moment(start: datetime, moment: datetime) -> None:
    assert add_business_time(start, timedelta(0), BERLIN_HOURS) == moment
    assert next_business_moment(start, BERLIN_HOURS) == moment


def test_a_nudge_due_at_3am_waits_for_the_morning_in_that_zone() -> None:
    rep_hours = NEW_YORK_HOURS.model_copy(update={"holidays": None})
    three_am = new_york(2026, 11, 24, 3, 0)
    assert next_business_moment(three_am, rep_hours) == new_york(2026, 11, 24, 9, 0)
    assert next_business_moment(three_am, rep_hours).tzinfo is UTC


# --- long durations and the playbook's days ----------------------------------------------------


def test_a_duration_longer_than_a_week_skips_every_weekend() -> None:
    # 50 business hours of 9-hour days: five days and 5 hours.
    due = add_business_time(berlin(2026, 11, 23, 9, 0), 50 * H, BERLIN_HOURS)
    assert due == berlin(2026, 11, 30, 14, 0)
    # Three weeks and more, across Christmas and New Year.
    start = berlin(2026, 12, 14, 9, 0)
    due = add_business_time(start, 20 * 9 * H, BERLIN_HOURS)
    # 14 Dec - 15 Jan has 25 weekdays, of which 25 and 26 Dec, 1 Jan are holidays (Sat 26 is
    # a weekend anyway): the 20th business day is Tuesday 12 January.
    assert due == berlin(2027, 1, 12, 18, 0)
    assert business_time_between(start, due, BERLIN_HOURS) == 180 * H


def test_a_day_in_the_playbook_is_one_business_day_long() -> None:
    example = BusinessHours(timezone="Europe/Berlin", start="09:00", end="17:30")
    assert business_day_length(example) == timedelta(hours=8, minutes=30)
    assert business_duration(Duration(days=2), example) == 17 * H
    assert business_duration(Duration(days=1, minutes=270), example) == 13 * H
    assert business_duration(Duration(minutes=120), example) == 2 * H


def test_two_days_from_inside_hours_is_the_same_time_two_business_days_later() -> None:
    thursday = berlin(2026, 11, 26, 11, 15)
    assert add_business_time(thursday, Duration(days=2), BERLIN_HOURS) == berlin(
        2026, 11, 30, 11, 15
    )


def test_the_example_playbooks_working_stage_lasts_two_business_days(playbook: Playbook) -> None:
    rule = playbook.stages["working"]
    assert rule.max is not None
    claimed = berlin(2026, 11, 24, 14, 0)
    due = add_business_time(claimed, rule.max, playbook.business_hours)
    assert due == berlin(2026, 11, 26, 14, 0)


# --- DST ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "friday", "due_utc"),
    [
        # Berlin springs forward on Sunday 29 March 2026: Friday is UTC+1, Monday UTC+2.
        (BERLIN_HOURS, berlin(2026, 3, 27, 17, 0), utc(2026, 3, 30, 8, 0)),
        # ...and falls back on Sunday 25 October 2026: Friday UTC+2, Monday UTC+1.
        (BERLIN_HOURS, berlin(2026, 10, 23, 17, 0), utc(2026, 10, 26, 9, 0)),
        # New York springs forward on Sunday 8 March 2026 (UTC-5 to UTC-4)...
        (NEW_YORK_HOURS, new_york(2026, 3, 6, 16, 0), utc(2026, 3, 9, 14, 0)),
        # ...and falls back on Sunday 1 November 2026 (UTC-4 to UTC-5).
        (NEW_YORK_HOURS, new_york(2026, 10, 30, 16, 0), utc(2026, 11, 2, 15, 0)),
    ],
)
def test_a_weekend_with_a_dst_change_keeps_the_local_opening_time(
    hours: BusinessHours, friday: datetime, due_utc: datetime
) -> None:
    # An hour on Friday, an hour on Monday from the local opening: 10:00 local either way.
    due = add_business_time(friday, 2 * H, hours)
    assert due == due_utc
    assert due.astimezone(hours.zone).hour == 10
    assert business_time_between(friday, due, hours) == 2 * H


def test_in_the_weeks_between_the_us_and_eu_changes_each_team_keeps_its_hours() -> None:
    # 16 March 2026: New York already on daylight time, Berlin not yet: 5 hours apart, not 6.
    assert next_business_moment(utc(2026, 3, 16, 0, 0), NEW_YORK_HOURS) == utc(2026, 3, 16, 13, 0)
    assert next_business_moment(utc(2026, 3, 16, 0, 0), BERLIN_HOURS) == utc(2026, 3, 16, 8, 0)


@pytest.mark.parametrize(
    ("day", "length"),
    [
        (berlin(2026, 3, 28, 0, 0), 4 * H),
        (berlin(2026, 3, 29, 0, 0), 3 * H),  # 02:00 became 03:00
        (berlin(2026, 10, 25, 0, 0), 5 * H),  # 02:00-03:00 happened twice
    ],
)
def test_hours_across_a_dst_change_are_real_elapsed_time(day: datetime, length: timedelta) -> None:
    next_day = berlin(day.year, day.month, day.day + 1, 0, 0)
    assert business_time_between(day, next_day, NIGHT_HOURS) == length


def test_an_opening_time_skipped_by_spring_forward_opens_an_hour_later() -> None:
    hours = NIGHT_HOURS.model_copy(update={"start": "02:30"})
    # 02:30 does not exist on 29 March 2026 in Berlin; it is read as 02:30 UTC+1 = 03:30 UTC+2.
    assert next_business_moment(berlin(2026, 3, 29, 0, 0), hours) == berlin(2026, 3, 29, 3, 30)


# --- business_time_between ---------------------------------------------------------------------


def test_time_between_counts_only_the_open_part_of_each_day() -> None:
    monday_night, wednesday_noon = berlin(2026, 11, 23, 20, 0), berlin(2026, 11, 25, 12, 0)
    assert business_time_between(monday_night, wednesday_noon, BERLIN_HOURS) == 12 * H
    same_morning = (berlin(2026, 11, 24, 9, 30), berlin(2026, 11, 24, 10, 45))
    assert business_time_between(*same_morning, BERLIN_HOURS) == 75 * M


def test_time_between_is_zero_when_the_end_is_not_after_the_start() -> None:
    at = berlin(2026, 11, 24, 10, 0)
    assert business_time_between(at, at, BERLIN_HOURS) == timedelta(0)
    assert business_time_between(at, at - H, BERLIN_HOURS) == timedelta(0)


def test_time_between_skips_holidays() -> None:
    before, after = berlin(2026, 12, 24, 17, 0), berlin(2026, 12, 28, 10, 0)
    assert business_time_between(before, after, BERLIN_HOURS) == 2 * H


# --- refusals and cost -------------------------------------------------------------------------


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_business_time(datetime(2026, 11, 24, 10, 0), H, BERLIN_HOURS)
    with pytest.raises(ValueError, match="aware"):
        business_time_between(berlin(2026, 11, 24, 10, 0), datetime(2026, 11, 25), BERLIN_HOURS)


def test_a_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_time(berlin(2026, 11, 24, 10, 0), -H, BERLIN_HOURS)


def test_each_holiday_calendar_is_read_once_per_year() -> None:
    holiday_dates.cache_clear()
    start = berlin(2026, 6, 1, 9, 0)
    for _ in range(20):
        # 420 business days from June 2026 run into 2028.
        due = add_business_time(start, 420 * 9 * H, BERLIN_HOURS)
    assert due.year == 2028
    assert holiday_dates.cache_info().misses == 3  # DE in 2026, 2027 and 2028


# --- properties --------------------------------------------------------------------------------

ALL_HOURS = [BERLIN_HOURS, NEW_YORK_HOURS, DUBAI_HOURS, NIGHT_HOURS]
starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
#: Whole minutes, up to about seven weeks of 9-hour business days.
minutes = st.integers(min_value=0, max_value=9 * 60 * 35).map(lambda n: timedelta(minutes=n))
PROPERTY = settings(max_examples=200, derandomize=True, database=None, deadline=None)


@PROPERTY
@given(start=starts, duration=minutes, hours=st.sampled_from(ALL_HOURS))
def test_the_time_between_start_and_due_is_the_duration(
    start: datetime, duration: timedelta, hours: BusinessHours
) -> None:
    due = add_business_time(start, duration, hours)
    assert business_time_between(start, due, hours) == duration


@PROPERTY
@given(start=starts, durations=st.tuples(minutes, minutes), hours=st.sampled_from(ALL_HOURS))
def test_a_longer_duration_is_never_due_sooner(
    start: datetime, durations: tuple[timedelta, timedelta], hours: BusinessHours
) -> None:
    shorter, longer = sorted(durations)
    due_shorter, due_longer = (add_business_time(start, d, hours) for d in (shorter, longer))
    assert start <= due_shorter <= due_longer
    if shorter < longer:
        assert due_shorter < due_longer
