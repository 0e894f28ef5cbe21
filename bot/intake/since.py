"""`--since` phrases: the moment a stretch of time began ("2026-11-01", "last month", "since
Nov 1", "Q3", "3 weeks ago"), read in the playbook's time zone.

A phrase that names a period means its first moment ("last month" on 23 November is 1 October,
not 23 October); a day without a time of day means its midnight. Dates are in the past:
dateparser is asked to prefer them, and a date still in the future is refused (it would select
nothing, which is more likely a typo than a wish).
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

from bot.core.errors import LeadbotError

EXAMPLES = "2026-11-01, “last month”, “since Nov 1”, “Q3 2026”, “this week” or “3 weeks ago”"
LEAD_IN = re.compile(r"^(?:since|from|after)\b\s*", re.IGNORECASE)
PERIOD = re.compile(r"^(this|last|previous)\s+(week|month|quarter|year)$")
QUARTER = re.compile(r"^q([1-4])(?:\s*(\d{4}))?$")
YEAR = re.compile(r"^(\d{4})$")
# A phrase that gives a time of day keeps it; any other date means the start of its day.
TIME_OF_DAY = re.compile(r"\d:\d|\d\s*(?:am|pm)\b|\dt\d|noon|midnight", re.IGNORECASE)
DAYS = {"today": 0, "yesterday": 1}


def since_start(text: str, *, now: datetime, zone: ZoneInfo) -> datetime:
    """The UTC moment `text` names as a start; a LeadbotError with examples if it names none."""
    phrase = " ".join(LEAD_IN.sub("", text.strip()).split()).lower()
    if not phrase:
        raise LeadbotError(f"--since needs a date, like {EXAMPLES}.")
    local_now = now.astimezone(zone)
    start = _period_start(phrase, local_now.date())
    if start is not None:
        at = datetime.combine(start, time(0), tzinfo=zone)
    else:
        parsed = _parsed(phrase, local_now, zone)
        if parsed is None:
            raise LeadbotError(f"--since '{text.strip()}' is not a date leadbot can read; write "
                               f"it like {EXAMPLES}.")  # fmt: skip
        at = parsed
        if not TIME_OF_DAY.search(phrase):
            at = datetime.combine(at.astimezone(zone).date(), time(0), tzinfo=zone)
    if at > now:
        raise LeadbotError(
            f"--since '{text.strip()}' is {at.astimezone(zone):%Y-%m-%d %H:%M}, in the future: "
            "nothing was created after it yet."
        )
    return at.astimezone(UTC)


def _period_start(phrase: str, today: date) -> date | None:
    """The first day of the period a phrase names ("this week", "last month", "Q3", "2025")."""
    if phrase in DAYS:
        return today - timedelta(days=DAYS[phrase])
    period = PERIOD.match(phrase)
    if period:
        back = 0 if period.group(1) == "this" else 1
        return _start_of(period.group(2), today, back)
    quarter = QUARTER.match(phrase)
    if quarter:
        month = 3 * (int(quarter.group(1)) - 1) + 1
        if quarter.group(2):
            return date(int(quarter.group(2)), month, 1)
        start = date(today.year, month, 1)
        # "Q4" in November is this year's; in February it is last year's (the latest one begun).
        return start if start <= today else date(today.year - 1, month, 1)
    year = YEAR.match(phrase)
    if year:
        return date(int(year.group(1)), 1, 1)
    return None


def _start_of(unit: str, today: date, back: int) -> date:
    if unit == "week":  # weeks start on Monday (ISO 8601)
        return today - timedelta(days=today.weekday() + 7 * back)
    if unit == "year":
        return date(today.year - back, 1, 1)
    months = 3 if unit == "quarter" else 1
    first = (today.month - 1) // months * months  # months since January to this period's start
    index = today.year * 12 + first - back * months
    return date(index // 12, index % 12 + 1, 1)


def _parsed(phrase: str, local_now: datetime, zone: ZoneInfo) -> datetime | None:
    settings = {
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",  # "October" is its first day
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
        "TIMEZONE": zone.key,
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    with warnings.catch_warnings():  # dateparser's own DeprecationWarnings, not the user's
        warnings.simplefilter("ignore", DeprecationWarning)
        return dateparser.parse(phrase, languages=["en"], settings=settings)
