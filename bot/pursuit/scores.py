"""A stored lead's score now, and when the nurture job should look at it again (`rescore_at`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.rules.scoring import (
    FitAnswers,
    Score,
    Touch,
    is_sales_ready,
    score_lead,
    threshold_crossing,
)
from bot.rules.scrub import Seniority, authority_for
from store.leads import lead_engagements
from store.models import Lead

#: A rescore is never due sooner than this after the last one: the job that set it cannot
#: select the lead again in the same run, whatever floating point makes of the crossing time.
SOONEST_RESCORE = timedelta(minutes=1)


def lead_touches(*, session: Session, lead: Lead) -> list[Touch]:
    """The lead's engagement touches, oldest first."""
    assert lead.id is not None
    return [
        Touch(type=t.type, points=t.points, at=t.at)
        for t in lead_engagements(session=session, lead_id=lead.id)
    ]


def fit_answers(lead: Lead) -> FitAnswers:
    """What the lead told us, as scoring reads it."""
    return FitAnswers(
        budget=lead.budget,
        # An answered authority question beats what the job title suggests.
        authority=lead.authority or authority_for(Seniority(lead.seniority or "unknown")),
        timeframe=lead.timeframe,
        compelling_event=lead.compelling_event,
        company_size=lead.company_size,
    )


def score_now(lead: Lead, touches: list[Touch], playbook: Playbook, now: datetime) -> Score:
    """Fit plus engagement decayed to `now`."""
    return score_lead(answers=fit_answers(lead), touches=touches, scoring=playbook.scoring, now=now)


def set_score(lead: Lead, score: Score) -> None:
    """Store the score on the lead (the caller saves it)."""
    lead.score, lead.fit_score, lead.score_reasons = score.total, score.fit, score.as_dict()


def rescore_time(
    lead: Lead, score: Score, touches: list[Touch], playbook: Playbook, now: datetime
) -> datetime | None:
    """When the lead's decaying engagement takes its score across the threshold, for the leads
    where that moves them: an unclaimed sales-ready lead that is sales-ready by its score (down,
    back to marketing) and a nurtured one below it (up, to sales: only negative points can
    decay upwards). None for every other lead: claimed, fast-tracked, closed, or never crossing.
    """
    if lead.fast_tracked:
        return None  # marketing's exception does not hang on the score
    ready = is_sales_ready(score, playbook.scoring)
    unclaimed = lead.stage == Stage.SALES_READY and lead.owner_id is None
    if not ((unclaimed and ready) or (lead.stage == Stage.NURTURE and not ready)):
        return None
    at = threshold_crossing(
        answers=fit_answers(lead), touches=touches, scoring=playbook.scoring, now=now
    )
    return None if at is None else max(at, now + SOONEST_RESCORE)
