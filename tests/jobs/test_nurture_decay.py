"""The nurture job's decay: a lead whose fading engagement crosses the threshold moves, at the
time worked out from the half-life, and not before; a claimed lead is never taken from its rep."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.events import EventKind
from bot.core.moves import Move
from bot.core.stages import Stage
from bot.intake.capture import capture_lead, parse_lead, record_engagement
from bot.playbook.model import Playbook
from bot.pursuit.moves import MoveRequest, apply_move
from bot.testkit.fakeslack import FakeSlack
from jobs.nurture import NurtureResult, run_nurture
from jobs.outbox import deliver_outbox
from store.db import session_factory, session_scope
from store.leads import lead_history
from store.models import Lead, LeadEvent, OutboxMessage
from tests.concurrency import at_once
from tests.conftest import empty_tables
from tests.factories import WARM, make_lead, reread

REP = "U0REPEMEA1"
EMEA, MARKETING = "C0EMEA0001", "C0MKTG0001"
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
#: By hand: fit 40 + engagement 25 = 65, threshold 60, half-life 14 days. Scores compare rounded
#: to a tenth, so it is below 60 once 40 + 25·2^(-d/14) < 59.95: 2^(-d/14) = 19.95/25,
#: d = 14·log2(25/19.95) = 14 × 0.325540 = 4.55755 days = 4 d 13 h 22 min 52.4 s.
CROSSING = T0 + timedelta(days=4, hours=13, minutes=22, seconds=52.4)


def warm_lead_at_65(session: Session, playbook: Playbook) -> Lead:
    """Through intake: fit 40 (nurtured), a trial signup (+20: sales-ready at 60) and a
    download (+5), all at T0; committed."""
    lead = capture_lead(session=session, data=parse_lead(WARM, playbook), playbook=playbook,
                        now=T0, actor="api", default_source="web_form").lead  # fmt: skip
    for event in ("trial_signup", "content_download"):
        lead, _ = record_engagement(session=session, lead_id=lead.id, email=None, event_type=event,
                                    at=None, playbook=playbook, now=T0)  # fmt: skip
    session.commit()
    assert (lead.stage, lead.score) == (Stage.SALES_READY, 65)
    return lead


def nurture(engine: Engine, playbook: Playbook, now: datetime, **kw: bool) -> NurtureResult:
    return run_nurture(session_factory=session_factory(engine), playbook=playbook, now=now, **kw)


def with_scoring(playbook: Playbook, **changes: object) -> Playbook:
    return playbook.model_copy(update={"scoring": playbook.scoring.model_copy(update=changes)})


def scored(session: Session, lead: Lead) -> list[dict[str, object]]:
    assert lead.id is not None
    events = lead_history(session=session, lead_id=lead.id)
    session.commit()
    return [dict(e.data) for e in events if e.kind == EventKind.SCORED]


def outbox(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    rows = list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())
    session.commit()
    return rows


def test_intake_sets_when_the_decaying_score_crosses_the_threshold(
    session: Session, playbook: Playbook
) -> None:
    lead = warm_lead_at_65(session, playbook)
    assert lead.rescore_at is not None
    assert abs(lead.rescore_at - CROSSING) < timedelta(seconds=1)
    exact = T0 + timedelta(days=14 * math.log2(25 / 19.95))
    assert abs(lead.rescore_at - exact) < timedelta(milliseconds=1)


def test_the_job_moves_an_unclaimed_lead_back_to_marketing_then_and_not_before(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead = warm_lead_at_65(session, playbook)
    rescore_at = reread(session, lead).rescore_at
    session.commit()
    assert rescore_at is not None
    assert nurture(engine, playbook, rescore_at - timedelta(minutes=1)) == NurtureResult()
    assert reread(session, lead).stage == Stage.SALES_READY
    session.commit()
    done = nurture(engine, playbook, rescore_at)
    assert (done.rescored, done.to_marketing) == (1, 1)
    after = reread(session, lead)
    session.commit()
    assert (after.stage, after.owner_id, after.rescore_at, after.due_at) == (
        Stage.NURTURE, None, None, None
    )  # fmt: skip
    assert after.score == 59.9
    [event] = scored(session, lead)
    assert event == {"score": after.score, "previous": 65.0, "threshold": 60.0}
    assert nurture(engine, playbook, rescore_at + timedelta(days=60)) == NurtureResult()


def test_the_move_back_edits_the_card_tells_its_thread_and_marketing(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.url)
        factory = session_factory(engine)
        lead = warm_lead_at_65(session, playbook)
        deliver_outbox(session_factory=factory, client=client, now=T0)
        an_hour_later = CROSSING + timedelta(hours=1)  # 25·2^(-(4.5576 + 1/24)/14) = 19.91
        nurture(engine, playbook, an_hour_later)
        deliver_outbox(session_factory=factory, client=client, now=an_hour_later)
        [card] = fake.messages(EMEA)
        assert card.edits == 1
        shown = str(card.blocks)
        assert "Back with marketing (nurture)" in shown and "score 59.9 is below" in shown
        assert "'action_id': 'lead.claim'" not in shown  # nobody can claim it now
        [line] = fake.replies(EMEA, card.ts)
        assert line.text == (
            "Back to marketing: score 59.9 fell below the threshold 60 before anyone claimed it "
            "(interest decayed)"
        )
        [notice] = fake.messages(MARKETING)
        assert notice.text.startswith(f"*Lead #{lead.id}* (")
        assert "is back with marketing: its score 59.9 fell below the threshold 60" in notice.text


def test_a_claimed_lead_is_never_taken_from_its_rep(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead = warm_lead_at_65(session, playbook)
    assert lead.id is not None
    claim = MoveRequest(move=Move.CLAIM, lead_id=lead.id, actor=REP)
    apply_move(session=session, request=claim, playbook=playbook, now=T0 + timedelta(hours=1))
    session.commit()
    assert reread(session, lead).rescore_at is None  # the claim ended what decay could do
    session.commit()
    assert nurture(engine, playbook, T0 + timedelta(days=90)) == NurtureResult()
    assert reread(session, lead).stage == Stage.WORKING
    session.commit()
    assert scored(session, lead) == []


def test_a_claimed_lead_with_a_stale_rescore_time_is_left_as_it_is(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead = make_lead(session, at=T0, stage=Stage.WORKING, owner_id=REP, rescore_at=T0)
    session.commit()
    before = len(outbox(session))
    done = nurture(engine, playbook, T0 + timedelta(days=1))
    assert (done.looked_at, done.rescored) == (1, 0)
    after = reread(session, lead)
    session.commit()
    assert (after.stage, after.owner_id, after.score, after.rescore_at) == (
        Stage.WORKING, REP, 72.0, None
    )  # fmt: skip
    assert scored(session, lead) == [] and len(outbox(session)) == before


def test_with_on_decay_keep_the_lead_stays_with_sales_rescored(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    keep = with_scoring(playbook, on_decay="keep")
    lead = warm_lead_at_65(session, keep)
    done = nurture(engine, keep, CROSSING)
    assert (done.rescored, done.to_marketing) == (1, 0)
    after = reread(session, lead)
    session.commit()
    assert (after.stage, after.rescore_at) == (Stage.SALES_READY, None) and after.score < 60
    assert [e["score"] for e in scored(session, lead)] == [after.score]
    assert outbox(session)[-1].kind == "post_card"  # its unsent card shows the new score
    assert f"Score {after.score:g}*" in str(outbox(session)[-1].payload["blocks"])


def test_a_nurtured_lead_crossing_upwards_goes_to_sales_when_it_does(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    # Negative points decay too: fit 70, an unsubscribe at -30 gives 40. The score climbs back
    # to 60 (59.95, rounded) when 70 - 30·2^(-d/14) = 59.95: d = 14·log2(30/10.05) = 22.08874
    # days = 22 d 2 h 7 min 47.0 s.
    engagement = {**playbook.scoring.engagement, "unsubscribed": -30.0}
    book = with_scoring(playbook, engagement=engagement)
    lead = make_lead(session, at=T0, stage=Stage.NURTURE, team=None, sales_ready_at=None,
                     budget="approved", authority="decision_maker", timeframe="this_quarter",
                     compelling_event="yes", score=70.0)  # fmt: skip
    lead, _ = record_engagement(session=session, lead_id=lead.id, email=None, now=T0,
                                event_type="unsubscribed", at=None, playbook=book)  # fmt: skip
    session.commit()
    assert (lead.stage, lead.score) == (Stage.NURTURE, 40.0)
    up = T0 + timedelta(days=22, hours=2, minutes=7, seconds=47.0)
    assert lead.rescore_at is not None and abs(lead.rescore_at - up) < timedelta(seconds=1)
    assert nurture(engine, book, up - timedelta(minutes=1)) == NurtureResult()
    done = nurture(engine, book, lead.rescore_at)
    assert (done.rescored, done.to_sales) == (1, 1)
    after = reread(session, lead)
    session.commit()
    assert (after.stage, after.team, after.score) == (Stage.SALES_READY, "emea", 60)
    assert after.rescore_at is None  # sales-ready now, climbing further: nothing to wait for


def test_a_lowered_threshold_brings_nurtured_leads_to_sales_at_the_catch_up(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead = capture_lead(session=session, data=parse_lead(WARM, playbook), playbook=playbook,
                        now=T0, actor="api", default_source="web_form").lead  # fmt: skip
    recycled = make_lead(session, at=T0, score=72.0)
    assert recycled.id is not None
    for request in (
        MoveRequest(move=Move.CLAIM, lead_id=recycled.id, actor=REP),
        MoveRequest(move=Move.RECYCLE, lead_id=recycled.id, actor=REP, reason="not now"),
    ):
        apply_move(session=session, request=request, playbook=playbook, now=T0)
    session.commit()
    assert (lead.stage, lead.score) == (Stage.NURTURE, 40.0)
    lowered = playbook.model_copy(
        update={"scoring": playbook.scoring.model_copy(update={"threshold": 35.0})}
    )
    later = T0 + timedelta(days=1)
    assert nurture(engine, lowered, later).to_sales == 0  # a regular run selects by time only
    done = nurture(engine, lowered, later, catch_up_scores=True)
    assert done.to_sales == 1
    assert reread(session, lead).stage == Stage.SALES_READY
    # The rep said "not now": a recycled lead waits for its revisit date, whatever its score.
    assert reread(session, recycled).stage == Stage.NURTURE
    session.commit()
    assert nurture(engine, lowered, later, catch_up_scores=True).to_sales == 0


def test_a_raised_threshold_sends_unclaimed_leads_back_at_the_catch_up(
    engine: Engine, session: Session, playbook: Playbook
) -> None:
    lead = warm_lead_at_65(session, playbook)
    raised = with_scoring(playbook, threshold=70.0)
    done = nurture(engine, raised, T0 + timedelta(hours=1), catch_up_scores=True)
    assert done.to_marketing == 1
    assert reread(session, lead).stage == Stage.NURTURE
    session.commit()
    assert scored(session, lead) == []  # the catch-up records the move, not every look


def test_a_lead_handed_over_on_fit_alone_has_no_rescore_time(
    session: Session, playbook: Playbook
) -> None:
    hot = {**WARM, "email": "greta@bigcorp-industries.de", "budget": "approved",
           "timeframe": "this quarter", "compelling_event": "yes"}  # fmt: skip
    lead = capture_lead(session=session, data=parse_lead(hot, playbook), playbook=playbook,
                        now=T0, actor="api", default_source="web_form").lead  # fmt: skip
    assert lead.stage == Stage.SALES_READY and lead.rescore_at is None  # fit does not decay
    session.rollback()


def test_a_fast_tracked_lead_does_not_decay(session: Session, playbook: Playbook) -> None:
    fast = {**WARM, "fast_track": True}
    lead = capture_lead(session=session, data=parse_lead(fast, playbook), playbook=playbook,
                        now=T0, actor="api", default_source="web_form").lead  # fmt: skip
    lead, _ = record_engagement(session=session, lead_id=lead.id, email=None, now=T0,
                                event_type="trial_signup", at=None, playbook=playbook)  # fmt: skip
    assert lead.stage == Stage.SALES_READY and lead.rescore_at is None
    session.rollback()


def test_two_sweepers_at_once_rescore_each_lead_exactly_once(
    postgres_engine: Engine, playbook: Playbook
) -> None:
    empty_tables(postgres_engine)
    factory = session_factory(postgres_engine)
    with session_scope(factory) as session:
        for _ in range(30):  # unclaimed, no touches left: fit alone is far below 60
            make_lead(session, at=T0, rescore_at=T0 + timedelta(days=1))
    done, errors = at_once(
        lambda: run_nurture(session_factory=factory, playbook=playbook, now=T0 + timedelta(days=1))
    )
    try:
        assert errors == [] and sum(d.to_marketing for d in done) == 30
        with session_scope(factory) as session:
            events = session.exec(select(LeadEvent).where(LeadEvent.kind == EventKind.SCORED))
            notices = session.exec(
                select(OutboxMessage).where(OutboxMessage.channel == MARKETING)
            ).all()
            assert len(events.all()) == 30 and len(notices) == 30
            assert {lead.stage for lead in session.exec(select(Lead)).all()} == {Stage.NURTURE}
    finally:
        empty_tables(postgres_engine)


def test_a_new_touch_puts_the_crossing_off(session: Session, playbook: Playbook) -> None:
    lead = warm_lead_at_65(session, playbook)
    later = T0 + timedelta(days=2)
    lead, _ = record_engagement(
        session=session,
        lead_id=lead.id,
        email=None,
        at=None,
        event_type="pricing_page_view",
        playbook=playbook,
        now=later,
    )
    # Two days on, 25·2^(-2/14) + 5 = 22.643 + 5 = 27.643; below 19.95 after
    # 14·log2(27.643/19.95) = 6.5874 more days: 8.5874 days after T0, not 4.5576.
    assert lead.rescore_at is not None
    assert abs(lead.rescore_at - (T0 + timedelta(days=8.5874))) < timedelta(seconds=10)
    session.rollback()
