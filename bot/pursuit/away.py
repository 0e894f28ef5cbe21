"""`/lead away until monday`: a rep the round robin skips until a date."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core.errors import MoveIncomplete
from bot.pursuit.dates import EXAMPLES, future_date
from store.offers import availability_of, set_away

#: Away for longer is surely a typo ("until 2072"): the rep would silently drop out of offers.
LONGEST_AWAY_DAYS = 366


def go_away(
    *, session: Session, user_id: str, text: str, now: datetime, zone: ZoneInfo
) -> datetime:
    """Away from now until the date in `text` (read in the user's zone); that date."""
    if not text.strip():
        raise MoveIncomplete(
            f"Away until when? Write `/lead away until monday`, or a date like {EXAMPLES}."
        )
    until = future_date(text, now=now, zone=zone, what="you be back").at
    if (until - now).days > LONGEST_AWAY_DAYS:
        raise MoveIncomplete("That is more than a year away: give a date within the next year.")
    set_away(session=session, user_id=user_id, now=now, until=until)
    return until


def come_back(*, session: Session, user_id: str, now: datetime) -> bool:
    """Back from now on; False when the user was not away."""
    known = availability_of(session=session, user_ids=[user_id]).get(user_id)
    was_away = known is not None and known.away_until is not None and known.away_until > now
    if was_away:
        set_away(session=session, user_id=user_id, now=now, until=None)
    return was_away
