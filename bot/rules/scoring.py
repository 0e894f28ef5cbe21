"""Qualification: a lead's score is fit (who they are) plus engagement (what they did lately)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import log2
from typing import Any

from bot.core.errors import FieldError, InvalidLead
from bot.playbook.fields import option_key
from bot.playbook.model import Scoring

#: Answers to "is there a compelling event?" that mean there is none.
NO_EVENT = frozenset({"", "no", "none", "false", "n/a", "na", "-"})
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class FitAnswers:
    """What the lead told us (or we derived) about budget, authority, timing and size."""

    budget: str = ""
    authority: str = ""
    timeframe: str = ""
    compelling_event: str = ""
    company_size: int | None = None


@dataclass(frozen=True)
class Touch:
    """One engagement event with the points it earned when it happened."""

    type: str
    points: float
    at: datetime


@dataclass(frozen=True)
class Reason:
    """One line of 'why this score', as a person reads it on the lead card."""

    label: str
    points: float


@dataclass(frozen=True)
class Score:
    """A lead's score with its parts; `reasons` are kept biggest first."""

    total: float
    fit: float
    engagement: float
    reasons: tuple[Reason, ...] = field(default=())

    def __post_init__(self) -> None:
        # Biggest first whoever built it, so top(n) and equality do not depend on input order.
        ordered = tuple(sorted(self.reasons, key=lambda r: -r.points))
        object.__setattr__(self, "reasons", ordered)

    def top(self, n: int) -> tuple[Reason, ...]:
        """The `n` reasons that added the most points."""
        return self.reasons[:n]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form for the lead's score_reasons column."""
        return {
            "total": self.total,
            "fit": self.fit,
            "engagement": self.engagement,
            "reasons": [{"label": r.label, "points": r.points} for r in self.reasons],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Score:
        """Read back what `as_dict` stored."""
        return cls(
            total=float(data.get("total", 0.0)),
            fit=float(data.get("fit", 0.0)),
            engagement=float(data.get("engagement", 0.0)),
            reasons=tuple(
                Reason(label=str(r["label"]), points=float(r["points"]))
                for r in data.get("reasons", ())
            ),
        )


def _words(key: str) -> str:
    return key.replace("_", " ")


def _label(key: str) -> str:
    """'page_view' -> 'Page view'."""
    words = _words(key)
    return words[:1].upper() + words[1:]


def _event_key(text: str, options: Mapping[str, float]) -> str:
    """The compelling_event option an answer picks; any real event description means 'yes'."""
    key = option_key(text)
    if key in options:
        return key
    return "no" if key in NO_EVENT else "yes"


def fit_score(answers: FitAnswers, scoring: Scoring) -> tuple[float, list[Reason]]:
    """Points for budget, authority, timeframe, compelling event and company size."""
    weights = scoring.fit
    reasons: list[Reason] = []

    def pick(answer: str, options: Mapping[str, float], label: str) -> None:
        points = options.get(option_key(answer)) if answer.strip() else None
        # An answer the playbook does not list scores nothing rather than failing intake.
        if points:
            reasons.append(Reason(label, points))

    budget, authority, timeframe = (
        option_key(a) for a in (answers.budget, answers.authority, answers.timeframe)
    )
    pick(answers.budget, weights.budget, f"Budget: {_words(budget)}")
    pick(answers.authority, weights.authority, _label(authority))
    pick(answers.timeframe, weights.timeframe, f"Timeframe: {_words(timeframe)}")
    event = answers.compelling_event.strip()
    if event:
        options = weights.compelling_event
        pick(_event_key(event, options), options, "Compelling event")
    size = answers.company_size
    if size is not None:
        for band in sorted(weights.company_size, key=lambda b: b.min, reverse=True):
            if size >= band.min:
                if band.points:
                    reasons.append(Reason(f"Company size {size:,}", band.points))
                break
    return sum(r.points for r in reasons), reasons


def decayed(points: float, at: datetime, now: datetime, half_life_days: float) -> float:
    """Points halved for every `half_life_days` since `at`; a future `at` counts as now."""
    age_days = max(0.0, (now - at).total_seconds() / SECONDS_PER_DAY)
    return points * 0.5 ** (age_days / half_life_days)


def engagement_score(
    touches: Iterable[Touch], scoring: Scoring, now: datetime
) -> tuple[float, list[Reason]]:
    """Decayed engagement points, with one reason per event type ('Page view ×12')."""
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    for touch in touches:
        key = option_key(touch.type)
        value = decayed(touch.points, touch.at, now, scoring.engagement_half_life_days)
        totals[key] = totals.get(key, 0.0) + value
        counts[key] = counts.get(key, 0) + 1
    reasons = []
    for key, value in totals.items():
        label = _label(key) + (f" ×{counts[key]}" if counts[key] > 1 else "")
        points = round(value, 1)
        # Long-decayed activity explains nothing on the card.
        if points:
            reasons.append(Reason(label, points))
    return round(sum(totals.values()), 1), reasons


def score_lead(
    *, answers: FitAnswers, touches: Iterable[Touch], scoring: Scoring, now: datetime
) -> Score:
    """The lead's score now: fit plus decayed engagement, with the reasons behind it."""
    fit, fit_reasons = fit_score(answers, scoring)
    engagement, engagement_reasons = engagement_score(touches, scoring, now)
    return Score(
        total=round(fit + engagement, 1),
        fit=round(fit, 1),
        engagement=engagement,
        reasons=(*fit_reasons, *engagement_reasons),
    )


#: Marketing's own touch of a nurtured lead (an e-mail, a call): always a known event type, worth
#: what the playbook's engagement gives `touch` (nothing if it does not list it).
NURTURE_TOUCH = "touch"


def event_types(scoring: Scoring) -> list[str]:
    """The event types `POST /api/events` takes: the playbook's, and `touch`."""
    return [*scoring.engagement, *([] if NURTURE_TOUCH in scoring.engagement else [NURTURE_TOUCH])]


def engagement_points(scoring: Scoring, event_type: str) -> float:
    """The points the playbook gives an event type; InvalidLead names the known types."""
    key = option_key(event_type)
    if key == NURTURE_TOUCH:
        return scoring.engagement.get(key, 0.0)
    if key not in scoring.engagement:
        known = ", ".join(sorted(scoring.engagement)) or "none"
        raise InvalidLead(
            [FieldError("type", f"unknown event type '{event_type}'; the playbook knows: {known}")]
        )
    return scoring.engagement[key]


def is_sales_ready(score: Score, scoring: Scoring) -> bool:
    """Whether the score reached the playbook's sales-ready threshold."""
    return score.total >= scoring.threshold


#: Scores are rounded to a tenth before they are compared with the threshold, so the rounded
#: score changes sides when the exact one passes the threshold less 0.05, either way. Floating
#: point (or weights with two decimals) can put that a little further: the crossing is timed at
#: the first of these distances past that point whose rounded score is across.
ROUNDING_EDGE = 0.05
PAST_THE_EDGE = (0.0, 0.05, 0.1)


def threshold_crossing(
    *, answers: FitAnswers, touches: Iterable[Touch], scoring: Scoring, now: datetime
) -> datetime | None:
    """When the score, with no new touches, next crosses the threshold (down if it is at or
    above it now, up if below); None if it never will.

    Once the last touch is past (at `start`), engagement is E·2^(-d/h) d days later, E being the
    engagement at `start` and h the half-life: one exponential, whatever the touches' points and
    signs. So the score fit + E·2^(-d/h) meets a target T when 2^(-d/h) = (T - fit) / E, that is
    d = -h·log2((T - fit) / E), which exists only when that ratio lies strictly between 0 and 1.
    """
    touches = list(touches)
    if not touches:
        return None
    fit, _ = fit_score(answers, scoring)
    half_life = scoring.engagement_half_life_days
    start = max(now, *(t.at for t in touches))
    engagement = sum(decayed(t.points, t.at, start, half_life) for t in touches)

    def ready(at: datetime) -> bool:
        score = score_lead(answers=answers, touches=touches, scoring=scoring, now=at)
        return is_sales_ready(score, scoring)

    above = ready(now)
    edge, way = scoring.threshold - ROUNDING_EDGE, -1 if above else 1
    at = start
    for past in PAST_THE_EDGE:
        target = edge + way * past
        ratio = (target - fit) / engagement if engagement else 0.0
        if not 0.0 < ratio < 1.0:
            return None  # fit alone keeps it on this side, or engagement pushes it away
        at = start + timedelta(days=-half_life * log2(ratio))
        if ready(at) != above:
            break
    return at
