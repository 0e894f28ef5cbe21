"""SQLModel tables. Every datetime column is time-zone aware and stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, Index, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.kinds import EnumText, EventKind, OfferAnswer, OutboxKind, OutboxStatus, Stage


class UtcDateTime(TypeDecorator[datetime]):
    """`timestamp with time zone` that refuses naive values and always returns aware UTC.

    SQLite has no time-zone type and hands back naive values; this makes both databases agree.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _aware(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UtcDateTime(), **kwargs))


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Lead(SQLModel, table=True):
    """A person marketing handed over, with everything derived about them."""

    __tablename__ = "lead"
    __table_args__ = (
        # A team's leads in a stage, longest there first (the funnel report's "stuck"; the
        # unclaimed leads of a team); counts by stage read its prefix.
        Index("ix_lead_stage_team_entered", "stage", "team", "stage_entered_at"),
        # In order of stage_entered_at within each owner and stage: see leads_owned_by.
        Index("ix_lead_owner_stage_entered", "owner_id", "stage", "stage_entered_at"),
        # The company's leads longest in a stage (the funnel report's "stuck").
        Index("ix_lead_stage_entered", "stage", "stage_entered_at"),
        # A team's lead ids, read alone (index-only) to join a team's events to its leads.
        Index("ix_lead_team_id", "team", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    # The de-duplication key: one per person (see bot.rules.scrub.email_identity).
    email_key: str = Field(max_length=320, unique=True)
    name: str = Field(default="", max_length=200)
    company: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=50)
    country: str | None = Field(default=None, max_length=2)
    domain: str = Field(default="", max_length=255)
    free_mail: bool = False
    seniority: str = Field(default="", max_length=20)
    source: str = Field(default="web_form", max_length=40)
    budget: str = Field(default="", max_length=40)
    authority: str = Field(default="", max_length=40)
    timeframe: str = Field(default="", max_length=40)
    compelling_event: str = Field(default="", max_length=500)
    company_size: int | None = None
    custom: dict[str, Any] = _json()

    stage: Stage = Field(sa_column=Column(EnumText(Stage, 20), nullable=False))
    team: str | None = Field(default=None, max_length=60)
    owner_id: str | None = Field(default=None, max_length=20)
    score: float = 0.0
    fit_score: float = 0.0
    score_reasons: dict[str, Any] = _json()
    fast_tracked: bool = False

    created_at: datetime = _aware(nullable=False)
    updated_at: datetime = _aware(nullable=False)
    stage_entered_at: datetime = _aware(nullable=False)
    sales_ready_at: datetime | None = _aware(nullable=True)
    claimed_at: datetime | None = _aware(nullable=True)

    card_channel: str | None = Field(default=None, max_length=20)
    card_ts: str | None = Field(default=None, max_length=30)

    # Pursuit (bot/pursuit): where the owner is with the lead.
    qualified_at: datetime | None = _aware(nullable=True)
    closed_at: datetime | None = _aware(nullable=True)  # won, lost or disqualified
    #: When a recycled lead comes back to sales; the nurture job selects by it.
    revisit_at: datetime | None = _aware(nullable=True, index=True)
    #: Snoozed, or on hold, until then: no nudge before it.
    snoozed_until: datetime | None = _aware(nullable=True)
    attempts: int = 0  # contact attempts logged since the claim
    connected_at: datetime | None = _aware(nullable=True)
    #: When the owner was offered Recycle or Disqualify after the playbook's attempts (once).
    attempts_prompted_at: datetime | None = _aware(nullable=True)
    nurture_touches: int = 0
    #: The reason of the last disqualify, recycle or lost move.
    reason: str = Field(default="", max_length=200)
    #: When the lead is next due (business time; see bot/pursuit/due.py), for the SLA sweep.
    due_at: datetime | None = _aware(nullable=True, index=True)
    #: How far the sweep has escalated the current breach: 0 none, 1 owner (or channel), 2 manager.
    escalation: int = 0
    amount: float | None = None  # won
    #: When the nurture job should next rescore the lead (its decaying engagement crosses the
    #: sales-ready threshold then); the job selects by it.
    rescore_at: datetime | None = _aware(nullable=True, index=True)
    currency: str = Field(default="", max_length=3)


class LeadEvent(SQLModel, table=True):
    """One change in a lead's life: the history behind the thread, reports and metrics."""

    __tablename__ = "lead_event"
    __table_args__ = (
        # A lead's events of one kind in time order: the funnel report's per-lead lookups
        # (the claim after a hand-over, the touches before it…); the history reads its prefix.
        Index("ix_lead_event_lead_kind_at", "lead_id", "kind", "at"),
        # The funnel report reads the events of some kinds in one window (store/metrics.py).
        Index("ix_lead_event_kind_at", "kind", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", nullable=False)
    at: datetime = _aware(nullable=False)
    kind: EventKind = Field(sa_column=Column(EnumText(EventKind, 30), nullable=False))
    actor: str = Field(max_length=40)
    from_stage: Stage | None = Field(default=None, sa_column=Column(EnumText(Stage, 20)))
    to_stage: Stage | None = Field(default=None, sa_column=Column(EnumText(Stage, 20)))
    reason: str = Field(default="", max_length=500)
    data: dict[str, Any] = _json()


class Engagement(SQLModel, table=True):
    """A marketing touch (page view, download, demo request…) that earns decaying points."""

    __tablename__ = "engagement"
    __table_args__ = (Index("ix_engagement_lead_at", "lead_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", nullable=False)
    type: str = Field(max_length=60)
    points: float
    at: datetime = _aware(nullable=False)


class OutboxMessage(SQLModel, table=True):
    """A Slack send committed with the state change that caused it, delivered later."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: OutboxKind = Field(sa_column=Column(EnumText(OutboxKind, 20), nullable=False))
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    channel: str = Field(default="", max_length=20)
    payload: dict[str, Any] = _json()
    # The row whose message this one goes under (its result_ts is the thread): sent after it.
    thread_of: int | None = Field(default=None, foreign_key="outbox.id")
    status: OutboxStatus = Field(
        default=OutboxStatus.PENDING,
        sa_column=Column(EnumText(OutboxStatus, 12), nullable=False),
    )
    attempts: int = 0
    created_at: datetime = _aware(nullable=False)
    next_attempt_at: datetime = _aware(nullable=False)
    locked_until: datetime | None = _aware(nullable=True)
    sent_at: datetime | None = _aware(nullable=True)
    result_ts: str | None = Field(default=None, max_length=30)
    last_error: str = Field(default="", max_length=500)


class SlackUser(SQLModel, table=True):
    """What leadbot last heard from Slack's users.info about a person (cached; see bot/slack)."""

    __tablename__ = "slack_user"

    user_id: str = Field(primary_key=True, max_length=20)
    tz: str = Field(default="", max_length=64)  # an IANA zone, "" when Slack gave none
    deleted: bool = False  # deactivated in Slack
    fetched_at: datetime = _aware(nullable=False)


class Offer(SQLModel, table=True):
    """An unclaimed lead offered to one rep by DM, and their answer: the round robin counts these
    (a rolling window per rep) and never offers a lead again to a rep who passed on it."""

    __tablename__ = "offer"
    __table_args__ = (Index("ix_offer_rep_offered", "rep_id", "offered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", nullable=False, index=True)
    rep_id: str = Field(max_length=20)
    offered_at: datetime = _aware(nullable=False)
    answer: OfferAnswer = Field(
        default=OfferAnswer.PENDING, sa_column=Column(EnumText(OfferAnswer, 10), nullable=False)
    )
    answered_at: datetime | None = _aware(nullable=True)


class RepAvailability(SQLModel, table=True):
    """When a rep can be offered leads: since when the rotation knows them (a new rep is owed
    leads from that day, not from the start of the window) and their latest time away."""

    __tablename__ = "rep_availability"

    user_id: str = Field(primary_key=True, max_length=20)
    first_seen_at: datetime = _aware(nullable=False)
    away_since: datetime | None = _aware(nullable=True)
    away_until: datetime | None = _aware(nullable=True)  # `/lead away until …`; None: not away


class DigestSent(SQLModel, table=True):
    """One row per weekly digest sent: its week is taken once, however many replicas try."""

    __tablename__ = "digest_sent"

    week_start: datetime = Field(sa_column=Column(UtcDateTime(), primary_key=True))
    sent_at: datetime = _aware(nullable=False)


class AppState(SQLModel, table=True):
    """What leadbot learned about its workspace at start (the workspace's URL, for links)."""

    __tablename__ = "app_state"

    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(default="", max_length=500)
    updated_at: datetime = _aware(nullable=False)


class SlackDelivery(SQLModel, table=True):
    """Events API deliveries already handled, so Slack's retries repeat no side effect."""

    __tablename__ = "slack_delivery"
    __table_args__ = (UniqueConstraint("event_id", name="uq_slack_delivery_event"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=40)
    received_at: datetime = _aware(nullable=False)
