"""Report windows: whole local days in the playbook's business-hours zone, turned into UTC.

A window is built from calendar dates, never by adding hours: the week of a DST change is 167 or
169 hours long, and its Monday still starts at local midnight. A midnight that does not exist (a
zone that springs forward at 00:00) is read with the offset before the change, as zoneinfo
does, which is the first instant of that day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.playbook.model import Playbook
from bot.reporting.report import Window

WEEK_LABEL = "week of "


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of `day` in `zone`, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def days_window(first: date, after: date, timezone: str, label: str | None = None) -> Window:
    """The local days `first` up to (not including) `after`, in `timezone`, as a UTC window."""
    zone = ZoneInfo(timezone)
    if label is None:
        label = days_label(first, after)
    return Window(
        start=day_start(first, zone), end=day_start(after, zone), label=label, timezone=timezone
    )


def days_label(first: date, after: date) -> str:
    """ "16 Nov 2026" for one day, "1 Nov – 22 Nov 2026" for several."""
    last = after - timedelta(days=1)
    if last <= first:
        return _date_words(first)
    head = f"{first.day} {first:%b}" if first.year == last.year else _date_words(first)
    return f"{head} – {_date_words(last)}"


def _date_words(day: date) -> str:
    return f"{day.day} {day:%b} {day.year}"


def week_window(monday: date, timezone: str) -> Window:
    """Monday 00:00 to the next Monday 00:00, local time, labelled "week of 16 Nov 2026"."""
    if monday.weekday() != 0:
        raise ValueError(f"{monday} is not a Monday")
    return days_window(
        monday, monday + timedelta(days=7), timezone, f"{WEEK_LABEL}{_date_words(monday)}"
    )


def window_for_week(now: datetime, playbook: Playbook) -> Window:
    """The last full Monday–Sunday week before `now`, in the playbook's business-hours zone."""
    timezone = playbook.business_hours.timezone
    today = now.astimezone(ZoneInfo(timezone)).date()
    this_monday = today - timedelta(days=today.weekday())
    return week_window(this_monday - timedelta(days=7), timezone)


def previous(window: Window) -> Window:
    """The window of the same length just before `window`: the same number of local days when
    it is made of whole local days (the week before a DST week is 168 hours, not 167), the
    same duration otherwise."""
    zone = ZoneInfo(window.timezone)
    first, after = (window.start.astimezone(zone), window.end.astimezone(zone))
    if _whole_days(window, zone):
        days = (after.date() - first.date()).days
        before = first.date() - timedelta(days=days)
        if window.label.startswith(WEEK_LABEL) and days == 7:
            return week_window(before, window.timezone)
        return days_window(before, first.date(), window.timezone)
    length = window.end - window.start
    start = window.start - length
    label = f"{_moment_words(start.astimezone(zone))} – {_moment_words(first)}"
    return Window(start=start, end=window.start, label=label, timezone=window.timezone)


def _whole_days(window: Window, zone: ZoneInfo) -> bool:
    """Whether the window starts and ends at the first instant of a local day."""
    return all(
        day_start(moment.astimezone(zone).date(), zone) == moment
        for moment in (window.start, window.end)
    )


def _moment_words(moment: datetime) -> str:
    return f"{_date_words(moment.date())} {moment:%H:%M}"


def weeks_in(window: Window) -> float:
    """How many weeks the window spans: local days / 7 for whole days (a DST week is one
    week), hours / 168 otherwise."""
    zone = ZoneInfo(window.timezone)
    if _whole_days(window, zone):
        first, after = window.start.astimezone(zone), window.end.astimezone(zone)
        return (after.date() - first.date()).days / 7
    return (window.end - window.start).total_seconds() / (7 * 24 * 3600)
