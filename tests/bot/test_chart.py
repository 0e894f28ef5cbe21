"""The funnel chart: a PNG drawn headless, legible, the same bytes for the same report."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from io import BytesIO

import pytest
from matplotlib.image import imread
from matplotlib.text import Text

from bot.reporting.chart import funnel_alt_text, funnel_chart_png, funnel_figure, rate_text
from bot.reporting.report import FUNNEL_STEPS, Duration, FunnelReport, Rate, Window

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WEEK = Window(
    start=datetime(2026, 11, 23, tzinfo=UTC),
    end=datetime(2026, 11, 30, tzinfo=UTC),
    label="week of 23 Nov",
    timezone="Europe/Berlin",
)
NOVEMBER = Window(
    start=datetime(2026, 11, 1, tzinfo=UTC),
    end=datetime(2026, 12, 1, tzinfo=UTC),
    label="November 2026",
    timezone="Europe/Berlin",
)
# 40 new → 30 nurture (75%) → 12 sales-ready (40%) → 9 claimed (75%) → 3 opportunity (33%)
# → 1 won (33%); new → won: 1 of 40 = 2.5%.
FUNNEL = {"new": 40, "nurture": 30, "sales_ready": 12, "claimed": 9, "opportunity": 3, "won": 1}


def report(
    funnel: dict[str, int], *, window: Window = WEEK, team: str | None = "emea"
) -> FunnelReport:
    nothing = Duration(count=0, median=None, p90=None)
    return FunnelReport(
        window=window,
        team=team,
        leads_in_by_source={},
        funnel=funnel,
        speed_to_lead=nothing,
        follow_up=Rate(0, 0),
        breaches_by_rep=[],
        attempts_before_outcome=None,
        top_reasons={},
        nurture_touches_before_sales_ready=None,
        win_rate=Rate(0, 0),
        sales_cycle=nothing,
        qualified_vs_plan=Rate(0, 0),
    )


def texts(funnel: dict[str, int], *, window: Window = WEEK, team: str | None = "emea") -> list[str]:
    """Every piece of text the chart shows (titles, tick labels, annotations), top to bottom."""
    figure = funnel_figure(report(funnel, window=window, team=team), title="Funnel — EMEA")
    return [t.get_text() for t in figure.findobj(Text) if t.get_text() and t.get_visible()]


def rates(shown: list[str]) -> list[str]:
    """The conversion column: the texts that are a rate and nothing else."""
    return [t for t in shown if re.fullmatch(r"\d+(\.\d)?%|–", t)]


def test_the_chart_is_a_png_of_slack_preview_proportions() -> None:
    png = funnel_chart_png(report(FUNNEL), title="Funnel — EMEA, week of 23 Nov")

    assert png.startswith(PNG_MAGIC)
    assert 10_000 < len(png) < 200_000  # small enough for the outbox row, big enough to read
    pixels = imread(BytesIO(png), format="png")
    assert pixels.shape[:2] == (675, 1200)  # 16:9


def test_every_step_is_labelled_with_its_count() -> None:
    shown = texts(FUNNEL)
    labels = ["New", "Nurture (MQL)", "Sales-ready (SQL)", "Claimed", "Opportunity", "Won"]
    assert all(label in shown for label in labels)
    assert all(str(count) in shown for count in FUNNEL.values())
    assert "Funnel — EMEA" in shown


def test_each_step_shows_its_conversion_from_the_step_above() -> None:
    shown = texts(FUNNEL)
    # 30/40, 12/30, 9/12, 3/9, 1/3; the first step has no step above.
    assert rates(shown) == ["75%", "40%", "75%", "33%", "33%"]
    assert "week of 23 Nov · team emea · new → won: 2.5%" in shown


def test_large_counts_are_grouped_in_thousands() -> None:
    assert "12,345" in texts({**FUNNEL, "new": 12_345})


def test_a_step_after_an_empty_step_has_no_rate() -> None:
    shown = texts({"new": 5, "nurture": 0, "sales_ready": 2, "claimed": 2})
    assert rates(shown) == ["0%", "–", "100%", "0%", "–"]


@pytest.mark.parametrize(
    ("rate", "shown"),
    [(None, "–"), (0.0, "0%"), (0.025, "2.5%"), (0.75, "75%"), (1.2, "120%"), (1 / 3, "33%")],
)
def test_rates_are_whole_percent_with_one_decimal_under_ten(rate: float | None, shown: str) -> None:
    assert rate_text(rate) == shown


def test_an_empty_week_says_no_leads_instead_of_an_empty_chart() -> None:
    png = funnel_chart_png(report({}), title="Funnel — EMEA")

    assert png.startswith(PNG_MAGIC)
    shown = texts({})
    assert "No leads this week" in shown
    assert not any(label in shown for label in ("New", "Won"))


def test_all_steps_at_zero_is_empty_too() -> None:
    assert "No leads this week" in texts(dict.fromkeys(FUNNEL_STEPS, 0))


def test_an_empty_month_says_no_leads_in_this_period() -> None:
    shown = texts({}, window=NOVEMBER, team=None)
    assert "No leads in this period" in shown
    assert "November 2026 · all teams · new → won: –" in shown


def test_the_alt_text_says_what_the_chart_shows() -> None:
    assert funnel_alt_text(report(FUNNEL)) == (
        "Funnel chart, week of 23 Nov · team emea · new → won: 2.5%: New 40, Nurture (MQL) 30 "
        "(75%), Sales-ready (SQL) 12 (40%), Claimed 9 (75%), Opportunity 3 (33%), Won 1 (33%)."
    )
    assert funnel_alt_text(report({})) == (
        "Funnel chart: no leads (week of 23 Nov · team emea · new → won: –)."
    )


def test_the_same_report_gives_the_same_bytes() -> None:
    """No timestamp or version in the PNG: a retried upload sends what the first try would."""
    first = funnel_chart_png(report(FUNNEL), title="Funnel")
    assert funnel_chart_png(report(FUNNEL), title="Funnel") == first
    assert funnel_chart_png(report({**FUNNEL, "won": 2}), title="Funnel") != first
    assert b"Software" not in first and b"matplotlib" not in first


def test_charts_drawn_in_threads_at_once_are_each_right() -> None:
    """No pyplot: each figure has its own canvas, so jobs can draw side by side."""
    expected = {n: funnel_chart_png(report({**FUNNEL, "new": n}), title="F") for n in (40, 50)}
    drawn: dict[int, list[bytes]] = {40: [], 50: []}

    def draw(n: int) -> None:
        for _ in range(3):
            drawn[n].append(funnel_chart_png(report({**FUNNEL, "new": n}), title="F"))

    threads = [threading.Thread(target=draw, args=(n,)) for n in (40, 50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert drawn == {n: [expected[n]] * 3 for n in (40, 50)}
