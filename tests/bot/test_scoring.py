"""Qualification: fit plus decaying engagement, the reasons behind a score, the threshold."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import InvalidLead
from bot.playbook.loading import parse_playbook
from bot.playbook.model import Playbook, Scoring
from bot.rules.scoring import (
    FitAnswers,
    Reason,
    Score,
    Touch,
    decayed,
    engagement_points,
    engagement_score,
    fit_score,
    is_sales_ready,
    score_lead,
    threshold_crossing,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)

SMALL = """
teams:
  sales: {name: Sales, channel: C0SALES001, manager: U0MANAGER1}
routing: {default_team: sales}
scoring:
  threshold: 50
  engagement_half_life_days: 10
  fit:
    budget: {Approved: 20, none: -5}
    compelling_event: {"yes": 15, "no": -3, funding_round: 25}
    company_size:
      - {min: 50, points: 5}
      - {min: 1000, points: 15}
      - {min: 200, points: 10}
      - {min: 1, points: 0}
  engagement: {Demo Request: 30, page-view: 1}
"""


@pytest.fixture(scope="module")
def small() -> Scoring:
    return parse_playbook(SMALL).scoring


@pytest.fixture
def scoring(playbook: Playbook) -> Scoring:
    return playbook.scoring


def fit_of(scoring: Scoring, **answers: object) -> tuple[float, list[Reason]]:
    return fit_score(FitAnswers(**answers), scoring)  # type: ignore[arg-type]


# --- fit -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "points", "label"),
    [
        ({"budget": "approved"}, 20, "Budget: approved"),
        ({"budget": "Planned"}, 10, "Budget: planned"),
        ({"authority": "Decision Maker"}, 20, "Decision maker"),
        ({"authority": "decision-maker"}, 20, "Decision maker"),
        ({"authority": "influencer"}, 10, "Influencer"),
        ({"timeframe": "This quarter"}, 15, "Timeframe: this quarter"),
        ({"timeframe": "this_year"}, 5, "Timeframe: this year"),
        ({"compelling_event": "yes"}, 15, "Compelling event"),
        ({"company_size": 1200}, 15, "Company size 1,200"),
    ],
)
def test_each_fit_answer_scores_its_playbook_points_with_a_readable_reason(
    scoring: Scoring, answers: dict[str, object], points: float, label: str
) -> None:
    assert fit_of(scoring, **answers) == (points, [Reason(label, points)])


def test_fit_is_the_sum_of_all_answers(scoring: Scoring) -> None:
    total, reasons = fit_of(
        scoring,
        budget="approved",
        authority="decision_maker",
        timeframe="this_quarter",
        compelling_event="yes",
        company_size=250,
    )
    assert total == 20 + 20 + 15 + 15 + 10
    assert len(reasons) == 5


def test_no_answers_score_nothing(scoring: Scoring) -> None:
    assert fit_of(scoring) == (0, [])


def test_answer_the_playbook_does_not_list_scores_nothing(scoring: Scoring) -> None:
    assert fit_of(scoring, budget="unlimited", timeframe="whenever") == (0, [])


def test_option_worth_zero_points_gives_no_reason(scoring: Scoring) -> None:
    assert fit_of(scoring, budget="none", timeframe="later") == (0, [])


def test_negative_option_lowers_fit_and_says_why(small: Scoring) -> None:
    assert fit_of(small, budget="None") == (-5, [Reason("Budget: none", -5)])


def test_playbook_option_keys_are_normalised_too(small: Scoring) -> None:
    # The playbook says "Approved"; the answer arrives as "approved".
    assert fit_of(small, budget="approved")[0] == 20


@pytest.mark.parametrize(
    "text", ["yes", "Yes", "true", "We are replacing our CRM in Q1", "new CFO", "Funding!"]
)
def test_any_described_compelling_event_counts_as_yes(scoring: Scoring, text: str) -> None:
    assert fit_of(scoring, compelling_event=text) == (15, [Reason("Compelling event", 15)])


@pytest.mark.parametrize("text", ["", "  ", "no", "No", "none", "false", "n/a", "N/A"])
def test_a_denied_compelling_event_is_not_yes(scoring: Scoring, text: str) -> None:
    assert fit_of(scoring, compelling_event=text) == (0, [])


@pytest.mark.parametrize("text", ["no", "None", "false", "n/a"])
def test_a_denied_compelling_event_scores_the_no_option(small: Scoring, text: str) -> None:
    assert fit_of(small, compelling_event=text)[0] == -3


def test_compelling_event_naming_a_playbook_option_scores_that_option(small: Scoring) -> None:
    assert fit_of(small, compelling_event="Funding round")[0] == 25


@pytest.mark.parametrize(
    ("size", "points"),
    [(5000, 15), (1000, 15), (999, 10), (200, 10), (199, 5), (50, 5), (49, 0), (0, 0)],
)
def test_company_size_scores_the_biggest_band_it_reaches(
    small: Scoring, size: int, points: float
) -> None:
    # SMALL lists its bands out of order on purpose.
    assert fit_of(small, company_size=size)[0] == points


def test_company_size_below_every_band_scores_nothing(scoring: Scoring) -> None:
    assert fit_of(scoring, company_size=10) == (0, [])


def test_unknown_company_size_scores_nothing(scoring: Scoring) -> None:
    assert fit_of(scoring, company_size=None) == (0, [])


# --- decay ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [(timedelta(0), 40), (14 * DAY, 20), (28 * DAY, 10), (7 * DAY, 40 * 0.5**0.5)],
)
def test_points_halve_every_half_life(age: timedelta, expected: float) -> None:
    assert decayed(40, NOW - age, NOW, 14) == pytest.approx(expected)


def test_future_touch_counts_as_now() -> None:
    assert decayed(40, NOW + 3 * DAY, NOW, 14) == 40


def test_decay_uses_fractions_of_a_day() -> None:
    assert decayed(40, NOW - timedelta(hours=12), NOW, 1) == pytest.approx(40 * 0.5**0.5)


# --- engagement ----------------------------------------------------------------------------


def test_engagement_sums_decayed_points(scoring: Scoring) -> None:
    touches = [Touch("demo_request", 30, NOW), Touch("content_download", 5, NOW - 14 * DAY)]
    assert engagement_score(touches, scoring, NOW)[0] == 32.5


def test_engagement_gives_one_reason_per_type_with_a_count(scoring: Scoring) -> None:
    touches = [Touch("page_view", 1, NOW - i * DAY) for i in range(12)]
    touches.append(Touch("demo_request", 30, NOW))
    _, reasons = engagement_score(touches, scoring, NOW)
    expected_views = round(sum(0.5 ** (i / 14) for i in range(12)), 1)
    assert reasons == [Reason("Page view ×12", expected_views), Reason("Demo request", 30)]


def test_engagement_groups_spellings_of_one_type(scoring: Scoring) -> None:
    touches = [Touch("Page View", 1, NOW), Touch("page-view", 1, NOW)]
    assert engagement_score(touches, scoring, NOW)[1] == [Reason("Page view ×2", 2)]


def test_engagement_is_rounded_to_one_decimal(scoring: Scoring) -> None:
    points, [only] = engagement_score([Touch("page_view", 1, NOW - 5 * DAY)], scoring, NOW)
    assert points == only.points == 0.8


def test_engagement_uses_the_playbook_half_life(small: Scoring) -> None:
    assert engagement_score([Touch("demo_request", 30, NOW - 10 * DAY)], small, NOW)[0] == 15


def test_long_decayed_type_gives_no_reason(scoring: Scoring) -> None:
    touches = [Touch("page_view", 1, NOW - 365 * DAY)]
    assert engagement_score(touches, scoring, NOW) == (0, [])


def test_no_touches_no_engagement(scoring: Scoring) -> None:
    assert engagement_score([], scoring, NOW) == (0, [])


# --- score_lead ----------------------------------------------------------------------------


def test_score_is_fit_plus_engagement(scoring: Scoring) -> None:
    score = score_lead(
        answers=FitAnswers(budget="approved", company_size=1200),
        touches=[Touch("demo_request", 30, NOW - 14 * DAY)],
        scoring=scoring,
        now=NOW,
    )
    assert (score.total, score.fit, score.engagement) == (50, 35, 15)


def test_score_reasons_are_sorted_biggest_first(scoring: Scoring) -> None:
    score = score_lead(
        answers=FitAnswers(budget="planned", authority="decision_maker", company_size=60),
        touches=[Touch("demo_request", 30, NOW), Touch("page_view", 1, NOW)],
        scoring=scoring,
        now=NOW,
    )
    assert [r.label for r in score.reasons] == [
        "Demo request",
        "Decision maker",
        "Budget: planned",
        "Company size 60",
        "Page view",
    ]


def test_score_total_is_rounded_to_one_decimal(scoring: Scoring) -> None:
    score = score_lead(
        answers=FitAnswers(budget="approved"),
        touches=[Touch("page_view", 1, NOW - 3 * DAY), Touch("demo_request", 30, NOW - DAY)],
        scoring=scoring,
        now=NOW,
    )
    assert score.total == round(score.total, 1)
    assert score.total == round(20 + 0.5 ** (3 / 14) + 30 * 0.5 ** (1 / 14), 1)


def test_score_top_gives_the_biggest_reasons() -> None:
    score = Score(10, 10, 0, (Reason("b", 2), Reason("a", 5), Reason("c", 3)))
    assert score.top(2) == (Reason("a", 5), Reason("c", 3))


def test_score_keeps_reasons_biggest_first_however_built() -> None:
    score = Score(4, 4, 0, (Reason("small", 1), Reason("big", 3)))
    assert score.reasons == (Reason("big", 3), Reason("small", 1))


def test_score_survives_a_json_round_trip(scoring: Scoring) -> None:
    score = score_lead(
        answers=FitAnswers(budget="approved", authority="influencer", compelling_event="yes"),
        touches=[Touch("page_view", 1, NOW - 2 * DAY)] * 3,
        scoring=scoring,
        now=NOW,
    )
    assert Score.from_dict(json.loads(json.dumps(score.as_dict()))) == score


def test_score_as_dict_shape() -> None:
    assert Score(21, 20, 1, (Reason("Budget: approved", 20), Reason("Page view", 1))).as_dict() == {
        "total": 21,
        "fit": 20,
        "engagement": 1,
        "reasons": [
            {"label": "Budget: approved", "points": 20},
            {"label": "Page view", "points": 1},
        ],
    }


# --- event types and threshold -------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_type", "points"),
    [("demo_request", 30), ("Demo Request", 30), ("page-view", 1), ("trial_signup", 20)],
)
def test_engagement_points_come_from_the_playbook(
    scoring: Scoring, event_type: str, points: float
) -> None:
    assert engagement_points(scoring, event_type) == points


def test_unknown_event_type_is_refused_naming_the_known_ones_sorted(scoring: Scoring) -> None:
    with pytest.raises(InvalidLead) as caught:
        engagement_points(scoring, "webinar")
    [error] = caught.value.errors
    assert error.field == "type"
    assert error.message == (
        "unknown event type 'webinar'; the playbook knows: content_download, demo_request, "
        "page_view, pricing_page_view, trial_signup, webinar_attended"
    )


@pytest.mark.parametrize(("total", "ready"), [(59.9, False), (60, True), (75, True)])
def test_sales_ready_at_or_above_the_threshold(scoring: Scoring, total: float, ready: bool) -> None:
    assert is_sales_ready(Score(total, total, 0), scoring) is ready


# --- threshold_crossing: when decay takes the score across the threshold ---------------------


def crossing(scoring: Scoring, touches: list[Touch], **answers: object) -> datetime | None:
    return threshold_crossing(
        answers=FitAnswers(**answers),  # type: ignore[arg-type]
        touches=touches,
        scoring=scoring,
        now=NOW,
    )


def test_a_decaying_score_crosses_down_when_the_half_life_says(scoring: Scoring) -> None:
    # Fit 40 (planned 10, influencer 10, this half 10, 300 people 10), a trial signup (+20) and a
    # download (+5) two days ago. By hand, with half-life 14: the score, rounded to a tenth, is
    # below 60 once the exact one is below 59.95, when 25·2^(-d/14) = 19.95 from the touches'
    # day: d = 14·log2(25/19.95) = 4.55755 days after them, 2.55755 days from now.
    two_days_ago = NOW - 2 * DAY
    touches = [Touch("trial_signup", 20, two_days_ago), Touch("content_download", 5, two_days_ago)]
    answers = {"budget": "planned", "authority": "influencer", "timeframe": "this half",
               "company_size": 300}  # fmt: skip
    at = crossing(scoring, touches, **answers)
    assert at is not None
    assert abs(at - (two_days_ago + timedelta(days=4.55755))) < timedelta(seconds=1)

    def score(when: datetime) -> float:
        return score_lead(answers=FitAnswers(**answers), touches=touches, scoring=scoring,  # type: ignore[arg-type]
                          now=when).total  # fmt: skip

    assert score(at - timedelta(microseconds=1)) == 60 and score(at) == 59.9


def test_a_score_that_fit_alone_keeps_up_never_crosses(scoring: Scoring) -> None:
    fit_70 = {"budget": "approved", "authority": "decision maker", "timeframe": "this quarter",
              "compelling_event": "yes"}  # fmt: skip
    assert crossing(scoring, [Touch("demo_request", 30, NOW)], **fit_70) is None


def test_without_touches_nothing_decays(scoring: Scoring) -> None:
    assert crossing(scoring, [], budget="approved") is None


def test_a_score_below_the_threshold_with_positive_points_never_climbs(scoring: Scoring) -> None:
    assert crossing(scoring, [Touch("demo_request", 30, NOW)]) is None  # 30, falling


def test_negative_points_decaying_make_the_score_climb_across(small: Scoring) -> None:
    # Threshold 50, half-life 10. Fit 45 (budget 20, funding round 25) and a -20 touch: 25,
    # climbing back towards 45, never to 49.95 (50, rounded). Fit 60 (1,000+ people: 15): it
    # reaches 49.95 when 60 - 20·2^(-d/10) = 49.95, d = 10·log2(20/10.05) = 9.9280 days.
    scoring = small.model_copy(update={"engagement": {"unsubscribed": -20.0}})
    touch = [Touch("unsubscribed", -20, NOW)]
    assert crossing(scoring, touch, budget="approved", compelling_event="funding round") is None
    at = crossing(scoring, touch, budget="approved", compelling_event="funding round",
                  company_size=5000)  # fmt: skip
    assert at is not None and abs(at - (NOW + timedelta(days=9.9280))) < timedelta(minutes=1)
