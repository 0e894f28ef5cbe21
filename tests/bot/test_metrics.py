"""The funnel report over a hand-made history (tests/bot/metrics_history.py): every figure is
worked out by hand below, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session

from bot.core.stages import Stage
from bot.playbook.model import Playbook
from bot.reporting.metrics import FUNNEL, compute_report, window_for_week
from bot.reporting.report import FUNNEL_STEPS, Duration, FunnelReport, Rate, Reason, RepFigures
from store.leads import LEAD
from tests.bot.metrics_history import GONE, NOW, REP1, REP2, REP3, History, berlin, nov, seed


def report(session: Session, playbook: Playbook, team: str | None = None) -> FunnelReport:
    window = window_for_week(NOW, playbook)
    return compute_report(session=session, playbook=playbook, window=window, team=team, now=NOW)


@pytest.fixture
def history(session: Session) -> History:
    return seed(session)


def test_the_funnel_definitions_follow_the_funnel_steps() -> None:
    assert tuple(FUNNEL) == FUNNEL_STEPS


def test_the_report_is_of_the_last_full_week_in_berlin(
    history: History, session: Session, playbook: Playbook
) -> None:
    r = report(session, playbook)
    assert (r.window.start, r.window.end) == (nov(16, 0), nov(23, 0))
    assert r.window.label == "week of 16 Nov 2026" and r.team is None


def test_leads_in_by_source_counts_the_captures_of_the_week(
    history: History, session: Session, playbook: Playbook
) -> None:
    # A, E web form; B event; D referral; F phone (Sunday 23:30 is still the week); C in Nov 2.
    expected = {"web_form": 2, "event": 1, "referral": 1, "phone": 1}
    assert report(session, playbook).leads_in_by_source == expected


def test_the_funnel_counts_distinct_leads_reaching_each_step_in_the_week(
    history: History, session: Session, playbook: Playbook
) -> None:
    r = report(session, playbook)
    # new: A B D E F. MQL: the same five (B D F went straight to sales-ready). sales-ready:
    # A B C D F J. claimed: A B C D J (F on Monday 23). qualified: A C. won: A G.
    assert r.funnel == {"new": 5, "nurture": 5, "sales_ready": 6, "claimed": 5,
                        "opportunity": 2, "won": 2}  # fmt: skip
    assert r.conversion("claimed") == pytest.approx(5 / 6)
    assert r.conversion("new") is None


def test_speed_to_lead_is_the_median_and_p90_of_the_weeks_claims(
    history: History, session: Session, playbook: Playbook
) -> None:
    # 600 (C), 1200 (D), 1800 (A), 1800 (J), 14400 (B): p90 at position 3.6 of 0..4.
    assert report(session, playbook).speed_to_lead == Duration(
        count=5, median=1800.0, p90=1800.0 + 0.6 * (14400 - 1800)
    )


def test_follow_up_is_the_share_of_sales_ready_leads_claimed_within_the_sla_that_week(
    history: History, session: Session, playbook: Playbook
) -> None:
    # Of A B C D F J: B was claimed past the SLA, F only the next week.
    r = report(session, playbook)
    assert r.follow_up == Rate(numerator=4, denominator=6)


def test_breaches_and_escalations_are_counted_per_rep_even_one_who_left(
    history: History, session: Session, playbook: Playbook
) -> None:
    # B: REP2 reminded, the manager told about REP2's lead (its channel re-announcement is no
    # rep's); D: GONE reminded; the manager asked to assign D while nobody had it: no rep's.
    assert GONE not in {rep for team in playbook.teams.values() for rep in team.reps}
    assert report(session, playbook).breaches_by_rep == [
        RepFigures(user_id=REP2, breaches=1, escalations=1),
        RepFigures(user_id=GONE, breaches=1, escalations=0),
    ]


def test_attempts_before_connect_or_recycle_count_each_outcome_of_the_week(
    history: History, session: Session, playbook: Playbook
) -> None:
    # A connected at attempt 2 (its later connect is no new outcome), B recycled after 4,
    # C connected at 1, I recycled after 2 (made in October and November), J connected at
    # attempt 2 since its September recycle (the attempt before that is not counted).
    assert report(session, playbook).attempts_before_outcome == pytest.approx(11 / 5)


def test_the_top_reasons_of_disqualify_recycle_and_lost(
    history: History, session: Session, playbook: Playbook
) -> None:
    assert report(session, playbook).top_reasons == {
        "disqualify": [Reason("no budget", 2), Reason("spam", 1)],
        "recycle": [Reason("no response", 1), Reason("not now", 1)],  # J's "timing": September
        "lost": [Reason("no decision", 1), Reason("price", 1)],
    }


def test_nurture_touches_before_sales_ready_since_the_last_time_it_was(
    history: History, session: Session, playbook: Playbook
) -> None:
    # A 3, B 0, C 3 (two in early November), D 0, F 0, J 2 (its October touches, after the
    # September hand-over); E's touch: E is still in nurture.
    assert report(session, playbook).nurture_touches_before_sales_ready == pytest.approx(8 / 6)


def test_win_rate_and_sales_cycle_of_the_deals_closed_that_week(
    history: History, session: Session, playbook: Playbook
) -> None:
    r = report(session, playbook)
    assert r.win_rate == Rate(numerator=2, denominator=4)  # won A G, lost C H
    a = 28 * 3600  # Thursday 11:00 -> Friday 15:00
    g = (48 * 24 + 4) * 3600  # 1 Oct 09:00 CEST (07:00 UTC) -> 18 Nov 12:00 CET (11:00 UTC)
    assert r.sales_cycle == Duration(count=2, median=(a + g) / 2, p90=a + 0.9 * (g - a))


def test_qualified_against_the_plan_of_one_week(
    history: History, session: Session, playbook: Playbook
) -> None:
    assert playbook.plan is not None and playbook.plan.qualified_per_week == 25
    assert report(session, playbook).qualified_vs_plan == Rate(numerator=2, denominator=25)


def test_stuck_lists_the_open_leads_longest_in_their_stage_now(
    history: History, session: Session, playbook: Playbook
) -> None:
    stuck = report(session, playbook).stuck
    ids = {stage: [lead.lead_id for lead in leads] for stage, leads in stuck.items()}
    h = history.ids
    assert ids == {"sales_ready": [], "working": [h["J"], h["F"]], "opportunity": [h["M"]],
                   "on_hold": [h["N"]]}  # fmt: skip
    [m] = stuck["opportunity"]
    assert (m.stage, m.owner_id, m.card_channel, m.card_ts) == (
        Stage.OPPORTUNITY, REP1, "C0EMEA0001", "1790000000.000100",
    )  # fmt: skip
    assert m.name == "Lead M" and m.since == berlin(10, 5, 10)


def test_a_teams_report_counts_only_its_leads(
    history: History, session: Session, playbook: Playbook
) -> None:
    r = report(session, playbook, team="emea")  # A B D G J K M (E has no team yet)
    assert r.team == "emea"
    assert r.leads_in_by_source == {"web_form": 1, "event": 1, "referral": 1}
    assert r.funnel == {"new": 3, "nurture": 3, "sales_ready": 4, "claimed": 4,
                        "opportunity": 1, "won": 2}  # fmt: skip
    assert r.speed_to_lead == Duration(count=4, median=1800.0, p90=1800.0 + 0.7 * 12600)
    assert r.follow_up == Rate(numerator=3, denominator=4)
    assert r.breaches_by_rep == [RepFigures(REP2, 1, 1), RepFigures(GONE, 1, 0)]
    assert r.attempts_before_outcome == pytest.approx(8 / 3)
    assert r.top_reasons == {"disqualify": [Reason("no budget", 1), Reason("spam", 1)],
                             "recycle": [Reason("no response", 1)], "lost": []}  # fmt: skip
    assert r.nurture_touches_before_sales_ready == pytest.approx(5 / 4)
    assert r.win_rate == Rate(numerator=2, denominator=2)
    assert r.qualified_vs_plan == Rate(numerator=1, denominator=0)  # the plan is the company's
    assert [lead.lead_id for lead in r.stuck["working"]] == [history.ids["J"]]
    assert r.stuck["on_hold"] == []


def test_a_team_with_no_leads_has_an_empty_report(
    history: History, session: Session, playbook: Playbook
) -> None:
    assert_empty(report(session, playbook, team="enterprise"), plan=0)


def test_an_empty_week_has_no_figures_and_no_error(session: Session, playbook: Playbook) -> None:
    assert_empty(report(session, playbook), plan=25)


def assert_empty(r: FunnelReport, *, plan: int) -> None:
    assert r.leads_in_by_source == {}
    assert r.funnel == dict.fromkeys(FUNNEL_STEPS, 0)
    assert [r.conversion(step) for step in FUNNEL_STEPS] == [None] * len(FUNNEL_STEPS)
    assert r.speed_to_lead == Duration(count=0, median=None, p90=None)
    assert r.sales_cycle == Duration(count=0, median=None, p90=None)
    assert r.follow_up == Rate(0, 0) and r.follow_up.value is None
    assert r.win_rate == Rate(0, 0) and r.win_rate.value is None
    assert r.qualified_vs_plan == Rate(0, plan)
    assert r.breaches_by_rep == []
    assert r.attempts_before_outcome is None
    assert r.nurture_touches_before_sales_ready is None
    assert r.top_reasons == {"disqualify": [], "recycle": [], "lost": []}
    assert r.stuck == {"sales_ready": [], "working": [], "opportunity": [], "on_hold": []}


def test_a_past_weeks_figures_are_unchanged_after_its_leads_move_on(
    history: History, session: Session, playbook: Playbook
) -> None:
    before = report(session, playbook)
    s, h = Stage, history
    # The next week: J qualified and won, F connected and qualified, B back and claimed by
    # REP3, E sales-ready, C reopened, D's rep reminded again. The leads' stages change too.
    h.attempt("F", nov(24, 9), REP3, "connected")
    h.move("F", nov(24, 10), s.WORKING, s.OPPORTUNITY)
    h.move("J", nov(24, 11), s.WORKING, s.OPPORTUNITY)
    h.move("J", nov(26, 11), s.OPPORTUNITY, s.WON)
    h.move("B", nov(25, 9), s.NURTURE, s.SALES_READY)
    h.claimed("B", nov(25, 9, 5), REP3, 300.0, True)
    h.touch("E", nov(24, 9))
    h.move("E", nov(25, 9), s.NURTURE, s.SALES_READY)
    h.move("C", nov(25, 12), s.LOST, s.OPPORTUNITY)
    h.nudged("D", nov(24, 9), "owner", GONE, GONE)
    moved = {"F": s.OPPORTUNITY, "J": s.WON, "B": s.WORKING, "E": s.SALES_READY,
             "C": s.OPPORTUNITY}  # fmt: skip
    for key, stage in moved.items():
        session.execute(update(LEAD).where(LEAD.c.id == h.ids[key]).values(stage=stage))
    later = NOW + timedelta(days=10)
    after = compute_report(
        session=session, playbook=playbook, window=before.window, team=None, now=later
    )
    assert replace(after, stuck={}) == replace(before, stuck={})
    assert after.stuck != before.stuck  # the snapshot is of `now`
