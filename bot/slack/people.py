"""People in Slack: each user's time zone, from users.info, cached for a week.

A request never waits for Slack: it reads the cache (the playbook's zone when the user is not in
it yet) and the handler refreshes a missing or old entry after the ack (`look_up_user`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.playbook.fields import USER_ID
from bot.playbook.model import Playbook
from store.db import SessionFactory, session_scope
from store.users import get_slack_user, save_slack_user

log = logging.getLogger(__name__)

CACHE_FOR = timedelta(days=7)


class ZoneCache:
    """What this process last read of each user's zone: a request then needs no query for it.
    Entries carry Slack's fetch time, so they go stale exactly when the stored ones do."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str) -> tuple[str, datetime] | None:
        with self._lock:
            return self._known.get(user_id)

    def put(self, user_id: str, tz: str, fetched_at: datetime) -> None:
        with self._lock:
            self._known[user_id] = (tz, fetched_at)


@dataclass(frozen=True)
class UserZone:
    zone: ZoneInfo
    stale: bool  # not cached, or cached over a week ago: look the user up after the ack


def user_zone(
    *,
    session: Session,
    user_id: str,
    playbook: Playbook,
    now: datetime,
    cache: ZoneCache | None = None,
) -> UserZone:
    """The user's time zone as last heard from Slack, else the playbook's."""
    fallback = playbook.business_hours.zone
    if not user_id:
        return UserZone(zone=fallback, stale=False)
    known = cache.get(user_id) if cache is not None else None
    if known is None:
        stored = get_slack_user(session=session, user_id=user_id)
        if stored is None:
            return UserZone(zone=fallback, stale=True)
        known = (stored.tz, stored.fetched_at)
        if cache is not None:
            cache.put(user_id, *known)
    tz, fetched_at = known
    return UserZone(zone=_zone(tz) or fallback, stale=now - fetched_at > CACHE_FOR)


def look_up_user(
    *,
    client: WebClient,
    session_factory: SessionFactory,
    user_id: str,
    now: datetime,
    cache: ZoneCache | None = None,
) -> None:
    """Ask Slack for the user's time zone and cache it (called after the ack)."""
    try:
        user = client.users_info(user=user_id)["user"]
    except (SlackApiError, OSError) as error:
        log.warning("users.info for %s failed (%s); using the playbook's time zone", user_id, error)
        return
    with session_scope(session_factory) as session:
        tz = remember_user(session=session, user={**user, "id": user_id}, now=now)
    if cache is not None:
        cache.put(user_id, tz, now)


def remember_user(*, session: Session, user: Mapping[str, Any], now: datetime) -> str:
    """Store what Slack says of a person (a users.info answer or a `user_change` event's user):
    their time zone, and whether they were deactivated (the round robin skips them). Their
    zone, "" when Slack gave none that exists."""
    tz = str(user.get("tz") or "")
    tz = tz if _zone(tz) else ""
    user_id = str(user.get("id") or "")
    if not USER_ID.fullmatch(user_id):  # not a member ID Slack sends: nothing to remember
        return tz
    save_slack_user(
        session=session, user_id=user_id, tz=tz, deleted=bool(user.get("deleted")), now=now
    )
    return tz


def _zone(name: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
