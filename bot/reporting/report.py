"""What a funnel report holds: the figures of one team (or the whole company) over one window.

Every figure is defined once, in docs/metrics.md, and computed by `bot.reporting.metrics` from
the event history with SQL aggregates; the weekly digest, `/lead report` and the export all read
these types. A figure that has no data in the window is None (shown as "–"), never 0 by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.stages import Stage

#: The funnel's steps, in order: how many leads reached each in the window.
FUNNEL_STEPS: tuple[str, ...] = ("new", "nurture", "sales_ready", "claimed", "opportunity", "won")


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC, and how people name it ("week of 23 Nov", "November 2026")."""

    start: datetime
    end: datetime
    label: str
    timezone: str  # the zone the window's days are counted in (the playbook's business hours)


@dataclass(frozen=True)
class Duration:
    """A distribution of durations in seconds: how many, the median and the 90th percentile."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Reason:
    reason: str
    count: int


@dataclass(frozen=True)
class RepFigures:
    """One rep's SLA record in the window: reminders (breaches) and escalations to a manager."""

    user_id: str
    breaches: int
    escalations: int


@dataclass(frozen=True)
class StuckLead:
    """A lead long in its stage (a snapshot at the report's `now`), with its card if posted."""

    lead_id: int
    name: str
    stage: Stage
    owner_id: str | None
    since: datetime
    card_channel: str | None
    card_ts: str | None


@dataclass(frozen=True)
class Rate:
    """numerator / denominator, kept apart so a reader sees "7 of 9" and not only "78%"."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class FunnelReport:
    """The figures of `team` (None: the whole company) over `window`."""

    window: Window
    team: str | None
    leads_in_by_source: dict[str, int]
    #: FUNNEL_STEPS -> how many leads reached that step in the window.
    funnel: dict[str, int]
    speed_to_lead: Duration  # sales-ready -> claimed
    follow_up: Rate  # sales-ready leads claimed within their stage's SLA / sales-ready leads
    breaches_by_rep: list[RepFigures]
    attempts_before_outcome: float | None  # mean contact attempts before connect or recycle
    top_reasons: dict[str, list[Reason]]  # "disqualify" | "recycle" | "lost" -> top 5
    nurture_touches_before_sales_ready: float | None  # mean, leads that became sales-ready
    win_rate: Rate  # won / (won + lost), deals closed in the window
    sales_cycle: Duration  # sales-ready -> won, deals won in the window
    qualified_vs_plan: Rate  # qualified (-> opportunity) in the window / plan for the window
    stuck: dict[str, list[StuckLead]] = field(default_factory=dict)  # open stage -> 5 longest

    def conversion(self, step: str) -> float | None:
        """The share of the step before `step` that reached `step` in the window."""
        at = FUNNEL_STEPS.index(step)
        if at == 0:
            return None
        before = self.funnel.get(FUNNEL_STEPS[at - 1], 0)
        return self.funnel.get(step, 0) / before if before else None
