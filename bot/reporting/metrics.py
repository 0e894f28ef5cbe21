"""Every funnel figure, defined once: which events it counts (below) and how they combine.

docs/metrics.md words each definition for people; the weekly digest, `/lead report` and the
export all get their figures from `compute_report`. The SQL is store/metrics.py's: it is handed
the `EventMatch`es defined here and aggregates the event history in the database, so a week's
figures are the same whenever they are computed (only `stuck` is a snapshot at `now`).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.events import EventKind
from bot.core.moves import CONNECTED
from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.reporting.report import (
    FUNNEL_STEPS,
    Duration,
    FunnelReport,
    Rate,
    Reason,
    RepFigures,
    StuckLead,
    Window,
)
from bot.reporting.windows import previous as previous
from bot.reporting.windows import weeks_in
from bot.reporting.windows import window_for_week as window_for_week
from store.eventscope import EventMatch, Scope
from store.metrics import (
    attempts_before_outcome,
    count_by_data,
    count_leads,
    events_before,
    followed_by,
    longest_in_stage,
    prepare_report,
    top_reasons,
)
from store.spreads import Spread, data_spread, time_since_spread

_MOVE = EventKind.STAGE_CHANGED
#: Stages a lead is qualified from: a move to opportunity from these is a qualification (a
#: reopened deal coming back from on hold or lost is not a new one).
BEFORE_THE_DEAL = frozenset({Stage.NEW, Stage.NURTURE, Stage.SALES_READY, Stage.WORKING})
#: A move back to nurture from any of these is a recycle (sales hands the lead back).
HANDED_BACK_FROM = frozenset(Stage) - {Stage.NEW, Stage.NURTURE}
#: The stages whose longest-waiting leads the report lists.
OPEN_STAGES = (Stage.SALES_READY, Stage.WORKING, Stage.OPPORTUNITY, Stage.ON_HOLD)
TOP = 5  # reasons per move, stuck leads per stage

CAPTURED = EventMatch(EventKind.CAPTURED)
#: Marketing-qualified: out of `new` into nurture, or straight on to sales-ready (a lead over
#: the threshold at capture is an MQL made SQL at once).
BECAME_MQL = EventMatch(
    _MOVE,
    from_stages=frozenset({Stage.NEW}),
    to_stages=frozenset({Stage.NURTURE, Stage.SALES_READY}),
)
BECAME_SALES_READY = EventMatch(_MOVE, to_stages=frozenset({Stage.SALES_READY}))
CLAIMED = EventMatch(EventKind.CLAIMED)
CLAIMED_WITHIN_SLA = EventMatch(EventKind.CLAIMED, data=(("within_sla", True),))
QUALIFIED = EventMatch(_MOVE, from_stages=BEFORE_THE_DEAL, to_stages=frozenset({Stage.OPPORTUNITY}))
WON = EventMatch(_MOVE, to_stages=frozenset({Stage.WON}))
LOST = EventMatch(_MOVE, to_stages=frozenset({Stage.LOST}))
DISQUALIFIED = EventMatch(_MOVE, to_stages=frozenset({Stage.DISQUALIFIED}))
RECYCLED = EventMatch(_MOVE, from_stages=HANDED_BACK_FROM, to_stages=frozenset({Stage.NURTURE}))
ATTEMPT = EventMatch(EventKind.ATTEMPT)
CONNECT = EventMatch(EventKind.ATTEMPT, data_in=("outcome", CONNECTED))
NURTURE_TOUCH = EventMatch(EventKind.NURTURE_TOUCH)
#: An SLA breach: the sweep reminded the lead's owner (its `recipient`).
OWNER_REMINDED = EventMatch(EventKind.NUDGED, data=(("to", "owner"),))
#: The sweep told the manager or the admins about a lead; `owner` is whose lead it was.
ESCALATED = EventMatch(EventKind.ESCALATED)

#: The funnel's steps: a lead reaches a step in the window when it has such an event there.
FUNNEL: dict[str, EventMatch] = {
    "new": CAPTURED,
    "nurture": BECAME_MQL,
    "sales_ready": BECAME_SALES_READY,
    "claimed": CLAIMED,
    "opportunity": QUALIFIED,
    "won": WON,
}
#: The reasons the report ranks, by the move that records them.
REASONS: dict[str, EventMatch] = {
    "disqualify": DISQUALIFIED,
    "recycle": RECYCLED,
    "lost": LOST,
}


def compute_report(
    *, session: Session, playbook: Playbook, window: Window, team: str | None, now: datetime
) -> FunnelReport:
    """The figures of `team` (None: the whole company) over `window`, from the event history."""
    scope = Scope(start=window.start, end=window.end, team=team)
    prepare_report(session=session)
    counts = count_leads(session=session, scope=scope, matches={**FUNNEL, "lost": LOST})
    followed = followed_by(
        session=session, scope=scope, first=BECAME_SALES_READY, then=CLAIMED_WITHIN_SLA
    )
    attempts = attempts_before_outcome(
        session=session, scope=scope, attempt=ATTEMPT, connect=CONNECT, end=RECYCLED
    )
    touches = events_before(
        session=session, scope=scope, anchor=BECAME_SALES_READY, counted=NURTURE_TOUCH
    )
    reasons = top_reasons(session=session, scope=scope, matches=REASONS, limit=TOP)
    return FunnelReport(
        window=window,
        team=team,
        leads_in_by_source=count_by_data(
            session=session, scope=scope, match=CAPTURED, key="source"
        ),
        funnel={step: counts[step] for step in FUNNEL_STEPS},
        speed_to_lead=_duration(
            data_spread(session=session, scope=scope, match=CLAIMED, key="speed_to_lead_seconds")
        ),
        follow_up=Rate(numerator=followed, denominator=counts["sales_ready"]),
        breaches_by_rep=_reps(session, scope),
        attempts_before_outcome=attempts.value,
        top_reasons={
            move: [Reason(reason=r, count=n) for r, n in ranked] for move, ranked in reasons.items()
        },
        nurture_touches_before_sales_ready=touches.value,
        win_rate=Rate(numerator=counts["won"], denominator=counts["won"] + counts["lost"]),
        sales_cycle=_duration(
            time_since_spread(session=session, scope=scope, match=WON, since=BECAME_SALES_READY)
        ),
        qualified_vs_plan=Rate(
            numerator=counts["opportunity"], denominator=planned(playbook, window, team)
        ),
        stuck=stuck_leads(session=session, team=team, now=now),
    )


def planned(playbook: Playbook, window: Window, team: str | None) -> int:
    """Qualified leads the plan promises over the window: `plan.qualified_per_week` × the
    window's weeks, rounded (half up). The plan is the company's: 0 for a team, or no plan."""
    if playbook.plan is None or team is not None:
        return 0
    return int(playbook.plan.qualified_per_week * weeks_in(window) + 0.5)


def stuck_leads(*, session: Session, team: str | None, now: datetime) -> dict[str, list[StuckLead]]:
    """The leads longest in each open stage as of `now` (a snapshot), oldest first."""
    stuck: dict[str, list[StuckLead]] = {stage.value: [] for stage in OPEN_STAGES}
    rows = longest_in_stage(session=session, stages=OPEN_STAGES, team=team, now=now, limit=TOP)
    for row in rows:
        stuck[row.stage].append(
            StuckLead(
                lead_id=row.lead_id,
                name=row.name,
                stage=Stage(row.stage),
                owner_id=row.owner_id,
                since=row.since,
                card_channel=row.card_channel,
                card_ts=row.card_ts,
            )  # fmt: skip
        )
    return stuck


def _reps(session: Session, scope: Scope) -> list[RepFigures]:
    """Each rep's reminders (SLA breaches) and escalations, by user id: a rep who has left
    the playbook still has their record. Most first, then by id."""
    breaches = count_by_data(session=session, scope=scope, match=OWNER_REMINDED, key="recipient")
    escalations = count_by_data(session=session, scope=scope, match=ESCALATED, key="owner")
    reps = [
        RepFigures(user_id=u, breaches=breaches.get(u, 0), escalations=escalations.get(u, 0))
        for u in breaches.keys() | escalations.keys()
    ]
    return sorted(reps, key=lambda r: (-(r.breaches + r.escalations), r.user_id))


def _duration(spread: Spread) -> Duration:
    return Duration(count=spread.count, median=spread.median, p90=spread.p90)
