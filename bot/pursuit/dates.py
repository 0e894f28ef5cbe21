"""Date phrases reps type ("in 3 months", "next tuesday 9am", "after the board meeting on
March 3"), read in the rep's own time zone and preferring the future."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from dateparser.search import search_dates

from bot.core.errors import MoveIncomplete
from bot.slack.text import fit

EXAMPLES = "“in 3 months”, “next tuesday 9am”, “Jan 15” or “2027-03-02”"
#: A date without a time of day means the start of that working day.
DAY_STARTS = time(9, 0)
# dateparser reads a bare number ("18000", "42") as a date; a phrase needs a word.
HAS_LETTERS_OR_SEPARATORS = re.compile(r"[A-Za-z]|\d[-/.]\d")


# "now" is a date to dateparser, but in "not now" (a recycle reason) it names no time to come.
NOT_DATES = frozenset({"now", "right now"})

# Words that only introduce the date ("revisit in 3 months"): they go with it.
LEAD_IN = re.compile(r"\b(revisit|until|till|on|in|at|by|from|after)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class FoundDate:
    at: datetime  # UTC
    phrase: str  # as typed
    rest: str  # the text without the phrase


def find_date(text: str, *, now: datetime, zone: ZoneInfo) -> FoundDate | None:
    """The first date phrase in `text`, read in `zone` relative to `now`, or None."""
    local_now = now.astimezone(zone)
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
        "TIMEZONE": zone.key,
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    found = search_dates(text, languages=["en"], settings=settings)
    for phrase, when in found or []:
        if not HAS_LETTERS_OR_SEPARATORS.search(phrase) or phrase.strip().lower() in NOT_DATES:
            continue
        local = when.astimezone(zone)
        if local.time() == time(0, 0) and not re.search(r"\d:\d|am|pm|midnight", phrase, re.I):
            local = local.replace(hour=DAY_STARTS.hour, minute=DAY_STARTS.minute)
        rest = _without(text, phrase)
        return FoundDate(at=local.astimezone(UTC), phrase=phrase, rest=rest)
    return None


def future_date(text: str, *, now: datetime, zone: ZoneInfo, what: str) -> FoundDate:
    """The date in `text`, which must be in the future; the sentence says what to write."""
    found = find_date(text, now=now, zone=zone)
    if found is None:
        raise MoveIncomplete(f"When should {what}? Write a date like {EXAMPLES}.")
    if found.at <= now:
        raise MoveIncomplete(
            f"“{fit(found.phrase, 60)}” is in the past; "
            f"{what} needs a date to come, like {EXAMPLES}."
        )
    return found


def _without(text: str, phrase: str) -> str:
    before, _, after = text.partition(phrase)
    before = LEAD_IN.sub("", before.rstrip())
    return " ".join(f"{before.rstrip(' ,;')} {after.lstrip(' ,;')}".split()).strip(" ,;")
