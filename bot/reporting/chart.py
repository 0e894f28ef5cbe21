"""The funnel chart of a report: a PNG for the digest's thread, drawn headless.

matplotlib's object-oriented API only (a `Figure` with an Agg canvas of its own), never pyplot:
pyplot keeps global state (the current figure, the backend) that two jobs drawing at once would
share, and it needs no display here.
"""

from __future__ import annotations

from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from bot.reporting.report import FUNNEL_STEPS, FunnelReport

#: How each step reads on the chart (the funnel's words in DESIGN.md).
STEP_LABELS: dict[str, str] = {
    "new": "New",
    "nurture": "Nurture (MQL)",
    "sales_ready": "Sales-ready (SQL)",
    "claimed": "Claimed",
    "opportunity": "Opportunity",
    "won": "Won",
}
# 1200 × 675 px (16:9). A channel shows an image as a preview a few hundred pixels wide, so the
# fonts below are sized to stay readable at well under half scale.
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 150
LABEL_PT, COUNT_PT, RATE_PT, TITLE_PT, NOTE_PT = 14, 14, 13, 16, 11
# One hue, darker further down the funnel: the eye reads the order without a legend.
BAR_COLOURS = ("#a8c5e2", "#8db3d9", "#6f9fcf", "#4f88c2", "#336fae", "#1d3557")
TEXT_COLOUR, MUTED_COLOUR = "#1d1d1d", "#5f6b76"
NO_VALUE = "–"  # a rate without a denominator, as elsewhere in the report


def funnel_chart_png(report: FunnelReport, *, title: str) -> bytes:
    """The report's funnel as PNG bytes; the same report and title always give the same bytes."""
    figure = funnel_figure(report, title=title)
    buffer = BytesIO()
    FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": None})
    return buffer.getvalue()


def funnel_figure(report: FunnelReport, *, title: str) -> Figure:
    """The chart as a matplotlib figure: one bar per funnel step with its count, and the share
    of the step above that reached it; a note instead when no lead reached any step."""
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    figure.suptitle(title, x=0.02, y=0.965, ha="left", fontsize=TITLE_PT, fontweight="bold")
    counts = [report.funnel.get(step, 0) for step in FUNNEL_STEPS]
    if not any(counts):
        _draw_empty(figure, report)
        return figure
    axes = figure.add_axes((0.25, 0.11, 0.57, 0.73))
    rows = range(len(FUNNEL_STEPS))
    top = max(counts)
    axes.barh(rows, counts, height=0.72, color=BAR_COLOURS[: len(FUNNEL_STEPS)])
    axes.set_ylim(len(FUNNEL_STEPS) - 0.5, -0.5)  # the first step on top, as a funnel reads
    axes.set_xlim(0, top * 1.18)  # room for the count beside the longest bar
    axes.set_yticks(list(rows), [STEP_LABELS[step] for step in FUNNEL_STEPS])
    axes.tick_params(axis="y", length=0, labelsize=LABEL_PT, labelcolor=TEXT_COLOUR)
    axes.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)
    # x in figure fractions, y on the bars' rows: a column right of the bars, whatever the counts.
    rate_column = blended_transform_factory(figure.transFigure, axes.transData)
    for row, (step, count) in enumerate(zip(FUNNEL_STEPS, counts, strict=True)):
        axes.annotate(
            f"{count:,}",
            xy=(count, row),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            fontsize=COUNT_PT,
            fontweight="bold",
            color=TEXT_COLOUR,
        )
        if row:
            axes.text(
                0.95,
                row,
                rate_text(report.conversion(step)),
                transform=rate_column,
                ha="right",
                va="center",
                fontsize=RATE_PT,
                color=MUTED_COLOUR,
            )
    figure.text(
        0.95, 0.87, "% of step above", ha="right", va="bottom", fontsize=NOTE_PT, color=MUTED_COLOUR
    )
    figure.text(0.02, 0.03, _footnote(report), fontsize=NOTE_PT, color=MUTED_COLOUR)
    return figure


def funnel_alt_text(report: FunnelReport) -> str:
    """What the chart shows, in words, for screen readers (the file's alt text)."""
    counts = [report.funnel.get(step, 0) for step in FUNNEL_STEPS]
    if not any(counts):
        return f"Funnel chart: no leads ({_footnote(report)})."
    steps = [f"{STEP_LABELS[FUNNEL_STEPS[0]]} {counts[0]:,}"]
    for step, count in zip(FUNNEL_STEPS[1:], counts[1:], strict=True):
        steps.append(f"{STEP_LABELS[step]} {count:,} ({rate_text(report.conversion(step))})")
    return f"Funnel chart, {_footnote(report)}: {', '.join(steps)}."


def rate_text(rate: float | None) -> str:
    """A conversion as the chart prints it: "75%", "7.5%" under 10%, "–" without a base."""
    if rate is None:
        return NO_VALUE
    percent = rate * 100
    return f"{percent:.1f}%" if 0 < percent < 10 else f"{percent:.0f}%"


def _footnote(report: FunnelReport) -> str:
    first, last = report.funnel.get(FUNNEL_STEPS[0], 0), report.funnel.get(FUNNEL_STEPS[-1], 0)
    overall = rate_text(last / first) if first else NO_VALUE
    scope = f"team {report.team}" if report.team else "all teams"
    return f"{report.window.label} · {scope} · new → won: {overall}"


def _draw_empty(figure: Figure, report: FunnelReport) -> None:
    figure.text(
        0.5, 0.52, "No leads this week" if _is_week(report) else "No leads in this period",
        ha="center", va="center", fontsize=TITLE_PT + 4, color=MUTED_COLOUR,
    )  # fmt: skip
    figure.text(0.02, 0.03, _footnote(report), fontsize=NOTE_PT, color=MUTED_COLOUR)


def _is_week(report: FunnelReport) -> bool:
    return round((report.window.end - report.window.start).total_seconds() / 86_400) == 7
