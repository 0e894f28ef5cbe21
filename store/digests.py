"""The weekly digest's record of what was sent, and what leadbot knows of its workspace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from store.models import AppState, DigestSent

DIGEST: Table = DigestSent.__table__  # type: ignore[attr-defined]
STATE: Table = AppState.__table__  # type: ignore[attr-defined]
WORKSPACE_URL = "workspace_url"


def _insert(session: Session) -> type[sqlite.Insert] | type[postgresql.Insert]:
    dialect = session.get_bind().dialect.name
    return postgresql.Insert if dialect == "postgresql" else sqlite.Insert


def take_digest_week(*, session: Session, week_start: datetime, now: datetime) -> bool:
    """Record that the digest of the week starting `week_start` is being sent; False when it
    was already (by this process or another replica: the second waits for the first's commit,
    then finds its row)."""
    statement = (
        _insert(session)(DIGEST)
        .values(week_start=week_start, sent_at=now)
        .on_conflict_do_nothing(index_elements=["week_start"])
        .returning(DIGEST.c.week_start)  # a row back: this transaction took the week
    )
    return session.execute(statement).first() is not None


def digest_weeks_sent(*, session: Session) -> list[datetime]:
    return list(
        session.execute(select(DIGEST.c.week_start).order_by(DIGEST.c.week_start)).scalars()
    )


def save_workspace_url(*, session: Session, url: str, now: datetime) -> None:
    values = {"key": WORKSPACE_URL, "value": url[:500], "updated_at": now}
    statement = _insert(session)(STATE).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["key"], set_={"value": url[:500], "updated_at": now}
        )
    )


def workspace_url(*, session: Session) -> str:
    """The workspace's URL ("https://acme.slack.com/"), or "" before Slack told it."""
    query = select(STATE.c.value).where(STATE.c.key == WORKSPACE_URL)
    return session.execute(query).scalar_one_or_none() or ""
