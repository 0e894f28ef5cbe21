"""A rep's open leads, counted up to what a cap needs."""

from __future__ import annotations

from sqlmodel import Session

from bot.core.stages import Stage
from store.leads import count_open_leads_by_owner
from tests.factories import make_lead

OPEN = [Stage.WORKING.value, Stage.OPPORTUNITY.value, Stage.ON_HOLD.value]


def test_open_leads_are_counted_up_to_the_limit(session: Session) -> None:
    for stage in (Stage.WORKING, Stage.WORKING, Stage.OPPORTUNITY, Stage.ON_HOLD, Stage.WON):
        make_lead(session, stage=stage, owner_id="U0REPEMEA1")
    make_lead(session, stage=Stage.WORKING, owner_id="U0REPEMEA2")
    session.commit()
    reps = ["U0REPEMEA1", "U0REPEMEA2", "U0REPAMER1"]
    counted = count_open_leads_by_owner(session=session, owner_ids=reps, stages=OPEN, at_most=10)
    assert counted == {"U0REPEMEA1": 4, "U0REPEMEA2": 1, "U0REPAMER1": 0}
    capped = count_open_leads_by_owner(session=session, owner_ids=reps, stages=OPEN, at_most=3)
    assert capped == {"U0REPEMEA1": 3, "U0REPEMEA2": 1, "U0REPAMER1": 0}
