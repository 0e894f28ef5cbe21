"""Report windows: whole local days in a zone, turned into UTC: the digest's week, and the
ranges people type after `/lead report` ("last month", "since Nov 1", "Q3", "this week").

A window is built from calendar dates, never by adding hours: the week of a DST change is 167 or
169 hours long, and its Monday still starts at local midnight. A midnight that does not exist (a
zone that springs forward at 00:00) is read with the offset before the change, as zoneinfo
does, which is the first instant of that day.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

from bot.core.errors import LeadbotError
from bot.playbook.model import Digest, Playbook
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
    return week_before(now, ZoneInfo(playbook.business_hours.timezone))


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


EXAMPLES = (
    "“last week”, “this month”, “last month”, “Q3”, “since Nov 1”, “last 30 days” "
    "or “Oct 1 to Oct 15”"
)
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )  # fmt: skip
    for name in names
}
LAST_N = re.compile(r"^(?:last|past) (\d{1,3}) (day|week|month)s?$")
QUARTER = re.compile(r"^q([1-4])(?: (\d{4}))?$")
MONTH = re.compile(r"^([a-z]+)(?: (\d{4}))?$")
YEAR = re.compile(r"^(\d{4})$")
BETWEEN = re.compile(r"^(?:from |between )?(.+?) (?:to|until|till|through|and|-|–) (.+)$")


class UnreadableRange(LeadbotError):
    def __init__(self, text: str) -> None:
        shown = text if len(text) <= 60 else text[:59] + "…"
        super().__init__(f"I can't read “{shown}” as a time range. Try {EXAMPLES}.")


def _day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _window(first: date, last: date, zone: ZoneInfo, label: str) -> Window:
    """The local days `first`..`last` (both included) in `zone`."""
    return days_window(first, last + timedelta(days=1), zone.key, label)


def week_before(now: datetime, zone: ZoneInfo) -> Window:
    """The last full Monday-to-Sunday week before `now`, in `zone` (the weekly digest's)."""
    today = now.astimezone(zone).date()
    return week_window(today - timedelta(days=today.weekday() + 7), zone.key)


def _month(year: int, month: int, zone: ZoneInfo) -> Window:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return _window(first, following - timedelta(days=1), zone, f"{first:%B %Y}")


def _quarter(year: int, quarter: int, zone: ZoneInfo) -> Window:
    first = date(year, 3 * quarter - 2, 1)
    end_month = 3 * quarter
    following = date(year + end_month // 12, end_month % 12 + 1, 1)
    return _window(first, following - timedelta(days=1), zone, f"Q{quarter} {year}")


def _date(phrase: str, now: datetime, zone: ZoneInfo) -> date:
    local = now.astimezone(zone).replace(tzinfo=None)
    settings = {"PREFER_DATES_FROM": "past", "RELATIVE_BASE": local}
    found = dateparser.parse(phrase, languages=["en"], settings=settings)
    if found is None:
        raise UnreadableRange(phrase)
    return found.date()


def parse_window(text: str, *, now: datetime, zone: ZoneInfo) -> Window:
    """The window `text` names, read in `zone` relative to `now`; the last full week if empty.
    Raises UnreadableRange, whose sentence shows examples."""
    words = " ".join(text.lower().replace(",", " ").split())
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    if not words or words == "last week":
        return week_before(now, zone)
    if words == "this week":
        return _window(monday, today, zone, f"this week (from {_day_label(monday)})")
    if words in ("today", "yesterday"):
        day = today if words == "today" else today - timedelta(days=1)
        return _window(day, day, zone, _day_label(day))
    if words in ("this month", "last month"):
        month = date(today.year, today.month, 1)
        if words == "last month":
            month = (month - timedelta(days=1)).replace(day=1)
        return _month(month.year, month.month, zone)
    if words in ("this quarter", "last quarter"):
        quarter, year = (today.month - 1) // 3 + 1, today.year
        if words == "last quarter":
            quarter, year = (quarter - 1, year) if quarter > 1 else (4, year - 1)
        return _quarter(year, quarter, zone)
    if words in ("this year", "last year"):
        year = today.year - (words == "last year")
        return _window(date(year, 1, 1), date(year, 12, 31), zone, str(year))
    if match := LAST_N.match(words):
        count, unit = int(match.group(1)), match.group(2)
        days = count * {"day": 1, "week": 7, "month": 30}[unit]
        first = today - timedelta(days=days - 1)
        return _window(first, today, zone, f"the last {count} {unit}{'s' if count > 1 else ''}")
    if match := QUARTER.match(words):
        quarter = int(match.group(1))
        year = int(match.group(2) or today.year)
        if not match.group(2) and date(year, 3 * quarter - 2, 1) > today:
            year -= 1  # "Q4" in February: the last one that began
        return _quarter(year, quarter, zone)
    if (match := MONTH.match(words)) and match.group(1) in MONTHS:
        number = MONTHS[match.group(1)]
        year = int(match.group(2) or today.year)
        if not match.group(2) and date(year, number, 1) > today:
            year -= 1
        return _month(year, number, zone)
    if match := YEAR.match(words):
        year = int(match.group(1))
        return _window(date(year, 1, 1), date(year, 12, 31), zone, str(year))
    if words.startswith("since "):
        first = _date(words.removeprefix("since "), now, zone)
        if first > today:
            raise UnreadableRange(text)
        return _window(first, today, zone, f"since {_day_label(first)}")
    if match := BETWEEN.match(words):
        first, last = _date(match.group(1), now, zone), _date(match.group(2), now, zone)
        if last < first:
            first, last = last, first
        return _window(first, last, zone, f"{_day_label(first)} to {_day_label(last)}")
    day = _date(words, now, zone)
    return _window(day, day, zone, _day_label(day))


def last_digest_moment(now: datetime, digest: Digest, zone: ZoneInfo) -> datetime:
    """The latest time at or before `now` the digest was due: its weekday and hour where it is
    read (a digest missed while leadbot was down is due until the next one is)."""
    local = now.astimezone(zone)
    hour, minute = digest.at
    back = (local.weekday() - digest.weekday) % 7
    day = local.date() - timedelta(days=back)
    moment = datetime.combine(day, time(hour, minute), tzinfo=zone)
    if moment > local:
        moment = datetime.combine(day - timedelta(days=7), time(hour, minute), tzinfo=zone)
    return moment.astimezone(UTC)
