"""The Slack users leadbot has looked up (their time zone), cached between requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from store.models import SlackUser

USER: Table = SlackUser.__table__  # type: ignore[attr-defined]


# Built once: every Slack request reads its user's row, and building the statement costs about
# as much as running it.
_BY_ID = select(USER).where(USER.c.user_id == bindparam("user_id"))


def get_slack_user(*, session: Session, user_id: str) -> SlackUser | None:
    """What was last fetched about `user_id`, or None."""
    row = session.execute(_BY_ID, {"user_id": user_id}).first()
    if row is None:
        return None
    return SlackUser(user_id=row.user_id, tz=row.tz, deleted=row.deleted, fetched_at=row.fetched_at)


def save_slack_user(
    *, session: Session, user_id: str, tz: str, deleted: bool, now: datetime
) -> None:
    """Insert or refresh what Slack says about `user_id`."""
    values = {"user_id": user_id, "tz": tz, "deleted": deleted, "fetched_at": now}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(USER).values(**values)
    update = {"tz": tz, "deleted": deleted, "fetched_at": now}
    session.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=update))
