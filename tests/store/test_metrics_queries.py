"""store/metrics.py: the same medians, percentiles, rankings and snapshots on both databases."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from bot.core.events import EventKind
from bot.core.stages import Stage
from store.eventscope import EventMatch, Scope
from store.leads import add_event
from store.metrics import longest_in_stage, top_reasons
from store.spreads import data_spread, time_since_spread
from tests.factories import make_lead

START = datetime(2026, 11, 16, tzinfo=UTC)
SCOPE = Scope(start=START, end=START + timedelta(days=7))
CLAIMED = EventMatch(EventKind.CLAIMED)


def claims(session: Session, waits: list[float]) -> None:
    lead = make_lead(session)
    assert lead.id is not None
    for n, wait in enumerate(waits):
        add_event(session=session, lead_id=lead.id, at=START + timedelta(minutes=n),
                  kind=EventKind.CLAIMED, actor="U1",
                  data={"speed_to_lead_seconds": wait})  # fmt: skip


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 10, 11, 37])
def test_median_and_p90_are_interpolated_as_percentile_cont(session: Session, count: int) -> None:
    rng = random.Random(count)
    waits = [float(rng.randrange(1, 100_000)) for _ in range(count)]
    claims(session, waits)

    spread = data_spread(session=session, scope=SCOPE, match=CLAIMED, key="speed_to_lead_seconds")

    assert spread.count == count
    assert spread.median == pytest.approx(statistics.median(waits))
    # The "inclusive" method is percentile_cont's linear interpolation.
    p90 = statistics.quantiles(waits, n=10, method="inclusive")[-1] if count > 1 else waits[0]
    assert spread.p90 == pytest.approx(p90)
    if session.get_bind().dialect.name == "postgresql":
        cont = session.execute(
            text(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY w), "
                "percentile_cont(0.9) WITHIN GROUP (ORDER BY w) FROM unnest(:waits) AS w"
            ),
            {"waits": waits},
        ).one()
        assert (spread.median, spread.p90) == pytest.approx(tuple(cont))


def test_a_spread_of_nothing_is_none(session: Session) -> None:
    spread = data_spread(session=session, scope=SCOPE, match=CLAIMED, key="speed_to_lead_seconds")
    assert (spread.count, spread.median, spread.p90) == (0, None, None)


def test_time_since_is_exact_to_the_microsecond_on_both_databases(session: Session) -> None:
    lead = make_lead(session)
    assert lead.id is not None
    ready = START + timedelta(hours=1, microseconds=250_000)
    won = ready + timedelta(days=40, seconds=7, microseconds=500_123)
    for at, to in ((ready, Stage.SALES_READY), (won, Stage.WON)):
        add_event(session=session, lead_id=lead.id, at=at, kind=EventKind.STAGE_CHANGED,
                  actor="U1", to_stage=to)  # fmt: skip
    spread = time_since_spread(
        session=session, scope=Scope(start=START, end=won + timedelta(seconds=1)),
        match=EventMatch(EventKind.STAGE_CHANGED, to_stages=frozenset({Stage.WON})),
        since=EventMatch(EventKind.STAGE_CHANGED, to_stages=frozenset({Stage.SALES_READY})),
    )  # fmt: skip
    assert spread.median == ((40 * 86400 + 7) * 1_000_000 + 500_123) / 1_000_000


def test_top_reasons_keep_five_most_first_then_alphabetically(session: Session) -> None:
    lead = make_lead(session)
    assert lead.id is not None
    counts = {"spam": 3, "no need": 2, "no budget": 2, "competitor": 1, "student": 1,
              "wrong person": 1, "": 4}  # fmt: skip
    for reason, n in counts.items():
        for _ in range(n):
            add_event(session=session, lead_id=lead.id, at=START, kind=EventKind.STAGE_CHANGED,
                      actor="U1", to_stage=Stage.DISQUALIFIED, reason=reason)  # fmt: skip
    match = EventMatch(EventKind.STAGE_CHANGED, to_stages=frozenset({Stage.DISQUALIFIED}))

    found = top_reasons(session=session, scope=SCOPE, matches={"disqualify": match}, limit=5)

    assert found == {"disqualify": [("spam", 3), ("no budget", 2), ("no need", 2),
                                    ("competitor", 1), ("student", 1)]}  # fmt: skip


def test_longest_in_stage_gives_five_per_stage_oldest_first_of_one_team(
    session: Session,
) -> None:
    now = START
    ids: dict[str, list[int]] = {"emea": [], "amer": []}
    for hours in range(8, 0, -1):  # entered 8 hours before `now` down to 1 hour before
        for team in ("emea", "amer"):
            lead = make_lead(session, team=team, stage=Stage.WORKING,
                             stage_entered_at=now - timedelta(hours=hours))  # fmt: skip
            assert lead.id is not None
            ids[team].append(lead.id)
    make_lead(session, stage=Stage.WORKING, stage_entered_at=now + timedelta(hours=1))
    make_lead(session, stage=Stage.ON_HOLD, stage_entered_at=now - timedelta(days=9))

    rows = longest_in_stage(session=session, stages=["working", "opportunity"], team="emea",
                            now=now, limit=5)  # fmt: skip

    assert [row.lead_id for row in rows] == ids["emea"][:5]
    assert rows[0].since == now - timedelta(hours=8) and rows[0].stage == "working"
    everyone = longest_in_stage(session=session, stages=["working"], team=None, now=now, limit=3)
    assert [row.lead_id for row in everyone] == [ids["emea"][0], ids["amer"][0], ids["emea"][1]]
