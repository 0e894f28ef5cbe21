"""Business time: durations that count only the playbook's business hours.

Business hours are one window a day, `start` to `end` in the playbook's zone, on its `days`,
except the public holidays of its `holidays` calendars. Time inside a window counts; nights,
weekends and holidays do not. Each window is placed on the calendar in local wall time and then
turned into UTC, so a DST change moves the UTC instants (and a window that spans the change is
an hour shorter or longer: it is real elapsed time). The rules, worded for people, are in
docs/architecture.md ("Business time").

Every function walks the days one at a time, so its cost follows the days spanned, not the
minutes; the holiday calendars are read once per (calendar, year).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.playbook.calendars import split_calendar
from bot.playbook.fields import Duration
from bot.playbook.model import BusinessHours, Weekday

WEEKDAYS: dict[Weekday, int] = {
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
#: A guard, not a rule: a valid playbook opens at least once in any 400 days (holidays never
#: fill a year), so this is only reached by hours built around the playbook's checks.
MAX_CLOSED_DAYS = 400
Window = tuple[datetime, datetime]


@lru_cache(maxsize=1024)
def holiday_dates(calendar: str, year: int) -> frozenset[date]:
    """The public holidays (observed days included) of one calendar ('DE', 'DE-BY') in a year."""
    country, region = split_calendar(calendar)
    return frozenset(holidays.country_holidays(country, subdiv=region, years=year))


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


@dataclass(frozen=True)
class _Calendar:
    """Business hours in the form the arithmetic needs, built once per distinct setting."""

    zone: ZoneInfo
    weekdays: frozenset[int]
    opens: time
    closes: time
    holidays: tuple[str, ...]

    def is_business_day(self, day: date) -> bool:
        if day.weekday() not in self.weekdays:
            return False
        return not any(day in holiday_dates(c, day.year) for c in self.holidays)

    def window(self, day: date) -> Window | None:
        """The day's open interval in UTC (start inclusive, end exclusive); None when closed.

        A wall time that does not exist (skipped by a spring-forward change) is read with the
        offset before the change, as zoneinfo does: 02:30 on that night opens at 03:30.
        """
        if not self.is_business_day(day):
            return None
        opens = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)
        return (opens, closes) if opens < closes else None

    def windows_from(self, day: date) -> Iterator[Window]:
        """The open windows of `day` and every day after it, in order."""
        closed = 0
        while True:
            found = self.window(day)
            if found is None:
                closed += 1
                if closed > MAX_CLOSED_DAYS:
                    raise ValueError(
                        f"business hours do not open once in {MAX_CLOSED_DAYS} days "
                        f"before {day.isoformat()}: check their days and holidays"
                    )
            else:
                closed = 0
                yield found
            day += timedelta(days=1)

    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()


@lru_cache(maxsize=256)
def _compiled(
    zone: str, days: tuple[Weekday, ...], start: str, end: str, calendars: tuple[str, ...]
) -> _Calendar:
    return _Calendar(
        zone=ZoneInfo(zone),
        weekdays=frozenset(WEEKDAYS[d] for d in days),
        opens=_clock(start),
        closes=_clock(end),
        holidays=calendars,
    )


def _calendar(hours: BusinessHours) -> _Calendar:
    # The playbook model holds lists, so it is no cache key itself; its values are.
    return _compiled(
        hours.timezone, tuple(hours.days), hours.start, hours.end, hours.holiday_calendars
    )


def _utc(at: datetime, name: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, not {at.isoformat()}")
    return at.astimezone(UTC)


def business_day_length(hours: BusinessHours) -> timedelta:
    """The length of a business day as the playbook writes it: end minus start (09:00-17:30 is
    8h30), whatever a DST change does to one particular day."""
    day = date(2000, 1, 1)
    return datetime.combine(day, _clock(hours.end)) - datetime.combine(day, _clock(hours.start))


def business_duration(duration: Duration | timedelta, hours: BusinessHours) -> timedelta:
    """A playbook duration as business time: each whole day ('2d') is one business day's length
    (end minus start), hours and minutes count as they are. A timedelta is taken as it is."""
    if isinstance(duration, timedelta):
        return duration
    return duration.days * business_day_length(hours) + timedelta(minutes=duration.minutes)


def add_business_time(
    start: datetime, duration: Duration | timedelta, hours: BusinessHours
) -> datetime:
    """The UTC instant when `duration` of business time has passed since `start`.

    Counting begins at the first business moment at or after `start`, so a zero duration gives
    that moment. A playbook Duration's days are business days (see `business_duration`).
    """
    remaining = business_duration(duration, hours)
    if remaining < timedelta(0):
        raise ValueError(f"a duration of business time cannot be negative ({remaining})")
    at = _utc(start, "start")
    calendar = _calendar(hours)
    for opens, closes in calendar.windows_from(calendar.local_day(at)):
        if closes <= at:
            continue  # earlier that day
        begin = max(opens, at)
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    raise AssertionError("windows_from never ends")  # pragma: no cover


def business_time_between(start: datetime, end: datetime, hours: BusinessHours) -> timedelta:
    """The business time from `start` to `end` (zero when `end` is not after `start`)."""
    since, until = _utc(start, "start"), _utc(end, "end")
    total = timedelta(0)
    if until <= since:
        return total
    calendar = _calendar(hours)
    for opens, closes in calendar.windows_from(calendar.local_day(since)):
        if opens >= until:
            return total
        overlap = min(closes, until) - max(opens, since)
        if overlap > timedelta(0):
            total += overlap
    raise AssertionError("windows_from never ends")  # pragma: no cover


def next_business_moment(at: datetime, hours: BusinessHours) -> datetime:
    """The first instant at or after `at` inside business hours, in UTC: `at` itself when the
    business is open then (a window's end belongs to the night after it)."""
    moment = _utc(at, "at")
    calendar = _calendar(hours)
    for opens, closes in calendar.windows_from(calendar.local_day(moment)):
        if moment < closes:
            return max(opens, moment)
    raise AssertionError("windows_from never ends")  # pragma: no cover


def is_business_time(at: datetime, hours: BusinessHours) -> bool:
    """Whether the business is open at `at` (its window's start counts, its end does not)."""
    return next_business_moment(at, hours) == _utc(at, "at")
